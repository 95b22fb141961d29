//! Adding and removing validators: only governance, only with session keys, within bounds; the
//! session manager hands a new set to `pallet-session` only when it changed.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use crate::{mock::*, Changed, Error, Event};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

fn admin() -> RuntimeOrigin {
	RuntimeOrigin::signed(1)
}

#[test]
fn governance_adds_a_validator_with_session_keys_from_the_next_planned_session() {
	new_test_ext().execute_with(|| {
		assert_eq!(Validators::new_session_genesis(0), Some(vec![10, 11, 12]));
		assert_eq!(Validators::new_session(1), None, "unchanged: the same set goes on");
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::signed(10), 13),
			DispatchError::BadOrigin
		);
		assert_noop!(Validators::add_validator(admin(), 25), Error::<Test>::NoSessionKeys);
		assert_noop!(Validators::add_validator(admin(), 11), Error::<Test>::AlreadyValidator);
		assert_ok!(Validators::add_validator(admin(), 13));
		System::assert_last_event(Event::ValidatorAdded { who: 13 }.into());
		assert_noop!(Validators::add_validator(admin(), 14), Error::<Test>::TooManyValidators);
		assert_eq!(Validators::new_session(2), Some(vec![10, 11, 12, 13]));
		assert!(!Changed::<Test>::get());
		assert_eq!(Validators::new_session(3), None);
	});
}

#[test]
fn sessions_are_long_but_a_change_rotates_the_next_two_blocks() {
	use frame_support::traits::EstimateNextSessionRotation;
	use pallet_session::ShouldEndSession;
	new_test_ext().execute_with(|| {
		assert!(!Validators::should_end_session(7));
		assert!(Validators::should_end_session(20), "every period");
		assert_eq!(Validators::estimate_next_session_rotation(7).0, Some(10));
		assert_ok!(Validators::add_validator(admin(), 13));
		assert_eq!(Validators::estimate_next_session_rotation(7).0, Some(8));
		// The first rotation queues the new set, the second applies it; then back to periods.
		assert!(Validators::should_end_session(8));
		assert_eq!(Validators::new_session(1), Some(vec![10, 11, 12, 13]));
		assert!(Validators::should_end_session(9));
		assert_eq!(Validators::new_session(2), None);
		assert!(!Validators::should_end_session(11));
	});
}

#[test]
fn governance_removes_a_validator_but_never_below_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::signed(2), 10),
			DispatchError::BadOrigin
		);
		assert_noop!(Validators::remove_validator(admin(), 13), Error::<Test>::NotValidator);
		assert_ok!(Validators::remove_validator(admin(), 11));
		System::assert_last_event(Event::ValidatorRemoved { who: 11 }.into());
		assert_noop!(Validators::remove_validator(admin(), 10), Error::<Test>::TooFewValidators);
		assert_eq!(Validators::new_session(1), Some(vec![10, 12]));
	});
}

#[test]
fn a_proven_offender_leaves_the_set_but_never_below_the_minimum() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	let offence = |who: u64| OffenceDetails { offender: (who, ()), reporters: vec![] };
	let report = |who: &[u64]| {
		let details: Vec<_> = who.iter().map(|w| offence(*w)).collect();
		<Validators as OnOffenceHandler<u64, (u64, ()), frame_support::weights::Weight>>::on_offence(
			&details,
			&[],
			5,
		)
	};
	new_test_ext().execute_with(|| {
		System::set_block_number(1);
		report(&[11]);
		System::assert_last_event(Event::OffenderRemoved { who: 11, session: 5 }.into());
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![10, 12]);
		assert!(Changed::<Test>::get(), "the new set is queued at once");
		assert_eq!(Validators::new_session(6), Some(vec![10, 12]));
		// A second report of the same offender, or one that would leave one validator, removes
		// nobody: governance decides.
		report(&[11, 12]);
		System::assert_has_event(Event::OffenderKept { who: 11, session: 5 }.into());
		System::assert_last_event(Event::OffenderKept { who: 12, session: 5 }.into());
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![10, 12]);
		assert!(!Changed::<Test>::get());
	});
}

/// What counts as proof that an Aura key equivocated: two different headers for one slot, both
/// sealed by it, and nothing less.
mod aura_equivocation_proofs {
	use crate::equivocation::{is_valid, AuraEquivocationProof, AuraId, AuraSignature, Slot};
	use sp_consensus_aura::{digests::CompatibleDigestItem, sr25519::AuthorityPair};
	use sp_core::{Pair, H256};
	use sp_runtime::{
		generic::{Digest, DigestItem},
		traits::{BlakeTwo256, Header as _},
	};

	type Header = sp_runtime::generic::Header<u64, BlakeTwo256>;

	fn pair(seed: u8) -> AuthorityPair {
		AuthorityPair::from_seed(&[seed; 32])
	}

	/// A header of block 1 for `slot` with state root `state`, not yet sealed.
	fn unsealed(slot: u64, state: u8) -> Header {
		let pre_digest =
			<DigestItem as CompatibleDigestItem<AuraSignature>>::aura_pre_digest(Slot::from(slot));
		Header::new(
			1,
			H256::zero(),
			H256::repeat_byte(state),
			H256::zero(),
			Digest { logs: vec![pre_digest] },
		)
	}

	/// `header` sealed by `key`, as an Aura author seals: a signature over its hash.
	fn seal(mut header: Header, key: &AuthorityPair) -> Header {
		let signature = key.sign(header.hash().as_ref());
		header
			.digest_mut()
			.push(<DigestItem as CompatibleDigestItem<_>>::aura_seal(signature));
		header
	}

	fn proof(
		offender: &AuthorityPair,
		slot: u64,
		a: Header,
		b: Header,
	) -> AuraEquivocationProof<Header> {
		AuraEquivocationProof {
			offender: AuraId::from(offender.public()),
			slot: Slot::from(slot),
			first_header: a,
			second_header: b,
		}
	}

	#[test]
	fn two_different_headers_for_one_slot_sealed_by_one_key_prove_it() {
		let key = pair(1);
		let (a, b) = (seal(unsealed(7, 1), &key), seal(unsealed(7, 2), &key));
		assert!(is_valid(&proof(&key, 7, a.clone(), b.clone())));
		assert!(is_valid(&proof(&key, 7, b, a)), "in either order");
	}

	#[test]
	fn anything_less_is_no_proof() {
		let (key, other) = (pair(1), pair(2));
		let a = seal(unsealed(7, 1), &key);
		// One header twice, or one header sealed twice (what the author signed is the same).
		assert!(!is_valid(&proof(&key, 7, a.clone(), a.clone())));
		let resealed = seal(unsealed(7, 1), &key);
		assert_ne!(a.hash(), resealed.hash(), "sr25519 seals differ each time");
		assert!(!is_valid(&proof(&key, 7, a.clone(), resealed)));
		// Two slots, or a slot other than the proof's.
		assert!(!is_valid(&proof(&key, 7, a.clone(), seal(unsealed(8, 2), &key))));
		let b = seal(unsealed(7, 2), &key);
		assert!(!is_valid(&proof(&key, 8, a.clone(), b.clone())));
		// Another key's seal on one of them, or the headers blamed on another key.
		assert!(!is_valid(&proof(&key, 7, a.clone(), seal(unsealed(7, 2), &other))));
		assert!(!is_valid(&proof(&other, 7, a.clone(), b.clone())));
		// An unsealed header, or one whose content changed after sealing.
		assert!(!is_valid(&proof(&key, 7, a.clone(), unsealed(7, 2))));
		let mut tampered = b;
		tampered.set_state_root(H256::repeat_byte(3));
		assert!(!is_valid(&proof(&key, 7, a, tampered)));
	}
}
