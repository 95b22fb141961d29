//! register, update, deregister, and the registry trait the jobs pallet uses.

use super::*;
use crate::{
	Error, Event, JobOutcome, ModelProviders, ProviderRegistry, Providers as ProvidersMap,
	WeightInfo,
};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};

#[test]
fn register_works() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, 5_000));
		System::assert_last_event(Event::ProviderRegistered { who: ALICE, stake: 5_000 }.into());
		let info = ProvidersMap::<Test>::get(ALICE).unwrap();
		assert_eq!(info.stake, 5_000);
		assert_eq!(info.capacity, 2);
		assert_eq!(ModelProviders::<Test>::get(MODEL).into_inner(), vec![ALICE]);
		assert_eq!(Balances::free_balance(ALICE), 1_000_000 - 5_000);
	});
}

#[test]
fn register_rejects_bad_input() {
	build_and_execute(|| {
		let reg = |who, stake, models: Vec<u32>, region: &[u8], capacity| {
			crate::Pallet::<Test>::register(
				RuntimeOrigin::signed(who),
				stake,
				models,
				price(),
				region.to_vec(),
				HardwareClass::Cpu,
				capacity,
			)
		};
		assert_noop!(
			reg(ALICE, MIN_STAKE - 1, vec![MODEL], b"eu", 2),
			Error::<Test>::StakeBelowMinimum
		);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![], b"eu", 2), Error::<Test>::NoModels);
		assert_noop!(
			reg(ALICE, MIN_STAKE, vec![MODEL, MODEL], b"eu", 2),
			Error::<Test>::BadModelList
		);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![7], b"eu", 2), Error::<Test>::UnknownModel);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![1], b"eu", 2), Error::<Test>::UnknownModel);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![MODEL], b"", 2), Error::<Test>::BadRegion);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![MODEL], &[b'x'; 17], 2), Error::<Test>::BadRegion);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![MODEL], b"eu", 0), Error::<Test>::InvalidCapacity);
		assert_noop!(reg(ALICE, MIN_STAKE, vec![MODEL], b"eu", 17), Error::<Test>::InvalidCapacity);
		assert_noop!(
			reg(POOR, MIN_STAKE, vec![MODEL], b"eu", 2),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(reg(ALICE, MIN_STAKE, vec![MODEL], b"eu", 2));
		assert_noop!(
			reg(ALICE, MIN_STAKE, vec![MODEL], b"eu", 2),
			Error::<Test>::AlreadyRegistered
		);
		assert_ok!(register(20, MIN_STAKE));
		assert_ok!(register(21, MIN_STAKE));
		assert_noop!(register(22, MIN_STAKE), Error::<Test>::TooManyProvidersForModel);
	});
}

#[test]
fn update_works_and_reindexes() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, MIN_STAKE));
		// Re-activate model 1 so it can be served.
		pallet_models::Models::<Test>::mutate(1, |m| m.as_mut().unwrap().active = true);
		assert_ok!(crate::Pallet::<Test>::update(
			RuntimeOrigin::signed(ALICE),
			vec![1],
			Price { input: 3, output: 9 },
			b"us".to_vec(),
			HardwareClass::DatacenterGpu,
			8,
		));
		System::assert_last_event(Event::ProviderUpdated { who: ALICE }.into());
		assert!(ModelProviders::<Test>::get(MODEL).is_empty());
		assert_eq!(ModelProviders::<Test>::get(1).into_inner(), vec![ALICE]);
		let info = ProvidersMap::<Test>::get(ALICE).unwrap();
		assert_eq!(
			(info.price.output, info.capacity, info.hardware),
			(9, 8, HardwareClass::DatacenterGpu)
		);
		assert_noop!(
			crate::Pallet::<Test>::update(
				RuntimeOrigin::signed(BOB),
				vec![MODEL],
				price(),
				b"eu".to_vec(),
				HardwareClass::Cpu,
				1
			),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			crate::Pallet::<Test>::update(
				RuntimeOrigin::signed(ALICE),
				vec![MODEL],
				price(),
				b"eu".to_vec(),
				HardwareClass::Cpu,
				0
			),
			Error::<Test>::InvalidCapacity
		);
	});
}

#[test]
fn candidates_filter_by_price_region_capacity_and_stake() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, MIN_STAKE));
		assert_ok!(crate::Pallet::<Test>::register(
			RuntimeOrigin::signed(BOB),
			MIN_STAKE,
			vec![MODEL],
			Price { input: 1, output: 50 },
			b"us".to_vec(),
			HardwareClass::ConsumerGpu,
			1,
		));
		let any = Price { input: 100, output: 100 };
		let names = |v: Vec<crate::Candidate<u64, Balance>>| {
			v.into_iter().map(|c| c.who).collect::<Vec<_>>()
		};
		assert_eq!(names(Providers::candidates(MODEL, &any, None, &[])), vec![ALICE, BOB]);
		assert_eq!(names(Providers::candidates(MODEL, &price(), None, &[])), vec![ALICE]);
		let us: crate::Region = b"us".to_vec().try_into().unwrap();
		assert_eq!(names(Providers::candidates(MODEL, &any, Some(&us), &[])), vec![BOB]);
		assert_eq!(names(Providers::candidates(MODEL, &any, None, &[ALICE])), vec![BOB]);
		assert!(Providers::candidates(1, &any, None, &[]).is_empty());
		// Bob's one slot taken: only Alice left.
		assert_ok!(Providers::job_assigned(&BOB));
		assert_noop!(Providers::job_assigned(&BOB), Error::<Test>::NoCapacity);
		assert_eq!(names(Providers::candidates(MODEL, &any, None, &[])), vec![ALICE]);
		// A provider found cheating is suspended at once, until governance reinstates it.
		Providers::check_failed(&ALICE);
		assert!(Providers::candidates(MODEL, &any, None, &[]).is_empty());
		Providers::reinstate(&ALICE);
		assert_eq!(names(Providers::candidates(MODEL, &any, None, &[])), vec![ALICE]);
		// A raised minimum stake drops everyone below it.
		MinimumStake::set(&(MIN_STAKE + 1));
		assert!(Providers::candidates(MODEL, &any, None, &[]).is_empty());
	});
}

#[test]
fn job_finished_keeps_reputation() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, MIN_STAKE));
		assert_ok!(Providers::job_assigned(&ALICE));
		assert_ok!(Providers::job_assigned(&ALICE));
		Providers::job_finished(&ALICE, JobOutcome::Completed { latency: 4 });
		Providers::job_finished(&ALICE, JobOutcome::Missed);
		let info = ProvidersMap::<Test>::get(ALICE).unwrap();
		assert_eq!(info.active_jobs, 0);
		assert_eq!(info.reputation.jobs_completed, 1);
		assert_eq!(info.reputation.deadlines_missed, 1);
		assert_eq!(info.reputation.total_latency_blocks, 4);
	});
}

#[test]
fn deregister_works_and_checks() {
	build_and_execute(|| {
		assert_noop!(
			crate::Pallet::<Test>::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, MIN_STAKE));
		assert_noop!(
			crate::Pallet::<Test>::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::StillBonded
		);
		assert_ok!(Providers::job_assigned(&ALICE));
		assert_noop!(
			crate::Pallet::<Test>::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::HasOpenJobs
		);
		Providers::job_finished(&ALICE, JobOutcome::Cancelled);
		assert_ok!(crate::Pallet::<Test>::unbond(RuntimeOrigin::signed(ALICE), MIN_STAKE));
		System::set_block_number(1 + UNBONDING);
		assert_ok!(crate::Pallet::<Test>::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		assert_ok!(crate::Pallet::<Test>::deregister(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(Event::ProviderDeregistered { who: ALICE }.into());
		assert!(ModelProviders::<Test>::get(MODEL).is_empty());
		assert_eq!(Balances::free_balance(ALICE), 1_000_000);
	});
}

#[test]
fn every_call_weight_comes_from_weight_info() {
	let m = 4; // MaxModelsPerProvider in the mock
	let cases: Vec<(crate::Call<Test>, frame_support::weights::Weight)> = vec![
		(
			crate::Call::register {
				stake: 1,
				models: vec![],
				price: price(),
				region: vec![],
				hardware: HardwareClass::Cpu,
				capacity: 1,
			},
			<() as WeightInfo>::register(m),
		),
		(
			crate::Call::update {
				models: vec![],
				price: price(),
				region: vec![],
				hardware: HardwareClass::Cpu,
				capacity: 1,
			},
			<() as WeightInfo>::update(m),
		),
		(crate::Call::bond_extra { amount: 1 }, <() as WeightInfo>::bond_extra()),
		(crate::Call::unbond { amount: 1 }, <() as WeightInfo>::unbond()),
		(crate::Call::withdraw_unbonded {}, <() as WeightInfo>::withdraw_unbonded()),
		(crate::Call::deregister {}, <() as WeightInfo>::deregister(m)),
	];
	for (call, weight) in cases {
		assert_eq!(call.get_dispatch_info().call_weight, weight, "{call:?}");
		assert!(weight.ref_time() > 0);
	}
}
