//! submit_result, settlement, disputes, failover, expiry and pruning, over many blocks.

use super::*;
use crate::{Agenda, Error, Event, OpenJobs, Results};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::Perbill;

#[test]
fn submit_result_checks_everything() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		let p = provider_of(0);
		let other = if p == P1 { P2 } else { P1 };
		let j = JobsMap::<Test>::get(0).unwrap();
		let good = attesta_primitives::commitment(&MODEL_HASH, b"hi", &j.params, &[5, 6]);
		let post = |who, input, out: Vec<u32>, text: Vec<u8>, c| {
			crate::Pallet::<Test>::submit_result(RuntimeOrigin::signed(who), 0, input, out, text, c)
		};
		assert_noop!(
			crate::Pallet::<Test>::submit_result(
				RuntimeOrigin::signed(p),
				9,
				1,
				vec![5],
				vec![],
				good
			),
			Error::<Test>::UnknownJob
		);
		assert_noop!(post(other, 3, vec![5, 6], vec![], good), Error::<Test>::NotAssignedProvider);
		assert_noop!(post(p, 3, vec![1, 2, 3, 4, 5], vec![], good), Error::<Test>::OutputTooLong);
		assert_noop!(
			post(p, 3, vec![5, 6], vec![b'x'; 513], good),
			Error::<Test>::OutputTextTooLong
		);
		// "hi" is 2 bytes + 8 template tokens.
		assert_noop!(post(p, 11, vec![5, 6], vec![], good), Error::<Test>::TooManyInputTokens);
		assert_noop!(post(p, 3, vec![5, 7], vec![], good), Error::<Test>::CommitmentMismatch);
		assert_noop!(post(p, 3, vec![5, 6], vec![], [0; 32]), Error::<Test>::CommitmentMismatch);
		assert_ok!(post(p, 3, vec![5, 6], b"ok".to_vec(), good));
		System::assert_last_event(
			Event::ResultSubmitted {
				job_id: 0,
				provider: p,
				output_tokens: 2,
				commitment: good,
				settle_at: 2 + WINDOW,
			}
			.into(),
		);
		assert_eq!(Results::<Test>::get(0).unwrap().output_text.into_inner(), b"ok".to_vec());
		assert_noop!(post(p, 3, vec![5, 6], vec![], good), Error::<Test>::ResultAlreadySubmitted);
		let info = pallet_providers::Providers::<Test>::get(p).unwrap();
		assert_eq!((info.active_jobs, info.reputation.jobs_completed), (0, 1));
	});
}

#[test]
fn result_after_deadline_is_refused() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		let j = JobsMap::<Test>::get(0).unwrap();
		let c = attesta_primitives::commitment(&MODEL_HASH, b"hi", &j.params, &[1]);
		let p = provider_of(0);
		// The deadline block itself is still in time.
		System::set_block_number(11);
		let late = System::block_number() + 1;
		System::set_block_number(late);
		assert_noop!(
			crate::Pallet::<Test>::submit_result(
				RuntimeOrigin::signed(p),
				0,
				1,
				vec![1],
				vec![],
				c
			),
			Error::<Test>::DeadlinePassed
		);
	});
}

#[test]
fn settlement_pays_provider_pool_and_refunds_the_rest() {
	build_and_execute(|| {
		let dapp_before = Balances::free_balance(DAPP);
		let pool = crate::Pallet::<Test>::pool_account();
		assert_ok!(submit(DAPP, b"hello", 8, 1_000));
		let p = provider_of(0);
		let p_before = Balances::free_balance(p);
		assert_ok!(answer(0, 6, vec![1, 2, 3]));
		// Not paid before the window closes.
		run_to_block(1 + WINDOW);
		assert_eq!(Balances::free_balance(p), p_before);
		assert!(JobsMap::<Test>::get(0).unwrap().status.is_open());
		run_to_block(2 + WINDOW);
		let price = price_of(p);
		let cost = 6 * price.input + 3 * price.output;
		let fee = cost / 10;
		System::assert_has_event(
			Event::JobSettled {
				job_id: 0,
				provider: p,
				paid: cost - fee,
				fee,
				refunded: 1_000 - cost,
			}
			.into(),
		);
		assert_eq!(Balances::free_balance(p), p_before + cost - fee);
		assert_eq!(Balances::free_balance(pool), ED + fee);
		assert_eq!(Balances::free_balance(DAPP), dapp_before - cost);
		assert_eq!(OpenJobs::<Test>::get(), 0);
	});
}

#[test]
fn a_running_job_keeps_the_terms_it_was_submitted_under() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hello", 8, 1_000));
		let p = provider_of(0);
		let pool = crate::Pallet::<Test>::pool_account();
		// Governance changes the settings while the job runs: longer window, higher fee.
		Window::set(&(WINDOW + 5));
		FeeShare::set(&Perbill::from_percent(40));
		assert_ok!(submit(DAPP2, b"hello", 8, 1_000));
		assert_eq!(JobsMap::<Test>::get(0).unwrap().terms.challenge_window, WINDOW);
		assert_eq!(JobsMap::<Test>::get(1).unwrap().terms.challenge_window, WINDOW + 5);
		assert_ok!(answer(0, 6, vec![1, 2, 3]));
		// The old job settles after its own window, with its own fee share.
		run_to_block(3 + WINDOW);
		let cost = 6 * price_of(p).input + 3 * price_of(p).output;
		System::assert_has_event(
			Event::JobSettled {
				job_id: 0,
				provider: p,
				paid: cost - cost / 10,
				fee: cost / 10,
				refunded: 1_000 - cost,
			}
			.into(),
		);
		assert_eq!(Balances::free_balance(pool), ED + cost / 10);
	});
}

#[test]
fn a_disputed_job_does_not_settle_until_the_dispute_ends() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		assert_ok!(answer(0, 3, vec![1]));
		DISPUTED.with(|d| d.borrow_mut().insert(0));
		run_to_block(2 + WINDOW + 10);
		assert!(matches!(JobsMap::<Test>::get(0).unwrap().status, JobStatus::ResultPosted { .. }));
		DISPUTED.with(|d| d.borrow_mut().clear());
		run_to_block(2 + WINDOW + 11);
		assert!(matches!(JobsMap::<Test>::get(0).unwrap().status, JobStatus::Settled { .. }));
	});
}

#[test]
fn missed_deadline_fails_over_then_expires_with_full_refund() {
	build_and_execute(|| {
		let before = Balances::free_balance(DAPP);
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		let first = provider_of(0);
		run_to_block(12);
		System::assert_has_event(Event::DeadlineMissed { job_id: 0, provider: first }.into());
		let second = provider_of(0);
		assert_ne!(first, second);
		assert_eq!(
			pallet_providers::Providers::<Test>::get(first)
				.unwrap()
				.reputation
				.deadlines_missed,
			1
		);
		match JobsMap::<Test>::get(0).unwrap().status {
			JobStatus::Assigned { deadline, assigned_at, .. } => {
				assert_eq!((assigned_at, deadline), (12, 12 + 10));
			},
			s => panic!("{s:?}"),
		}
		// The second answers late? No: it misses too, and so does the third.
		run_to_block(23);
		let third = provider_of(0);
		assert!(![first, second].contains(&third));
		run_to_block(34);
		System::assert_has_event(Event::JobExpired { job_id: 0, refunded: 1_000 }.into());
		assert_eq!(Balances::free_balance(DAPP), before);
		assert_eq!(OpenJobs::<Test>::get(), 0);
		for p in [P1, P2, P3] {
			assert_eq!(pallet_providers::Providers::<Test>::get(p).unwrap().active_jobs, 0);
		}
	});
}

#[test]
fn failover_provider_can_answer_and_gets_paid() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		run_to_block(12);
		let second = provider_of(0);
		let before = Balances::free_balance(second);
		assert_ok!(answer(0, 3, vec![9]));
		run_to_block(12 + WINDOW);
		let price = price_of(second);
		let cost = 3 * price.input + price.output;
		assert_eq!(Balances::free_balance(second), before + cost - cost / 10);
	});
}

#[test]
fn finished_jobs_are_pruned_after_retention() {
	build_and_execute(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		assert_ok!(answer(0, 3, vec![1]));
		run_to_block(2 + WINDOW);
		assert!(JobsMap::<Test>::contains_key(0));
		run_to_block(2 + WINDOW + RETENTION - 1);
		assert!(JobsMap::<Test>::contains_key(0));
		run_to_block(2 + WINDOW + RETENTION);
		assert!(!JobsMap::<Test>::contains_key(0));
		assert!(!Results::<Test>::contains_key(0));
		// The agenda holds nothing more for it.
		assert_eq!(Agenda::<Test>::iter().count(), 0);
	});
}

#[test]
fn many_jobs_over_many_blocks_keep_the_books_straight() {
	build_and_execute(|| {
		let total_before: Balance =
			[DAPP, DAPP2, P1, P2, P3].iter().map(Balances::total_balance).sum::<Balance>() +
				Balances::total_balance(&crate::Pallet::<Test>::pool_account());
		let mut submitted = 0u64;
		for block in 2..120u64 {
			run_to_block(block);
			System::set_parent_hash(sp_core::H256::repeat_byte(block as u8));
			let who = if block % 2 == 0 { DAPP } else { DAPP2 };
			if submit(who, b"prompt", 4, 500).is_ok() {
				submitted += 1;
			}
			// Answer every job whose number is not a multiple of 3; let the rest time out.
			for id in 0..submitted {
				if id % 3 != 0 {
					if let Some(JobStatus::Assigned { .. }) =
						JobsMap::<Test>::get(id).map(|j| j.status)
					{
						let _ = answer(id, 8, vec![1, 2]);
					}
				}
			}
			crate::Pallet::<Test>::do_try_state().unwrap();
			pallet_providers::Pallet::<Test>::do_try_state().unwrap();
		}
		run_to_block(200);
		assert!(submitted > 20, "only {submitted} jobs went in");
		assert_eq!(OpenJobs::<Test>::get(), 0);
		assert_eq!(JobsMap::<Test>::iter().count(), 0, "everything is pruned in the end");
		let total_after: Balance =
			[DAPP, DAPP2, P1, P2, P3].iter().map(Balances::total_balance).sum::<Balance>() +
				Balances::total_balance(&crate::Pallet::<Test>::pool_account());
		assert_eq!(total_before, total_after, "money was created or destroyed");
	});
}

/// Threat model (Trust II): missed deadlines used to cost a provider nothing, so one that takes
/// jobs and drops them kept the dapps waiting at no cost. The third miss in a row benches it
/// (no new jobs for `BenchPeriod`) and costs it `MissSlash` of its stake.
#[test]
fn missed_deadlines_in_a_row_bench_and_cost_the_provider() {
	build_and_execute(|| {
		for p in [P1, P2, P3] {
			pallet_providers::Providers::<Test>::mutate(p, |i| {
				i.as_mut().unwrap().reputation.missed_in_a_row = 2
			});
		}
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		let lazy = provider_of(0);
		let stake = pallet_providers::Providers::<Test>::get(lazy).unwrap().stake;
		run_to_block(12);
		System::assert_has_event(
			pallet_providers::Event::ProviderBenched { who: lazy, until: 12 + 20 }.into(),
		);
		let info = pallet_providers::Providers::<Test>::get(lazy).unwrap();
		assert_eq!(info.stake, stake - stake / 100, "one percent of the stake");
		assert_eq!(info.reputation.missed_in_a_row, 0);
		let eligible = |p| {
			use pallet_providers::ProviderRegistry;
			pallet_providers::Pallet::<Test>::candidates(MODEL, &max_price(), None, &[])
				.iter()
				.any(|c| c.who == p)
		};
		assert!(!eligible(lazy), "benched");
		run_to_block(32);
		assert!(eligible(lazy), "back after the bench period");
	});
}

/// Threat model (Trust II, leaks): a job's record and result stayed in state a day after it
/// ended and cost the dapp nothing but the transaction's byte fee. Its deposit is held from
/// submission until the record is pruned, and must be affordable beside the budget.
#[test]
fn leaks_a_job_holds_its_storage_deposit_until_pruned() {
	build_and_execute(|| {
		DepositBase::set(&7);
		DepositPerByte::set(&2);
		let reason: RuntimeHoldReason = crate::HoldReason::StorageDeposit.into();
		// "hi" (2 bytes) + 4 tokens × 4 bytes + the longest text (512 bytes), at 2 each, + 7.
		let deposit = 7 + 2 * (2 + 16 + 512);
		assert_eq!(crate::Pallet::<Test>::storage_deposit(2, 4), deposit);
		// A budget the dapp has, but not beside the deposit.
		DepositBase::set(&(Balances::free_balance(DAPP) - 1_000));
		assert_noop!(submit(DAPP, b"hi", 4, 1_000), Error::<Test>::InsufficientBalance);
		DepositBase::set(&7);
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		assert_eq!(Balances::balance_on_hold(&reason, &DAPP), deposit);
		assert_eq!(JobsMap::<Test>::get(0).unwrap().deposit, deposit);
		assert_ok!(answer(0, 3, vec![1]));
		run_to_block(2 + WINDOW);
		assert!(matches!(JobsMap::<Test>::get(0).unwrap().status, JobStatus::Settled { .. }));
		assert_eq!(Balances::balance_on_hold(&reason, &DAPP), deposit, "kept while readable");
		run_to_block(2 + WINDOW + RETENTION);
		assert!(!JobsMap::<Test>::contains_key(0));
		assert_eq!(Balances::balance_on_hold(&reason, &DAPP), 0, "returned with the record");
	});
}

#[test]
fn an_operator_key_answers_for_its_provider_who_is_paid() {
	build_and_execute(|| {
		const HOT: u64 = 90;
		assert_ok!(submit(DAPP, b"hello", 8, 1_000));
		let p = provider_of(0);
		assert_ok!(pallet_providers::Pallet::<Test>::set_operator(
			RuntimeOrigin::signed(p),
			Some(HOT)
		));
		let p_before = Balances::free_balance(p);
		let j = JobsMap::<Test>::get(0).unwrap();
		let output = vec![1, 2, 3];
		let commitment = attesta_primitives::commitment(&MODEL_HASH, &j.prompt, &j.params, &output);
		let post = |who: u64| {
			crate::Pallet::<Test>::submit_result(
				RuntimeOrigin::signed(who),
				0,
				6,
				output.clone(),
				b"hello".to_vec(),
				commitment,
			)
		};
		// Another account, even another provider's operator, is not the assigned provider.
		assert_noop!(post(91), Error::<Test>::NotAssignedProvider);
		assert_ok!(crate::Pallet::<Test>::accept_job(RuntimeOrigin::signed(HOT), 0));
		assert_ok!(post(HOT));
		System::assert_has_event(
			Event::ResultSubmitted {
				job_id: 0,
				provider: p,
				output_tokens: 3,
				commitment,
				settle_at: 1 + WINDOW + 1,
			}
			.into(),
		);
		run_to_block(3 + WINDOW);
		let price = price_of(p);
		let cost = 6 * price.input + 3 * price.output;
		assert_eq!(Balances::free_balance(p), p_before + cost - cost / 10);
		assert_eq!(Balances::free_balance(HOT), 0);
	});
}
