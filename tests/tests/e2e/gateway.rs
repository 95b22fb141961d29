//! The OpenAI-compatible gateway against a dev node running the real model, driven by the
//! official `openai` Python package (a client nobody on the project wrote): the model list, a
//! completion, a streamed one, three at once from one key (settlement asked for in the body and
//! in a header), and errors in OpenAI's shape (no key, unknown model, system prompt,
//! conversation, budget, no provider, retired model, node down). What the client saw is checked
//! against the chain. Then a person's view: the gateway's web page in headless chromium, with
//! screenshots saved.

use attesta_e2e::{
	gateway::{python, Gateway, KeySpec},
	js,
	market::*,
	*,
};
use serde_json::Value;
use sp_core::crypto::Ss58Codec;
use sp_keyring::Sr25519Keyring::{Alice, Bob};
use sp_runtime::Perbill;
use std::{process::Command, time::Duration};

const KEY: &str = "sk-attesta-test-ferdie";
const POOR_KEY: &str = "sk-attesta-test-poor";
const MODEL: &str = "SmolLM2-135M-Instruct Q4_1";

#[tokio::test(flavor = "multi_thread")]
async fn the_openai_client_gets_verified_answers_through_the_gateway() -> Result<()> {
	if let Err(e) = reference_model() {
		eprintln!("skipped: {e}");
		return Ok(());
	}
	// Missing Python or `openai` is a broken set-up, not a reason to skip.
	let python = python()?;
	let (mut node, c, info) =
		start_market_node("gateway", &[("prov", Bob), ("chck", Alice)], "").await?;
	// Every result is checked by one checker; settlement 3 blocks after the answer.
	sudo_set_settings(&c, &info, quick_settings(Perbill::one(), 1, 3)).await?;
	register_checker(&c, &info, Alice).await?;
	let gateway = Gateway::start(
		"e2e",
		&node.url(),
		&[
			KeySpec { key: KEY, suri: "//Ferdie", budget: Some(1_000 * attesta_runtime::UNIT) },
			KeySpec { key: POOR_KEY, suri: "//Dave", budget: Some(1) },
		],
	)
	.await?;
	let request =
		|body: &str| gateway.request("POST", "/v1/chat/completions", Some(KEY), Some(body));
	let question = format!(
		r#"{{"model": "{MODEL}", "messages": [{{"role": "user", "content": "Hi"}}], "max_tokens": 4}}"#
	);

	// Nobody serves the model yet: the runtime's named error, before anything is sent.
	let (status, body) = request(&question)?;
	assert_eq!(status, 503, "{body}");
	let error: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
	assert_eq!(error["error"]["code"], "Jobs.NoEligibleProvider", "{body}");
	assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));

	register_provider(&c, &info, Bob, "eu", 8).await?;
	let out = Command::new(&python)
		.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python/openai_gateway.py"))
		.env("GATEWAY_URL", gateway.url())
		.env("GATEWAY_KEY", KEY)
		.env("GATEWAY_POOR_KEY", POOR_KEY)
		.env("GATEWAY_MODEL", MODEL)
		.env("GATEWAY_PROVIDER", Bob.to_account_id().to_ss58check())
		.output()
		.map_err(|e| format!("cannot run {}: {e}", python.display()))?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	let stderr = String::from_utf8_lossy(&out.stderr);
	eprintln!("{stderr}");
	assert!(
		out.status.success(),
		"the openai client failed:\n{stdout}\n{stderr}\ngateway log:\n{}\nnode:\n{}",
		gateway.log_text(),
		node.log_tail()
	);

	// What the client was told is what the chain holds.
	let seen: Value = stdout
		.lines()
		.last()
		.and_then(|l| serde_json::from_str(l).ok())
		.ok_or_else(|| format!("no summary from the script: {stdout}"))?;
	let jobs = seen["jobs"].as_array().cloned().unwrap_or_default();
	let mut checked = 0;
	for job in &jobs {
		let Some(id) = job["job_id"].as_u64() else { continue };
		let view = job_view(&c, id).await?.ok_or(format!("job {id} is not on chain"))?;
		assert_eq!(view.owner, sp_keyring::Sr25519Keyring::Ferdie.to_account_id());
		let result = view.result.ok_or(format!("job {id} has no result"))?;
		assert_eq!(job["commitment"], bytes_hex(&result.commitment), "job {id}");
		assert_eq!(job["content"], String::from_utf8_lossy(&result.output_text).as_ref());
		if job["how"] == "conversation" {
			// The chain holds the whole conversation, system message first.
			let parsed = attesta_primitives::prompt::parse(&view.prompt)
				.map_err(|e| format!("job {id}'s prompt: {e:?}"))?;
			let attesta_primitives::prompt::Prompt::Conversation { system, turns } = parsed else {
				return Err(format!("job {id} holds a text prompt, not the conversation"));
			};
			assert_eq!(system, Some("You answer with one number."));
			assert_eq!(turns.len(), 3);
			assert_eq!(turns.last().map(|(_, t)| *t), Some("And three plus three?"));
		}
		checked += 1;
	}
	assert_eq!(checked, 3, "jobs with ids in {seen}");

	// A person uses the gateway's web page in a real headless browser, on the same node.
	js::check_js_installed()?;
	let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-page");
	std::fs::create_dir_all(&shots).map_err(|e| format!("{}: {e}", shots.display()))?;
	let chromium = js::chromium()?;
	let args = [&gateway.url(), KEY, &chromium.display().to_string(), &shots.display().to_string()];
	let output = js::run_script("web_page.mjs", &args, Duration::from_secs(300))
		.await
		.map_err(|e| format!("{e}\ngateway log:\n{}", gateway.log_text()))?;
	let page: Value = output
		.lines()
		.last()
		.and_then(|l| serde_json::from_str(l).ok())
		.ok_or_else(|| format!("no summary from web_page.mjs: {output}"))?;
	let id = page["evidence"]["job"].as_str().and_then(|j| j.parse().ok()).ok_or("job id")?;
	let view = job_view(&c, id).await?.ok_or(format!("job {id} is not on chain"))?;
	let result = view.result.ok_or(format!("job {id} has no result"))?;
	assert_eq!(page["answer"], String::from_utf8_lossy(&result.output_text).trim());
	assert_eq!(page["evidence"]["commitment"], bytes_hex(&result.commitment));
	println!("web page: {page}\nscreenshots in {}", shots.display());

	// The views need no key, so they are rate-limited per client address: a flood past the
	// burst (40) gets 429 in OpenAI's shape, and keyed API calls are not affected.
	let flood: Vec<u16> = (0..60)
		.map(|_| gateway.request("GET", "/v1/attesta/models", None, None).map(|(s, _)| s))
		.collect::<Result<_>>()?;
	assert!(flood.contains(&429), "no 429 in a flood of 60 view requests: {flood:?}");
	let (status, body) = gateway.request("GET", "/v1/attesta/models", None, None)?;
	assert_eq!(status, 429, "{body}");
	assert!(body.contains("rate_limit_exceeded"), "{body}");
	let (status, _) = gateway.request("GET", "/v1/models", Some(KEY), None)?;
	assert_eq!(status, 200, "keyed calls are not rate-limited with the views");

	// Governance retires the model: new requests get a 404 saying so, and the list drops it.
	execute(
		&c,
		&info,
		Alice,
		sudo(attesta_runtime::RuntimeCall::Models(pallet_models::Call::set_active {
			model_id: 0,
			active: false,
		})),
	)
	.await?;
	let (status, body) = request(&question)?;
	assert_eq!(status, 404, "{body}");
	assert!(body.contains("model_retired"), "{body}");
	let listed = wait_for("the retired model to leave the list", Duration::from_secs(30), || {
		let r = gateway.request("GET", "/v1/models", Some(KEY), None);
		async move { Ok(r?.1.contains("\"data\":[]").then_some(())) }
	});
	listed.await?;

	// The node goes away: within a few seconds the gateway says so, in OpenAI's shape, and
	// refuses new work at once instead of retrying a dead node.
	node.kill();
	let body = wait_for("the gateway to notice the node is gone", Duration::from_secs(30), || {
		let r = gateway.request("GET", "/health", None, None);
		async move { Ok(r.ok().filter(|(status, _)| *status == 503).map(|(_, body)| body)) }
	})
	.await?;
	assert!(body.contains("node_unreachable"), "{body}");
	let started = std::time::Instant::now();
	let (status, body) = request(&question)?;
	assert_eq!(status, 503, "{body}");
	assert!(body.contains("node_unreachable"), "{body}");
	assert!(started.elapsed() < Duration::from_secs(5), "refused after {:?}", started.elapsed());
	Ok(())
}

fn bytes_hex(b: &[u8]) -> String {
	sp_core::bytes::to_hex(b, false)
}
