//! `attesta-fuzz`: runs the runtime fuzzer for a given time (or a given number of runs), one
//! seed per run, and stops at the first finding with the seed that replays it.

use attesta_fuzz::{run, Stats};
use std::time::{Duration, Instant};

/// Runs the runtime fuzzer; stops at the first finding unless told to keep going.
#[derive(clap::Parser)]
#[command(name = "attesta-fuzz", version)]
struct Args {
	/// Keep starting runs for this many seconds.
	#[arg(long, default_value_t = 60)]
	seconds: u64,
	/// Stop after this many runs instead.
	#[arg(long, default_value_t = u64::MAX, hide_default_value = true)]
	runs: u64,
	/// First run's seed (default: from the clock); run k uses seed + k.
	#[arg(long)]
	seed: Option<u64>,
	/// Blocks per run.
	#[arg(long, default_value_t = 400)]
	blocks: u32,
	/// After a finding, go on with the next seed (report all at the end).
	#[arg(long)]
	keep_going: bool,
}

fn main() {
	let Args { seconds, runs, seed, blocks, keep_going } = clap::Parser::parse();
	let first = seed.unwrap_or_else(|| {
		std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.unwrap_or_default()
			.as_secs()
	});
	println!(
		"attesta-fuzz: seeds from {first}, {blocks} blocks a run, for {seconds} s or {runs} runs"
	);
	let started = Instant::now();
	let deadline = started + Duration::from_secs(seconds);
	let mut stats = Stats::default();
	let mut last_report = Instant::now();
	let mut k = 0;
	let mut findings = Vec::new();
	while k < runs && Instant::now() < deadline {
		if let Err(finding) = run(first.wrapping_add(k), blocks, &mut stats) {
			println!("FINDING {finding}");
			println!("replay: attesta-fuzz --seed {} --runs 1 --blocks {blocks}", finding.seed);
			findings.push(finding);
			if !keep_going {
				break;
			}
		}
		k += 1;
		if last_report.elapsed() > Duration::from_secs(60) {
			println!(
				"[{:>5} s] runs {} blocks {} extrinsics applied {} refused {}",
				started.elapsed().as_secs(),
				stats.runs,
				stats.blocks,
				stats.applied,
				stats.refused
			);
			last_report = Instant::now();
		}
	}
	report(&stats, started);
	if findings.is_empty() {
		println!("no findings");
	} else {
		println!("{} finding(s):", findings.len());
		for f in &findings {
			println!("  {f}");
		}
		std::process::exit(1);
	}
}

fn report(stats: &Stats, started: Instant) {
	let secs = started.elapsed().as_secs_f64();
	println!(
		"\n{} runs, {} blocks, {} extrinsics applied ({:.0}/s), {} refused, in {:.0} s",
		stats.runs,
		stats.blocks,
		stats.applied,
		stats.applied as f64 / secs.max(1e-9),
		stats.refused,
		secs
	);
	println!("\n{:<40} {:>10} {:>10}", "call", "succeeded", "failed");
	for (name, [ok, failed]) in &stats.calls {
		println!("{name:<40} {ok:>10} {failed:>10}");
	}
	println!("\n{:<64} {:>10}", "call: error", "count");
	for (name, n) in &stats.errors {
		println!("{name:<64} {n:>10}");
	}
	println!("\n{:<40} {:>10}", "event", "count");
	for (name, n) in &stats.events {
		println!("{name:<40} {n:>10}");
	}
}
