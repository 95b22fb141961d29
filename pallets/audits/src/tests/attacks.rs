//! The threat model's attacks on the audit protocol, one test each (README, "Threat model"):
//! each plays the attacker against the pallet and shows the attack fails or does not pay.

use super::*;
use attesta_primitives::selection::verified_draw;
use codec::Encode;

/// A verdict of `who` carrying `proof`.
fn verdict_with(
	who: u64,
	job: u64,
	round: u32,
	proof: attesta_primitives::selection::VrfProof,
	accepted: bool,
) -> sp_runtime::DispatchResult {
	Audits::submit_verdict(
		RuntimeOrigin::signed(who),
		job,
		round,
		proof,
		accepted,
		committed(who, job, HONEST),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// Attack 1: an attacker registers honest checkers' keys under its own accounts and replays
/// their proofs with the opposite vote.
#[test]
fn stolen_votes_a_cloned_key_cannot_register_and_a_replayed_proof_fails() {
	build_and_execute(|| {
		let (honest, thief) = (20, 40);
		let stolen = pair_of(honest).public().0;
		// The thief copies the honest checker's own registration proof (it lacks the secret to
		// make one for its own account).
		let clone = || {
			Audits::register_checker(
				RuntimeOrigin::signed(thief),
				stolen,
				BOND,
				key_proof(honest, honest),
			)
		};
		assert_noop!(clone(), Error::<Test>::KeyInUse);
		// Once the honest checker leaves, the key is free, and still not the thief's.
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(honest)));
		assert_noop!(clone(), Error::<Test>::BadKeyProof);
		assert_ok!(register(honest, BOND));
		// The thief registers its own key and replays an honest checker's proof, vote flipped.
		assert_ok!(register(thief, BOND));
		run_to_block(System::block_number() + 1);
		let job = posted_job();
		let honest_proof = proof(honest, job, 0);
		assert_noop!(verdict_with(thief, job, 0, honest_proof, false), Error::<Test>::BadVrfProof);
		// Even a proof the honest key made over the thief's account is not the thief's key's.
		assert_noop!(
			verdict_with(thief, job, 0, proof_as(honest, thief, job, 0), false),
			Error::<Test>::BadVrfProof
		);
	});
}

/// Attack 4: the provider tries outputs until its own checkers are (not) drawn. The draw's
/// input holds no output of the provider's: two different results for the same job, posted in
/// the same block, draw exactly the same checkers.
#[test]
fn ground_committees_the_draw_does_not_depend_on_the_providers_output() {
	let draws_for = |output: Vec<u32>| {
		new_test_ext().execute_with(|| {
			let job = submitted_job();
			post_result(job, output);
			let c = Checkables::<Test>::get(job).unwrap();
			let (at, chance) = Audits::draw_terms(job, &c, 0).unwrap();
			run_to_block(at + 1);
			let seed = Audits::seed(at).unwrap();
			let draws: Vec<u128> = CHECKERS
				.into_iter()
				.map(|who| {
					let key = pair_of(who).public().0;
					verified_draw(&key, &who.encode(), job, 0, &seed, &proof(who, job, 0)).unwrap()
				})
				.collect();
			(draws, chance)
		})
	};
	assert_eq!(
		draws_for(vec![1, 2, 3]),
		draws_for(vec![9, 8, 7, 6]),
		"the same draws whatever the provider posted"
	);
}

/// Attack 4: a lone vote used to decide a dispute. Below the quorum nothing is decided; an
/// undecided dispute pays no one for the disputed work and slashes nobody.
#[test]
fn ground_committees_one_vote_does_not_decide_a_dispute() {
	build_and_execute(|| {
		let job = posted_job();
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), job));
		// Five checkers can vote; three are needed.
		assert_eq!(Disputes::<Test>::get(job).unwrap().quorum, 3);
		// One vote against the result in each of the first two rounds, none in the last.
		let mut rounds = 0;
		while let Some(d) = Disputes::<Test>::get(job) {
			if rounds < 2 {
				assert_ok!(verdict(CHECKERS[rounds], job, d.round, false));
			}
			run_to_block(d.round_ends);
			rounds += 1;
		}
		assert_eq!(rounds as u32, settings().max_rounds);
		assert!(audit_events().contains(&Event::DisputeUndecided { job_id: job }));
		assert!(!audit_events().iter().any(|e| matches!(e, Event::ResultFoundBad { .. })));
		assert_eq!(PendingSlashes::<Test>::iter().count(), 0, "nobody is slashed");
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Rejected { .. }));
		assert_eq!(stake_of(PROVIDER), STAKE);
	});
}

/// Attack 7: a checker that vouched for a result in the sample check and is later drawn into
/// the committee tries to change its verdict and escape the voucher slash.
#[test]
fn flip_flop_a_verdict_is_final_for_its_checker() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let (voucher, accuser) = (d[0], d[1]);
		assert_ok!(verdict(voucher, job, 0, true));
		assert_ok!(verdict(accuser, job, 0, false));
		let round = Disputes::<Test>::get(job).unwrap().round;
		run_to_block(System::block_number() + 1);
		assert_noop!(verdict(voucher, job, round, false), Error::<Test>::AlreadyVoted);
		for c in others(&[voucher, accuser]) {
			assert_ok!(verdict(c, job, round, false));
		}
		run_to_block(Disputes::<Test>::get(job).unwrap().round_ends);
		assert!(audit_events().contains(&Event::ResultFoundBad { job_id: job, provider: PROVIDER }));
		assert!(PendingSlashes::<Test>::iter()
			.any(|(_, s)| s.offender == voucher && s.from == SlashFrom::CheckerBond));
	});
}

/// Attack 3: a checker that vouched for a result leaves while the result can still be found
/// bad, so that its slash takes nothing.
#[test]
fn lazy_checkers_a_checker_with_a_verdict_on_an_open_job_cannot_leave() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		assert_ok!(verdict(d[0], job, 0, true));
		assert_noop!(
			Audits::deregister_checker(RuntimeOrigin::signed(d[0])),
			Error::<Test>::CheckerBusy
		);
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Settled { .. }));
		// Its witness still answers for the verdict until it is tallied.
		assert_noop!(
			Audits::deregister_checker(RuntimeOrigin::signed(d[0])),
			Error::<Test>::CheckerBusy
		);
		reveal_and_tally(job);
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(d[0])));
	});
}

/// A posted result every checker is drawn to check.
fn job_checked_by_all() -> u64 {
	let job = posted_job();
	Checkables::<Test>::mutate(job, |c| c.as_mut().unwrap().chance = 1_000_000_000);
	job
}

/// A verdict of `who` committing to the witness `digest`.
fn verdict_committing(who: u64, job: u64, accepted: bool, digest: [u8; 32]) {
	assert_ok!(Audits::submit_verdict(
		RuntimeOrigin::signed(who),
		job,
		0,
		proof(who, job, 0),
		accepted,
		committed(who, job, digest),
	));
}

/// Attack 3: a lazy checker vouches without running the model and commits to a guessed
/// witness; its two honest peers reveal the witness the model gives.
#[test]
fn lazy_checkers_a_guessed_witness_is_slashed_and_earns_nothing() {
	build_and_execute(|| {
		let job = job_checked_by_all();
		let (honest, lazy) = ([20, 21], 22);
		for c in honest {
			assert_ok!(verdict(c, job, 0, true));
		}
		let guess = [0x22; 32];
		verdict_committing(lazy, job, true, guess);
		// No reveal before the job closes: reveals would let others copy.
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(20), job, HONEST),
			Error::<Test>::NotRevealing
		);
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		let before = [20, 21, 22].map(Balances::free_balance);
		for c in honest {
			assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(c), job, HONEST));
		}
		// The lazy checker cannot reveal the honest witness (its commitment is to its guess).
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(lazy), job, HONEST),
			Error::<Test>::WitnessMismatch
		);
		assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(lazy), job, guess));
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(lazy), job, guess),
			Error::<Test>::AlreadyRevealed
		);
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(23), job, HONEST),
			Error::<Test>::NoVerdict
		);
		run_to_block(System::block_number() + REVEAL_WINDOW);
		System::assert_has_event(
			Event::WitnessFailed { job_id: job, checker: lazy, revealed: true }.into(),
		);
		System::assert_has_event(Event::WitnessesTallied { job_id: job, compared: true }.into());
		assert_eq!(Balances::free_balance(20), before[0] + 7);
		assert_eq!(Balances::free_balance(21), before[1] + 7);
		assert_eq!(Balances::free_balance(lazy), before[2], "no reward");
		run_to_block(System::block_number() + settings().slash_delay);
		assert_eq!(bond_of(lazy), BOND - settings().checker_slash * BOND);
		assert_eq!(bond_of(20), BOND);
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(20), job, HONEST),
			Error::<Test>::NotRevealing
		);
	});
}

/// Attack 3: a lazy checker copies an honest verdict's witness commitment from the chain.
/// The commitment names the honest checker's account, so it can never be revealed from the
/// copier's: silent, it is slashed as soon as two peers agree.
#[test]
fn lazy_checkers_a_copied_witness_cannot_be_revealed() {
	build_and_execute(|| {
		let job = job_checked_by_all();
		let (honest, copier) = ([20, 21], 22);
		for c in honest {
			assert_ok!(verdict(c, job, 0, true));
		}
		let copied = Verdicts::<Test>::get(job, 20).unwrap().witness;
		assert_ok!(Audits::submit_verdict(
			RuntimeOrigin::signed(copier),
			job,
			0,
			proof(copier, job, 0),
			true,
			copied,
		));
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		for c in honest {
			assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(c), job, HONEST));
		}
		assert_noop!(
			Audits::reveal_witness(RuntimeOrigin::signed(copier), job, HONEST),
			Error::<Test>::WitnessMismatch
		);
		let before = Balances::free_balance(copier);
		run_to_block(System::block_number() + REVEAL_WINDOW);
		System::assert_has_event(
			Event::WitnessFailed { job_id: job, checker: copier, revealed: false }.into(),
		);
		assert_eq!(Balances::free_balance(copier), before);
		run_to_block(System::block_number() + settings().slash_delay);
		assert_eq!(bond_of(copier), BOND - settings().checker_slash * BOND);
	});
}

/// Attack 3: a lone lazy checker's witness meets no peer. It earns nothing unless it reveals,
/// and nothing can be said against a lone reveal, nor against silence without agreeing peers.
#[test]
fn lazy_checkers_an_unrevealed_witness_earns_nothing() {
	build_and_execute(|| {
		let job = job_checked_by_all();
		let (silent, lone) = (20, 21);
		assert_ok!(verdict(silent, job, 0, true));
		assert_ok!(verdict(lone, job, 0, true));
		let before = [silent, lone].map(Balances::free_balance);
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(lone), job, HONEST));
		run_to_block(System::block_number() + REVEAL_WINDOW);
		System::assert_has_event(Event::WitnessesTallied { job_id: job, compared: false }.into());
		assert_eq!(Balances::free_balance(silent), before[0], "no reveal, no reward");
		assert_eq!(Balances::free_balance(lone), before[1] + 7);
		assert_eq!(PendingSlashes::<Test>::iter().count(), 0);
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(silent)));
	});
}

/// Attack 3: a voucher for a result found bad that also guessed its witness answers for the
/// verdict once, not twice; the committee that found it bad is paid once its witnesses agree.
#[test]
fn lazy_checkers_a_voucher_of_a_bad_result_is_slashed_once() {
	build_and_execute(|| {
		let job = job_checked_by_all();
		let (lazy, accuser) = (20, 21);
		verdict_committing(lazy, job, true, [0x22; 32]);
		assert_ok!(verdict(accuser, job, 0, false));
		Disputes::<Test>::mutate(job, |d| d.as_mut().unwrap().chance = 1_000_000_000);
		let dispute = Disputes::<Test>::get(job).unwrap();
		for c in [22, 23, 24] {
			assert_ok!(verdict(c, job, dispute.round, false));
		}
		run_to_block(dispute.round_ends);
		assert!(matches!(JobsMap::<Test>::get(job).unwrap().status, JobStatus::Rejected { .. }));
		let before = [22, 23, 24].map(Balances::free_balance);
		let accuser_before = Balances::free_balance(accuser);
		for c in [accuser, 22, 23, 24] {
			assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(c), job, HONEST));
		}
		assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(lazy), job, [0x22; 32]));
		run_to_block(System::block_number() + REVEAL_WINDOW);
		let lazy_slashes = audit_events()
			.into_iter()
			.filter(|e| matches!(e, Event::SlashScheduled { offender, .. } if *offender == lazy))
			.count();
		assert_eq!(lazy_slashes, 1, "the voucher slash only");
		for (c, b) in [22, 23, 24].into_iter().zip(before) {
			assert_eq!(Balances::free_balance(c), b + 7, "committee member {c} paid");
		}
		// The accuser is paid from the provider's slash instead, not as a checker.
		let share: Balance = audit_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::Slashed { offender: PROVIDER, to_beneficiary, .. } => Some(to_beneficiary),
				_ => None,
			})
			.sum();
		assert!(share > 0);
		assert_eq!(Balances::free_balance(accuser), accuser_before + share);
	});
}

/// Attack 3: an accept used to be paid at once, before anyone could dispute the result.
#[test]
fn lazy_checkers_an_accept_of_a_result_found_bad_earns_nothing() {
	build_and_execute(|| {
		let (job, d) = checked_job();
		let (lazy, accuser) = (d[0], d[1]);
		let lazy_before = Balances::free_balance(lazy);
		assert_ok!(verdict(lazy, job, 0, true));
		assert_eq!(
			Balances::free_balance(lazy),
			lazy_before,
			"no reward before the result is final"
		);
		assert_ok!(verdict(accuser, job, 0, false));
		let round = Disputes::<Test>::get(job).unwrap().round;
		for c in others(&[lazy, accuser]) {
			assert_ok!(verdict(c, job, round, false));
		}
		run_to_block(Disputes::<Test>::get(job).unwrap().round_ends);
		assert_eq!(Balances::free_balance(lazy), lazy_before, "the lazy accept earned nothing");
		run_to_block(System::block_number() + settings().slash_delay);
		assert_eq!(bond_of(lazy), BOND - BOND / 5, "and cost a fifth of the bond");
	});
}

/// Attack 3: registering many checkers used to change `rate / checkers`, so that honest
/// checkers' pending verdicts failed with `NotSelected`; and a key made after the seed is known
/// could be ground until it is drawn.
#[test]
fn sybil_checkers_registering_changes_no_pending_draw_and_late_keys_are_never_drawn() {
	build_and_execute(|| {
		let mut s = settings();
		s.initial_rate = Perbill::from_percent(60);
		s.floor_rate = Perbill::from_percent(60);
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), s));
		let (job, drawn_checkers) = job_with_a_drawn_checker();
		let chance = Checkables::<Test>::get(job).unwrap().chance;
		for sybil in [41, 42, 43] {
			assert_ok!(register(sybil, BOND));
		}
		assert_eq!(Checkables::<Test>::get(job).unwrap().chance, chance, "fixed at posting");
		assert_ok!(verdict(drawn_checkers[0], job, 0, true));
		// A Sybil registered after the result was posted is never drawn for it.
		assert_noop!(verdict(41, job, 0, true), Error::<Test>::RegisteredTooLate);
	});
}

/// Attack 3: Sybils fill `MaxCheckers` with minimum bonds to lock honest checkers out.
#[test]
fn sybil_checkers_cannot_lock_honest_checkers_out() {
	build_and_execute(|| {
		// Five honest checkers registered; three Sybils fill the set of eight.
		for sybil in [40, 41, 42] {
			assert_ok!(register(sybil, BOND));
		}
		assert_eq!(Checkers::<Test>::count(), 8);
		// A newcomer offering no more than the smallest bond cannot get in...
		assert_noop!(register(43, BOND), Error::<Test>::TooManyCheckers);
		// ...one offering more takes the place of a smallest bond with no open case.
		assert_ok!(register(43, BOND + 1));
		assert_eq!(Checkers::<Test>::count(), 8);
		let evicted: Vec<u64> = audit_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::CheckerEvicted { who, by: 43 } => Some(who),
				_ => None,
			})
			.collect();
		assert_eq!(evicted.len(), 1);
		assert!(!Checkers::<Test>::contains_key(evicted[0]));
		assert_eq!(Balances::free_balance(evicted[0]), 100_000, "its bond came back");
		// A checker with an open case (a verdict on an open job, an accusation, a pending slash)
		// is never evicted: when all have one, nobody makes room.
		let busy = |n: u32| {
			for who in Checkers::<Test>::iter_keys().collect::<Vec<_>>() {
				Checkers::<Test>::mutate(who, |c| c.as_mut().unwrap().open_cases = n);
			}
		};
		busy(1);
		assert_noop!(register(44, 10 * BOND), Error::<Test>::TooManyCheckers);
		busy(0);
	});
}

/// Attack 5: a dapp challenges its own provider's jobs (the bond returns to itself) to fill the
/// dispute agenda, so that honest rejections fail with `AgendaFull`.
#[test]
fn agenda_flooding_one_dapp_cannot_exhaust_dispute_capacity() {
	build_and_execute(|| {
		let bond = settings().challenge_bond;
		let jobs = posted_jobs(4);
		for (i, job) in jobs.iter().take(3).enumerate() {
			let held = Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &DAPP);
			assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), *job));
			let now_held = Balances::balance_on_hold(&HoldReason::ChallengeBond.into(), &DAPP);
			assert_eq!(now_held - held, bond * (i as u128 + 1), "the bond grows");
		}
		assert_noop!(
			Audits::challenge(RuntimeOrigin::signed(DAPP), jobs[3]),
			Error::<Test>::TooManyChallenges
		);
		// Whoever fills the round ends of the coming blocks (here, directly: many dapps), an
		// honest rejection still opens its dispute: the agenda spans room for every open job.
		let start = System::block_number() + settings().round_length;
		for b in start..start + 20 {
			RoundEnds::<Test>::mutate(b, |v| while v.try_push(9_999).is_ok() {});
		}
		let (job, d) = checked_job();
		assert_ok!(verdict(d[0], job, 0, false));
		let ends = Disputes::<Test>::get(job).unwrap().round_ends;
		assert!(ends >= start + 20, "scheduled after the flood");
		// Tidy the fake entries so the invariants hold.
		for b in start..start + 20 {
			RoundEnds::<Test>::mutate(b, |v| v.retain(|j| *j != 9_999));
		}
	});
}

/// Attack 6: the cheating rule held per job, but a provider could hold many jobs open at once
/// (up to its capacity) and cheat on all of them before its first slash.
#[test]
fn volume_cheating_open_budgets_are_bounded_by_stake_and_a_caught_provider_is_suspended() {
	build_and_execute(|| {
		let cheat = 45;
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(PROVIDER),
			cheat,
			MIN_STAKE
		));
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(cheat),
			MIN_STAKE,
			vec![0],
			pallet_providers::Price { input: 1, output: 2 },
			b"xx".to_vec(),
			pallet_providers::HardwareClass::Cpu,
			16,
		));
		let submit = || {
			Jobs::submit_job(
				RuntimeOrigin::signed(DAPP),
				0,
				b"hi".to_vec(),
				job_params(),
				pallet_providers::Price { input: 10, output: 10 },
				Some(b"xx".to_vec()),
				1_000,
				System::block_number() + 10,
			)
		};
		// Every result checked (q ≥ 50 %), 10 % of a 100,000 stake at risk: open budgets must
		// stay under 10,000 (0.5 × (10,000 + E) > E), so nine jobs of 1,000, not sixteen. Sent
		// in one block, all are queued; the draw gives the provider nine and refunds the rest.
		let queued: Vec<u64> = (0..16)
			.map(|_| {
				assert_ok!(submit());
				pallet_jobs::NextJobId::<Test>::get() - 1
			})
			.collect();
		// The agenda draws eight a block.
		run_to_block(System::block_number() + 2);
		let (taken, refused): (Vec<u64>, Vec<u64>) = queued.into_iter().partition(|j| {
			matches!(
				pallet_jobs::Jobs::<Test>::get(j).unwrap().status,
				pallet_jobs::JobStatus::Assigned { .. }
			)
		});
		assert_eq!(taken.len(), 9);
		for job_id in refused {
			System::assert_has_event(
				pallet_jobs::Event::JobExpired { job_id, refunded: 1_000 }.into(),
			);
		}
		assert_eq!(pallet_jobs::Exposure::<Test>::get(cheat), 9_000);
		assert_noop!(submit(), pallet_jobs::Error::<Test>::StakeFullyExposed);

		// One fabricated result is found bad: the provider is suspended at once, though its
		// exposure has room again.
		let job = taken[0];
		post_result_as(cheat, job, vec![6, 6, 6]);
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), job));
		let round = Disputes::<Test>::get(job).unwrap().round;
		for c in [20, 21, 22] {
			assert_ok!(verdict(c, job, round, false));
		}
		run_to_block(Disputes::<Test>::get(job).unwrap().round_ends);
		assert!(audit_events().contains(&Event::ResultFoundBad { job_id: job, provider: cheat }));
		assert_eq!(pallet_jobs::Exposure::<Test>::get(cheat), 8_000);
		assert!(pallet_providers::Providers::<Test>::get(cheat).unwrap().suspended);
		assert_noop!(submit(), pallet_jobs::Error::<Test>::NoEligibleProvider);

		// On appeal, governance cancels the slash and lifts the suspension.
		let id = PendingSlashes::<Test>::iter()
			.find(|(_, s)| s.offender == cheat)
			.map(|(id, _)| id)
			.unwrap();
		assert_ok!(Audits::cancel_slash(RuntimeOrigin::signed(ADMIN), id));
		assert!(!pallet_providers::Providers::<Test>::get(cheat).unwrap().suspended);
		assert_ok!(submit());
	});
}

/// Threat model (Trust II): a dapp sending many cheap jobs to its own provider walked the
/// provider's check rate down to the floor, because the rate fell with completed jobs. It falls
/// only with passed checks: work that checkers re-executed and found right.
#[test]
fn self_dealing_completed_jobs_do_not_lower_the_check_rate() {
	build_and_execute(|| {
		let mut s = settings();
		s.initial_rate = Perbill::from_percent(60);
		s.floor_rate = Perbill::from_percent(40);
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), s));
		let terms = <Audits as JobAudit<_, _, _>>::terms();
		let rate = || Audits::provider_rate(&PROVIDER, &terms);
		assert_eq!(rate(), Perbill::from_percent(60));
		// Completed jobs pile up; the rate does not move.
		pallet_providers::Providers::<Test>::mutate(PROVIDER, |p| {
			p.as_mut().unwrap().reputation.jobs_completed = 450
		});
		assert_eq!(rate(), Perbill::from_percent(60));
		// A passed check of a paid result counts.
		let (job, d) = job_with_a_drawn_checker();
		assert_ok!(verdict(d[0], job, 0, true));
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		assert_eq!(
			pallet_providers::Providers::<Test>::get(PROVIDER)
				.unwrap()
				.reputation
				.checks_passed,
			1
		);
		assert!(rate() < Perbill::from_percent(60));
	});
}

/// Threat model (Trust II): checks bought for a job that ended without a result were kept, and
/// so was their record.
#[test]
fn leaks_bought_checks_of_a_job_without_result_are_refunded_and_forgotten() {
	build_and_execute(|| {
		let mut s = settings();
		s.initial_rate = Perbill::from_percent(40);
		s.floor_rate = Perbill::from_percent(40);
		assert_ok!(Audits::set_settings(RuntimeOrigin::signed(ADMIN), s));
		let dapp_before = Balances::free_balance(DAPP);
		let job = submitted_job();
		assert_ok!(Audits::buy_checks(RuntimeOrigin::signed(DAPP), job, Perbill::one()));
		assert_eq!(BoughtRates::<Test>::get(job).unwrap().paid, 600, "60 % above the provider's");
		assert_ok!(Jobs::cancel_job(RuntimeOrigin::signed(DAPP), job));
		assert!(!BoughtRates::<Test>::contains_key(job));
		assert_eq!(Balances::free_balance(DAPP), dapp_before, "budget and bought checks back");
	});
}

/// Threat model (Trust II): any checker may report false claims without being drawn, so a
/// false report must cost the reporter: the committee finds the claims true and the reporter
/// loses part of its bond, as for any false alarm. A report is also refused from a non-checker
/// and on a result already disputed.
#[test]
fn false_claims_a_false_report_costs_the_reporter() {
	build_and_execute(|| {
		let job = posted_job();
		let liar = 20;
		assert_noop!(
			Audits::report_false_claims(RuntimeOrigin::signed(DAPP), job),
			Error::<Test>::NotChecker
		);
		assert_ok!(Audits::report_false_claims(RuntimeOrigin::signed(liar), job));
		assert_noop!(
			Audits::report_false_claims(RuntimeOrigin::signed(21), job),
			Error::<Test>::AlreadyDisputed
		);
		let round = Disputes::<Test>::get(job).unwrap().round;
		for c in others(&[liar]) {
			assert_ok!(verdict(c, job, round, true));
		}
		run_to_block(Disputes::<Test>::get(job).unwrap().round_ends);
		assert!(audit_events().contains(&Event::ResultUpheld { job_id: job, provider: PROVIDER }));
		run_to_block(System::block_number() + settings().slash_delay);
		assert_eq!(bond_of(liar), BOND - BOND / 5, "the false report cost a fifth of the bond");
	});
}

/// Threat model (Trust II, leaks): slashes were put on a per-block agenda searched 64 blocks
/// ahead; beyond that a decided slash was stored but never run (and its checker's case never
/// closed). Slashes now wait in a queue: however many are decided at once, each runs once its
/// appeal delay has passed, never before, at most `MaxDuePerBlock` a block, and a cancelled one
/// leaves only a gap the queue steps over.
#[test]
fn leaks_no_slash_is_dropped_however_many_are_decided_at_once() {
	build_and_execute(|| {
		let job = posted_job();
		let now = System::block_number();
		let due = now + settings().slash_delay;
		// 600 slashes in one block: 150 blocks' worth at 4 a block.
		let per_block: u32 = <Test as crate::Config>::MaxDuePerBlock::get();
		let n: u32 = 600;
		for _ in 0..n {
			Audits::schedule_slash(
				PROVIDER,
				crate::SlashFrom::ProviderStake,
				sp_runtime::Perbill::from_parts(10),
				None,
				Some(job),
				now,
			);
		}
		assert_ok!(Audits::cancel_slash(RuntimeOrigin::signed(ADMIN), 7));
		let slashed =
			|| audit_events().iter().filter(|e| matches!(e, Event::Slashed { .. })).count() as u32;
		run_to_block(due - 1);
		assert_eq!(slashed(), 0, "nothing runs before the appeal delay ends");
		run_to_block(due);
		assert_eq!(slashed(), per_block);
		run_to_block(due + u64::from(n / per_block) + 1);
		assert_eq!(slashed(), n - 1, "every slash ran but the cancelled one");
		assert_eq!(PendingSlashes::<Test>::iter().count(), 0);
		assert_eq!(crate::NextSlashToExecute::<Test>::get(), n);
	});
}

/// Attack 3: a drawn checker stays silent (never re-executes, never votes) and keeps its bond,
/// while honest checkers do the work. Its draws are secret, but its chance at every draw is
/// public: the silence shows in the count.
#[test]
fn silent_checkers_a_checker_that_never_answers_its_draws_is_reported_and_slashed() {
	build_and_execute(|| {
		// Three checkers (each drawn for a third of the results), so the test stays short.
		for c in [23, 24] {
			assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(c)));
		}
		let checkers = [20, 21, 22];
		let (silent, reporter) = (checkers[0], OUTSIDERS[0]);
		let report = |who| Audits::report_silent(RuntimeOrigin::signed(reporter), who);
		assert_noop!(report(silent), Error::<Test>::NotSilent);
		let mut missed = 0;
		for _ in 0..36 {
			for job in posted_jobs(4) {
				let (at, chance) =
					Audits::draw_terms(job, &Checkables::<Test>::get(job).unwrap(), 0).unwrap();
				let seed = Audits::seed(at).unwrap();
				for c in checkers {
					let p = proof(c, job, 0);
					let key = pair_of(c).public().0;
					let draw = verified_draw(&key, &c.encode(), job, 0, &seed, &p).unwrap();
					if !attesta_primitives::selection::is_selected(draw, chance) {
						continue;
					}
					if c == silent {
						missed += 1;
					} else {
						assert_ok!(verdict_with(c, job, 0, p, true));
					}
				}
			}
			run_to_block(System::block_number() + WINDOW + 1);
		}
		assert!(missed > 36, "drawn {missed} times");
		// Honest checkers answered every draw: none can be reported, whatever their luck.
		for honest in [21, 22] {
			assert_noop!(report(honest), Error::<Test>::NotSilent);
		}
		assert_noop!(
			Audits::report_silent(RuntimeOrigin::signed(silent), silent),
			Error::<Test>::Conflicted
		);
		assert_ok!(report(silent));
		assert_eq!(Checkers::<Test>::get(silent).unwrap().draws.silences, 1, "reputation");
		// The same silence is punished once: the count starts again.
		assert_noop!(report(silent), Error::<Test>::NotSilent);
		assert_noop!(
			Audits::deregister_checker(RuntimeOrigin::signed(silent)),
			Error::<Test>::CheckerBusy
		);
		let reporter_before = Balances::free_balance(reporter);
		run_to_block(System::block_number() + settings().slash_delay);
		assert_eq!(bond_of(silent), BOND - BOND / 5, "a fifth of the bond");
		assert_eq!(
			Balances::free_balance(reporter),
			reporter_before + BOND / 10,
			"half to the reporter"
		);
	});
}

/// Attack 3, the other side: nobody can make an honest checker look silent by cutting its
/// draws short (a dapp's challenge ends the sample check at once), by drawing it into a
/// committee on a job it already judged, or on its own results as a provider.
#[test]
fn silent_checkers_draws_a_checker_could_not_answer_do_not_count() {
	build_and_execute(|| {
		let expected = |who| Audits::expected_draws(&who).unwrap();
		assert_ok!(register(PROVIDER, BOND));
		run_to_block(System::block_number() + 1);
		let job = posted_job();
		let voter = drawn(job, 0).into_iter().next().expect("a drawn checker");
		assert_ok!(verdict(voter, job, 0, true));
		// The provider cannot check its own result: its chance never counts against it.
		// The dapp challenges: the sample check ends for those who had not answered yet.
		assert_ok!(Audits::challenge(RuntimeOrigin::signed(DAPP), job));
		let round = Disputes::<Test>::get(job).unwrap();
		let ends = round.round_ends;
		// A round under way is not counted yet: its members are still re-executing.
		for c in CHECKERS.into_iter().chain([PROVIDER]) {
			assert_eq!(expected(c), 0, "checker {c}");
		}
		let members: Vec<u64> = drawn(job, 1).into_iter().filter(|c| *c != voter).collect();
		for c in &members {
			assert_ok!(verdict(*c, job, 1, true));
		}
		run_to_block(ends + 1);
		assert!(!Disputes::<Test>::contains_key(job), "decided");
		for c in CHECKERS {
			let counted = if c == voter { 0 } else { u128::from(round.chance) };
			assert_eq!(expected(c), counted, "checker {c}");
		}
		// The voter judged the job already, the provider is a party: neither could answer.
		assert_eq!(expected(PROVIDER), 0);
	});
}
