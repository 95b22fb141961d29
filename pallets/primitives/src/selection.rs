//! Secret, verifiable selection of checkers (as in Polkadot's approval checking).
//!
//! A checker evaluates a VRF with its own key over its account, the job, the round and a seed
//! the chain fixes after the result is posted (the hash of the block that included the result,
//! or that opened the dispute round): only it can compute the output, so nobody — the provider
//! included — knows in advance which jobs it checks, and the VRF proof lets the chain verify the
//! claim when the checker reveals it with its verdict. Output and proof are unique per key and
//! input, so a checker cannot grind for or against being selected; the provider cannot grind
//! either, because nothing it chooses (its output, its commitment) enters the input. The
//! account is in the input so that a proof is good for one account only: a proof replayed from
//! another account does not verify. Rounds (`0` for the sample check, `1..` for dispute
//! committees) give fresh, independent draws.
//!
//! Registering a key also needs a proof of possession ([`key_proof_data`]): the key's VRF
//! signature over the registering account, so nobody can register someone else's key.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::sr25519::{
	self,
	vrf::{VrfSignData, VrfSignature, VrfTranscript},
};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead, PassPointerAndReadCopy},
	runtime_interface,
};

use crate::JobId;
#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;

/// Transcript label of the selection VRF, versioned.
const LABEL: &[u8] = b"attesta/check/v2";
/// Transcript label of a checker key's proof of possession.
const KEY_PROOF_LABEL: &[u8] = b"attesta/checker-key/v1";
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
	/// The proof of a VRF signature (made by a keystore or a key pair; host side only).
	#[cfg(feature = "std")]
	pub fn from_signature(signature: &VrfSignature) -> Option<Self> {
		Self::decode(&mut &signature.encode()[..]).ok()
	}

	fn to_signature(self) -> Option<VrfSignature> {
		VrfSignature::decode(&mut &self.encode()[..]).ok()
	}
}

/// The VRF input of checker `account` (its SCALE encoding) for `job` in `round`, drawn against
/// `seed`.
pub fn sign_data(account: &[u8], job: JobId, round: u32, seed: &[u8; 32]) -> VrfSignData {
	VrfSignData::new(VrfTranscript::new(
		LABEL,
		&[
			(b"account", account),
			(b"job", &job.to_le_bytes()),
			(b"round", &round.to_le_bytes()),
			(b"seed", seed),
		],
	))
}

/// Verifies `proof` for checker `key` registered by `account` and returns its draw, uniform
/// over `u128`; `None` when the proof is not `key`'s VRF over this input.
pub fn verified_draw(
	key: &[u8; 32],
	account: &[u8],
	job: JobId,
	round: u32,
	seed: &[u8; 32],
	proof: &VrfProof,
) -> Option<u128> {
	use sp_core::crypto::VrfPublic;
	let public = sr25519::Public::from_raw(*key);
	let data = sign_data(account, job, round, seed);
	let signature = proof.to_signature()?;
	if !public.vrf_verify(&data, &signature) {
		return None;
	}
	let bytes: [u8; 16] =
		signature.pre_output.make_bytes(DRAW_CONTEXT, data.as_ref(), &public).ok()?;
	Some(u128::from_le_bytes(bytes))
}

/// What a checker key proves possession with when `account` (its SCALE encoding) registers
/// it: a VRF signature over this input (its DLEQ proof shows knowledge of the secret key).
pub fn key_proof_data(account: &[u8]) -> VrfSignData {
	VrfSignData::new(VrfTranscript::new(KEY_PROOF_LABEL, &[(b"account", account)]))
}

/// The proof that `account` (its SCALE encoding) holds `pair` as its checker key, made
/// client-side (the node's keystore makes it with [`checker_vrf::prove_key`]).
#[cfg(feature = "std")]
pub fn prove_key_with(pair: &sr25519::Pair, account: &[u8]) -> Option<VrfProof> {
	use sp_core::crypto::VrfSecret;
	VrfProof::from_signature(&pair.vrf_sign(&key_proof_data(account)))
}

/// Whether `proof` shows that whoever registers `key` for `account` holds its secret.
pub fn verify_key_proof(key: &[u8; 32], account: &[u8], proof: &VrfProof) -> bool {
	use sp_core::crypto::VrfPublic;
	proof.to_signature().is_some_and(|signature| {
		sr25519::Public::from_raw(*key).vrf_verify(&key_proof_data(account), &signature)
	})
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
	/// The VRF of checker `key` (a `chck` key in the keystore), registered by `account` (its
	/// SCALE encoding), for `job` in `round` against `seed`; `None` when the keystore does not
	/// hold the key.
	fn sign(
		&mut self,
		key: PassPointerAndReadCopy<[u8; 32], 32>,
		account: PassFatPointerAndRead<&[u8]>,
		job: JobId,
		round: u32,
		seed: PassPointerAndReadCopy<[u8; 32], 32>,
	) -> AllocateAndReturnByCodec<Option<VrfProof>> {
		keystore_vrf(&mut **self, key, &sign_data(account, job, round, &seed))
	}

	/// The proof that `account` (its SCALE encoding) holds checker `key` (a `chck` key in the
	/// keystore), for `Audits.register_checker`; `None` when the keystore does not hold it.
	fn prove_key(
		&mut self,
		key: PassPointerAndReadCopy<[u8; 32], 32>,
		account: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Option<VrfProof>> {
		keystore_vrf(&mut **self, key, &key_proof_data(account))
	}
}

/// `data` signed by checker `key` of the keystore in `ext`; `None` without the key.
#[cfg(feature = "std")]
fn keystore_vrf(
	mut ext: &mut dyn sp_externalities::Externalities,
	key: [u8; 32],
	data: &VrfSignData,
) -> Option<VrfProof> {
	use sp_keystore::KeystoreExt;
	let keystore = ext.extension::<KeystoreExt>()?;
	let signature = keystore
		.sr25519_vrf_sign(crate::keys::CHECKER_KEY_TYPE, &sr25519::Public::from_raw(key), data)
		.ok()
		.flatten()?;
	VrfProof::from_signature(&signature)
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{crypto::VrfSecret, Pair};

	const ALICE: &[u8] = b"alice's account";
	const MALLORY: &[u8] = b"mallory's account";

	fn proof(
		pair: &sr25519::Pair,
		who: &[u8],
		job: JobId,
		round: u32,
		seed: &[u8; 32],
	) -> VrfProof {
		VrfProof::from_signature(&pair.vrf_sign(&sign_data(who, job, round, seed))).unwrap()
	}

	#[test]
	fn draws_verify_only_for_their_key_account_and_input() {
		let pair = sr25519::Pair::from_string("//Checker", None).unwrap();
		let other = sr25519::Pair::from_string("//Other", None).unwrap();
		let key = pair.public().0;
		let p = proof(&pair, ALICE, 7, 0, &[1; 32]);
		let draw = verified_draw(&key, ALICE, 7, 0, &[1; 32], &p).expect("valid");
		// Unique: signing again gives the same draw.
		assert_eq!(
			verified_draw(&key, ALICE, 7, 0, &[1; 32], &proof(&pair, ALICE, 7, 0, &[1; 32])),
			Some(draw)
		);
		assert_eq!(verified_draw(&other.public().0, ALICE, 7, 0, &[1; 32], &p), None);
		// A proof replayed for another account under the same key does not verify.
		assert_eq!(verified_draw(&key, MALLORY, 7, 0, &[1; 32], &p), None);
		assert_eq!(verified_draw(&key, ALICE, 8, 0, &[1; 32], &p), None);
		assert_eq!(verified_draw(&key, ALICE, 7, 0, &[2; 32], &p), None);
		assert_eq!(verified_draw(&key, ALICE, 7, 1, &[1; 32], &p), None);
		let round1 =
			verified_draw(&key, ALICE, 7, 1, &[1; 32], &proof(&pair, ALICE, 7, 1, &[1; 32]))
				.unwrap();
		assert_ne!(round1, draw);
	}

	#[test]
	fn a_key_proof_is_good_for_its_key_and_account_only() {
		let pair = sr25519::Pair::from_string("//Checker", None).unwrap();
		let other = sr25519::Pair::from_string("//Other", None).unwrap();
		let p = VrfProof::from_signature(&pair.vrf_sign(&key_proof_data(ALICE))).unwrap();
		assert!(verify_key_proof(&pair.public().0, ALICE, &p));
		assert!(!verify_key_proof(&pair.public().0, MALLORY, &p));
		assert!(!verify_key_proof(&other.public().0, ALICE, &p));
		// A selection proof is no key proof.
		let draw_proof = proof(&pair, ALICE, 7, 0, &[1; 32]);
		assert!(!verify_key_proof(&pair.public().0, ALICE, &draw_proof));
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
					ALICE,
					job,
					0,
					&[3; 32],
					&proof(&pair, ALICE, job, 0, &[3; 32]),
				);
				is_selected(d.unwrap(), 250_000_000)
			})
			.count();
		// 25 % of 400 = 100, well within ±40.
		assert!((60..=140).contains(&picked), "{picked}");
	}
}
