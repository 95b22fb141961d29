//! Types that the runtime, the inference engine and clients all use, so that a job's parameters
//! and its result commitment are defined — and hashed — by exactly one piece of code.
//!
//! `no_std`, no FRAME: the engine links it natively, the runtime in Wasm.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod keys;
pub mod offchain;
pub mod prompt;
pub mod selection;
pub mod verification;
pub mod witness;

pub use verification::{ComputePath, ModelClass, VerificationRule};

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifies a model in the on-chain registry.
pub type ModelId = u32;
/// Identifies a job; assigned in submission order, never reused.
pub type JobId = u64;
/// A token id of a model's vocabulary.
pub type TokenId = u32;

/// How a provider must generate, fixed by the dapp at submission so a checker can replay it.
///
/// Temperature and top-p are in thousandths (fixed point keeps the runtime float-free): a
/// temperature of 0 means greedy decoding, and then `top_p_milli` and `seed` do not matter.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GenParams {
	/// Most tokens the provider may generate (it stops earlier at end-of-sequence).
	pub max_tokens: u32,
	/// Sampling temperature × 1000; 0 = greedy.
	pub temperature_milli: u32,
	/// Nucleus (top-p) mass × 1000, in 1..=1000.
	pub top_p_milli: u32,
	/// Seed of the sampler's random stream.
	pub seed: u64,
}

impl GenParams {
	/// Greedy decoding of at most `max_tokens` tokens.
	pub const fn greedy(max_tokens: u32) -> Self {
		Self { max_tokens, temperature_milli: 0, top_p_milli: 1000, seed: 0 }
	}

	/// Seeded sampling of at most `max_tokens` tokens; temperature and top-p in thousandths.
	pub const fn sampled(
		max_tokens: u32,
		temperature_milli: u32,
		top_p_milli: u32,
		seed: u64,
	) -> Self {
		Self { max_tokens, temperature_milli, top_p_milli, seed }
	}

	/// Whether decoding is greedy (argmax), as opposed to seeded sampling.
	pub const fn is_greedy(&self) -> bool {
		self.temperature_milli == 0
	}
}

/// Domain tag of [`commitment`]; bump the version when the encoding changes.
pub const COMMITMENT_DOMAIN: &[u8] = b"attesta/commitment/v1";

/// The hash a provider posts with a result, binding everything that determines the output.
///
/// Layout hashed with BLAKE2b-256 (all integers little-endian, as SCALE encodes them):
/// `COMMITMENT_DOMAIN ‖ model_hash[32] ‖ u32 len ‖ prompt ‖ GenParams (u32,u32,u32,u64)
///  ‖ u32 n ‖ n × u32 output token`.
/// The prompt is the dapp's exact bytes; the model's pinned tokenizer and chat template turn it
/// into input tokens identically on every machine, so binding the bytes binds the tokens.
pub fn commitment(
	model_hash: &[u8; 32],
	prompt: &[u8],
	params: &GenParams,
	output_tokens: &[TokenId],
) -> [u8; 32] {
	let mut buf = alloc::vec::Vec::new();
	buf.extend_from_slice(COMMITMENT_DOMAIN);
	buf.extend_from_slice(model_hash);
	buf.extend_from_slice(&(prompt.len() as u32).to_le_bytes());
	buf.extend_from_slice(prompt);
	buf.extend_from_slice(&params.max_tokens.to_le_bytes());
	buf.extend_from_slice(&params.temperature_milli.to_le_bytes());
	buf.extend_from_slice(&params.top_p_milli.to_le_bytes());
	buf.extend_from_slice(&params.seed.to_le_bytes());
	buf.extend_from_slice(&(output_tokens.len() as u32).to_le_bytes());
	for t in output_tokens {
		buf.extend_from_slice(&t.to_le_bytes());
	}
	sp_crypto_hashing::blake2_256(&buf)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn commitment_binds_every_input() {
		let model = [1u8; 32];
		let p = GenParams::greedy(16);
		let base = commitment(&model, b"hi", &p, &[1, 2, 3]);
		assert_eq!(base, commitment(&model, b"hi", &p, &[1, 2, 3]));
		assert_ne!(base, commitment(&[2u8; 32], b"hi", &p, &[1, 2, 3]));
		assert_ne!(base, commitment(&model, b"hj", &p, &[1, 2, 3]));
		assert_ne!(base, commitment(&model, b"hi", &GenParams::greedy(17), &[1, 2, 3]));
		assert_ne!(base, commitment(&model, b"hi", &p, &[1, 2]));
		assert_ne!(base, commitment(&model, b"hi", &p, &[1, 2, 4]));
		// Length prefixes keep prompt and tokens from sliding into each other.
		assert_ne!(commitment(&model, b"", &p, &[]), commitment(&model, &[0, 0, 0, 0], &p, &[]));
	}

	#[test]
	fn commitment_matches_the_documented_layout() {
		// Pinned to an independent computation of the documented layout (Python's
		// hashlib.blake2b, digest_size=32): the engine, the runtime and clients must all agree.
		let c = commitment(&[0u8; 32], b"abc", &GenParams::greedy(8), &[7, 8]);
		let hex: String = c.iter().map(|b| format!("{b:02x}")).collect();
		assert_eq!(hex, "f4885d451b30b4ed3d0040bea86741c3e5f7eac72e97a9ed7b52496a73426758");
	}
}
