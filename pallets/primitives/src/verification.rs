//! What a model's results are produced and checked with, pinned per model on chain: the model
//! class (how the numbers are computed) and the governed rule checkers apply.
//!
//! Both travel in every engine task, so a node never executes or checks a model with numerics or
//! a tolerance other than the chain's.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// How the engine multiplies a model's matrices; it changes the numerics, so it is part of the
/// model class.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ComputePath {
	/// Weights stay in their GGUF blocks and are dequantized exactly inside the engine's kernels
	/// against f32 activations, with one fixed order for every sum: bit-identical across thread
	/// counts, prefill and decode, and x86-64 CPUs with or without AVX2. CPU only.
	#[default]
	#[codec(index = 0)]
	BlockF32,
	/// Weights dequantized to f32 at load and multiplied by candle's f32 GEMM (summation order
	/// chosen by the GEMM library).
	#[codec(index = 1)]
	DequantizedF32,
	/// GGUF block kernels with activations quantized to 8 bits (candle's quantized matmul).
	#[codec(index = 2)]
	Quantized,
}

/// The numerics a model's results must be produced and checked with.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelClass {
	/// How matrices are multiplied.
	pub compute: ComputePath,
	/// The engine's numerics version: any change to a kernel's arithmetic, the tokenizer or the
	/// sampler bumps it, so results of one version are never judged by another.
	pub engine_version: u32,
}

/// How checkers decide whether a claimed output is what the model produces; governed per model.
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
pub struct VerificationRule {
	/// Greedy: a claimed token must be among the checker's `top_k` best.
	pub top_k: u32,
	/// Greedy: ...and its logit within this much (× 1000) of the best logit.
	pub logit_tolerance_milli: u32,
	/// Seeded sampling: the replayed draw may miss the claimed token's interval of the
	/// cumulative distribution by at most this much probability mass, per million (nucleus cuts
	/// within the same mass of `top_p` are tried too).
	pub sample_tolerance_ppm: u32,
	/// Positions allowed to fail before the whole output is rejected, per thousand checked
	/// (rounded down: with fewer than 1000 / permille positions, none may fail).
	pub max_mismatch_permille: u32,
}

impl VerificationRule {
	/// Whether the rule is usable: top-k in 1..=1000, a logit tolerance ≤ 100, a sampling
	/// tolerance ≤ 10 % of the mass, a mismatch share ≤ 100 %.
	pub fn is_valid(&self) -> bool {
		(1..=1_000).contains(&self.top_k) &&
			self.logit_tolerance_milli <= 100_000 &&
			self.sample_tolerance_ppm <= 100_000 &&
			self.max_mismatch_permille <= 1_000
	}

	/// Failed positions the rule allows out of `checked`.
	pub fn allowed_failures(&self, checked: u32) -> u32 {
		let allowed = u64::from(checked)
			.saturating_mul(u64::from(self.max_mismatch_permille))
			.checked_div(1_000)
			.unwrap_or_default();
		u32::try_from(allowed).unwrap_or(u32::MAX)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn allowed_failures_round_down() {
		let rule = VerificationRule {
			top_k: 8,
			logit_tolerance_milli: 2_000,
			sample_tolerance_ppm: 5_000,
			max_mismatch_permille: 20,
		};
		assert_eq!(rule.allowed_failures(0), 0);
		assert_eq!(rule.allowed_failures(49), 0);
		assert_eq!(rule.allowed_failures(50), 1);
		assert_eq!(rule.allowed_failures(u32::MAX), 85_899_345);
	}

	#[test]
	fn validity_bounds() {
		let rule = VerificationRule {
			top_k: 1,
			logit_tolerance_milli: 100_000,
			sample_tolerance_ppm: 100_000,
			max_mismatch_permille: 1_000,
		};
		assert!(rule.is_valid());
		assert!(!VerificationRule { top_k: 0, ..rule }.is_valid());
		assert!(!VerificationRule { top_k: 1_001, ..rule }.is_valid());
		assert!(!VerificationRule { logit_tolerance_milli: 100_001, ..rule }.is_valid());
		assert!(!VerificationRule { sample_tolerance_ppm: 100_001, ..rule }.is_valid());
		assert!(!VerificationRule { max_mismatch_permille: 1_001, ..rule }.is_valid());
	}
}
