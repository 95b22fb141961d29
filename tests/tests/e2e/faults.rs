//! Faults on the four-validator local testnet, driven over JSON-RPC. One network serves all four
//! faults, run so that their waits overlap; every failure names the fault it belongs to.
//!
//! The network: validators Alice, Bob, Charlie and Dave from an exported raw spec; Charlie's and
//! Dave's nodes hold the reference model and a checker key each (accounts Alice and Bob); two
//! nodes that do not validate hold the model and a provider key each (Eve, Ferdie). Dave's
//! account is a provider that no node runs: it posts a fabricated result by hand.
//!
//! 1. **A provider killed mid-job.** Charlie's job goes to Eve or Ferdie; that provider's node is
//!    killed (SIGKILL) once it has taken the job (queued it on its engine and sent `accept_job`),
//!    before it can answer. At the deadline the job moves to the other provider, whose node
//!    answers; the job settles and Charlie pays for one job: its budget was held once, the hold is
//!    back to zero and its balance fell by exactly the job's cost and the one submission fee.
//! 2. **A validator killed during a dispute.** A dapp challenges Dave's fabricated result (or a
//!    checker that sampled it disputes it first); while the dispute is open Bob's validator is
//!    killed. Finality goes on with three of four, the checkers re-execute, the result is rejected
//!    after the kill, the dapp's holds are released and Dave's stake slash is scheduled.
//! 3. **A node killed with kill -9 and restarted.** Bob's node (killed in 2) restarts on its base
//!    path with no peers allowed: the blocks, the finalized head and the state it had (both jobs,
//!    and the escrow of fault 1) are all there before it can sync a byte. Given its peers back, it
//!    catches up with the others' best and finalized blocks. (With the start from an exported raw
//!    spec and finality going on without Bob, this covers the former `local_testnet.rs`.)
//! 4. **A flood of bad transactions.** Concurrent RPC clients send forged signatures, stale nonces,
//!    transactions from an account that cannot pay fees, transactions signed for another chain,
//!    garbage and truncated bytes: every one is refused by the pool and none is in a block. Jobs
//!    with a budget below the price or above the maximum are dispatched and fail with those errors,
//!    holding nothing; transactions with nonces far ahead wait and are never included. Meanwhile no
//!    block comes more than two slots after its parent, finality keeps up, and a valid transfer
//!    sent in the middle of it lands.

use attesta_client::chain;
use attesta_e2e::{market::*, testnet::*, *};
use attesta_runtime::{
	genesis_config_presets::REFERENCE_MODEL_SHA256, AccountId, Balance, BlockNumber, Runtime,
	RuntimeCall, RuntimeEvent, SLOT_DURATION, UNIT,
};
use codec::{Decode, Encode};
use jsonrpsee::{
	core::{client::ClientT, ClientError},
	rpc_params,
	ws_client::WsClientBuilder,
};
use pallet_jobs::{job_cost, GenParams, JobStatus};
use serde_json::Value;
use sp_core::{bytes, H256};
use sp_crypto_hashing::blake2_256;
use sp_keyring::Sr25519Keyring::{
	self, Alice, AliceStash, Bob, BobStash, Charlie, CharlieStash, Dave, DaveStash, Eve, EveStash,
	Ferdie, FerdieStash, One, Two,
};
use sp_runtime::{DispatchError, MultiAddress};
use std::{
	collections::{BTreeMap, HashSet},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::Duration,
};

const F1: &str = "fault 1 (provider killed mid-job)";
const F2: &str = "fault 2 (validator killed during a dispute)";
const F3: &str = "fault 3 (node killed with kill -9 and restarted on its base path)";
const F4: &str = "fault 4 (flood of invalid and underpaying transactions)";

/// Provider accounts, each with its `prov` key in a node of its own that does not validate.
const PROVIDERS: [Sr25519Keyring; 2] = [Eve, Ferdie];
/// Checker accounts, with the index of the validator whose node holds their `chck` key.
const CHECKERS: [(usize, Sr25519Keyring); 2] = [(2, Alice), (3, Bob)];
/// A registered provider whose key no node holds: it answers by hand, with a fabricated result.
const CHEAT: Sr25519Keyring = Dave;
/// The dapp of fault 1; it sends nothing else, so its balance tells what it paid.
const DAPP: Sr25519Keyring = Charlie;
/// The dapp that challenges the fabricated result in fault 2.
const CHALLENGER: Sr25519Keyring = AliceStash;
/// The validator killed in fault 2 and restarted in fault 3 (index into the nodes).
const VICTIM: usize = 1;
/// Blocks a provider has to answer fault 1's job: ample for the model, short for the test.
const RESPONSE_BLOCKS: BlockNumber = 8;
/// Fault 1's budget: well above the job's worst-case cost at [`PROVIDER_PRICE`].
const BUDGET: Balance = UNIT;

// Accounts of the flood. `One` and `Two` are not endowed at genesis.
/// Sends the valid transfer during the flood.
const SENDER: Sr25519Keyring = BobStash;
/// Receives the transfers (the valid one lands; the junk ones never do).
const RECIPIENT: Sr25519Keyring = Two;
/// Has no funds: cannot pay a fee. Also the key that forges signatures.
const POOR: Sr25519Keyring = One;
/// The account the forged transactions claim to come from.
const FORGED: Sr25519Keyring = FerdieStash;
/// Signs for another chain, and the transactions that are then truncated.
const ELSEWHERE: Sr25519Keyring = CharlieStash;
/// Sends transactions with nonces far in the future.
const AHEAD: Sr25519Keyring = DaveStash;
/// Sends the jobs whose budget is below the price or above the maximum.
const UNDERPAYING: Sr25519Keyring = EveStash;
/// Blocks the flood lasts, at least.
const FLOOD_BLOCKS: u32 = 6;
/// Concurrent flooding clients.
const FLOODERS: u32 = 4;
/// Jobs of each bad budget in the flood.
const BAD_JOBS: u32 = 4;
/// Transactions far ahead in nonce in the flood.
const AHEAD_TXS: u32 = 3;

/// Limit of each wait: generous, as the machine has two cores and other work.
const LONG: Duration = Duration::from_secs(300);

type Info = frame_system::AccountInfo<u32, pallet_balances::AccountData<Balance>>;

/// Prints `what` with the seconds since the first call, to show where the test's time goes.
fn progress(what: &str) {
	static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
	let start = START.get_or_init(std::time::Instant::now);
	println!("[{:>6.1} s] {what}", start.elapsed().as_secs_f64());
}

/// Prefixes a failure with the fault it belongs to.
fn at<T, E: std::fmt::Display>(fault: &str, r: std::result::Result<T, E>) -> Result<T> {
	r.map_err(|e| format!("{fault}: {e}"))
}

/// Fails the test with `msg`, naming `fault`, unless `cond` holds.
fn check(fault: &str, cond: bool, msg: impl FnOnce() -> String) -> Result<()> {
	if cond {
		Ok(())
	} else {
		Err(format!("{fault}: {}", msg()))
	}
}

/// Whether storage holds anything at `key` in block `at`, or the best block (not decoded: the
/// test need not follow changes to the item's type).
async fn exists_at(c: &WsClient, key: &[u8], at: Option<H256>) -> Result<bool> {
	Ok(chain::raw_storage(c, key, at).await?.is_some())
}

/// `who`'s nonce and balances (free and held) in block `at`, or the best block.
async fn account(c: &WsClient, who: Sr25519Keyring, at: Option<H256>) -> Result<Info> {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who.to_account_id());
	Ok(chain::storage(c, &key, at).await?.unwrap_or_default())
}

/// `Balances.transfer_keep_alive` of `value` to `to`.
fn transfer_call(to: Sr25519Keyring, value: Balance) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: MultiAddress::Id(to.to_account_id()),
		value,
	})
}

/// The id of the job `who` submitted, from its block's events.
fn submitted_by(events: &[RuntimeEvent], who: Sr25519Keyring) -> Result<u64> {
	events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, who: w, .. })
				if *w == who.to_account_id() =>
				Some(*job_id),
			_ => None,
		})
		.ok_or_else(|| format!("no JobSubmitted for {who} in {events:?}"))
}

/// The transaction fee `who` paid in a block, from its events.
fn fee_paid(events: &[RuntimeEvent], who: Sr25519Keyring) -> Result<Balance> {
	events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid {
					who: w, actual_fee, ..
				},
			) if *w == who.to_account_id() => Some(*actual_fee),
			_ => None,
		})
		.ok_or_else(|| format!("no TransactionFeePaid for {who}"))
}

/// Waits until `provider`'s node has taken job `id`: its worker queued the job on the engine and
/// sent `accept_job`, which is then in the node's pool. Its result comes a block later at the
/// earliest, so a kill now catches the provider mid-job. Polls quickly, not to miss the window.
async fn job_taken(provider: &Node, id: u64) -> Result<()> {
	let c = provider.client().await?;
	let deadline = std::time::Instant::now() + LONG;
	while std::time::Instant::now() < deadline {
		let pending: Vec<String> = c
			.request("author_pendingExtrinsics", rpc_params![])
			.await
			.map_err(|e| e.to_string())?;
		for xt in pending {
			let xt = attesta_runtime::UncheckedExtrinsic::decode(&mut &from_hex(&xt)?[..])
				.map_err(|e| e.to_string())?;
			if matches!(
				xt.function,
				RuntimeCall::Jobs(pallet_jobs::Call::accept_job { job_id }) if job_id == id
			) {
				return Ok(());
			}
		}
		if job_view(&c, id)
			.await?
			.is_some_and(|v| matches!(v.status, JobStatus::Assigned { started: true, .. }))
		{
			return Ok(());
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	Err(format!("{} never took job {id}:\n{}", provider.name, provider.log_tail()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_market_survives_crashed_providers_and_validators_restarts_and_a_flood() -> Result<()> {
	progress("starting the local testnet");
	let tmp = std::env::temp_dir().join(format!("attesta-faults-{}", std::process::id()));
	let model = reference_model()?.to_string_lossy().into_owned();
	let mut nodes = launch_local_testnet(&tmp, |who| {
		let checks = CHECKERS.iter().any(|(i, _)| VALIDATORS[*i] == who);
		let args: &[&str] =
			if checks { &["--inference-model", &model, "--inference-threads", "1"] } else { &[] };
		args.iter().map(|s| s.to_string()).collect()
	})
	.await?;
	let provider_args = [
		"--offchain-worker",
		"always",
		"--inference-model",
		&model,
		"--inference-threads",
		"1",
		"--log",
		"attesta::provider=debug",
	];
	let names = PROVIDERS.map(|who| format!("provider-{}", who.to_string().to_lowercase()));
	// The provider nodes start while the validators peer and finalize their first blocks.
	let (ready, a, b) = tokio::join!(
		local_testnet_ready(&nodes),
		join_local_testnet(&tmp, &names[0], &nodes[0], &provider_args),
		join_local_testnet(&tmp, &names[1], &nodes[0], &provider_args),
	);
	ready?;
	let mut provider_nodes = vec![a?, b?];
	progress("network up: four validators, two provider nodes");
	let c = nodes[0].client().await?;
	let info = chain_info(&c).await?;

	// Keys into the nodes' keystores, then every registration in one block.
	for (node, who) in provider_nodes.iter().zip(PROVIDERS) {
		insert_key(&node.client().await?, "prov", who).await?;
	}
	for (i, who) in CHECKERS {
		insert_key(&nodes[i].client().await?, "chck", who).await?;
	}
	let (r1, r2, r3, r4, r5) = tokio::join!(
		register_provider(&c, &info, PROVIDERS[0], "eu", 2),
		register_provider(&c, &info, PROVIDERS[1], "eu", 2),
		register_provider(&c, &info, CHEAT, "cheat", 2),
		register_checker(&c, &info, CHECKERS[0].1),
		register_checker(&c, &info, CHECKERS[1].1),
	);
	for r in [r1, r2, r3, r4, r5] {
		r.map_err(|e| format!("set-up: {e}"))?;
	}
	progress("providers and checkers registered");

	// Fault 1's job and fault 2's job, in the same block.
	let dapp_before = account(&c, DAPP, None).await?;
	let mut providers_before = Vec::new();
	for who in PROVIDERS {
		providers_before.push(account(&c, who, None).await?);
	}
	let prompt = b"What is the capital of France?";
	let deadline = best_number(&c).await? + RESPONSE_BLOCKS + 1;
	let job1_call = submit_job_call(
		prompt,
		GenParams::greedy(16),
		PROVIDER_PRICE,
		Some("eu"),
		BUDGET,
		deadline,
	);
	// Held beside each budget until the job's record is pruned, a day after it ends.
	let deposit1 = pallet_jobs::Pallet::<Runtime>::storage_deposit(prompt.len() as u32, 16);
	let deposit2 = pallet_jobs::Pallet::<Runtime>::storage_deposit(prompt.len() as u32, 24);
	let cheat_params = GenParams::greedy(24);
	let job2_call = submit_job_call(
		prompt,
		cheat_params,
		PROVIDER_PRICE,
		Some("cheat"),
		10 * UNIT,
		deadline + 40,
	);
	let (e1, e2) = tokio::join!(
		execute(&c, &info, DAPP, job1_call),
		execute(&c, &info, CHALLENGER, job2_call),
	);
	let (e1, e2) = (at(F1, e1)?, at(F2, e2)?);
	let job1 = at(F1, submitted_by(&e1, DAPP))?;
	let job2 = at(F2, submitted_by(&e2, CHALLENGER))?;

	// Fault 1: the provider that got the job crashes before it can answer.
	let first = at(F1, assigned_job(&c, job1).await)?;
	let JobStatus::Assigned { provider: first_provider, assigned_at: submitted_in, .. } =
		first.status.clone()
	else {
		return Err(format!("{F1}: job {job1} not assigned: {:?}", first.status));
	};
	let killed = PROVIDERS
		.iter()
		.position(|p| p.to_account_id() == first_provider)
		.ok_or(format!("{F1}: job {job1} went to {first_provider}, not a provider node"))?;
	at(F1, job_taken(&provider_nodes[killed], job1).await)?;
	provider_nodes[killed].kill();
	progress(&format!("job {job1} taken by {}'s node, which is killed", PROVIDERS[killed]));
	let (killed_who, other_who) = (PROVIDERS[killed], PROVIDERS[1 - killed]);
	let submit_fee = at(F1, fee_paid(&e1, DAPP))?;
	let held = account(&c, DAPP, None).await?;
	check(F1, held.data.reserved == dapp_before.data.reserved + BUDGET + deposit1, || {
		format!("budget and deposit not held once on submission: {dapp_before:?} -> {held:?}")
	})?;
	check(F1, held.data.free == dapp_before.data.free - BUDGET - deposit1 - submit_fee, || {
		format!("submission took more than budget and fee: {dapp_before:?} -> {held:?}")
	})?;

	// Fault 2: the cheat answers without running the model; the dapp challenges (a checker that
	// sampled the result may have opened the dispute first: either way it is open).
	let fabricated = vec![504u32, 3_575, 282, 4_649, 314, 7_042, 30];
	let commitment =
		attesta_primitives::commitment(&REFERENCE_MODEL_SHA256, prompt, &cheat_params, &fabricated);
	let answer = RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
		job_id: job2,
		input_tokens: 40,
		output_tokens: fabricated,
		output_text: b"The capital of France is Paris.".to_vec(),
		commitment,
	});
	at(F2, execute(&c, &info, CHEAT, answer).await)?;
	let challenge = RuntimeCall::Audits(pallet_audits::Call::challenge { job_id: job2 });
	let challenged = execute(&c, &info, CHALLENGER, challenge).await;
	let dispute_key = pallet_audits::Disputes::<Runtime>::hashed_key_for(job2);
	let open = at(F2, exists_at(&c, &dispute_key, None).await)?;
	check(F2, open, || format!("no dispute open on job {job2}: {challenged:?}"))?;
	progress(&format!("job {job2}'s fabricated result disputed"));

	// Faults 2 and 3: Bob's validator, once it has finalized the jobs' block, is killed while the
	// dispute is open. What it had is noted for its restart.
	let bob = nodes[VICTIM].client().await?;
	at(F3, wait_finalized(&bob, submitted_in, LONG).await)?;
	let (bob_final_hash, bob_final) = at(F3, chain::finalized_head(&bob).await)?;
	let bob_best = at(F3, best_number(&bob).await)?;
	nodes[VICTIM].kill();
	drop(bob);
	let killed_at = best_number(&c).await?;
	let finalized_at_kill = finalized_number(&c).await?;
	let open = exists_at(&c, &dispute_key, Some(block_hash(&c, killed_at).await?)).await?;
	check(F2, open, || format!("the dispute was no longer open at the kill (#{killed_at})"))?;
	progress(&format!("bob killed at #{killed_at}"));

	// Fault 1: at the deadline the job moves to the other provider, its budget still held once.
	let moved = match wait_for("the job to move to the other provider", LONG, || async {
		Ok(job_view(&c, job1).await?.filter(|v| v.attempts.len() >= 2))
	})
	.await
	{
		Ok(moved) => moved,
		Err(e) => {
			let now = job_view(&c, job1).await.map(|v| v.map(|v| v.status));
			return Err(format!(
				"{F1}: {e}; the job is now {now:?} (a result of the killed provider means it \
				 answered before the kill)"
			));
		},
	};
	let order = vec![killed_who.to_account_id(), other_who.to_account_id()];
	check(F1, moved.attempts == order, || format!("attempts {:?}, not {order:?}", moved.attempts))?;
	check(F1, !matches!(moved.status, JobStatus::Expired { .. }), || {
		format!("job expired instead of moving: {:?}", moved.status)
	})?;
	let held = account(&c, DAPP, None).await?;
	check(F1, held.data.reserved == BUDGET + deposit1, || {
		format!("held {} after the failover, not the budget {BUDGET} + deposit", held.data.reserved)
	})?;
	progress(&format!("job {job1} moved to {other_who}"));

	// Fault 2: finality goes on with three validators, and the committee rejects the result
	// after the kill.
	wait_finalized(&c, finalized_at_kill + 3, LONG)
		.await
		.map_err(|e| format!("{F2}: finality stalled without Bob: {e}"))?;
	let rejected = wait_for("the dispute's verdict", LONG, || async {
		Ok(job_view(&c, job2).await?.filter(|v| !v.status.is_open()))
	})
	.await
	.map_err(|e| {
		format!(
			"{F2}: {e}\n{}\n{}",
			nodes[CHECKERS[0].0].log_tail(),
			nodes[CHECKERS[1].0].log_tail()
		)
	})?;
	let JobStatus::Rejected { provider, at: rejected_at } = rejected.status.clone() else {
		return Err(format!("{F2}: the fabricated result was not rejected: {:?}", rejected.status));
	};
	check(F2, provider == CHEAT.to_account_id(), || format!("rejected {provider}, not the cheat"))?;
	check(F2, rejected_at > killed_at, || {
		format!("decided at #{rejected_at}, before the kill at #{killed_at}")
	})?;
	let challenger = account(&c, CHALLENGER, None).await?;
	check(F2, challenger.data.reserved == deposit2, || {
		format!("the dapp's budget or bond still held (only the deposit should be): {challenger:?}")
	})?;
	let next_slash: u32 =
		chain::storage(&c, &pallet_audits::NextSlashId::<Runtime>::hashed_key(), None)
			.await?
			.unwrap_or(0);
	let mut slashed = false;
	for id in 0..next_slash {
		let key = pallet_audits::PendingSlashes::<Runtime>::hashed_key_for(id);
		let slash: Option<pallet_audits::PendingSlash<AccountId, BlockNumber>> =
			chain::storage(&c, &key, None).await?;
		slashed |= slash.is_some_and(|s| {
			s.offender == CHEAT.to_account_id() &&
				s.from == pallet_audits::SlashFrom::ProviderStake &&
				s.fraction == rejected.terms.provider_slash &&
				s.job == Some(job2)
		});
	}
	check(F2, slashed, || "no slash of the cheat's stake pending".into())?;
	progress(&format!("job {job2} rejected at #{rejected_at}, the cheat's slash pending"));

	// Fault 3: Bob restarts on its base path, first with no peers allowed: what it had must be on
	// its own disk.
	at(F3, nodes[VICTIM].restart(&["--reserved-only".to_string()]).await)?;
	let bob = nodes[VICTIM].client().await?;
	let health: Value =
		bob.request("system_health", rpc_params![]).await.map_err(|e| e.to_string())?;
	check(F3, health["peers"].as_u64() == Some(0), || {
		format!("isolated node has peers: {health}")
	})?;
	let (_, final_now) = at(F3, chain::finalized_head(&bob).await)?;
	check(F3, final_now >= bob_final, || {
		format!("finalized head went back from #{bob_final} to #{final_now}")
	})?;
	let hash_now = at(F3, block_hash(&bob, bob_final).await)?;
	check(F3, hash_now == bob_final_hash, || {
		format!("block #{bob_final} was {bob_final_hash:?}, now {hash_now:?}")
	})?;
	let best_now = at(F3, best_number(&bob).await)?;
	check(F3, best_now >= bob_best, || format!("had best #{bob_best}, now #{best_now}"))?;
	let jobs_key = |id: u64| pallet_jobs::Jobs::<Runtime>::hashed_key_for(id);
	for id in [job1, job2] {
		let job: Option<pallet_jobs::JobOf<Runtime>> =
			at(F3, chain::storage(&bob, &jobs_key(id), Some(bob_final_hash)).await)?;
		check(F3, job.is_some(), || format!("job {id} gone from #{bob_final}"))?;
	}
	let escrow = at(F3, account(&bob, DAPP, Some(bob_final_hash)).await)?;
	let expected = account(&c, DAPP, Some(bob_final_hash)).await?;
	check(F3, escrow == expected && escrow.data.reserved == BUDGET + deposit1, || {
		format!("the dapp's account at #{bob_final} is {escrow:?}, the network says {expected:?}")
	})?;
	for i in (0..nodes.len()).filter(|i| *i != VICTIM) {
		let peer = nodes[i].multiaddr().await?;
		let _: Value = bob
			.request("system_addReservedPeer", rpc_params![peer])
			.await
			.map_err(|e| format!("{F3}: system_addReservedPeer: {e}"))?;
	}
	let best_target = best_number(&c).await?;
	let final_target = finalized_number(&c).await?;
	wait_for("the restarted node to catch up", LONG, || async {
		let caught_up = best_number(&bob).await? >= best_target &&
			finalized_number(&bob).await? >= final_target;
		Ok(caught_up.then_some(()))
	})
	.await
	.map_err(|e| format!("{F3}: {e}\n{}", nodes[VICTIM].log_tail()))?;
	progress("bob restarted with its chain intact and caught up");

	// Fault 4, with all four validators back.
	flood(&nodes, &c, &info).await.map_err(|e| format!("{F4}: {e}"))?;
	progress("flood refused, blocks on time");

	// Fault 1: the other provider's answer settles; the dapp paid for exactly one job.
	let settled = wait_for("the job to settle", LONG, || async {
		Ok(job_view(&c, job1).await?.filter(|v| !v.status.is_open()))
	})
	.await
	.map_err(|e| format!("{F1}: {e}\n{}", provider_nodes[1 - killed].log_tail()))?;
	let JobStatus::Settled { provider, paid, fee, refunded, .. } = settled.status.clone() else {
		return Err(format!("{F1}: the job did not settle: {:?}", settled.status));
	};
	check(F1, provider == other_who.to_account_id(), || format!("paid {provider}"))?;
	let result = settled.result.ok_or(format!("{F1}: settled without a result"))?;
	check(F1, !result.output_text.is_empty(), || "empty answer".into())?;
	let cost = job_cost(&settled.price, result.input_tokens, result.output_tokens.len() as u32)
		.ok_or(format!("{F1}: cost overflows"))?;
	check(F1, paid + fee == cost && refunded == BUDGET.saturating_sub(cost), || {
		format!("paid {paid} + fee {fee} for a job of {cost}, refunded {refunded} of {BUDGET}")
	})?;
	let dapp_after = account(&c, DAPP, None).await?;
	check(F1, dapp_after.data.reserved == deposit1, || {
		format!("escrow still held after settlement (only the deposit should be): {dapp_after:?}")
	})?;
	let spent = dapp_before.data.free.saturating_sub(dapp_after.data.free);
	check(F1, spent == submit_fee + cost + deposit1, || {
		format!("the dapp spent {spent}: one job costs {cost}, the {submit_fee} fee, the deposit")
	})?;
	let killed_after = account(&c, killed_who, None).await?;
	check(F1, killed_after.data.free <= providers_before[killed].data.free, || {
		format!("the killed provider was paid: {:?} -> {killed_after:?}", providers_before[killed])
	})?;
	let other_after = account(&c, other_who, None).await?;
	let other_before = providers_before[1 - killed].data.free;
	check(F1, other_after.data.free + UNIT / 10 > other_before + paid, || {
		format!("the answering provider was not paid {paid}: {other_before} -> {other_after:?}")
	})?;
	progress(&format!("job {job1} settled: the dapp paid {cost} once"));

	drop(provider_nodes);
	drop(nodes);
	let _ = std::fs::remove_dir_all(&tmp);
	Ok(())
}

/// What a flood transaction is; each kind must be refused by the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Junk {
	/// Signed by one key, claiming another account.
	ForgedSignature,
	/// A nonce the sender already used.
	StaleNonce,
	/// From an account without funds for the fee.
	CannotPayFees,
	/// Signed for another chain's genesis.
	OtherChain,
	/// Random bytes.
	Garbage,
	/// A valid transaction cut short.
	Truncated,
}

const JUNK: [Junk; 6] = [
	Junk::ForgedSignature,
	Junk::StaleNonce,
	Junk::CannotPayFees,
	Junk::OtherChain,
	Junk::Garbage,
	Junk::Truncated,
];

impl Junk {
	/// The `i`-th transaction of this kind (each differs, so none is refused as a repeat).
	fn make(self, i: u32, info: &ChainInfo) -> Vec<u8> {
		let transfer = transfer_call(RECIPIENT, UNIT + Balance::from(i));
		match self {
			Junk::ForgedSignature =>
				sign_claiming(transfer, FORGED.to_account_id(), POOR, 0, info).encode(),
			Junk::StaleNonce => sign(transfer, CHALLENGER, 0, info).encode(),
			Junk::CannotPayFees => sign(transfer, POOR, 0, info).encode(),
			Junk::OtherChain => {
				let other = ChainInfo { genesis: H256::repeat_byte(0x0b), ..*info };
				sign(transfer, ELSEWHERE, 0, &other).encode()
			},
			Junk::Garbage => {
				let seed = blake2_256(&(b"garbage", i).encode());
				let len = 1 + usize::from(seed[0]) % 160;
				seed.iter().cycle().take(len).copied().collect()
			},
			Junk::Truncated => {
				let mut xt = sign(transfer, ELSEWHERE, 0, info).encode();
				xt.truncate(xt.len() - 1 - (i as usize % 32));
				xt
			},
		}
	}
}

/// What one flooding client sent and how the node answered.
#[derive(Default)]
struct FloodReport {
	/// Refusals by kind, with the first refusal's message.
	refused: BTreeMap<Junk, (u32, String)>,
	/// Junk the pool took: each is a failure.
	accepted: Vec<String>,
	/// Hashes of everything sent, to look for in blocks.
	sent: HashSet<[u8; 32]>,
}

/// Sends junk to the node at `port` until `stop`, the kinds in turn.
async fn flooder(
	port: u16,
	first: u32,
	info: ChainInfo,
	stop: Arc<AtomicBool>,
) -> Result<FloodReport> {
	let c = WsClientBuilder::default()
		.request_timeout(Duration::from_secs(60))
		.build(format!("ws://127.0.0.1:{port}"))
		.await
		.map_err(|e| format!("flooder cannot connect: {e}"))?;
	let mut report = FloodReport::default();
	let mut i = first;
	while !stop.load(Ordering::Relaxed) {
		let kind = JUNK[i as usize % JUNK.len()];
		let xt = kind.make(i, &info);
		report.sent.insert(blake2_256(&xt));
		match c
			.request::<Value, _>("author_submitExtrinsic", rpc_params![bytes::to_hex(&xt, false)])
			.await
		{
			Ok(hash) => report.accepted.push(format!("{kind:?} #{i} accepted as {hash}")),
			Err(ClientError::Call(e)) => {
				let why = format!("{} {}", e.message(), e.data().map(|d| d.get()).unwrap_or(""));
				// On one line, without the Wasm backtrace a runtime trap adds.
				let why = why.split("WASM backtrace").next().unwrap_or_default();
				let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
				report.refused.entry(kind).or_insert((0, why)).0 += 1;
			},
			Err(e) => return Err(format!("{kind:?} #{i}: transport failed: {e}")),
		}
		i += FLOODERS;
	}
	Ok(report)
}

/// Fault 4: junk from [`FLOODERS`] clients for at least [`FLOOD_BLOCKS`] blocks, jobs with bad
/// budgets and transactions far ahead in nonce, and one valid transfer in the middle.
async fn flood(nodes: &[Node], c: &WsClient, info: &ChainInfo) -> Result<()> {
	let challenger = account(c, CHALLENGER, None).await?;
	if challenger.nonce == 0 {
		return Err("the stale-nonce sender has not sent anything yet".into());
	}
	let next_job_key = pallet_jobs::NextJobId::<Runtime>::hashed_key();
	let next_job: Option<u64> = chain::storage(c, &next_job_key, None).await?;
	let underpaying = account(c, UNDERPAYING, None).await?;
	let (start, start_final) = (best_number(c).await?, finalized_number(c).await?);

	let stop = Arc::new(AtomicBool::new(false));
	let mut flooders = tokio::task::JoinSet::new();
	for k in 0..FLOODERS {
		// Half of the clients go to Alice (the test's node), half to Charlie.
		let port = nodes[if k % 2 == 0 { 0 } else { 2 }].rpc_port;
		flooders.spawn(flooder(port, k, *info, stop.clone()));
	}

	// Jobs with budgets the market refuses, and transactions far ahead in nonce: the pool takes
	// them (the first are well formed and pay their fee; the others wait for their nonce).
	let deadline = start + 20;
	let prompt = b"Name a prime number.";
	let mut valid_but_refused = Vec::new();
	for n in 0..2 * BAD_JOBS {
		let budget = if n % 2 == 0 { 1 } else { DefaultMarketSettings::get().max_job_budget + 1 };
		let call = submit_job_call(
			prompt,
			GenParams::greedy(8),
			PROVIDER_PRICE,
			Some("eu"),
			budget,
			deadline,
		);
		valid_but_refused.push(sign(call, UNDERPAYING, underpaying.nonce + n, info));
	}
	let ahead = account(c, AHEAD, None).await?;
	let mut never = HashSet::new();
	for n in 0..AHEAD_TXS {
		let xt = sign(transfer_call(RECIPIENT, UNIT), AHEAD, ahead.nonce + 1_000 + n, info);
		never.insert(blake2_256(&xt.encode()));
		valid_but_refused.push(xt);
	}
	for xt in &valid_but_refused {
		let _: Value = c
			.request("author_submitExtrinsic", rpc_params![bytes::to_hex(&xt.encode(), false)])
			.await
			.map_err(|e| format!("a well-formed transaction was refused: {e}"))?;
	}

	// The valid transfer, in the middle of the flood.
	let recipient = account(c, RECIPIENT, None).await?;
	let nonce = next_nonce(c, &SENDER.to_account_id()).await?;
	let transfer = sign(transfer_call(RECIPIENT, 5 * UNIT), SENDER, nonce, info);
	let landed = submit_and_wait_in_block(c, &transfer)
		.await
		.map_err(|e| format!("the valid transfer did not land: {e}"))?;
	wait_for("the flood's blocks", LONG, || async {
		Ok((best_number(c).await? >= start + FLOOD_BLOCKS).then_some(()))
	})
	.await?;
	let flood_final = finalized_number(c).await?;
	stop.store(true, Ordering::Relaxed);
	let end = best_number(c).await?;

	let mut refused: BTreeMap<Junk, (u32, String)> = BTreeMap::new();
	let mut accepted = Vec::new();
	let mut junk = HashSet::new();
	while let Some(report) = flooders.join_next().await {
		let report = report.map_err(|e| format!("flooder panicked: {e}"))??;
		for (kind, (n, why)) in report.refused {
			refused.entry(kind).or_insert((0, why)).0 += n;
		}
		accepted.extend(report.accepted);
		junk.extend(report.sent);
	}
	let total: u32 = refused.values().map(|(n, _)| n).sum();
	println!("flood of {total} junk transactions over blocks #{start}..#{end}:");
	for (kind, (n, why)) in &refused {
		println!("  {kind:?}: {n} refused ({why})");
	}
	if !accepted.is_empty() {
		return Err(format!("the pool took junk: {accepted:?}"));
	}
	if let Some(kind) = JUNK.iter().find(|k| !refused.contains_key(k)) {
		return Err(format!("no {kind:?} was sent"));
	}

	// Blocks came on time and finality kept up.
	let now_key =
		[sp_crypto_hashing::twox_128(b"Timestamp"), sp_crypto_hashing::twox_128(b"Now")].concat();
	// From the first block after the flood began: the interval before it started earlier.
	let mut stamps = Vec::new();
	for n in start + 1..=end {
		let stamp: Option<u64> = chain::storage(c, &now_key, Some(block_hash(c, n).await?)).await?;
		stamps.push((n, stamp.ok_or(format!("block #{n} without a timestamp"))?));
	}
	let gaps: Vec<(u32, u64)> =
		stamps.windows(2).map(|w| (w[1].0, w[1].1.saturating_sub(w[0].1))).collect();
	println!("  block intervals (ms): {:?}", gaps.iter().map(|g| g.1).collect::<Vec<_>>());
	if let Some((n, gap)) = gaps.iter().find(|(_, gap)| *gap > 2 * SLOT_DURATION + 1_000) {
		return Err(format!("block #{n} came {gap} ms after its parent: over two slots"));
	}
	if flood_final <= start_final {
		return Err(format!("finality stood still at #{start_final} during the flood"));
	}
	wait_finalized(c, end, Duration::from_secs(120)).await?;

	// The valid transfer landed; the jobs with bad budgets failed and hold nothing; the
	// transactions ahead in nonce wait; no junk is in any block.
	let got = account(c, RECIPIENT, None).await?.data.free.saturating_sub(recipient.data.free);
	if got != 5 * UNIT {
		return Err(format!("the recipient got {got}, not the 5 UNIT sent in block {landed:?}"));
	}
	let done = underpaying.nonce + 2 * BAD_JOBS;
	let last = wait_for("the jobs with bad budgets to be dispatched", LONG, || async {
		let n = account(c, UNDERPAYING, None).await?.nonce;
		Ok(if n >= done { Some(best_number(c).await?) } else { None })
	})
	.await?;
	let below: DispatchError = pallet_jobs::Error::<Runtime>::BudgetBelowQuote.into();
	let above: DispatchError = pallet_jobs::Error::<Runtime>::BudgetAboveMaximum.into();
	let (mut n_below, mut n_above) = (0, 0);
	for n in start + 1..=last {
		let hash = block_hash(c, n).await?;
		let block: Value = c
			.request("chain_getBlock", rpc_params![hash])
			.await
			.map_err(|e| e.to_string())?;
		for xt in block["block"]["extrinsics"].as_array().into_iter().flatten() {
			let xt = blake2_256(&from_hex(xt.as_str().unwrap_or_default())?);
			if junk.contains(&xt) || never.contains(&xt) {
				return Err(format!("block #{n} includes a transaction that should not be there"));
			}
		}
		for e in events_at(c, hash).await? {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error,
				..
			}) = e
			{
				n_below += u32::from(dispatch_error == below);
				n_above += u32::from(dispatch_error == above);
			}
		}
	}
	if (n_below, n_above) != (BAD_JOBS, BAD_JOBS) {
		return Err(format!(
			"{n_below} BudgetBelowQuote and {n_above} BudgetAboveMaximum failures, not {BAD_JOBS} each"
		));
	}
	let after = account(c, UNDERPAYING, None).await?;
	if after.data.reserved != 0 {
		return Err(format!("the jobs with bad budgets hold {}", after.data.reserved));
	}
	let next_after: Option<u64> = chain::storage(c, &next_job_key, None).await?;
	if next_after != next_job {
		return Err(format!("jobs were created: next job id {next_job:?} -> {next_after:?}"));
	}
	let ahead_after = account(c, AHEAD, None).await?;
	if ahead_after.nonce != ahead.nonce {
		return Err(format!("a transaction far ahead in nonce ran: {ahead:?} -> {ahead_after:?}"));
	}
	Ok(())
}
