//! bond_extra, unbond, withdraw_unbonded.

use super::*;
use crate::{Error, Event, ProviderRegistry, Providers as ProvidersMap, Unbonding};
use frame_support::{assert_noop, assert_ok};

#[test]
fn bond_extra_works_and_checks() {
	build_and_execute(|| {
		assert_noop!(
			crate::Pallet::<Test>::bond_extra(RuntimeOrigin::signed(ALICE), 10),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, MIN_STAKE));
		assert_ok!(crate::Pallet::<Test>::bond_extra(RuntimeOrigin::signed(ALICE), 500));
		System::assert_last_event(Event::StakeBonded { who: ALICE, amount: 500 }.into());
		assert_eq!(ProvidersMap::<Test>::get(ALICE).unwrap().stake, MIN_STAKE + 500);
		assert_noop!(
			crate::Pallet::<Test>::bond_extra(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			crate::Pallet::<Test>::bond_extra(RuntimeOrigin::signed(ALICE), 10_000_000),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn unbond_and_withdraw_work_after_the_delay() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 3 * MIN_STAKE));
		assert_ok!(crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
		System::assert_last_event(
			Event::StakeUnbonding { who: ALICE, amount: MIN_STAKE, unlock_at: 1 + UNBONDING }
				.into(),
		);
		let info = ProvidersMap::<Test>::get(ALICE).unwrap();
		assert_eq!(info.stake, 2 * MIN_STAKE);
		assert_eq!(info.unbonding, Some(Unbonding { amount: MIN_STAKE, unlock_at: 1 + UNBONDING }));
		// Still held while unbonding.
		assert_eq!(Balances::free_balance(ALICE), 1_000_000 - 3 * MIN_STAKE);
		System::set_block_number(UNBONDING);
		assert_noop!(
			crate::Pallet::<Test>::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::UnbondingNotFinished
		);
		System::set_block_number(1 + UNBONDING);
		assert_ok!(crate::Pallet::<Test>::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(Event::StakeWithdrawn { who: ALICE, amount: MIN_STAKE }.into());
		assert_eq!(Balances::free_balance(ALICE), 1_000_000 - 2 * MIN_STAKE);
		assert_noop!(
			crate::Pallet::<Test>::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToWithdraw
		);
	});
}

#[test]
fn unbond_respects_minimum_and_open_jobs() {
	build_and_execute(|| {
		assert_noop!(
			crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, 2 * MIN_STAKE));
		assert_noop!(
			crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), 3 * MIN_STAKE),
			Error::<Test>::InsufficientStake
		);
		// Leaving a dust stake is refused: stay at the minimum or leave entirely.
		assert_noop!(
			crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE + 1),
			Error::<Test>::StakeBelowMinimum
		);
		// With a job open, the stake must keep backing it.
		assert_ok!(Providers::job_assigned(&ALICE));
		assert_noop!(
			crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), 2 * MIN_STAKE),
			Error::<Test>::StakeBackingOpenJobs
		);
		assert_ok!(crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
		// Unbonding merges and restarts the clock.
		Providers::job_finished(&ALICE, crate::JobOutcome::Cancelled);
		System::set_block_number(5);
		assert_ok!(crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
		let info = ProvidersMap::<Test>::get(ALICE).unwrap();
		assert_eq!(
			info.unbonding,
			Some(Unbonding { amount: 2 * MIN_STAKE, unlock_at: 5 + UNBONDING })
		);
		assert_eq!(info.stake, 0);
	});
}
