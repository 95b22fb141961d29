//! A provider's node runs its jobs: a `--dev` node started with the reference model and the
//! operator (hot) key of Bob, a provider whose stake stays with his own (cold) account, picks up
//! the job assigned to Bob, runs it on the real model in its off-chain worker, posts the result
//! signed with the operator key, and the job settles, paying Bob. The test then checks the
//! output with its own engine, the way a checker would.

use attesta_e2e::{market::*, *};
use attesta_inference::{verify, CheckPlan, LoadedModel, Tolerance};
use attesta_runtime::{
	genesis_config_presets::REFERENCE_MODEL_SHA256, Balance, BlockNumber, RuntimeCall, UNIT,
};
use codec::Encode;
use pallet_jobs::{GenParams, JobStatus, JobView};
use sp_core::crypto::Ss58Codec;
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

type AccountId = attesta_runtime::AccountId;

#[tokio::test(flavor = "multi_thread")]
async fn the_providers_node_runs_its_job_on_the_real_model() -> Result<()> {
	let (dapp, provider, operator) =
		(Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Ferdie);
	// Only the operator key is in the node's keystore, as `key insert --key-type prov` puts it.
	let (node, c, info) =
		start_market_node("provider-worker", &[("prov", operator)], "attesta::provider=debug")
			.await?;
	let settings = MarketSettings { challenge_window: 2, ..DefaultMarketSettings::get() };
	sudo_set_settings(&c, &info, settings).await?;
	register_provider(&c, &info, provider, "eu-west", 2).await?;
	let name_operator =
		pallet_providers::Call::set_operator { operator: Some(operator.to_account_id()) };
	execute(&c, &info, provider, RuntimeCall::Providers(name_operator)).await?;

	let prompt = b"What is the capital of France?".to_vec();
	let params = GenParams::greedy(24);
	let best = best_number(&c).await?;
	execute(
		&c,
		&info,
		dapp,
		submit_job_call(&prompt, params, ANY_PRICE, None, 10 * UNIT, best + 40),
	)
	.await?;

	// Nobody but Bob's node acts from here on: its worker runs the job and posts the result
	// with the operator key (Bob's own key is nowhere on the node).
	let view: JobView<AccountId, Balance, BlockNumber> = wait_for(
		"the provider's node to answer and the job to settle",
		Duration::from_secs(240),
		|| async {
			let v: Option<JobView<AccountId, Balance, BlockNumber>> =
				runtime_call(&c, "JobsApi_job", &0u64.encode()).await?;
			Ok(v.filter(|v| matches!(v.status, JobStatus::Settled { .. })))
		},
	)
	.await
	.map_err(|e| format!("{e}\nnode log:\n{}", node.log_tail()))?;
	let JobStatus::Settled { provider: paid_to, paid, .. } = view.status else { unreachable!() };
	assert_eq!(paid_to, provider.to_account_id());
	assert!(paid > 0);
	let result = view.result.ok_or("settled job without result")?;
	assert_eq!(
		result.commitment,
		attesta_primitives::commitment(
			&REFERENCE_MODEL_SHA256,
			&prompt,
			&params,
			&result.output_tokens
		)
	);

	// What a checker does: the claimed tokens are what the reference model produces.
	let m = LoadedModel::load(reference_model()?).map_err(|e| e.to_string())?;
	let input = m.tokenizer.encode_chat(None, "What is the capital of France?");
	assert_eq!(result.input_tokens as usize, input.len());
	let verdict =
		verify(&m, &input, &params, &result.output_tokens, &Tolerance::default(), &CheckPlan::All)
			.map_err(|e| e.to_string())?;
	assert!(verdict.accepted, "{verdict:?}");
	let text = String::from_utf8(result.output_text).map_err(|e| e.to_string())?;
	assert_eq!(text, m.tokenizer.decode(&result.output_tokens, true));
	assert!(text.contains("Paris"), "{text}");
	println!("provider {} answered job 0: {text:?}", provider.to_account_id().to_ss58check());
	Ok(())
}
