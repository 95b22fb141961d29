//! The registry's record of a model.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;

pub use attesta_primitives::{ComputePath, ModelClass, VerificationRule};

/// Longest model name, in bytes.
pub type MaxModelNameLen = ConstU32<64>;
/// A model's human-readable name, e.g. `SmolLM2-135M-Instruct Q4_1`.
pub type ModelName = BoundedVec<u8, MaxModelNameLen>;

/// The network family a model belongs to; decides which engine code runs it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Architecture {
	/// Llama-style decoder (SmolLM2, Llama, Qwen2-like), run from a GGUF file.
	Llama,
}

/// Where a model's tokenizer comes from.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Tokenizer {
	/// Carried in the GGUF weights file itself, so pinned by the weights hash.
	GgufEmbedded,
}

/// Everything the chain pins about a model.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct ModelInfo {
	/// Human-readable name.
	pub name: ModelName,
	/// Network family.
	pub architecture: Architecture,
	/// SHA-256 of the weights file: providers and checkers must load exactly this file.
	pub weights_hash: [u8; 32],
	/// Tokenizer source.
	pub tokenizer: Tokenizer,
	/// Most tokens (prompt + output) the model attends to.
	pub max_context_tokens: u32,
	/// Most output tokens a job may ask for.
	pub max_output_tokens: u32,
	/// The numerics results are produced and checked with (compute path, engine version):
	/// fixed at registration, since results of one class cannot be judged by another (a new
	/// class is a new registry entry).
	pub class: ModelClass,
	/// How results are checked.
	pub verification: VerificationRule,
	/// Whether new jobs may use it; retired models stay for the jobs that reference them.
	pub active: bool,
}

/// What other pallets need to know of a model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ModelLimits {
	/// SHA-256 of the weights file.
	pub weights_hash: [u8; 32],
	/// Most tokens (prompt + output).
	pub max_context_tokens: u32,
	/// Most output tokens per job.
	pub max_output_tokens: u32,
	/// The numerics results must be produced and checked with.
	pub class: ModelClass,
	/// The governed rule checkers apply.
	pub verification: VerificationRule,
	/// Whether new jobs may use it.
	pub active: bool,
}
