//! A checker's work witness: evidence that only running the model gives, compared across every
//! checker of the same result.
//!
//! The engine's numerics are bit-identical on every machine of a model class, so every honest
//! checker of a result computes the same runner-up token (the best token other than the claimed
//! one) at every output position of its teacher-forced pass. Their [`digest`] is the witness.
//! A verdict carries only a [`commitment`] to it, bound to the checker's account and the job, so
//! it can be neither read nor copied from other verdicts; once the result is final each checker
//! reveals its digest and the chain compares them (`pallet_audits`).

use crate::{JobId, TokenId};

/// Domain of [`digest`].
const DIGEST_DOMAIN: &[u8] = b"attesta/witness/v1";
/// Domain of [`commitment`].
const COMMITMENT_DOMAIN: &[u8] = b"attesta/witness-commitment/v1";

/// The witness of one check: BLAKE2b-256 over `DIGEST_DOMAIN ‖ u32 n ‖ n × u32 runner-up`
/// (little-endian), the runner-ups in output order.
pub fn digest(runner_ups: &[TokenId]) -> [u8; 32] {
	let mut buf = alloc::vec::Vec::new();
	buf.extend_from_slice(DIGEST_DOMAIN);
	buf.extend_from_slice(&(runner_ups.len() as u32).to_le_bytes());
	for t in runner_ups {
		buf.extend_from_slice(&t.to_le_bytes());
	}
	sp_crypto_hashing::blake2_256(&buf)
}

/// What a verdict carries: BLAKE2b-256 over `COMMITMENT_DOMAIN ‖ checker account (SCALE) ‖ u64
/// job ‖ digest`. Another account's commitment to the same digest differs, so copying a
/// verdict's commitment proves nothing.
pub fn commitment(checker: &[u8], job: JobId, digest: &[u8; 32]) -> [u8; 32] {
	let mut buf = alloc::vec::Vec::new();
	buf.extend_from_slice(COMMITMENT_DOMAIN);
	buf.extend_from_slice(checker);
	buf.extend_from_slice(&job.to_le_bytes());
	buf.extend_from_slice(digest);
	sp_crypto_hashing::blake2_256(&buf)
}

/// The digest most reveals agree on, when at least two do and no other digest has as many:
/// the honest checkers' value under an honest majority. `None` when nothing can be compared
/// (a lone reveal, or a tie).
pub fn consensus(revealed: impl IntoIterator<Item = [u8; 32]>) -> Option<[u8; 32]> {
	let mut counts: alloc::vec::Vec<([u8; 32], u32)> = alloc::vec::Vec::new();
	for d in revealed {
		match counts.iter_mut().find(|(c, _)| *c == d) {
			Some((_, n)) => *n = n.saturating_add(1),
			None => counts.push((d, 1)),
		}
	}
	let top = counts.iter().map(|(_, n)| *n).max()?;
	let mut at_top = counts.iter().filter(|(_, n)| *n == top);
	let (winner, _) = at_top.next()?;
	(top >= 2 && at_top.next().is_none()).then_some(*winner)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn digest_and_commitment_bind_their_inputs() {
		let d = digest(&[1, 2, 3]);
		assert_ne!(d, digest(&[1, 2, 4]));
		assert_ne!(d, digest(&[1, 2]));
		assert_ne!(digest(&[]), digest(&[0]));
		let c = commitment(b"alice", 7, &d);
		assert_ne!(c, commitment(b"mallory", 7, &d), "bound to the checker");
		assert_ne!(c, commitment(b"alice", 8, &d), "bound to the job");
		assert_ne!(c, commitment(b"alice", 7, &digest(&[9])), "bound to the digest");
	}

	#[test]
	fn consensus_needs_two_agreeing_reveals_and_a_strict_lead() {
		let (a, b) = ([1u8; 32], [2u8; 32]);
		assert_eq!(consensus([]), None);
		assert_eq!(consensus([a]), None, "a lone reveal is compared with nothing");
		assert_eq!(consensus([a, b]), None);
		assert_eq!(consensus([a, a, b]), Some(a));
		assert_eq!(consensus([a, a, b, b]), None, "a tie decides nothing");
		assert_eq!(consensus([b, a, a, a, b]), Some(a));
	}
}
