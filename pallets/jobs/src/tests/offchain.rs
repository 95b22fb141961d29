//! The provider's off-chain worker, with the test off-chain, transaction-pool and keystore
//! extensions and a scripted inference engine standing in for the node's.

use super::*;
use crate::{
	offchain::Progress,
	testing::{ScriptedEngine, OUTPUT},
	AssignedTo, Call,
};
use attesta_primitives::{keys::PROVIDER_KEY_TYPE, offchain::InferenceExt};
use codec::{Decode, Encode};
use frame_support::{assert_ok, traits::Hooks};
use pallet_providers::HardwareClass;
use sp_core::{
	offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
	sr25519,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::traits::{Dispatchable, IdentifyAccount, Verify};
use std::sync::Arc;

struct Node {
	ext: sp_io::TestExternalities,
	pool: Arc<parking_lot::RwLock<testing::PoolState>>,
	engine: Arc<ScriptedEngine>,
	provider: u64,
	key: sr25519::Public,
}

/// A node whose keystore holds one provider key, registered on chain as the only provider in
/// region `ocw`, with `engine` as its inference engine when `with_engine`; a job is assigned to
/// it.
fn node(engine: ScriptedEngine, with_engine: bool) -> Node {
	let mut ext = new_test_ext();
	let (offchain, _) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let keystore = MemoryKeystore::new();
	let key = keystore.sr25519_generate_new(PROVIDER_KEY_TYPE, Some("//OcwProvider")).unwrap();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.register_extension(KeystoreExt::new(keystore));
	let engine = Arc::new(engine);
	if with_engine {
		ext.register_extension(InferenceExt(engine.clone()));
	}
	let provider = MockPublic(key).into_account();
	ext.execute_with(|| {
		assert_ok!(<Balances as frame_support::traits::fungible::Mutate<u64>>::mint_into(
			&provider, 100_000
		));
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(provider),
			STAKE,
			vec![MODEL],
			price_of(P1),
			b"ocw".to_vec(),
			HardwareClass::Cpu,
			2,
		));
		assert_ok!(crate::Pallet::<Test>::submit_job(
			RuntimeOrigin::signed(DAPP),
			MODEL,
			b"hello there".to_vec(),
			GenParams::greedy(8),
			max_price(),
			Some(b"ocw".to_vec()),
			1_000,
			System::block_number() + 10,
		));
		run_to_block(System::block_number() + 1);
		assert_eq!(provider_of(0), provider);
	});
	Node { ext, pool: pool_state, engine, provider, key }
}

impl Node {
	/// Runs the worker at the current block and returns the calls it sent, checking that each
	/// is signed by the provider key over the encoded call.
	fn run_worker(&mut self) -> Vec<Call<Test>> {
		let (provider, key) = (self.provider, self.key);
		let pool = self.pool.clone();
		self.ext.execute_with(|| {
			Jobs::offchain_worker(System::block_number());
			let sent: Vec<Vec<u8>> = std::mem::take(&mut pool.write().transactions);
			sent.into_iter()
				.map(|bytes| {
					let xt = MockXt::decode(&mut &bytes[..]).unwrap();
					let sp_runtime::generic::Preamble::Signed(who, signature, ()) = xt.preamble
					else {
						panic!("unsigned transaction")
					};
					assert_eq!(who, provider);
					assert!(signature.verify(&xt.function.encode()[..], &key));
					match xt.function {
						RuntimeCall::Jobs(call) => call,
						other => panic!("unexpected call {other:?}"),
					}
				})
				.collect()
		})
	}

	/// Dispatches `call` from the provider, as the block that includes it would.
	fn include(&mut self, call: Call<Test>) {
		let provider = self.provider;
		self.ext.execute_with(|| {
			assert_ok!(RuntimeCall::Jobs(call).dispatch(RuntimeOrigin::signed(provider)));
		});
	}
}

#[test]
fn provider_worker_runs_the_job_and_posts_a_result_the_chain_accepts() {
	let mut n = node(ScriptedEngine::new(MODEL_HASH).with_delay(1), true);
	// Block 1: queued on the engine, and the chain told the job started.
	assert_eq!(n.run_worker(), vec![Call::accept_job { job_id: 0 }]);
	assert_eq!(n.engine.submitted(), 1);
	n.include(Call::accept_job { job_id: 0 });
	// Still running: nothing sent.
	n.ext.execute_with(|| run_to_block(2));
	assert_eq!(n.run_worker(), vec![]);
	// Done: the result goes out, with the chain's commitment.
	n.ext.execute_with(|| run_to_block(3));
	let sent = n.run_worker();
	let [Call::submit_result { job_id: 0, input_tokens: 4, ref output_tokens, .. }] = sent[..]
	else {
		panic!("{sent:?}")
	};
	assert_eq!(*output_tokens, OUTPUT.to_vec());
	n.include(sent[0].clone());
	n.ext.execute_with(|| {
		assert!(matches!(JobsMap::<Test>::get(0).unwrap().status, JobStatus::ResultPosted { .. }));
		assert_eq!(AssignedTo::<Test>::iter().count(), 0);
		crate::Pallet::<Test>::do_try_state().unwrap();
	});
	// Nothing more to do, and the worker's record of the job is gone.
	n.ext.execute_with(|| run_to_block(4));
	assert_eq!(n.run_worker(), vec![]);
	n.ext.execute_with(|| {
		let key = (b"attesta/provider/job/", 0u64).encode();
		assert_eq!(
			sp_io::offchain::local_storage_get(sp_core::offchain::StorageKind::PERSISTENT, &key),
			None
		);
	});
	assert_eq!(n.engine.submitted(), 1, "ran once");
}

#[test]
fn a_lost_task_or_a_dropped_result_is_run_again() {
	let mut n = node(ScriptedEngine::new(MODEL_HASH).with_delay(5), true);
	assert_eq!(n.run_worker().len(), 1);
	// The node restarted: the engine no longer knows the ticket, so the job is queued again
	// (without telling the chain again that it started: the first `accept_job` is still in the
	// pool from the worker's view, and the chain rejects a second one anyway).
	n.engine.forget_all();
	n.ext.execute_with(|| run_to_block(2));
	n.run_worker();
	assert_eq!(n.engine.submitted(), 2);
	// The result transaction is dropped: after RESEND_AFTER blocks the job runs again.
	n.ext.execute_with(|| {
		let key = (b"attesta/provider/job/", 0u64).encode();
		let at = System::block_number();
		sp_io::offchain::local_storage_set(
			sp_core::offchain::StorageKind::PERSISTENT,
			&key,
			&Progress::<u64>::Posted { at }.encode(),
		);
		run_to_block(at + crate::offchain::RESEND_AFTER as u64);
	});
	n.run_worker();
	assert_eq!(n.engine.submitted(), 2, "waits RESEND_AFTER blocks");
	n.ext.execute_with(|| run_to_block(System::block_number() + 1));
	n.run_worker();
	assert_eq!(n.engine.submitted(), 3);
}

#[test]
fn without_an_engine_or_the_model_nothing_is_sent() {
	let mut n = node(ScriptedEngine::new(MODEL_HASH), false);
	assert_eq!(n.run_worker(), vec![]);
	let mut n = node(ScriptedEngine::new(MODEL_HASH), true);
	n.ext.execute_with(|| {
		// The job's model is not one the engine holds.
		pallet_models::Models::<Test>::mutate(MODEL, |m| {
			m.as_mut().unwrap().weights_hash = [9; 32]
		});
	});
	assert_eq!(n.run_worker(), vec![]);
	assert_eq!(n.engine.submitted(), 0);
}

#[test]
fn a_node_without_provider_keys_does_nothing() {
	let mut ext = new_test_ext();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let keystore = MemoryKeystore::new();
	// A key of another type is not a provider key.
	keystore
		.sr25519_generate_new(attesta_primitives::keys::CHECKER_KEY_TYPE, None)
		.unwrap();
	ext.register_extension(KeystoreExt::new(keystore));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		assert_ok!(submit(DAPP, b"hi", 4, 1_000));
		assert!(crate::offchain::local_providers::<Test>().is_empty());
		Jobs::offchain_worker(1);
	});
	assert!(pool_state.read().transactions.is_empty());
}

/// Threat model (Trust II): a job that failed over while its engine task ran left the task
/// behind, and about sixteen such jobs filled the engine's task limit for good. The worker now
/// cancels the task of every job that leaves it.
#[test]
fn a_job_that_leaves_while_running_frees_its_engine_task() {
	let mut n = node(ScriptedEngine::new(MODEL_HASH).with_delay(1_000), true);
	let sent = n.run_worker();
	assert!(matches!(sent[..], [Call::accept_job { job_id: 0 }]), "{sent:?}");
	assert_eq!(n.engine.held(), 1, "running");
	// The deadline passes with the task still running: the job fails over (and expires, as no
	// other provider serves the region).
	let provider = n.provider;
	n.ext.execute_with(|| {
		run_to_block(12);
		assert!(!matches!(
			JobsMap::<Test>::get(0).unwrap().status,
			crate::JobStatus::Assigned { provider: p, .. } if p == provider
		));
	});
	assert!(n.run_worker().is_empty());
	assert_eq!(n.engine.held(), 0, "the task was cancelled");
}
