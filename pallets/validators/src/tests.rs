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
