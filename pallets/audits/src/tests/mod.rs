//! Checks, disputes, escalation, slashing and appeals, with a malicious and a silent checker;
//! `attacks` holds one test per attack of the threat model.

#![allow(clippy::arithmetic_side_effects)]

mod attacks;
mod offchain;
mod operators;

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
};
use pallet_jobs::{JobAudit, JobStatus, Jobs as JobsMap};
use sp_core::Pair;
use sp_runtime::{DispatchError, Perbill};

/// The witness digest every honest checker of the mock's results computes.
const HONEST: [u8; 32] = [0x11; 32];

/// `who`'s commitment to the witness `digest` on `job`.
fn committed(who: u64, job: u64, digest: [u8; 32]) -> [u8; 32] {
	attesta_primitives::witness::commitment(&codec::Encode::encode(&who), job, &digest)
}

/// An honest verdict: `who`'s draw proof and its commitment to the honest witness.
fn verdict(who: u64, job: u64, round: u32, accepted: bool) -> sp_runtime::DispatchResult {
	Audits::submit_verdict(
		RuntimeOrigin::signed(who),
		job,
		round,
		proof(who, job, round),
		accepted,
		committed(who, job, HONEST),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// Every checker with a verdict on the closed `job` reveals the honest witness, and the reveal
/// window passes: the verdicts are tallied.
fn reveal_and_tally(job: u64) {
	let checkers: Vec<u64> = Verdicts::<Test>::iter_prefix(job).map(|(c, _)| c).collect();
	for c in checkers {
		assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(c), job, HONEST));
	}
	run_to_block(System::block_number() + REVEAL_WINDOW);
	assert!(!Reveals::<Test>::contains_key(job), "tallied");
}

fn audit_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Audits(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn stake_of(who: u64) -> Balance {
	pallet_providers::Providers::<Test>::get(who).unwrap().stake
}

fn bond_of(who: u64) -> Balance {
	Checkers::<Test>::get(who).unwrap().bond
}

#[test]
fn settings_change_only_by_admin_within_bounds_and_never_so_that_cheating_pays() {
	build_and_execute(|| {
		let mut new = settings();
		new.initial_rate = Perbill::from_percent(30);
		new.floor_rate = Perbill::from_percent(5);
		new.provider_slash = Perbill::from_percent(25);
		assert_noop!(
			Audits::set_settings(RuntimeOrigin::signed(DAPP), new),
			DispatchError::BadOrigin
		);
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), new));
		System::assert_last_event(Event::SettingsUpdated { old: settings(), new }.into());
		let bad = |f: fn(&mut MarketSettings<Balance, u64>)| {
			let mut s = new;
			f(&mut s);
			Audits::set_settings(RuntimeOrigin::signed(ADMIN), s)
		};
		type Change = fn(&mut MarketSettings<Balance, u64>);
		let cases: [(Change, Error<Test>); 17] = [
			(|s| s.floor_rate = Perbill::from_percent(40), Error::InvalidCheckRates),
			(|s| s.floor_rate = Perbill::zero(), Error::InvalidCheckRates),
			(|s| s.supermajority = Perbill::from_percent(50), Error::SupermajorityTooLow),
			(|s| s.committee_size = 0, Error::InvalidCommittee),
			(|s| s.committee_size = 11, Error::InvalidCommittee),
			(|s| s.max_rounds = 0, Error::InvalidCommittee),
			(|s| s.round_length = 0, Error::InvalidCommittee),
			(|s| s.provider_slash = Perbill::zero(), Error::SlashingDisabled),
			(|s| s.slash_delay = 0, Error::SlashingDisabled),
			(|s| s.minimum_stake = 0, Error::ZeroStakeOrBudget),
			(|s| s.max_job_budget = 0, Error::ZeroStakeOrBudget),
			(|s| s.challenge_window = 0, Error::InvalidChallengeWindow),
			(|s| s.challenge_window = 31, Error::InvalidChallengeWindow),
			(|s| s.verification_fee_share = Perbill::from_percent(51), Error::FeeShareTooHigh),
			// Each of these alone makes an unchecked fabrication worth more than it risks.
			(|s| s.floor_rate = Perbill::from_percent(2), Error::CheatingPays),
			(|s| s.provider_slash = Perbill::from_percent(10), Error::CheatingPays),
			(|s| s.max_job_budget = 2_000, Error::CheatingPays),
		];
		for (change, error) in cases {
			assert_eq!(bad(change), Err(error.into()));
		}
		assert_eq!(Settings::<Test>::get(), new);
	});
}

#[test]
fn the_cheating_rule_holds_at_its_numbers() {
	// Floor 5 %: a result is checked with probability at least 5 % − (5 %)²/2 = 4.875 %.
	assert_eq!(least_check_chance(Perbill::from_percent(5)), Perbill::from_parts(48_750_000));
	// 25 % of a 100,000 stake at risk: the largest budget is just under 1,281
	// (0.04875 × (25,000 + P) > P ⇔ P < 1,281.2).
	let mut s = settings();
	s.floor_rate = Perbill::from_percent(5);
	s.provider_slash = Perbill::from_percent(25);
	s.max_job_budget = 1_280;
	assert!(!s.cheating_pays());
	s.max_job_budget = 1_282;
	assert!(s.cheating_pays());
	// With every result checked, half the stake need not be at risk.
	let s = settings();
	assert_eq!(least_check_chance(s.floor_rate), Perbill::from_percent(50));
	assert!(!s.cheating_pays());
}

#[test]
fn a_running_job_keeps_the_check_rate_and_slash_it_was_submitted_under() {
	build_and_execute(|| {
		let before = posted_job();
		let mut s = settings();
		s.initial_rate = Perbill::from_percent(50);
		s.floor_rate = Perbill::from_percent(50);
		s.provider_slash = Perbill::from_percent(20);
		s.challenge_window = WINDOW + 2;
		// A job submitted before the change, answered after it.
		let job = submitted_job();
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), s));
		post_result(job, vec![1]);
		let after = posted_job();
		for (id, rate, slash, window) in [
			(before, Perbill::one(), Perbill::from_percent(10), WINDOW),
			(job, Perbill::one(), Perbill::from_percent(10), WINDOW),
			(after, Perbill::from_percent(50), Perbill::from_percent(20), WINDOW + 2),
		] {
			let checkable = Checkables::<Test>::get(id).unwrap();
			assert_eq!((checkable.rate, checkable.provider_slash), (rate, slash), "job {id}");
			assert_eq!(checkable.settle_at, checkable.posted_at + window, "job {id}");
		}
	});
}

#[test]
fn checkers_register_with_a_bond_and_leave() {
	build_and_execute(|| {
		assert_noop!(register(20, BOND), Error::<Test>::AlreadyChecker);
		assert_noop!(register(40, BOND - 1), Error::<Test>::BondTooLow);
		assert_noop!(register(31, BOND), Error::<Test>::InsufficientBalance);
		assert_noop!(
			Audits::deregister_checker(RuntimeOrigin::signed(30)),
			Error::<Test>::NotChecker
		);
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(24)));
		assert_eq!(Balances::free_balance(24), 100_000);
		assert_eq!(Checkers::<Test>::count(), 4);
		assert!(!CheckerKeys::<Test>::contains_key(pair_of(24).public().0), "key freed");
	});
}

#[test]
fn an_agreeing_check_is_rewarded_when_the_job_settles() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let undrawn = others(&d)[0];
		assert_ok!(verdict(d[0], job, 0, true));
		System::assert_last_event(Event::CheckPassed { job_id: job, checker: d[0] }.into());
		let checker_before = Balances::free_balance(d[0]);
		assert_noop!(verdict(d[0], job, 0, true), Error::<Test>::AlreadyVoted);
		// Not drawn; someone else's proof; a round without a dispute; a stranger.
		assert_noop!(verdict(undrawn, job, 0, true), Error::<Test>::NotSelected);
		assert_noop!(
			Audits::submit_verdict(
				RuntimeOrigin::signed(undrawn),
				job,
				0,
				proof(d[1], job, 0),
				true,
				[0; 32]
			),
			Error::<Test>::BadVrfProof
		);
		assert_noop!(verdict(d[1], job, 1, true), Error::<Test>::WrongRound);
		assert_noop!(
			Audits::submit_verdict(
				RuntimeOrigin::signed(99),
				job,
				0,
				proof(21, job, 0),
				true,
				[0; 32]
			),
			Error::<Test>::NotChecker
		);
		let late = proof(d[1], job, 0);
		run_to_block(System::block_number() + WINDOW);
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Settled { .. }));
		assert_eq!(Balances::free_balance(d[0]), checker_before, "paid once its witness holds");
		reveal_and_tally(job);
		assert_eq!(Balances::free_balance(d[0]), checker_before + 7, "reward from the pool");
		assert_noop!(
			Audits::submit_verdict(RuntimeOrigin::signed(d[1]), job, 0, late, true, [0; 32]),
			Error::<Test>::NotCheckable
		);
		assert_eq!(VerdictCount::<Test>::get(job), 0, "verdicts cleared by the tally");
	});
}

#[test]
fn a_checker_not_drawn_is_refused() {
	build_and_execute(|| {
		// A rate this low is one the cheating rule refuses; a bought-down check stands in.
		let job = posted_job();
		let chance = Checkables::<Test>::mutate(job, |c| {
			std::mem::replace(&mut c.as_mut().unwrap().chance, 1)
		});
		Draws::<Test>::mutate(|l| {
			l.cut(chance);
			l.open(1);
		});
		assert_noop!(verdict(20, job, 0, true), Error::<Test>::NotSelected);
	});
}

#[test]
fn a_bad_result_is_refunded_and_slashed_after_the_appeal_delay() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let (accuser, voucher) = (d[0], d[1]);
		// One drawn checker vouches for the result (lazily, say); the other finds it bad.
		assert_ok!(verdict(voucher, job, 0, true));
		assert_ok!(verdict(accuser, job, 0, false));
		assert!(Disputes::<Test>::contains_key(job));
		// The committee's seed is the hash of this block: known from the next.
		run_to_block(System::block_number() + 1);
		assert_noop!(verdict(voucher, job, 0, false), Error::<Test>::WrongRound);
		assert_noop!(verdict(accuser, job, 1, false), Error::<Test>::Conflicted);
		// The voucher's accept counts as a vote; the committee (everyone else, in this small
		// set) finds the result bad: 3 of 4 votes.
		for c in others(&[accuser, voucher]) {
			assert_ok!(verdict(c, job, 1, false));
		}
		let ends = Disputes::<Test>::get(job).unwrap().round_ends;
		run_to_block(ends);
		assert!(audit_events().contains(&Event::ResultFoundBad { job_id: job, provider: PROVIDER }));
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Rejected { .. }));
		System::assert_has_event(
			pallet_jobs::Event::ResultRejected { job_id: job, provider: PROVIDER, refunded: 1_000 }
				.into(),
		);
		let rep = pallet_providers::Providers::<Test>::get(PROVIDER).unwrap().reputation;
		assert_eq!(rep.checks_failed, 1);
		// The provider is slashed, and so is checker 23, which vouched for the bad result.
		let scheduled: Vec<(u64, SlashFrom)> = audit_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::SlashScheduled { offender, from, .. } => Some((offender, from)),
				_ => None,
			})
			.collect();
		assert!(scheduled.contains(&(PROVIDER, SlashFrom::ProviderStake)));
		assert!(scheduled.contains(&(voucher, SlashFrom::CheckerBond)));
		assert_eq!(scheduled.len(), 2);
		assert_eq!(stake_of(PROVIDER), STAKE, "nothing taken before the delay");
		assert_noop!(
			Audits::deregister_checker(RuntimeOrigin::signed(voucher)),
			Error::<Test>::CheckerBusy
		);
		let accuser_before = Balances::free_balance(accuser);
		run_to_block(ends + settings().slash_delay);
		assert_eq!(stake_of(PROVIDER), STAKE - STAKE / 10);
		assert_eq!(
			Balances::balance_on_hold(
				&pallet_providers::HoldReason::ProviderStake.into(),
				&PROVIDER
			),
			STAKE - STAKE / 10
		);
		// The accuser gets half of the provider's slash.
		assert_eq!(Balances::free_balance(accuser), accuser_before + STAKE / 20);
		assert_eq!(bond_of(voucher), BOND - BOND / 5);
		assert_eq!(bond_of(accuser), BOND);
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(voucher)));
	});
}

#[test]
fn a_false_alarm_costs_the_accuser_unless_governance_cancels_it() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let liar = d[0];
		let provider_before = Balances::free_balance(PROVIDER);
		// A malicious checker cries wolf; the committee disagrees.
		assert_ok!(verdict(liar, job, 0, false));
		for c in others(&[liar]) {
			assert_ok!(verdict(c, job, 1, true));
		}
		let ends = Disputes::<Test>::get(job).unwrap().round_ends;
		run_to_block(ends);
		assert!(audit_events().contains(&Event::ResultUpheld { job_id: job, provider: PROVIDER }));
		let id = NextSlashId::<Test>::get() - 1;
		assert_eq!(PendingSlashes::<Test>::get(id).unwrap().offender, liar);
		// The job settles now that the dispute is over: the provider is paid.
		run_to_block(ends + 1);
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Settled { .. }));
		assert!(Balances::free_balance(PROVIDER) > provider_before);
		// Appeal: governance cancels the slash before it executes.
		assert_noop!(
			Audits::cancel_slash(RuntimeOrigin::signed(DAPP), id),
			DispatchError::BadOrigin
		);
		assert_ok!(Audits::cancel_slash(RuntimeOrigin::signed(ADMIN), id));
		assert_noop!(
			Audits::cancel_slash(RuntimeOrigin::signed(ADMIN), id),
			Error::<Test>::UnknownSlash
		);
		run_to_block(ends + settings().slash_delay + 1);
		assert_eq!(bond_of(liar), BOND);
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(liar)));
	});
}

#[test]
fn a_false_alarm_is_slashed_to_the_provider() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let liar = d[0];
		assert_ok!(verdict(liar, job, 0, false));
		for c in others(&[liar]).into_iter().take(3) {
			assert_ok!(verdict(c, job, 1, true));
		}
		let ends = Disputes::<Test>::get(job).unwrap().round_ends;
		run_to_block(ends + 1);
		let provider_before = Balances::free_balance(PROVIDER);
		run_to_block(ends + settings().slash_delay);
		assert_eq!(bond_of(liar), BOND - BOND / 5);
		assert_eq!(Balances::free_balance(PROVIDER), provider_before + BOND / 10);
	});
}

#[test]
fn a_silent_committee_is_replaced_then_the_undecided_dispute_refunds_the_dapp() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let accuser = d[0];
		assert_ok!(verdict(accuser, job, 0, false));
		let s = settings();
		for round in 1..s.max_rounds {
			let d = Disputes::<Test>::get(job).unwrap();
			assert_eq!(d.round, round);
			run_to_block(d.round_ends);
			// Past its settlement block, the disputed job still waits.
			assert!(matches!(
				JobsMap::<Test>::get(job).unwrap().status,
				JobStatus::ResultPosted { .. }
			));
			assert!(audit_events().contains(&Event::DisputeEscalated {
				job_id: job,
				round: round + 1,
				round_ends: d.round_ends + s.round_length
			}));
		}
		// Members of an old round can no longer vote in it.
		assert_noop!(verdict(others(&[accuser])[0], job, 1, true), Error::<Test>::WrongRound);
		let d = Disputes::<Test>::get(job).unwrap();
		let (dapp_before, provider_before) =
			(Balances::free_balance(DAPP), Balances::free_balance(PROVIDER));
		run_to_block(d.round_ends);
		assert!(audit_events().contains(&Event::DisputeUndecided { job_id: job }));
		assert_eq!(PendingSlashes::<Test>::iter().count(), 0, "nobody is slashed");
		// Nobody is paid for the disputed work: the dapp gets its whole budget back.
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Rejected { .. }));
		assert_eq!(Balances::free_balance(DAPP), dapp_before + 1_000);
		assert_eq!(Balances::free_balance(PROVIDER), provider_before);
		assert_eq!(bond_of(accuser), BOND);
		reveal_and_tally(job);
		assert_eq!(bond_of(accuser), BOND, "a lone witness is compared with nothing");
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(accuser)));
	});
}

#[test]
fn a_dapp_challenge_forces_a_committee_check() {
	build_and_execute(|| {
		let job = posted_job();
		assert_noop!(
			Audits::challenge(RuntimeOrigin::signed(PROVIDER), job),
			Error::<Test>::NotJobOwner
		);
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), job));
		assert_eq!(
			Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &DAPP),
			settings().challenge_bond
		);
		assert_noop!(
			Audits::challenge(RuntimeOrigin::signed(DAPP), job),
			Error::<Test>::AlreadyDisputed
		);
		for c in [21, 22, 23] {
			assert_ok!(verdict(c, job, 1, true));
		}
		let provider_before = Balances::free_balance(PROVIDER);
		run_to_block(Disputes::<Test>::get(job).unwrap().round_ends);
		// A good result: the bond goes to the provider.
		assert_eq!(Balances::free_balance(PROVIDER), provider_before + settings().challenge_bond);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &DAPP), 0);
	});
}

/// Found by the runtime fuzzer: the bond was released or forfeited at the amount the settings
/// named when the dispute ended, so a governance change in between left part of it held forever
/// or took another dispute's bond.
#[test]
fn a_challenge_bond_comes_back_or_goes_as_held_whatever_governance_changes_meanwhile() {
	build_and_execute(|| {
		let bond = settings().challenge_bond;
		let hold = || Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &DAPP);
		let (good, bad) = (posted_job(), posted_job());
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), good));
		// The second open challenge bonds twice as much.
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), bad));
		assert_eq!(hold(), 3 * bond);
		let set_bond = |challenge_bond| {
			let new = MarketSettings { challenge_bond, ..Settings::<Test>::get() };
			assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), new));
		};

		// Raised to three times: the upheld result's provider still gets just that dispute's bond.
		set_bond(3 * bond);
		for c in [21, 22, 23] {
			assert_ok!(verdict(c, good, 1, true));
			assert_ok!(verdict(c, bad, 1, false));
		}
		let provider_before = Balances::free_balance(PROVIDER);
		let dapp_before = Balances::free_balance(DAPP);
		// Lowered to zero: the bad result's dapp still gets its whole bond back.
		set_bond(0);
		run_to_block(Disputes::<Test>::get(good).unwrap().round_ends);
		assert!(!Disputes::<Test>::contains_key(good) && !Disputes::<Test>::contains_key(bad));
		assert_eq!(Balances::free_balance(PROVIDER), provider_before + bond);
		assert_eq!(hold(), 0, "nothing stays held");
		assert!(
			Balances::free_balance(DAPP) >= dapp_before + 2 * bond,
			"the bad result's bond came back"
		);
		assert_eq!(OpenChallenges::<Test>::get(DAPP), 0);
	});
}

#[test]
fn dapps_buy_higher_check_rates_and_rates_fall_with_reputation() {
	build_and_execute(|| {
		let mut s = settings();
		s.initial_rate = Perbill::from_percent(40);
		s.floor_rate = Perbill::from_percent(5);
		s.provider_slash = Perbill::from_percent(25);
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), s));
		let terms = <Audits as JobAudit<_, _, _>>::terms();
		// New provider: the initial rate; halved after `half_rate_after` passed checks; never
		// below the floor.
		assert_eq!(Audits::provider_rate(&PROVIDER, &terms), Perbill::from_percent(40));
		let set = |f: fn(&mut pallet_providers::Reputation)| {
			pallet_providers::Providers::<Test>::mutate(PROVIDER, |p| {
				f(&mut p.as_mut().unwrap().reputation)
			})
		};
		set(|r| r.checks_passed = 10);
		assert_eq!(Audits::provider_rate(&PROVIDER, &terms), Perbill::from_percent(20));
		set(|r| r.checks_passed = 10_000);
		assert_eq!(Audits::provider_rate(&PROVIDER, &terms), Perbill::from_percent(5));

		assert_eq!(submitted_job(), 0);
		let pool = pallet_jobs::Pallet::<Test>::pool_account();
		let pool_before = Balances::free_balance(pool);
		assert_noop!(
			Audits::buy_checks(RuntimeOrigin::signed(PROVIDER), 0, Perbill::one()),
			Error::<Test>::NotJobOwner
		);
		// At or below the provider's own rate (5 %) there is nothing to buy; above it, only the
		// difference is paid.
		assert_noop!(
			Audits::buy_checks(RuntimeOrigin::signed(DAPP), 0, Perbill::from_percent(5)),
			Error::<Test>::CannotBuyChecks
		);
		assert_ok!(Audits::buy_checks(RuntimeOrigin::signed(DAPP), 0, Perbill::from_percent(50)));
		assert_eq!(Balances::free_balance(pool), pool_before + 450);
		assert_noop!(
			Audits::buy_checks(RuntimeOrigin::signed(DAPP), 0, Perbill::from_percent(50)),
			Error::<Test>::CannotBuyChecks
		);
		post_result(0, vec![1, 2]);
		assert_eq!(Checkables::<Test>::get(0).unwrap().rate, Perbill::from_percent(50));
		assert_noop!(
			Audits::buy_checks(RuntimeOrigin::signed(DAPP), 0, Perbill::one()),
			Error::<Test>::CannotBuyChecks
		);
		// Each of the five checkers is drawn with a fifth of the job's rate.
		assert_eq!(Audits::per_checker(Perbill::from_percent(50)), 100_000_000);
	});
}

#[test]
fn every_call_weight_comes_from_weight_info() {
	use frame_support::dispatch::GetDispatchInfo;
	let w = |c: Call<Test>| c.get_dispatch_info().call_weight;
	let proof = attesta_primitives::selection::VrfProof { pre_output: [0; 32], proof: [0; 64] };
	let cases = vec![
		(
			w(Call::register_checker { key: [0; 32], bond: 0, key_proof: proof }),
			<() as WeightInfo>::register_checker().saturating_add(
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads_writes(u64::from(<<Test as Config>::MaxCheckers as Get<u32>>::get()), 3),
			),
		),
		(w(Call::deregister_checker {}), <() as WeightInfo>::deregister_checker()),
		(
			w(Call::submit_verdict {
				job_id: 0,
				round: 0,
				proof,
				accepted: true,
				witness: [0; 32],
			}),
			<() as WeightInfo>::submit_verdict().saturating_add(Audits::dispute_opening_weight()),
		),
		(
			w(Call::challenge { job_id: 0 }),
			<() as WeightInfo>::challenge().saturating_add(Audits::dispute_opening_weight()),
		),
		(w(Call::buy_checks { job_id: 0, rate: Perbill::one() }), <() as WeightInfo>::buy_checks()),
		(w(Call::set_settings { new: settings() }), <() as WeightInfo>::set_settings()),
		(w(Call::cancel_slash { id: 0 }), <() as WeightInfo>::cancel_slash()),
		(w(Call::report_silent { checker: 20 }), <() as WeightInfo>::report_silent()),
	];
	for (i, (call, info)) in cases.into_iter().enumerate() {
		assert_eq!(call, info, "call {i}");
		assert!(info.ref_time() > 0, "call {i} has a zero weight");
	}
}
