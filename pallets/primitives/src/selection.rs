//! Secret, verifiable selection of checkers (as in Polkadot's approval checking).
//!
//! A checker evaluates a VRF with its own key over the job and its result commitment: only it
//! can compute the output, so nobody — the provider included — knows in advance which jobs it
//! checks, and the VRF proof lets the chain verify the claim when the checker reveals it with
//! its verdict. Output and proof are unique per key and input, so a checker cannot grind for or
//! against being selected. Rounds (`0` for the sample check, `1..` for dispute committees) give
//! fresh, independent draws.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::sr25519::{
	self,
	vrf::{VrfSignData, VrfSignature, VrfTranscript},
};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassPointerAndReadCopy},
	runtime_interface,
};

use crate::JobId;
#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;

/// Transcript label of the selection VRF, versioned.
const LABEL: &[u8] = b"attesta/check/v1";
/// Context of the bytes drawn from the VRF output.
const DRAW_CONTEXT: &[u8] = b"attesta/check/draw";

/// A VRF output (pre-output) and its proof, as bytes, in `VrfSignature`'s own encoding.
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
)]
pub struct VrfProof {
	/// The VRF pre-output.
	pub pre_output: [u8; 32],
	/// The proof that the pre-output belongs to the key and the input.
	pub proof: [u8; 64],
}

impl VrfProof {
	/// The proof of a signature the keystore made (host side only).
	#[cfg(feature = "std")]
	fn from_signature(signature: &VrfSignature) -> Option<Self> {
		Self::decode(&mut &signature.encode()[..]).ok()
	}

	fn to_signature(self) -> Option<VrfSignature> {
		VrfSignature::decode(&mut &self.encode()[..]).ok()
	}
}

/// The VRF input for `job`'s result `commitment` in `round`.
pub fn sign_data(job: JobId, commitment: &[u8; 32], round: u32) -> VrfSignData {
	VrfSignData::new(VrfTranscript::new(
		LABEL,
		&[
			(b"job", &job.to_le_bytes()),
			(b"commitment", commitment),
			(b"round", &round.to_le_bytes()),
		],
	))
}

/// Verifies `proof` for checker `key` and returns its draw, uniform over `u128`; `None` when
/// the proof is not `key`'s VRF over this input.
pub fn verified_draw(
	key: &[u8; 32],
	job: JobId,
	commitment: &[u8; 32],
	round: u32,
	proof: &VrfProof,
) -> Option<u128> {
	use sp_core::crypto::VrfPublic;
	let public = sr25519::Public::from_raw(*key);
	let data = sign_data(job, commitment, round);
	let signature = proof.to_signature()?;
	if !public.vrf_verify(&data, &signature) {
		return None;
	}
	let bytes: [u8; 16] =
		signature.pre_output.make_bytes(DRAW_CONTEXT, data.as_ref(), &public).ok()?;
	Some(u128::from_le_bytes(bytes))
}

/// Whether a draw selects its checker when each checker is selected with probability
/// `parts_per_billion` / 10⁹.
pub fn is_selected(draw: u128, parts_per_billion: u32) -> bool {
	const BILLION: u128 = 1_000_000_000;
	let ppb = u128::from(parts_per_billion.min(1_000_000_000));
	// draw / 2¹²⁸ < ppb / 10⁹, without overflow: compare the top 64 bits.
	let top = draw.checked_shr(64).unwrap_or(0);
	top.saturating_mul(BILLION) < ppb.checked_shl(64).unwrap_or(u128::MAX)
}

/// Host function that evaluates the selection VRF with a checker key of the node's keystore.
#[runtime_interface]
pub trait CheckerVrf {
	/// The VRF of checker `key` (a `chck` key in the keystore) for `job`'s result `commitment`
	/// in `round`; `None` when the keystore does not hold the key.
	fn sign(
		&mut self,
		key: PassPointerAndReadCopy<[u8; 32], 32>,
		job: JobId,
		commitment: PassPointerAndReadCopy<[u8; 32], 32>,
		round: u32,
	) -> AllocateAndReturnByCodec<Option<VrfProof>> {
		use sp_keystore::KeystoreExt;
		let keystore = self.extension::<KeystoreExt>()?;
		let signature = keystore
			.sr25519_vrf_sign(
				crate::keys::CHECKER_KEY_TYPE,
				&sr25519::Public::from_raw(key),
				&sign_data(job, &commitment, round),
			)
			.ok()
			.flatten()?;
		VrfProof::from_signature(&signature)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{crypto::VrfSecret, Pair};

	fn proof(pair: &sr25519::Pair, job: JobId, c: &[u8; 32], round: u32) -> VrfProof {
		VrfProof::from_signature(&pair.vrf_sign(&sign_data(job, c, round))).unwrap()
	}

	#[test]
	fn draws_verify_only_for_their_key_and_input() {
		let pair = sr25519::Pair::from_string("//Checker", None).unwrap();
		let other = sr25519::Pair::from_string("//Other", None).unwrap();
		let key = pair.public().0;
		let p = proof(&pair, 7, &[1; 32], 0);
		let draw = verified_draw(&key, 7, &[1; 32], 0, &p).expect("valid");
		// Unique: signing again gives the same draw.
		assert_eq!(verified_draw(&key, 7, &[1; 32], 0, &proof(&pair, 7, &[1; 32], 0)), Some(draw));
		assert_eq!(verified_draw(&other.public().0, 7, &[1; 32], 0, &p), None);
		assert_eq!(verified_draw(&key, 8, &[1; 32], 0, &p), None);
		assert_eq!(verified_draw(&key, 7, &[2; 32], 0, &p), None);
		assert_eq!(verified_draw(&key, 7, &[1; 32], 1, &p), None);
		let round1 = verified_draw(&key, 7, &[1; 32], 1, &proof(&pair, 7, &[1; 32], 1)).unwrap();
		assert_ne!(round1, draw);
	}

	#[test]
	fn selection_rate_follows_the_probability() {
		assert!(!is_selected(0, 0));
		assert!(is_selected(u128::MAX, 1_000_000_000));
		assert!(!is_selected(u128::MAX / 2 + 1, 500_000_000));
		assert!(is_selected(u128::MAX / 2 - (1 << 65), 500_000_000));
		assert!(is_selected(0, 1));
		let pair = sr25519::Pair::from_string("//Checker", None).unwrap();
		let picked = (0..400u64)
			.filter(|&job| {
				let d = verified_draw(
					&pair.public().0,
					job,
					&[3; 32],
					0,
					&proof(&pair, job, &[3; 32], 0),
				);
				is_selected(d.unwrap(), 250_000_000)
			})
			.count();
		// 25 % of 400 = 100, well within ±40.
		assert!((60..=140).contains(&picked), "{picked}");
	}
}
