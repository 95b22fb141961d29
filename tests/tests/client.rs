//! The dapp client and the `attesta` command line against a real node running the real model: a
//! job answered, checked and settled; a job nobody can serve (named error, nothing held); a
//! provider that times out (the job fails over and is answered by the next).

use attesta_client::{chain::signer, Error, JobRequest, Market, RetryPolicy, Verdict};
use attesta_e2e::{market::*, *};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Eve, Ferdie};
use sp_runtime::Perbill;
use std::{process::Command, time::Duration};

/// What Ferdie has held (escrow, bonds).
async fn held(c: &WsClient) -> Result<u128> {
	let key =
		frame_system::Account::<attesta_runtime::Runtime>::hashed_key_for(Ferdie.to_account_id());
	let a: Option<frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>>> =
		storage(c, &key).await?;
	Ok(a.map_or(0, |a| a.data.reserved))
}

fn url(node: &Node) -> String {
	format!("ws://127.0.0.1:{}", node.rpc_port)
}

/// The `attesta` binary built beside the node.
fn cli() -> Command {
	Command::new(node_binary().with_file_name("attesta"))
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_are_answered_checked_and_settled_or_fail_clearly() -> Result<()> {
	// Bob's node key answers jobs; Alice checks every result.
	let (node, c, info) =
		start_market_node("client", &[("prov", Bob), ("chck", Alice)], "").await?;
	sudo_set_settings(&c, &info, quick_settings(Perbill::one(), 1, 4)).await?;
	register_checker(&c, &info, Alice).await?;
	let market = Market::connect(&[url(&node)], RetryPolicy::default())
		.await
		.map_err(|e| e.to_string())?;
	let ferdie = signer("//Ferdie").map_err(|e| e.to_string())?;

	// Nobody serves the model yet: a named error, and nothing of Ferdie's is held.
	let refused = market.submit_job(&ferdie, JobRequest::new(0, "Hello?", 8)).await;
	assert_eq!(refused.err(), Some(Error::Failed("Jobs.NoEligibleProvider".into())));
	assert_eq!(held(&c).await?, 0, "a refused job holds nothing");

	// Eve registers but her node runs no worker: her job times out and goes to Bob, who
	// registers after the job was assigned to her (the draw is in the block after the job's).
	register_provider(&c, &info, Eve, "eu", 2).await?;
	let mut req = JobRequest::new(0, "What is the capital of France?", 16);
	req.response_blocks = 4;
	let job = market.submit_job(&ferdie, req).await.map_err(|e| e.to_string())?;
	assigned_job(&c, job.job_id).await?;
	register_provider(&c, &info, Bob, "eu", 2).await?;
	let mut answered = None;
	let done = market
		.follow(&job, Duration::from_secs(300), |a| answered = Some(a.clone()))
		.await
		.map_err(|e| format!("{e}\n{}", node.log_tail()))?;
	let answer = answered.ok_or("no answer reported before the settlement")?;
	assert_eq!(answer.provider, Bob.to_account_id());
	assert!(answer.text.contains("Paris"), "answer: {}", answer.text);
	assert_eq!(done.missed, vec![Eve.to_account_id()]);
	assert_eq!(done.verdict, Verdict::Passed(1), "every result is checked under these settings");
	assert!(done.paid > 0 && done.paid + done.fee + done.refunded == job.budget);
	// The escrow is released at settlement; the storage deposit stays until the record goes.
	let deposit = pallet_jobs::Pallet::<attesta_runtime::Runtime>::storage_deposit(
		"What is the capital of France?".len() as u32,
		16,
	);
	assert_eq!(held(&c).await?, deposit, "only the storage deposit is held after settlement");

	// The same through the command line.
	let out = cli()
		.args(["--url", &url(&node), "--suri", "//Ferdie", "job", "submit", "--model", "0"])
		.args(["--prompt", "Name a colour.", "--max-tokens", "8", "--wait"])
		.output()
		.map_err(|e| format!("cannot run attesta: {e}"))?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(
		out.status.success(),
		"attesta failed: {stdout}{}",
		String::from_utf8_lossy(&out.stderr)
	);
	for expected in ["assigned to", "answer after", "settled in block", "checked, passed"] {
		assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
	}
	let out = cli()
		.args(["--url", &url(&node), "providers", "--model", "0"])
		.output()
		.map_err(|e| e.to_string())?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(stdout.contains(&Bob.to_account_id().to_string()), "providers:\n{stdout}");
	// A bad account is refused before anything is sent.
	let out = cli()
		.args(["--url", &url(&node), "--suri", "not a key", "job", "submit", "--prompt", "x"])
		.output()
		.map_err(|e| e.to_string())?;
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("not a secret phrase"));
	Ok(())
}
