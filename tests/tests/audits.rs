//! Audits end to end on a `--dev` node running the real model: Charlie's node runs his jobs
//! honestly; Dave posts a fabricated result by hand. Alice and Bob are checkers whose `chck` keys
//! are in the node's keystore. The dapp challenges Dave's result; the committee (both checkers,
//! re-executing on the real model in their off-chain workers) finds it bad, the dapp gets its
//! budget back and Dave's stake is slashed after the appeal delay. Charlie is paid and never
//! slashed.

use attesta_e2e::{market::*, *};
use attesta_runtime::{
	genesis_config_presets::REFERENCE_MODEL_SHA256, RuntimeCall, RuntimeEvent, UNIT,
};
use pallet_jobs::{GenParams, JobStatus};
use pallet_providers::Price;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_fabricated_result_is_caught_refunded_and_slashed() -> Result<()> {
	use Sr25519Keyring::{Alice, Bob, Charlie, Dave, Ferdie};
	let keys = [("prov", Charlie), ("chck", Alice), ("chck", Bob)];
	let (node, c, info) =
		start_market_node("audits", &keys, "attesta::provider=debug,attesta::checker=debug")
			.await?;

	// Governance (sudo on the dev chain): every job checked, a committee of both checkers,
	// quick rounds and appeal delay.
	let settings = quick_settings(Perbill::one(), 2, 8);
	sudo_set_settings(&c, &info, settings).await?;
	for checker in [Alice, Bob] {
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
			RuntimeCall::Jobs(pallet_jobs::Call::submit_job {
				model: 0,
				prompt: prompt.clone(),
				params,
				max_price: Price { input: UNIT, output: UNIT },
				region: Some(region.as_bytes().to_vec()),
				budget: 10 * UNIT,
				deadline: best + 40,
			}),
		)
		.await?;
	}

	// Dave answers job 1 without running the model: a plausible sentence, valid commitment.
	let fabricated = vec![504u32, 3_575, 282, 4_649, 314, 7_042, 30];
	let commitment =
		attesta_primitives::commitment(&REFERENCE_MODEL_SHA256, &prompt, &params, &fabricated);
	execute(
		&c,
		&info,
		Dave,
		RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
			job_id: 1,
			input_tokens: 40,
			output_tokens: fabricated,
			output_text: b"The capital of France is Paris.".to_vec(),
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
	Ok(())
}
