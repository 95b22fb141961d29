//! Measures what a dapp waits for, through the `attesta-client` library: a `--dev` node with the
//! reference model is validator, provider (Bob, one inference thread) and checker (Alice); `DAPPS`
//! dapps each send their share of `JOBS` greedy jobs of at most `TOKENS` tokens, one after the
//! other, and time each from sending to the answer and to the settlement. Then, with the node
//! stopped, the same prompts run through the engine in this process on one thread, to tell how
//! much of the wait is inference and how much is blocks.
//!
//! Usage: `attesta-job-latency [JOBS=50] [DAPPS=5] [TOKENS=32]` (needs `scripts/setup.sh` and
//! `cargo build --workspace`).

use attesta_client::{chain::signer, JobRequest, Market, RetryPolicy, Verdict};
use attesta_e2e::{market::*, *};
use attesta_inference::{generate, GenParams, LoadedModel};
use sp_keyring::Sr25519Keyring::{Alice, Bob};
use std::time::{Duration, Instant};

/// Funded dev accounts that are neither the provider (Bob) nor the checker (Alice).
const DAPPS: [&str; 5] = ["//Charlie", "//Dave", "//Eve", "//Ferdie", "//Charlie//stash"];

/// One job's measurements.
struct Sample {
	answer: f64,
	settle: f64,
	answer_blocks: u32,
	settle_blocks: u32,
	checked: bool,
}

/// What to measure.
#[derive(clap::Parser)]
#[command(name = "attesta-job-latency", version)]
struct Args {
	/// Jobs in all.
	#[arg(default_value_t = 50)]
	jobs: usize,
	/// Dapps sending them at once.
	#[arg(default_value_t = 5)]
	dapps: usize,
	/// Greedy tokens per job.
	#[arg(default_value_t = 32)]
	tokens: usize,
}

/// The `q`-quantile (nearest rank) of sorted `xs`.
fn quantile(xs: &[f64], q: f64) -> f64 {
	if xs.is_empty() {
		return f64::NAN;
	}
	let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
	xs[rank - 1]
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
	xs.sort_by(f64::total_cmp);
	xs
}

#[tokio::main]
async fn main() {
	// The engine measured here should use one thread, like the node's (`--inference-threads 1`).
	std::env::set_var("RAYON_NUM_THREADS", "1");
	if let Err(e) = run().await {
		eprintln!("attesta-job-latency: {e}");
		std::process::exit(1);
	}
}

async fn run() -> Result<()> {
	let Args { jobs, dapps, tokens } = clap::Parser::parse();
	let (dapps, tokens) = (dapps.clamp(1, DAPPS.len()), tokens as u32);
	let (node, c, info) =
		start_market_node("latency", &[("prov", Bob), ("chck", Alice)], "").await?;
	register_checker(&c, &info, Alice).await?;
	register_provider(&c, &info, Bob, "bench", 8).await?;
	let url = format!("ws://127.0.0.1:{}", node.rpc_port);
	let settings = {
		let m = Market::connect(std::slice::from_ref(&url), RetryPolicy::default())
			.await
			.map_err(|e| e.to_string())?;
		m.settings().await.map_err(|e| e.to_string())?
	};
	println!(
		"{jobs} jobs of at most {tokens} tokens from {dapps} dapps; challenge window {} blocks, \
		 check rate {:?} for a new provider",
		settings.challenge_window, settings.initial_rate
	);

	let t0 = Instant::now();
	let mut tasks = Vec::new();
	for d in 0..dapps {
		let url = url.clone();
		let share = jobs / dapps + usize::from(d < jobs % dapps);
		tasks.push(tokio::spawn(async move {
			async {
				let market = Market::connect(&[url], RetryPolicy::default())
					.await
					.map_err(|e| e.to_string())?;
				let who = signer(DAPPS[d]).map_err(|e| e.to_string())?;
				let mut samples = Vec::new();
				for i in 0..share {
					let prompt = PROMPTS[(d + i * dapps) % PROMPTS.len()];
					let job = market
						.submit_job(&who, JobRequest::new(0, prompt, tokens))
						.await
						.map_err(|e| e.to_string())?;
					let done = market
						.follow(&job, Duration::from_secs(600), |_| {})
						.await
						.map_err(|e| e.to_string())?;
					let answer = done.answer.ok_or("settled without an answer")?;
					samples.push(Sample {
						answer: answer.latency.as_secs_f64(),
						settle: done.latency.as_secs_f64(),
						answer_blocks: answer.block.saturating_sub(job.block),
						settle_blocks: done.block.saturating_sub(job.block),
						checked: done.verdict != Verdict::Unchecked,
					});
				}
				Ok::<_, String>(samples)
			}
			.await
			.map_err(|e| format!("dapp {}: {e}", DAPPS[d]))
		}));
	}
	let mut samples = Vec::new();
	for t in tasks {
		samples.extend(t.await.map_err(|e| e.to_string())??);
	}
	let wall = t0.elapsed().as_secs_f64();
	drop(node);

	let answer = sorted(samples.iter().map(|s| s.answer).collect());
	let settle = sorted(samples.iter().map(|s| s.settle).collect());
	let answer_blocks = sorted(samples.iter().map(|s| f64::from(s.answer_blocks)).collect());
	let settle_blocks = sorted(samples.iter().map(|s| f64::from(s.settle_blocks)).collect());
	let checked = samples.iter().filter(|s| s.checked).count();
	println!("{} jobs answered and settled in {wall:.0} s; {checked} checked", samples.len());
	println!("                      median      p99");
	println!("to answer (s)     {:>10.1} {:>8.1}", quantile(&answer, 0.5), quantile(&answer, 0.99));
	println!("to settle (s)     {:>10.1} {:>8.1}", quantile(&settle, 0.5), quantile(&settle, 0.99));
	println!(
		"to answer (blocks){:>10.0} {:>8.0}   (after the submission's block)",
		quantile(&answer_blocks, 0.5),
		quantile(&answer_blocks, 0.99)
	);
	println!(
		"to settle (blocks){:>10.0} {:>8.0}",
		quantile(&settle_blocks, 0.5),
		quantile(&settle_blocks, 0.99)
	);

	// The inference part: the same prompts on one thread, nothing else running.
	let model = LoadedModel::load(reference_model()?).map_err(|e| e.to_string())?;
	let mut inference = Vec::new();
	for prompt in PROMPTS {
		let input = model.tokenizer.encode_chat(None, prompt);
		let g = generate(&model, &input, &GenParams::greedy(tokens)).map_err(|e| e.to_string())?;
		inference.push((g.prefill_micros + g.decode_micros) as f64 / 1e6);
	}
	let inference = sorted(inference);
	let inf = quantile(&inference, 0.5);
	println!(
		"inference per job (engine alone, 1 thread): median {inf:.2} s, max {:.2} s",
		quantile(&inference, 1.0)
	);
	println!(
		"so of the median {:.1} s to the answer, ~{inf:.1} s is inference and ~{:.1} s waiting \
		 for blocks (inclusion of the job, then of the result); settlement adds the {}-block \
		 challenge window",
		quantile(&answer, 0.5),
		quantile(&answer, 0.5) - inf,
		settings.challenge_window
	);
	Ok(())
}
