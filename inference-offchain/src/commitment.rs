//! Canonical job commitment: blake2b-256 over a versioned, length-prefixed encoding.
//!
//! This module depends on nothing but the `blake2` crate (no `std`-only items) so it can move
//! unchanged into the `no_std` primitives crate that the runtime uses.
//!
//! # Byte layout (version 1)
//!
//! All integers are little-endian. The hash input is the concatenation of:
//!
//! | field            | bytes            | meaning                                          |
//! |------------------|------------------|--------------------------------------------------|
//! | `tag_len`        | 4 (`u32`)        | length of the domain tag, always 17               |
//! | `tag`            | 17               | ASCII `attesta/commit/v1`                         |
//! | `model_hash`     | 32               | sha256 of the GGUF weights file                   |
//! | `n_input`        | 4 (`u32`)        | number of input (prompt) tokens                   |
//! | `input_tokens`   | 4 × `n_input`    | each token id as `u32`                            |
//! | `max_tokens`     | 4 (`u32`)        | generation limit                                  |
//! | `temperature`    | 4 (`u32`)        | temperature in thousandths (0 = greedy)           |
//! | `top_p`          | 4 (`u32`)        | nucleus mass in thousandths (1000 = no cut)       |
//! | `seed`           | 8 (`u64`)        | sampler seed                                      |
//! | `n_output`       | 4 (`u32`)        | number of output tokens                           |
//! | `output_tokens`  | 4 × `n_output`   | each token id as `u32` (EOS included if emitted)  |
//!
//! The digest is unkeyed BLAKE2b with a 32-byte output (the same function as Substrate's
//! `blake2_256`).

use blake2::{digest::consts::U32, Blake2b, Digest};

/// Domain-separation tag of commitment version 1; a new layout gets a new tag.
pub const COMMIT_TAG_V1: &[u8; 17] = b"attesta/commit/v1";

/// Job parameters that fully determine generation; integers only so they encode canonically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GenParams {
	/// Maximum number of tokens to generate (EOS included when emitted).
	pub max_tokens: u32,
	/// Sampling temperature in thousandths; 0 selects greedy decoding.
	pub temperature_milli: u32,
	/// Nucleus (top-p) mass in thousandths; 0 or >= 1000 disables the nucleus cut.
	pub top_p_milli: u32,
	/// Seed of the job's sampler, so seeded sampling is reproducible by any checker.
	pub seed: u64,
}

impl GenParams {
	/// Greedy decoding of at most `max_tokens` tokens.
	pub const fn greedy(max_tokens: u32) -> Self {
		Self {
			max_tokens,
			temperature_milli: 0,
			top_p_milli: 1000,
			seed: 0,
		}
	}

	/// Seeded sampling with temperature and top-p given in thousandths.
	pub const fn sampled(
		max_tokens: u32,
		temperature_milli: u32,
		top_p_milli: u32,
		seed: u64,
	) -> Self {
		Self {
			max_tokens,
			temperature_milli,
			top_p_milli,
			seed,
		}
	}

	/// Whether these parameters select greedy decoding (temperature 0).
	pub const fn is_greedy(&self) -> bool {
		self.temperature_milli == 0
	}
}

/// Feeds the canonical version-1 encoding of a job into `sink`, in the documented order.
pub fn encode_v1(
	model_hash: &[u8; 32],
	input_tokens: &[u32],
	params: &GenParams,
	output_tokens: &[u32],
	sink: &mut impl FnMut(&[u8]),
) {
	sink(&(COMMIT_TAG_V1.len() as u32).to_le_bytes());
	sink(COMMIT_TAG_V1);
	sink(model_hash);
	encode_tokens(input_tokens, sink);
	sink(&params.max_tokens.to_le_bytes());
	sink(&params.temperature_milli.to_le_bytes());
	sink(&params.top_p_milli.to_le_bytes());
	sink(&params.seed.to_le_bytes());
	encode_tokens(output_tokens, sink);
}

fn encode_tokens(tokens: &[u32], sink: &mut impl FnMut(&[u8])) {
	// Lengths beyond u32 cannot occur for real jobs; saturate rather than wrap so distinct
	// inputs never alias silently.
	let len = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
	sink(&len.to_le_bytes());
	for t in tokens {
		sink(&t.to_le_bytes());
	}
}

/// Commits to (model, input, parameters, output) so the chain can pin a provider's claim.
pub fn commitment(
	model_hash: [u8; 32],
	input_tokens: &[u32],
	params: &GenParams,
	output_tokens: &[u32],
) -> [u8; 32] {
	let mut hasher = Blake2b::<U32>::new();
	encode_v1(&model_hash, input_tokens, params, output_tokens, &mut |b| {
		hasher.update(b)
	});
	hasher.finalize().into()
}

/// Unkeyed BLAKE2b-256 of `data`, identical to Substrate's `blake2_256`.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
	Blake2b::<U32>::digest(data).into()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hex(b: &[u8]) -> String {
		b.iter().map(|x| format!("{x:02x}")).collect()
	}

	#[test]
	fn blake2_256_matches_known_vector() {
		assert_eq!(
			hex(&blake2_256(b"")),
			"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
		);
	}

	#[test]
	fn layout_is_as_documented() {
		let params = GenParams::sampled(7, 800, 950, 0x0102_0304_0506_0708);
		let mut bytes = Vec::new();
		encode_v1(&[9u8; 32], &[1, 2], &params, &[3], &mut |b| {
			bytes.extend_from_slice(b)
		});
		let mut expected = Vec::new();
		expected.extend_from_slice(&17u32.to_le_bytes());
		expected.extend_from_slice(b"attesta/commit/v1");
		expected.extend_from_slice(&[9u8; 32]);
		expected.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
		expected.extend_from_slice(&[7, 0, 0, 0]);
		expected.extend_from_slice(&800u32.to_le_bytes());
		expected.extend_from_slice(&950u32.to_le_bytes());
		expected.extend_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1]);
		expected.extend_from_slice(&[1, 0, 0, 0, 3, 0, 0, 0]);
		assert_eq!(bytes, expected);
		assert_eq!(
			commitment([9u8; 32], &[1, 2], &params, &[3]),
			blake2_256(&expected)
		);
	}

	#[test]
	fn length_prefix_separates_input_from_output() {
		let p = GenParams::greedy(4);
		let a = commitment([0; 32], &[1, 2], &p, &[3]);
		let b = commitment([0; 32], &[1], &p, &[2, 3]);
		assert_ne!(a, b);
		let c = commitment([1; 32], &[1, 2], &p, &[3]);
		assert_ne!(a, c);
		let d = commitment([0; 32], &[1, 2], &GenParams::sampled(4, 1, 1000, 0), &[3]);
		assert_ne!(a, d);
	}
}
