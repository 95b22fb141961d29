//! Measures the market on this machine: a `--dev` node with the reference model serves as
//! validator, provider (Bob) and two checkers (Alice, Charlie, every job checked); dapps submit
//! `JOBS` jobs of `TOKENS` greedy tokens. Prints how regularly blocks arrive while the node
//! runs inference, results and checks per block, and latencies.
//!
//! Usage: `attesta-market-bench [JOBS=12] [TOKENS=48] [--inference-threads N] [--together K]`
//! (needs the node built and the model fetched: `scripts/setup.sh`, `cargo build --workspace`).
//! `--together 3` sends three jobs at once, from three dapps, in every round: more work than
//! the engine does in a block, so it measures block production under a saturated engine.

use attesta_e2e::{market::*, *};
use attesta_runtime::{RuntimeEvent, UNIT};
use pallet_jobs::GenParams;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve, Ferdie};
use sp_runtime::Perbill;
use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};

#[tokio::main]
async fn main() {
	if let Err(e) = run().await {
		eprintln!("attesta-market-bench: {e}");
		std::process::exit(1);
	}
}

/// What to measure.
#[derive(clap::Parser)]
#[command(name = "attesta-market-bench", version)]
struct Args {
	/// Jobs the dapps submit.
	#[arg(default_value_t = 12)]
	jobs: u32,
	/// Greedy tokens per job.
	#[arg(default_value_t = 48)]
	tokens: u32,
	/// The node's inference threads (its default on 2 cores is 1: all but one).
	#[arg(long, default_value_t = 1)]
	inference_threads: usize,
	/// Jobs sent at once, each from its own dapp (at most 3), per round of submissions.
	#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3))]
	together: u32,
	/// Prompts that ask for long answers, so that outputs run to about TOKENS (short questions
	/// end in a sentence).
	#[arg(long)]
	long: bool,
}

/// Requests for long answers.
const LONG_PROMPTS: [&str; 3] = [
	"Write a long, detailed story about a lighthouse keeper and a storm, in many paragraphs.",
	"Explain in great detail, step by step, how bread is made, from wheat to loaf.",
	"Describe the history of sailing ships at length, century by century.",
];

fn stats(xs: &[f64]) -> (f64, f64, f64, f64) {
	let n = xs.len().max(1) as f64;
	let mean = xs.iter().sum::<f64>() / n;
	let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
	let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
	let max = xs.iter().copied().fold(0.0, f64::max);
	(mean, sd, min, max)
}

async fn run() -> Result<()> {
	let Args { jobs, tokens, inference_threads, together, long } = clap::Parser::parse();
	let prompts: &[&str] = if long { &LONG_PROMPTS } else { &PROMPTS };
	let keys = [("prov", Bob), ("chck", Alice), ("chck", Charlie)];
	let (node, c, info) =
		start_market_node_with_threads("market-bench", &keys, "", inference_threads).await?;
	println!("inference threads: {inference_threads}");
	// Every job checked once in expectation; the two checkers are each drawn half the time.
	sudo_set_settings(&c, &info, quick_settings(Perbill::one(), 2, 10)).await?;
	for checker in [Alice, Charlie] {
		register_checker(&c, &info, checker).await?;
	}
	register_provider(&c, &info, Bob, "bench", 16).await?;

	// Blocks as they arrive, from here on: a watcher polls the best block every 20 ms.
	let start = best_number(&c).await?;
	let t0 = Instant::now();
	let watcher = node.client().await?;
	let arrivals_log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u32, f64)>::new()));
	let log = arrivals_log.clone();
	let watch = tokio::spawn(async move {
		let mut last = start;
		loop {
			if let Ok(best) = best_number(&watcher).await {
				if best > last {
					last = best;
					log.lock()
						.unwrap_or_else(|p| p.into_inner())
						.push((best, t0.elapsed().as_secs_f64()));
				}
			}
			tokio::time::sleep(Duration::from_millis(20)).await;
		}
	});
	let dapps: [Sr25519Keyring; 3] = [Dave, Eve, Ferdie];
	let mut submitted_at = BTreeMap::new();
	let mut sent = 0u32;
	while sent < jobs {
		let best = best_number(&c).await?;
		let round = together.min(jobs - sent);
		let submissions = (0..round).map(|k| {
			let i = (sent + k) as usize;
			execute(
				&c,
				&info,
				dapps[k as usize],
				submit_job_call(
					prompts[i % prompts.len()].as_bytes(),
					GenParams::greedy(tokens),
					ANY_PRICE,
					None,
					10 * UNIT,
					best + 400,
				),
			)
		});
		for events in futures::future::try_join_all(submissions).await? {
			for e in events {
				if let RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, .. }) = e {
					submitted_at.insert(job_id, best_number(&c).await?);
				}
			}
		}
		sent += round;
	}

	let mut answered = BTreeMap::new();
	let mut settled = BTreeMap::new();
	let (mut checks, mut disputes, mut output_tokens) = (0u32, 0u32, 0u64);
	let mut seen = start;
	let deadline = Instant::now() + Duration::from_secs(900);
	while settled.len() < submitted_at.len() && Instant::now() < deadline {
		let best = best_number(&c).await?;
		while seen < best {
			seen += 1;
			for e in events_at(&c, block_hash(&c, seen).await?).await? {
				match e {
					RuntimeEvent::Jobs(pallet_jobs::Event::ResultSubmitted {
						job_id,
						output_tokens: n,
						..
					}) => {
						answered.insert(job_id, seen);
						output_tokens += u64::from(n);
					},
					RuntimeEvent::Jobs(pallet_jobs::Event::JobSettled { job_id, .. }) => {
						settled.insert(job_id, seen);
					},
					RuntimeEvent::Audits(pallet_audits::Event::CheckPassed { .. }) => checks += 1,
					RuntimeEvent::Audits(pallet_audits::Event::DisputeOpened { .. }) =>
						disputes += 1,
					_ => {},
				}
			}
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}

	watch.abort();
	let arrivals = arrivals_log.lock().unwrap_or_else(|p| p.into_inner()).clone();
	// Only consecutive blocks: a skipped number (two blocks between polls) is not an interval.
	let intervals: Vec<f64> = arrivals
		.windows(2)
		.filter(|w| w[1].0 == w[0].0 + 1)
		.map(|w| w[1].1 - w[0].1)
		.collect();
	let (mean, sd, min, max) = stats(&intervals);
	let blocks = arrivals.len().max(1) as f64;
	let latency: Vec<f64> = answered
		.iter()
		.filter_map(|(j, at)| submitted_at.get(j).map(|s| f64::from(at - s)))
		.collect();
	let (lat, ..) = stats(&latency);
	println!(
		"jobs: {} submitted, {} answered, {} settled; {tokens} tokens each",
		submitted_at.len(),
		answered.len(),
		settled.len()
	);
	println!("blocks observed: {}", arrivals.len());
	println!("block interval: mean {mean:.2} s, sd {sd:.2} s, min {min:.2} s, max {max:.2} s (target 6 s)");
	println!("results per block: {:.2}", answered.len() as f64 / blocks);
	let first_submitted = submitted_at.values().min().copied().unwrap_or(start);
	let last_answered = answered.values().max().copied().unwrap_or(first_submitted);
	let busy_blocks = f64::from(last_answered.saturating_sub(first_submitted).max(1));
	println!(
		"output tokens: {output_tokens} ({:.1} per job), {:.0} per block from the first \
		 submission to the last answer ({busy_blocks} blocks)",
		output_tokens as f64 / answered.len().max(1) as f64,
		output_tokens as f64 / busy_blocks
	);
	println!(
		"checks passed: {checks} ({:.2} per block), disputes: {disputes}",
		f64::from(checks) / blocks
	);
	println!("submission to result: {lat:.1} blocks on average");
	if settled.len() < submitted_at.len() {
		return Err(format!(
			"only {} of {} jobs settled\n{}",
			settled.len(),
			submitted_at.len(),
			node.log_tail()
		));
	}
	Ok(())
}
