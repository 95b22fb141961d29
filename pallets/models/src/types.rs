//! The registry's record of a model.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;

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

/// How a checker decides whether a claimed output is what the model produces.
///
/// Teacher-forced checking feeds prompt + claimed output through the model in one pass and
/// tests each claimed token against the checker's own logits, tolerating the small numeric
/// differences between machines.
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
pub struct VerificationRule {
	/// A greedy token must be among the checker's `top_k` best.
	pub top_k: u32,
	/// ...and its logit within this much (× 1000) of the best logit.
	pub logit_tolerance_milli: u32,
	/// Positions allowed to fail before the whole output is rejected, per thousand checked.
	pub max_mismatch_permille: u32,
}

impl VerificationRule {
	/// Whether the rule is usable: top-k at least 1, a finite tolerance, a mismatch share ≤ 100 %.
	pub fn is_valid(&self) -> bool {
		self.top_k >= 1 &&
			self.top_k <= 1_000 &&
			self.logit_tolerance_milli <= 100_000 &&
			self.max_mismatch_permille <= 1_000
	}
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
	/// Whether new jobs may use it.
	pub active: bool,
}
