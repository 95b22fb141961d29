//! The checker's off-chain worker, with the test off-chain, transaction-pool and keystore
//! extensions and a scripted engine standing in for the node's.

use super::*;
use attesta_primitives::{keys::CHECKER_KEY_TYPE, offchain::InferenceExt, JobId};
use codec::{Decode, Encode};
use frame_support::traits::Hooks;
use pallet_jobs::testing::{MockPublic, ScriptedEngine};
use sp_core::offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::traits::{Dispatchable, IdentifyAccount, Verify};
use std::sync::Arc;

/// A validator node whose keystore holds the only registered checker key (drawn for every
/// job), with `engine`, and a posted job. Returns the externalities, the pool, the checker.
fn node(
	engine: ScriptedEngine,
) -> (sp_io::TestExternalities, Arc<parking_lot::RwLock<testing::PoolState>>, u64, JobId) {
	let (mut ext, pool, checker) = node_without_jobs(engine);
	let job = ext.execute_with(posted_now);
	(ext, pool, checker, job)
}

/// A job submitted in the current block, whose result is posted in the next (now current).
fn posted_now() -> JobId {
	let job = submitted_job();
	post_result(job, vec![1, 2, 3]);
	job
}

/// The node of [`node`] before any job: the checker registered before block 2, now block 2
/// (a job submitted now is posted in block 3).
fn node_without_jobs(
	engine: ScriptedEngine,
) -> (sp_io::TestExternalities, Arc<parking_lot::RwLock<testing::PoolState>>, u64) {
	node_sharing(Arc::new(engine))
}

/// [`node_without_jobs`] with an engine the test keeps a handle on.
fn node_sharing(
	engine: Arc<ScriptedEngine>,
) -> (sp_io::TestExternalities, Arc<parking_lot::RwLock<testing::PoolState>>, u64) {
	let mut ext = new_test_ext();
	let (offchain, _) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let keystore = MemoryKeystore::new();
	let key = keystore.sr25519_generate_new(CHECKER_KEY_TYPE, Some("//OcwChecker")).unwrap();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.register_extension(KeystoreExt::new(keystore));
	ext.register_extension(InferenceExt(engine));
	let checker = MockPublic(key).into_account();
	ext.execute_with(|| {
		for c in CHECKERS {
			assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(c)));
		}
		assert_ok!(<Balances as frame_support::traits::fungible::Mutate<u64>>::mint_into(
			&checker, 100_000
		));
		let key_proof =
			attesta_primitives::selection::checker_vrf::prove_key(key.0, &checker.encode())
				.expect("the keystore holds the key");
		assert_ok!(Audits::register_checker(
			RuntimeOrigin::signed(checker),
			key.0,
			BOND,
			key_proof
		));
		run_to_block(2);
	});
	(ext, pool_state, checker)
}

/// Runs the worker and returns the audit calls it sent, each checked to be signed by
/// `checker`'s key.
fn run_worker(
	ext: &mut sp_io::TestExternalities,
	pool: &parking_lot::RwLock<testing::PoolState>,
	checker: u64,
) -> Vec<Call<Test>> {
	ext.execute_with(|| {
		Audits::offchain_worker(System::block_number());
		let key = Checkers::<Test>::get(checker).unwrap().key;
		std::mem::take(&mut pool.write().transactions)
			.into_iter()
			.map(|bytes| {
				let xt = MockXt::decode(&mut &bytes[..]).unwrap();
				let sp_runtime::generic::Preamble::Signed(who, signature, ()) = xt.preamble else {
					panic!("unsigned")
				};
				assert_eq!(who, checker);
				assert!(signature
					.verify(&xt.function.encode()[..], &sp_core::sr25519::Public::from_raw(key)));
				match xt.function {
					RuntimeCall::Audits(call) => call,
					other => panic!("unexpected {other:?}"),
				}
			})
			.collect()
	})
}

#[test]
fn a_drawn_checker_re_executes_and_posts_a_verdict_the_chain_accepts() {
	let (mut ext, pool, checker, job) = node(ScriptedEngine::new(MODEL_HASH).with_delay(1));
	// The seed (the hash of the block that posted the result) is not known in that block.
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
	assert!(ext.execute_with(|| Checkables::<Test>::get(job).unwrap().posted_at) == 3);
	ext.execute_with(|| run_to_block(4));
	// Drawn (the only checker, every job checked): the check goes to the engine.
	assert!(run_worker(&mut ext, &pool, checker).is_empty(), "checking");
	ext.execute_with(|| run_to_block(5));
	assert!(run_worker(&mut ext, &pool, checker).is_empty(), "still checking");
	ext.execute_with(|| run_to_block(6));
	let sent = run_worker(&mut ext, &pool, checker);
	let [Call::submit_verdict { job_id, round: 0, accepted: true, .. }] = &sent[..] else {
		panic!("{sent:?}")
	};
	assert_eq!(*job_id, job);
	ext.execute_with(|| {
		assert_ok!(RuntimeCall::Audits(sent[0].clone()).dispatch(RuntimeOrigin::signed(checker)));
		System::assert_last_event(Event::CheckPassed { job_id: job, checker }.into());
		run_to_block(7);
	});
	// Voted: nothing more to do until the job closes.
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
	let before = ext.execute_with(|| {
		run_to_block(Checkables::<Test>::get(job).unwrap().settle_at);
		Balances::free_balance(checker)
	});
	// Closed: the worker reveals the witness its verdict committed to, the engine's own.
	let sent = run_worker(&mut ext, &pool, checker);
	let [Call::reveal_witness { job_id, witness }] = &sent[..] else { panic!("{sent:?}") };
	assert_eq!((*job_id, *witness), (job, attesta_primitives::witness::digest(&[1, 2, 3])));
	// Not landed yet: sent again only after `RESEND_AFTER` blocks.
	ext.execute_with(|| run_to_block(System::block_number() + 1));
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
	ext.execute_with(|| {
		assert_ok!(RuntimeCall::Audits(sent[0].clone()).dispatch(RuntimeOrigin::signed(checker)));
		run_to_block(System::block_number() + REVEAL_WINDOW);
		System::assert_has_event(Event::WitnessesTallied { job_id: job, compared: false }.into());
		assert_eq!(Balances::free_balance(checker), before + settings().checker_reward);
	});
	assert!(run_worker(&mut ext, &pool, checker).is_empty(), "nothing left to do");
}

#[test]
fn checks_carry_the_governed_rule_and_the_model_class() {
	let engine = Arc::new(ScriptedEngine::new(MODEL_HASH));
	let (mut ext, pool, checker) = node_sharing(engine.clone());
	let strict = pallet_models::VerificationRule {
		top_k: 1,
		logit_tolerance_milli: 0,
		sample_tolerance_ppm: 0,
		max_mismatch_permille: 0,
	};
	let class = ext.execute_with(|| {
		// Governance tightens the rule while the result is open: checks apply the new one.
		posted_now();
		assert_ok!(Models::set_verification_rule(RuntimeOrigin::signed(ADMIN), 0, strict));
		run_to_block(4);
		<Models as pallet_models::ModelRegistry>::limits(0).unwrap().class
	});
	assert!(run_worker(&mut ext, &pool, checker).is_empty(), "checking");
	let seen = engine.seen();
	let [attesta_primitives::offchain::InferenceTask::Check { rule, class: sent, .. }] = &seen[..]
	else {
		panic!("{seen:?}")
	};
	assert_eq!((*rule, *sent), (strict, class));
}

#[test]
fn a_failed_check_opens_a_dispute() {
	let (mut ext, pool, checker, job) = node(ScriptedEngine::new(MODEL_HASH).rejecting());
	ext.execute_with(|| run_to_block(4));
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
	let sent = run_worker(&mut ext, &pool, checker);
	let [Call::submit_verdict { accepted: false, .. }] = &sent[..] else { panic!("{sent:?}") };
	ext.execute_with(|| {
		assert_ok!(RuntimeCall::Audits(sent[0].clone()).dispatch(RuntimeOrigin::signed(checker)));
		assert!(Disputes::<Test>::contains_key(job));
		// The accuser does not sit on its own dispute's committee.
		run_to_block(6);
	});
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
}

/// Attack 2: the worker used to look at the first 64 open results in storage order only, so a
/// provider could tell before posting which of its results no checker would ever see.
#[test]
fn exempt_results_every_open_result_is_drawn_and_checked_however_many_are_open() {
	let (mut ext, pool, checker) = node_without_jobs(ScriptedEngine::new(MODEL_HASH));
	let jobs: Vec<JobId> = ext.execute_with(|| {
		// Posted one a block (the provider's capacity): a window long enough to hold all open.
		Settings::<Test>::mutate(|s| s.challenge_window = 200);
		let jobs = (0..80).map(|_| posted_now()).collect();
		run_to_block(System::block_number() + 1);
		jobs
	});
	// The engine takes every check (the scripted one has no capacity limit), the earliest
	// deadline first; the next run posts every verdict.
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
	let sent = run_worker(&mut ext, &pool, checker);
	let mut checked: Vec<JobId> = sent
		.iter()
		.map(|c| match c {
			Call::submit_verdict { job_id, round: 0, accepted: true, .. } => *job_id,
			other => panic!("{other:?}"),
		})
		.collect();
	checked.sort();
	assert_eq!(checked, jobs, "every one of the 80 open results was checked");
}

/// Threat model (Trust II): a provider posted the honest tokens with a text of its choosing (or
/// billed more input tokens than the prompt makes): every check passed, since checks looked at
/// the tokens only. The worker checks every open result's claims, drawn or not, and reports
/// false ones; a committee then decides.
#[test]
fn false_claims_every_result_s_text_and_billing_are_checked_and_reported() {
	let (mut ext, pool, checker) =
		node_without_jobs(ScriptedEngine::new(MODEL_HASH).with_false_claims());
	let job = ext.execute_with(|| {
		// Not drawn (no chance at all): the claims are looked at all the same.
		let job = posted_now();
		Checkables::<Test>::mutate(job, |c| c.as_mut().unwrap().chance = 0);
		run_to_block(4);
		job
	});
	let sent = run_worker(&mut ext, &pool, checker);
	let [Call::report_false_claims { job_id }] = &sent[..] else { panic!("{sent:?}") };
	assert_eq!(*job_id, job);
	ext.execute_with(|| {
		assert_ok!(RuntimeCall::Audits(sent[0].clone()).dispatch(RuntimeOrigin::signed(checker)));
		let d = Disputes::<Test>::get(job).expect("a committee decides");
		assert_eq!(d.accuser, Accuser::Checker(checker));
		run_to_block(5);
	});
	// Reported once.
	assert!(run_worker(&mut ext, &pool, checker).is_empty());
}
