//! Audits end to end on a `--dev` node running the real model: Charlie's node runs his jobs
//! honestly; Dave posts a fabricated result by hand. Alice and Bob are checkers whose `chck` keys
//! are in the node's keystore. The dapp challenges Dave's result; the committee (both checkers,
//! re-executing on the real model in their off-chain workers) finds it bad, the dapp gets its
//! budget back and Dave's stake is slashed after the appeal delay. Charlie is paid and never
//! slashed.
//!
//! Two attacks of the threat model play out on the same node, through JSON-RPC as any
//! third-party client would send them. Eve, a registered checker whose key the node does not
//! hold, is the attacker: she replays Alice's committee proof from her own account (stolen
//! votes: refused), tries to register Alice's key (refused), and vouches for Dave's result
//! without running the model (a lazy checker: no reward, and her bond is slashed).

use attesta_e2e::{market::*, *};
use attesta_runtime::{
	genesis_config_presets::REFERENCE_MODEL_SHA256, Balance, BlockNumber, RuntimeCall,
	RuntimeEvent, UNIT,
};
use codec::Encode;
use jsonrpsee::{core::client::ClientT, rpc_params};
use pallet_jobs::{GenParams, JobStatus};
use sp_core::crypto::VrfSecret;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_fabricated_result_is_caught_refunded_and_slashed() -> Result<()> {
	use Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve, Ferdie};
	let keys = [("prov", Charlie), ("chck", Alice), ("chck", Bob)];
	let (node, c, info) =
		start_market_node("audits", &keys, "attesta::provider=debug,attesta::checker=debug")
			.await?;

	// Governance (sudo on the dev chain): every job checked, a committee of all three
	// checkers, 60 % of the votes decide, quick rounds and appeal delay.
	let settings = MarketSettings {
		supermajority: Perbill::from_percent(60),
		..quick_settings(Perbill::one(), 3, 8)
	};
	sudo_set_settings(&c, &info, settings).await?;
	for checker in [Alice, Bob, Eve] {
		register_checker(&c, &info, checker).await?;
	}
	register_provider(&c, &info, Charlie, "honest", 2).await?;
	register_provider(&c, &info, Dave, "cheat", 2).await?;

	let prompt = b"What is the capital of France?".to_vec();
	let params = GenParams::greedy(24);
	let best = best_number(&c).await?;
	for region in ["honest", "cheat"] {
		execute(
			&c,
			&info,
			Ferdie,
			submit_job_call(&prompt, params, ANY_PRICE, Some(region), 10 * UNIT, best + 40),
		)
		.await?;
	}

	// Dave answers job 1 without running the model: a plausible sentence, valid commitment, and
	// true claims about it (its text is its tokens detokenized, its billed input the prompt's
	// token count), so that only re-execution can tell.
	let fabricated = vec![504u32, 3_575, 282, 4_649, 314, 7_042, 30];
	let commitment =
		attesta_primitives::commitment(&REFERENCE_MODEL_SHA256, &prompt, &params, &fabricated);
	let model = attesta_inference::LoadedModel::load(reference_model()?)
		.map_err(|e| format!("cannot load the reference model: {e}"))?;
	let user = std::str::from_utf8(&prompt).map_err(|e| e.to_string())?;
	let input_tokens = model.tokenizer.encode_chat(None, user).len() as u32;
	let output_text = model.tokenizer.decode(&fabricated, true).into_bytes();
	drop(model);
	execute(
		&c,
		&info,
		Dave,
		RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
			job_id: 1,
			input_tokens,
			output_tokens: fabricated,
			output_text,
			commitment,
		}),
	)
	.await?;
	let ferdie_before = free_balance(&c, &Ferdie.to_account_id()).await?;
	let events = execute(
		&c,
		&info,
		Ferdie,
		RuntimeCall::Audits(pallet_audits::Call::challenge { job_id: 1 }),
	)
	.await?;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Audits(pallet_audits::Event::DisputeOpened { job_id: 1, .. })
	)));

	// The committee's draw is seeded by the block that opened the dispute, known a block later.
	let dispute_key = pallet_audits::Disputes::<attesta_runtime::Runtime>::hashed_key_for(1u64);
	let dispute: pallet_audits::DisputeOf<attesta_runtime::Runtime> =
		storage(&c, &dispute_key).await?.ok_or("no dispute stored")?;
	wait_for("the seed block to be sealed", Duration::from_secs(30), || async {
		Ok((best_number(&c).await? > dispute.round_started).then_some(()))
	})
	.await?;
	let seed = sp_crypto_hashing::blake2_256(block_hash(&c, dispute.round_started).await?.as_ref());
	let committee_proof = |who: Sr25519Keyring| {
		let data = attesta_primitives::selection::sign_data(
			&who.to_account_id().encode(),
			1,
			dispute.round,
			&seed,
		);
		attesta_primitives::selection::VrfProof::from_signature(&who.pair().vrf_sign(&data))
			.ok_or("cannot make a VRF proof")
	};
	let verdict = |proof, accepted| {
		RuntimeCall::Audits(pallet_audits::Call::submit_verdict {
			job_id: 1,
			round: dispute.round,
			proof,
			accepted,
			// Eve never ran the model: she has no witness to commit to.
			witness: [0; 32],
		})
	};

	// Stolen votes: Alice's proof, replayed from Eve's account with the opposite vote.
	let error = execute_failing(&c, &info, Eve, verdict(committee_proof(Alice)?, true)).await?;
	assert_eq!(error, pallet_audits::Error::<attesta_runtime::Runtime>::BadVrfProof.into());
	// Nor can Ferdie register Alice's key, with or without Alice's proof of possession.
	for proof_by in [Alice, Ferdie] {
		let call = RuntimeCall::Audits(pallet_audits::Call::register_checker {
			key: Alice.public().0,
			bond: CHECKER_BOND,
			key_proof: checker_key_proof(&proof_by.pair()),
		});
		let error = execute_failing(&c, &info, Ferdie, call).await?;
		assert_eq!(error, pallet_audits::Error::<attesta_runtime::Runtime>::KeyInUse.into());
	}
	// A lazy checker: Eve is on the committee (all three are) and vouches for Dave's result
	// without running the model.
	let eve_before = free_balance(&c, &Eve.to_account_id()).await?;
	execute(&c, &info, Eve, verdict(committee_proof(Eve)?, true)).await?;
	let watch_from = best_number(&c).await?;

	// The committee re-executes on the real model and rejects Dave's result.
	let rejected = wait_for("the committee to reject job 1", Duration::from_secs(240), || async {
		Ok(job_view(&c, 1)
			.await?
			.filter(|v| matches!(v.status, JobStatus::Rejected { .. })))
	})
	.await
	.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	assert!(rejected.result.is_some());
	// Budget (10 UNIT) and challenge bond (10 UNIT) back, minus the challenge's fee.
	let ferdie_after = free_balance(&c, &Ferdie.to_account_id()).await?;
	assert!(ferdie_after + UNIT > ferdie_before + 20 * UNIT, "{ferdie_before} -> {ferdie_after}");

	// Charlie's job settled with payment; after the appeal delay Dave's stake is slashed.
	let honest = wait_for("the honest job to settle", Duration::from_secs(240), || async {
		Ok(job_view(&c, 0).await?.filter(|v| matches!(v.status, JobStatus::Settled { .. })))
	})
	.await
	.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	let JobStatus::Settled { paid, .. } = honest.status else { unreachable!() };
	assert!(paid > 0);
	let stake_key = pallet_providers::Providers::<attesta_runtime::Runtime>::hashed_key_for(
		Dave.to_account_id(),
	);
	wait_for("Dave's stake to be slashed", Duration::from_secs(120), || async {
		let info: Option<pallet_providers::ProviderOf<attesta_runtime::Runtime>> =
			storage(&c, &stake_key).await?;
		let slashed = PROVIDER_STAKE - settings.provider_slash * PROVIDER_STAKE;
		Ok(info.filter(|i| i.stake == slashed).map(|_| ()))
	})
	.await
	.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	// The lazy accept earned nothing (only the verdict's fee went) and cost part of Eve's bond.
	let eve_after = free_balance(&c, &Eve.to_account_id()).await?;
	assert!(eve_after < eve_before, "{eve_before} -> {eve_after}");
	let eve_key =
		pallet_audits::Checkers::<attesta_runtime::Runtime>::hashed_key_for(Eve.to_account_id());
	wait_for("Eve's bond to be slashed", Duration::from_secs(120), || async {
		let info: Option<pallet_audits::CheckerInfo<Balance, BlockNumber>> =
			storage(&c, &eve_key).await?;
		let slashed = CHECKER_BOND - settings.checker_slash * CHECKER_BOND;
		Ok(info.filter(|i| i.bond == slashed).map(|_| ()))
	})
	.await
	.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	let charlie: Option<pallet_providers::ProviderOf<attesta_runtime::Runtime>> = storage(
		&c,
		&pallet_providers::Providers::<attesta_runtime::Runtime>::hashed_key_for(
			Charlie.to_account_id(),
		),
	)
	.await?;
	assert_eq!(
		charlie.map(|i| i.stake),
		Some(PROVIDER_STAKE),
		"the honest provider keeps its stake"
	);

	// Once job 1 closed, Alice's and Bob's workers revealed their work witnesses: computed
	// independently on the real model, they agree, so the tally compares them and slashes
	// nobody (Eve is answered for by her voucher slash already).
	let (mut tallied, mut failed, mut next) = (None, Vec::new(), watch_from);
	let deadline = std::time::Instant::now() + Duration::from_secs(240);
	while tallied.is_none() {
		if std::time::Instant::now() > deadline {
			return Err(format!("job 1 never tallied\nnode log:\n{}", node.log_tail()));
		}
		let best = best_number(&c).await?;
		while next <= best {
			for e in events_at(&c, block_hash(&c, next).await?).await? {
				match e {
					RuntimeEvent::Audits(pallet_audits::Event::WitnessesTallied {
						job_id: 1,
						compared,
					}) => tallied = Some(compared),
					RuntimeEvent::Audits(pallet_audits::Event::WitnessFailed {
						checker, ..
					}) => failed.push(checker),
					_ => {},
				}
			}
			next += 1;
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	assert_eq!(tallied, Some(true), "Alice's and Bob's witnesses agree");
	assert!(failed.is_empty(), "no honest checker fails its witness: {failed:?}");
	Ok(())
}

/// Exempt results (threat model): the checker worker used to look at the first 64 open results
/// in storage order only, so that with more open a provider could tell which of its results no
/// checker would ever see. Here 72 results are open at once on a `--dev` node whose Bob and
/// Charlie run the jobs and whose Alice is the only checker, drawn for every result: every one
/// of them gets her verdict before it settles.
#[tokio::test(flavor = "multi_thread")]
async fn exempt_results_more_than_64_open_results_are_all_checked() -> Result<()> {
	use Sr25519Keyring::{Alice, Bob, Charlie, Ferdie};
	const JOBS: u64 = 72;
	let keys = [("prov", Bob), ("prov", Charlie), ("chck", Alice)];
	let (node, c, info) = start_market_node("exempt", &keys, "attesta::checker=debug").await?;
	// Every result drawn for the one checker; a window of 30 blocks (3 minutes) to check them.
	sudo_set_settings(&c, &info, quick_settings(Perbill::one(), 1, 30)).await?;
	register_checker(&c, &info, Alice).await?;
	for provider in [Bob, Charlie] {
		register_provider(&c, &info, provider, "local", 40).await?;
	}

	// One short prompt, one output token: the work is small, the number of results is what
	// matters.
	let start = best_number(&c).await?;
	let nonce = next_nonce(&c, &Ferdie.to_account_id()).await?;
	for i in 0..JOBS as u32 {
		let xt = sign(
			submit_job_call(b"Say yes.", GenParams::greedy(1), ANY_PRICE, None, UNIT, start + 100),
			Ferdie,
			nonce + i,
			&info,
		);
		let _: sp_core::H256 = c
			.request(
				"author_submitExtrinsic",
				rpc_params![sp_core::bytes::to_hex(&xt.encode(), false)],
			)
			.await
			.map_err(|e| format!("job {i} refused: {e}"))?;
	}

	// Every job settles, each with Alice's passed check.
	let settled = wait_for("every job to settle", Duration::from_secs(600), || async {
		let mut done = 0;
		for id in 0..JOBS {
			if job_view(&c, id)
				.await?
				.is_some_and(|v| matches!(v.status, JobStatus::Settled { .. }))
			{
				done += 1;
			}
		}
		Ok((done == JOBS).then_some(()))
	})
	.await;
	settled.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	let end = best_number(&c).await?;
	let mut checked = std::collections::BTreeSet::new();
	for n in start..=end {
		for e in events_at(&c, block_hash(&c, n).await?).await? {
			if let RuntimeEvent::Audits(pallet_audits::Event::CheckPassed { job_id, .. }) = e {
				checked.insert(job_id);
			}
		}
	}
	let unchecked: Vec<u64> = (0..JOBS).filter(|id| !checked.contains(id)).collect();
	assert!(unchecked.is_empty(), "results settled without their drawn check: {unchecked:?}");
	Ok(())
}
