//! The dapp client and the `attesta` command line against a real node running the real model: a
//! job answered, checked and settled; a job nobody can serve (named error, nothing held); a
//! provider that times out (the job fails over and is answered by the next).

use attesta_client::{chain::signer, Error, JobRequest, Market, RetryPolicy, Verdict};
use attesta_e2e::{market::*, *};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Dave, Eve, Ferdie};
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
	// Bob's node key answers jobs; Alice checks every result, through an operator: her bond
	// stays with her account, and the node holds only Dave's key, which she names with the
	// command line (it signs her verdicts and draws for her).
	let (node, c, info) = start_market_node("client", &[("prov", Bob), ("chck", Dave)], "").await?;
	sudo_set_settings(&c, &info, quick_settings(Perbill::one(), 1, 4)).await?;
	register_checker(&c, &info, Alice).await?;
	let out = cli()
		.args(["--url", &url(&node), "--suri", "//Alice", "checker", "set-operator"])
		.args(["--operator-suri", "//Dave"])
		.output()
		.map_err(|e| format!("cannot run attesta: {e}"))?;
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let operator_key =
		pallet_audits::OperatorOf::<attesta_runtime::Runtime>::hashed_key_for(Dave.to_account_id());
	let operating: Option<attesta_runtime::AccountId> = storage(&c, &operator_key).await?;
	assert_eq!(operating, Some(Alice.to_account_id()));
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

	// The same through the command line: the prompt as an argument, progress on stderr, the
	// answer and the settlement on stdout.
	let attesta = |args: &[&str]| {
		let mut cmd = cli();
		cmd.args(["--url", &url(&node)]).args(args);
		cmd.output().map_err(|e| format!("cannot run attesta: {e}"))
	};
	let code = |out: std::process::Output| {
		(out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
	};
	// Eve, whose node never answers, unbonds all her stake, taking no new jobs (so the jobs
	// below go to Bob); she cannot leave before it is withdrawn.
	let (exit, stderr) = code(attesta(&["--suri", "//Eve", "provider", "leave"])?);
	assert_eq!(exit, Some(1), "{stderr}");
	assert!(stderr.contains("Providers.StillBonded"), "{stderr}");
	let stake = (PROVIDER_STAKE / attesta_runtime::UNIT).to_string();
	let out = attesta(&["--suri", "//Eve", "provider", "unbond", &stake])?;
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	assert!(String::from_utf8_lossy(&out.stdout).contains("unbonding"));
	let out = attesta(&[
		"--suri",
		"//Ferdie",
		"job",
		"submit",
		"Name a colour.",
		"--max-tokens",
		"8",
		"--wait",
	])?;
	let (stdout, stderr) =
		(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	assert!(out.status.success(), "attesta failed: {stdout}{stderr}");
	for stage in ["submitted: job", "assigned: to", "answered: block", "settled: block"] {
		assert!(stderr.contains(stage), "no {stage:?} in the progress:\n{stderr}");
	}
	for expected in ["settled in block", "checked, passed"] {
		assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
	}
	// `--json`: one document, amounts exact (strings of plancks) and adding up; the prompt from
	// stdin, with a system message the chain binds with it.
	let mut child = cli()
		.args(["--url", &url(&node), "--suri", "//Ferdie", "--json", "job", "submit"])
		.args(["--max-tokens", "8", "--temperature", "0.7", "--seed", "42", "--wait"])
		.args(["--system", "Answer in one word."])
		.stdin(std::process::Stdio::piped())
		.stdout(std::process::Stdio::piped())
		.stderr(std::process::Stdio::piped())
		.spawn()
		.map_err(|e| format!("cannot run attesta: {e}"))?;
	{
		use std::io::Write;
		let mut stdin = child.stdin.take().ok_or("no stdin")?;
		stdin.write_all(b"Name a fruit.").map_err(|e| e.to_string())?;
	}
	let out = child.wait_with_output().map_err(|e| e.to_string())?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
	let doc: serde_json::Value =
		serde_json::from_str(stdout.trim()).map_err(|e| format!("{e}: {stdout}"))?;
	let amount = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<u128>().ok());
	let s = &doc["settlement"];
	let (paid, fee, refunded, escrow) =
		(amount(&s["paid"]), amount(&s["fee"]), amount(&s["refunded"]), amount(&doc["escrow"]));
	assert_eq!(
		paid.zip(fee).zip(refunded).map(|((p, f), r)| p + f + r),
		escrow,
		"paid + fee + refunded = escrow in {doc}"
	);
	let id = doc["jobId"].as_u64().ok_or(format!("no job id in {doc}"))?;
	let view = job_view(&c, id).await?.ok_or("no such job")?;
	assert_eq!(view.params.temperature_milli, 700);
	assert_eq!(view.params.seed, 42);
	assert_eq!(
		view.prompt.to_vec(),
		attesta_primitives::prompt::encode(
			Some("Answer in one word."),
			&[(attesta_primitives::prompt::Role::User, "Name a fruit.")]
		)
	);
	assert_eq!(
		doc["answer"]["text"],
		String::from_utf8_lossy(&view.result.ok_or("no result")?.output_text).as_ref()
	);
	// The same job through the node's JSON (`job status --json` passes `attesta_job` on).
	let out = attesta(&["--json", "job", "status", &id.to_string()])?;
	let status: serde_json::Value =
		serde_json::from_slice(&out.stdout).map_err(|e| format!("job status --json: {e}"))?;
	assert_eq!((status["id"].as_u64(), status["stage"].as_str()), (Some(id), Some("settled")));
	assert_eq!(
		(&status["prompt"], &status["system"], &status["history"]),
		(
			&serde_json::json!("Name a fruit."),
			&serde_json::json!("Answer in one word."),
			&serde_json::json!([])
		),
		"{status}"
	);
	let out = attesta(&["providers", "--model", "0"])?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(stdout.contains(&Bob.to_account_id().to_string()), "providers:\n{stdout}");
	let out = attesta(&["--json", "balance", &Ferdie.to_account_id().to_string()])?;
	let balance: serde_json::Value =
		serde_json::from_slice(&out.stdout).map_err(|e| format!("balance --json: {e}"))?;
	assert_eq!(amount(&balance["held"]), Some(held(&c).await?), "{balance}");

	// Exit codes a script can act on.
	// No account named, outside --dev: nothing signs as //Alice by default.
	let (exit, stderr) = code(attesta(&["job", "cancel", "0"])?);
	assert_eq!(exit, Some(2), "{stderr}");
	assert!(stderr.contains("--suri"), "{stderr}");
	// A bad account, a bad amount: refused before anything is sent.
	let (exit, stderr) = code(attesta(&["--suri", "not a key", "job", "submit", "x"])?);
	assert_eq!(exit, Some(2), "{stderr}");
	assert!(stderr.contains("not a secret phrase"), "{stderr}");
	let (exit, stderr) =
		code(attesta(&["--dev", "job", "submit", "x", "--budget", "1.0000000000001"])?);
	assert_eq!(exit, Some(2), "{stderr}");
	assert!(stderr.contains("at most 12 decimals"), "{stderr}");
	// A call the chain refuses: its named error, exit code 1.
	let (exit, stderr) = code(attesta(&["--suri", "//Ferdie", "job", "cancel", &id.to_string()])?);
	assert_eq!(exit, Some(1), "{stderr}");
	assert!(stderr.contains("Jobs."), "{stderr}");
	// No node: exit code 3.
	let (exit, stderr) = code(
		cli()
			.args(["--url", "ws://127.0.0.1:1", "models"])
			.output()
			.map_err(|e| e.to_string())?,
	);
	assert_eq!(exit, Some(3), "{stderr}");
	// Bad input is bad input with no node either: checked before connecting.
	for args in [
		&[
			"--url",
			"ws://127.0.0.1:1",
			"--dev",
			"job",
			"submit",
			"x",
			"--budget",
			"1.0000000000001",
		][..],
		&["--url", "ws://127.0.0.1:1", "checker", "report-silent", "not-an-address", "--dev"],
		&["--url", "ws://127.0.0.1:1", "job", "cancel", "0"],
	] {
		let (exit, stderr) = code(cli().args(args).output().map_err(|e| e.to_string())?);
		assert_eq!(exit, Some(2), "{args:?}: {stderr}");
	}
	Ok(())
}
