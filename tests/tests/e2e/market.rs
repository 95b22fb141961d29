//! The market end to end on a `--dev` node, over JSON-RPC: a provider registers, a dapp submits
//! a job, the job is assigned, the provider posts its result and the job settles with the right
//! balances, read back through the runtime API and storage.

use attesta_e2e::{market::*, *};
use attesta_runtime::{
	genesis_config_presets::REFERENCE_MODEL_SHA256, Balance, BlockNumber, RuntimeCall,
	RuntimeEvent, UNIT,
};
use codec::Encode;
use jsonrpsee::{
	core::client::{ClientT, Subscription, SubscriptionClientT},
	rpc_params,
};
use pallet_jobs::{GenParams, JobStatus, JobView};
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

type AccountId = attesta_runtime::AccountId;

#[tokio::test(flavor = "multi_thread")]
async fn a_job_is_assigned_answered_and_settled() -> Result<()> {
	let log = std::env::temp_dir().join("attesta-e2e-market.log");
	let node = Node::start_metered("market", &["--dev", "--tmp"], log).await?;
	let c = node.client().await?;
	wait_finalized(&c, 1, Duration::from_secs(120)).await?;
	let info = chain_info(&c).await?;
	let (dapp, provider) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);

	// Governance (sudo on the dev chain) shortens the challenge window to keep the test quick.
	let settings = MarketSettings { challenge_window: 2, ..DefaultMarketSettings::get() };
	sudo_set_settings(&c, &info, settings).await?;
	let price = PROVIDER_PRICE;
	register_provider(&c, &info, provider, "eu-west", 4).await?;

	// The quote the runtime API gives: one provider, (prompt bytes + 32 template tokens) × input
	// price + 16 × output price.
	let prompt = b"What is the capital of France?".to_vec();
	let args = (0u32, prompt.len() as u32, 16u32, ANY_PRICE, None::<Vec<u8>>).encode();
	let quote: std::result::Result<(u32, Balance), sp_runtime::DispatchError> =
		runtime_call(&c, "JobsApi_quote", &args).await?;
	let expected = (prompt.len() as u128 + 32) * price.input + 16 * price.output;
	assert_eq!(quote, Ok((1, expected)));
	market_rpc_reads_the_market(&c, prompt.len(), expected).await?;

	let best = best_number(&c).await?;
	let budget = 10 * UNIT;
	let params = GenParams::greedy(16);
	let events = execute(
		&c,
		&info,
		dapp,
		submit_job_call(&prompt, params, ANY_PRICE, None, budget, best + 50),
	)
	.await?;
	let job_id = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, .. }) => Some(*job_id),
			_ => None,
		})
		.ok_or("no JobSubmitted event")?;
	// A dapp without SCALE follows the job's stages as JSON.
	let mut stages: Subscription<Value> = c
		.subscribe("attesta_subscribeJob", rpc_params![job_id], "attesta_unsubscribeJob")
		.await
		.map_err(|e| e.to_string())?;
	// The provider is drawn a block later, from a hash that did not exist when Dave signed.
	let JobStatus::Assigned { provider: assigned, .. } = assigned_job(&c, job_id).await?.status
	else {
		return Err(format!("job {job_id} was not assigned"));
	};
	assert_eq!(assigned, provider.to_account_id());

	// The provider answers with the output tokens and the commitment the chain recomputes.
	let output = vec![504u32, 3_575, 282, 4_649, 314, 7_042, 30];
	let commitment =
		attesta_primitives::commitment(&REFERENCE_MODEL_SHA256, &prompt, &params, &output);
	let provider_before = free_balance(&c, &provider.to_account_id()).await?;
	let dapp_before = free_balance(&c, &dapp.to_account_id()).await?;
	execute(
		&c,
		&info,
		provider,
		RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
			job_id,
			input_tokens: 40,
			output_tokens: output.clone(),
			output_text: b"The capital of France is Paris.".to_vec(),
			commitment,
		}),
	)
	.await?;

	// Settlement after the challenge window.
	let view: JobView<AccountId, Balance, BlockNumber> =
		wait_for("the job to settle", Duration::from_secs(120), || async {
			let v: Option<JobView<AccountId, Balance, BlockNumber>> =
				runtime_call(&c, "JobsApi_job", &job_id.encode()).await?;
			Ok(v.filter(|v| matches!(v.status, JobStatus::Settled { .. })))
		})
		.await?;
	let JobStatus::Settled { paid, fee, refunded, .. } = view.status else { unreachable!() };
	let cost = 40 * price.input + output.len() as u128 * price.output;
	assert_eq!(fee, cost / 20, "5 % of the cost goes to the checkers' pool");
	assert_eq!(paid, cost - fee);
	assert_eq!(refunded, budget - cost);
	assert_eq!(
		view.result.map(|r| r.output_text),
		Some(b"The capital of France is Paris.".to_vec())
	);
	// The provider's fee for posting the result is paid from its free balance, so compare the
	// payout with a tolerance of that fee; the dapp only paid for the job.
	let provider_after = free_balance(&c, &provider.to_account_id()).await?;
	assert!(
		provider_after + UNIT / 10 > provider_before + paid &&
			provider_after <= provider_before + paid
	);
	assert_eq!(free_balance(&c, &dapp.to_account_id()).await?, dapp_before + refunded);

	// The same job as JSON: its stage, the amounts as strings, the answer.
	let job: Value =
		c.request("attesta_job", rpc_params![job_id]).await.map_err(|e| e.to_string())?;
	assert_eq!(job["stage"], "settled", "{job}");
	assert_eq!(job["status"]["paid"], paid.to_string());
	assert_eq!(job["status"]["provider"], provider.to_account_id().to_string());
	assert_eq!(job["result"]["text"], "The capital of France is Paris.");
	assert_eq!(job["result"]["outputTokens"], json!(output));
	let missing: Value = c
		.request("attesta_job", rpc_params![9_999u64])
		.await
		.map_err(|e| e.to_string())?;
	assert!(missing.is_null());
	// Operators see the market in Prometheus, counted on the finalized chain.
	let counted = wait_for("the settlement in the metrics", Duration::from_secs(60), || async {
		let text = node.metrics().await?;
		Ok(load::metric(&text, "attesta_market_events_total", "Jobs.JobSettled")
			.filter(|n| *n >= 1.0)
			.map(|_| text))
	})
	.await?;
	let count = |label| load::metric(&counted, "attesta_market_events_total", label);
	assert_eq!(count("Jobs.JobSubmitted"), Some(1.0), "{counted}");
	assert_eq!(count("Jobs.ResultSubmitted"), Some(1.0));
	assert_eq!(count("Providers.ProviderRegistered"), Some(1.0));
	assert_eq!(
		load::metric(&counted, "attesta_market_output_tokens_total", ""),
		Some(output.len() as f64)
	);
	assert_eq!(load::metric(&counted, "attesta_market_open_jobs", ""), Some(0.0));
	assert_eq!(load::metric(&counted, "attesta_engine_tasks", ""), Some(0.0));

	// The subscription saw the stages in order, the last one marked ended.
	let mut seen = Vec::new();
	loop {
		let update = tokio::time::timeout(Duration::from_secs(30), stages.next())
			.await
			.map_err(|_| format!("no update after {seen:?}"))?
			.ok_or(format!("subscription closed after {seen:?}"))?
			.map_err(|e| e.to_string())?;
		let stage = update["stage"].as_str().unwrap_or_default().to_string();
		if seen.last() != Some(&stage) {
			seen.push(stage);
		}
		if update["ended"] == true {
			break;
		}
	}
	let order = ["queued", "assigned", "answered", "checked", "settled"];
	let rank = |s: &String| order.iter().position(|o| o == s);
	assert!(seen.windows(2).all(|w| rank(&w[0]) < rank(&w[1])), "stages out of order: {seen:?}");
	assert!(seen.contains(&"answered".to_string()), "{seen:?}");
	assert_eq!(seen.last().map(String::as_str), Some("settled"), "{seen:?}");
	Ok(())
}

/// `attesta_models`, `attesta_settings`, `attesta_providers` and `attesta_quote` as JSON, with
/// the runtime's named error for a job no one can take.
async fn market_rpc_reads_the_market(c: &WsClient, prompt_len: usize, cost: Balance) -> Result<()> {
	let call = |method: &'static str, params| async move {
		c.request::<Value, _>(method, params).await.map_err(|e| e.to_string())
	};
	let models = call("attesta_models", rpc_params![]).await?;
	assert_eq!(
		models[0]["weightsSha256"],
		format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&REFERENCE_MODEL_SHA256))
	);
	assert_eq!(models[0]["class"], json!({ "compute": "BlockF32", "engineVersion": 1 }));
	assert_eq!(models[0]["active"], true);
	let settings = call("attesta_settings", rpc_params![]).await?;
	assert_eq!(settings["challengeWindow"], 2);
	assert_eq!(settings["maxJobBudget"], DefaultMarketSettings::get().max_job_budget.to_string());
	let providers = call("attesta_providers", rpc_params![0]).await?;
	assert_eq!(providers[0]["region"], "eu-west");
	assert_eq!(providers[0]["price"]["input"], PROVIDER_PRICE.input.to_string());
	let request = json!({ "model": 0, "promptLen": prompt_len, "maxTokens": 16 });
	let quote = call("attesta_quote", rpc_params![request]).await?;
	assert_eq!(quote, json!({ "providers": 1, "cost": cost.to_string() }));
	let refused = c
		.request::<Value, _>(
			"attesta_quote",
			rpc_params![json!({ "model": 7, "promptLen": 4, "maxTokens": 4 })],
		)
		.await
		.err()
		.ok_or("a quote for an unknown model")?;
	assert!(refused.to_string().contains("Jobs.UnknownModel"), "{refused}");
	Ok(())
}
