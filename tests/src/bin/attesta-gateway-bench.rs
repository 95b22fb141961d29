//! Measures the OpenAI-compatible gateway on a `--dev` node with the reference model (validator,
//! provider Bob on one inference thread, checker Alice, genesis market settings):
//!
//! - the gateway's own time per request, without inference: `GET /v1/models` (registry cached), a
//!   completion refused for its budget (every check the chain is asked for before a job is signed:
//!   model, providers, quote, settings), and for real jobs the time from the request to the node's
//!   pool accepting the job plus from the awaited event to the reply (the reply's
//!   `attesta.timings.gateway_ms`);
//! - `JOBS` completions, `INFLIGHT` at a time from one key, each waiting for its settlement (or
//!   only its answer, with `WAIT=answer`): time to the answer and to the settlement.
//!
//! Prints numbers; asserts nothing about them. Usage: `attesta-gateway-bench [JOBS=12]
//! [INFLIGHT=4] [TOKENS=16] [WAIT=settled|answer]` (needs `scripts/setup.sh`, the node and
//! `attesta-gateway` built).

use attesta_e2e::{
	gateway::{http, Gateway, KeySpec},
	load::quantile,
	market::*,
	*,
};
use serde_json::Value;
use sp_keyring::Sr25519Keyring::{Alice, Bob};
use std::{
	sync::{Arc, Mutex},
	time::Instant,
};

const KEY: &str = "sk-bench";
const POOR_KEY: &str = "sk-bench-poor";

/// What to measure.
#[derive(clap::Parser)]
#[command(name = "attesta-gateway-bench", version)]
struct Args {
	/// Requests in all.
	#[arg(default_value_t = 12)]
	jobs: usize,
	/// Requests in flight at once.
	#[arg(default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..))]
	inflight: u64,
	/// Greedy tokens per request.
	#[arg(default_value_t = 16)]
	tokens: usize,
	/// What each request waits for.
	#[arg(default_value = "settled", value_parser = ["settled", "answer"])]
	wait: String,
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
	xs.sort_by(f64::total_cmp);
	xs
}

fn line(what: &str, unit: &str, xs: Vec<f64>) {
	let xs = sorted(xs);
	println!(
		"{what:<48} n={:<4} p50 {:>9.3} {unit}  p99 {:>9.3} {unit}",
		xs.len(),
		quantile(&xs, 0.5),
		quantile(&xs, 0.99)
	);
}

/// Times `n` calls of `f`, in milliseconds.
fn timed(n: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
	let mut out = Vec::with_capacity(n);
	for _ in 0..n {
		let t = Instant::now();
		f()?;
		out.push(t.elapsed().as_secs_f64() * 1e3);
	}
	Ok(out)
}

#[tokio::main]
async fn main() {
	if let Err(e) = run().await {
		eprintln!("attesta-gateway-bench: {e}");
		std::process::exit(1);
	}
}

async fn run() -> Result<()> {
	let Args { jobs, inflight, tokens, wait } = clap::Parser::parse();
	let (inflight, wait) = (inflight as usize, wait.as_str());
	let (node, c, info) =
		start_market_node("gw-bench", &[("prov", Bob), ("chck", Alice)], "").await?;
	register_checker(&c, &info, Alice).await?;
	// Room for every request in flight (up to the chain's most, 64): what is measured is the
	// gateway, not a provider turning jobs away.
	let capacity = u32::try_from(inflight).unwrap_or(64).clamp(8, 64);
	register_provider(&c, &info, Bob, "eu", capacity).await?;
	let gateway = Gateway::start(
		"bench",
		&node.url(),
		&[
			KeySpec { key: KEY, suri: "//Ferdie", budget: None },
			KeySpec { key: POOR_KEY, suri: "//Dave", budget: Some(1) },
		],
	)
	.await?;
	let settings = DefaultMarketSettings::get();
	println!(
		"dev chain, genesis settings: 6 s blocks, challenge window {} blocks; one provider, one \
		 inference thread; {jobs} jobs of <= {tokens} tokens, {inflight} in flight from one key, \
		 each until {wait}",
		settings.challenge_window
	);
	let addr = gateway.addr.clone();
	let model: Value = {
		let (status, body) = http(&addr, "GET", "/v1/models", Some(KEY), None)?;
		if status != 200 {
			return Err(format!("GET /v1/models: {status} {body}"));
		}
		serde_json::from_str(&body).map_err(|e| e.to_string())?
	};
	let model = model["data"][0]["id"].as_str().ok_or("no model listed")?.to_string();

	let models = timed(200, || {
		let (status, body) = http(&addr, "GET", "/v1/models", Some(KEY), None)?;
		(status == 200).then_some(()).ok_or(format!("models: {status} {body}"))
	})?;
	let refused_body = serde_json::json!({
		"model": model, "max_tokens": tokens,
		"messages": [{"role": "user", "content": "What is the capital of France?"}],
	})
	.to_string();
	let refused = timed(100, || {
		let (status, body) =
			http(&addr, "POST", "/v1/chat/completions", Some(POOR_KEY), Some(&refused_body))?;
		(status == 402).then_some(()).ok_or(format!("budget: {status} {body}"))
	})?;

	// Real jobs, `inflight` at a time, each until settled.
	let next = Arc::new(Mutex::new(0usize));
	let samples = Arc::new(Mutex::new(Vec::<Value>::new()));
	let errors = Arc::new(Mutex::new(Vec::<String>::new()));
	let started = Instant::now();
	let workers: Vec<_> = (0..inflight)
		.map(|_| {
			let (next, samples, errors, addr, model) =
				(next.clone(), samples.clone(), errors.clone(), addr.clone(), model.clone());
			let wait = wait.to_string();
			std::thread::spawn(move || loop {
				let i = {
					let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
					if *n >= jobs {
						return;
					}
					*n += 1;
					*n - 1
				};
				let body = serde_json::json!({
					"model": model, "max_tokens": tokens,
					"messages": [{"role": "user", "content": PROMPTS[i % PROMPTS.len()]}],
					"attesta": {"wait": wait},
				})
				.to_string();
				let t = Instant::now();
				match http(&addr, "POST", "/v1/chat/completions", Some(KEY), Some(&body)) {
					Ok((200, reply)) => {
						let mut v: Value = serde_json::from_str(&reply).unwrap_or_default();
						v["client_ms"] = serde_json::json!(t.elapsed().as_secs_f64() * 1e3);
						samples.lock().unwrap_or_else(|e| e.into_inner()).push(v);
					},
					Ok((status, reply)) => errors
						.lock()
						.unwrap_or_else(|e| e.into_inner())
						.push(format!("{status}: {reply}")),
					Err(e) => errors.lock().unwrap_or_else(|e| e.into_inner()).push(e),
				}
			})
		})
		.collect();
	for w in workers {
		let _ = w.join();
	}
	let wall = started.elapsed().as_secs_f64();
	let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
	let errors = errors.lock().unwrap_or_else(|e| e.into_inner()).clone();
	let field = |path: &[&str]| -> Vec<f64> {
		samples
			.iter()
			.filter_map(|s| path.iter().try_fold(s, |v, k| v.get(k)).and_then(Value::as_f64))
			.collect()
	};
	let checked = samples
		.iter()
		.filter(|s| s["attesta"]["verification"]["state"].as_str() == Some("passed"))
		.count();

	println!("\ngateway overhead (no inference, no block wait)");
	line("GET /v1/models (registry cached ~1 block)", "ms", models);
	line("completion refused for budget (all pre-submit checks)", "ms", refused);
	line(
		"per job: request -> in the node's pool",
		"ms",
		field(&["attesta", "timings", "to_pool_ms"]),
	);
	line(
		&format!("per job: to pool + {wait} seen -> reply"),
		"ms",
		field(&["attesta", "timings", "gateway_ms"]),
	);
	println!("\nthrough the gateway, on the dev chain");
	let secs = |xs: Vec<f64>| xs.into_iter().map(|x| x / 1e3).collect();
	line("request -> answer seen", "s", secs(field(&["attesta", "timings", "to_answer_ms"])));
	line(
		"request -> settlement seen",
		"s",
		secs(field(&["attesta", "timings", "to_settlement_ms"])),
	);
	line(&format!("request -> {wait} reply (client)"), "s", secs(field(&["client_ms"])));
	println!(
		"\n{} jobs {wait} ({checked} checked by Alice), {} failed, in {wall:.1} s ({:.2} jobs/min)",
		samples.len(),
		errors.len(),
		samples.len() as f64 / wall * 60.0
	);
	for e in errors.iter().take(5) {
		println!("error: {e}");
	}
	drop(gateway);
	drop(node);
	Ok(())
}
