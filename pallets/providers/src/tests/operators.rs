//! Operator (hot) keys: a provider's node signs with a key that cannot touch the stake.

use super::*;
use crate::{Error, Event, OperatorOf, Operators, ProviderRegistry};
use frame_support::{assert_noop, assert_ok};

const HOT: u64 = 40;
const HOT2: u64 = 41;

fn set(who: u64, operator: Option<u64>) -> sp_runtime::DispatchResult {
	Providers::set_operator(RuntimeOrigin::signed(who), operator)
}

#[test]
fn an_operator_acts_for_its_provider_and_rotates_in_one_call() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 5_000));
		assert_eq!(Providers::acting_for(&HOT), HOT);
		assert_ok!(set(ALICE, Some(HOT)));
		System::assert_last_event(Event::OperatorSet { who: ALICE, operator: Some(HOT) }.into());
		assert_eq!(Providers::acting_for(&HOT), ALICE);
		assert_eq!(Providers::acting_for(&ALICE), ALICE);

		// Rotation: the old key acts for nobody from now on.
		assert_ok!(set(ALICE, Some(HOT2)));
		assert_eq!(Providers::acting_for(&HOT), HOT);
		assert_eq!(Providers::acting_for(&HOT2), ALICE);
		assert_eq!(OperatorOf::<Test>::get(HOT), None);

		// Removal.
		assert_ok!(set(ALICE, None));
		assert_eq!(Providers::acting_for(&HOT2), HOT2);
		assert_eq!(Operators::<Test>::get(ALICE), None);
	});
}

#[test]
fn an_operator_key_cannot_move_stake_or_leave() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 5_000));
		assert_ok!(set(ALICE, Some(HOT)));
		let op = RuntimeOrigin::signed(HOT);
		assert_noop!(Providers::unbond(op.clone(), 1_000), Error::<Test>::NotRegistered);
		assert_noop!(Providers::deregister(op.clone()), Error::<Test>::NotRegistered);
		assert_noop!(set(HOT, Some(HOT2)), Error::<Test>::NotRegistered);
		// Nor register itself as a second provider (it would act for two).
		assert_noop!(register(HOT, 5_000), Error::<Test>::IsOperator);
	});
}

#[test]
fn one_provider_cannot_take_anothers_operator_or_a_provider() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 5_000));
		assert_ok!(register(BOB, 5_000));
		assert_ok!(set(ALICE, Some(HOT)));
		// Bob cannot hijack Alice's operator, name a provider, or himself.
		assert_noop!(set(BOB, Some(HOT)), Error::<Test>::IsOperator);
		assert_noop!(set(BOB, Some(ALICE)), Error::<Test>::BadOperator);
		assert_noop!(set(BOB, Some(BOB)), Error::<Test>::BadOperator);
		// Not a provider at all.
		assert_noop!(set(20, Some(HOT2)), Error::<Test>::NotRegistered);
		// Naming the current operator again is harmless.
		assert_ok!(set(ALICE, Some(HOT)));
		assert_eq!(Providers::acting_for(&HOT), ALICE);
	});
}

#[test]
fn leaving_frees_the_operator_key() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 5_000));
		assert_ok!(set(ALICE, Some(HOT)));
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 5_000));
		System::set_block_number(1 + UNBONDING);
		assert_ok!(Providers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		assert_ok!(Providers::deregister(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Providers::acting_for(&HOT), HOT);
		assert_eq!(Operators::<Test>::iter().count() + OperatorOf::<Test>::iter().count(), 0);
		assert_ok!(register(BOB, 5_000));
		assert_ok!(set(BOB, Some(HOT)));
	});
}
