//! Measures what the chain itself carries on this machine, with real `attesta-node` processes:
//! a `--dev` author (Alice) and a second, non-authoring full node peered with it.
//!
//! 1. Balance transfers per block and per second at full blocks: thousands of derived accounts,
//!    funded first, send transfers signed ahead of time over concurrent JSON-RPC connections.
//! 2. Market extrinsics per block at full load: `Jobs.submit_job` from many dapps, then
//!    `Jobs.submit_result` from the providers the jobs went to, then `Audits.submit_verdict` from
//!    the checkers whose VRF draw selected them.
//! 3. JSON-RPC latency under 1, 4, 16, 64 concurrent clients, as a table and a PNG plot (run after
//!    the load, so that the chain has idle blocks too).
//! 4. Block import time on the second node (its Prometheus import histogram), full blocks against
//!    empty ones.
//!
//! Usage: `attesta-chain-bench [--quick] [--out DIR] [--clients 1,4,16,64] [--rpc-secs S]
//! [--full-blocks N] [--jobs N] [--senders N]` (needs `cargo build --workspace`; the plot needs
//! the DejaVu font of `fonts-dejavu-core`, or a TTF named by `$ATTESTA_FONT`).

use attesta_e2e::{load::*, market::*, png, *};
use attesta_primitives::selection::{is_selected, sign_data, verified_draw, VrfProof};
use attesta_runtime::{AccountId, Balance, BlockNumber, Runtime, RuntimeCall, RuntimeEvent, UNIT};
use codec::Encode;
use frame_support::dispatch::GetDispatchInfo;
use jsonrpsee::{core::client::ClientT, rpc_params};
use pallet_jobs::GenParams;
use pallet_providers::HardwareClass;
use serde_json::Value;
use sp_core::{crypto::VrfSecret, sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{MultiAddress, Perbill};
use std::{
	collections::{BTreeMap, HashMap},
	path::PathBuf,
	sync::{atomic::Ordering, Arc},
	time::{Duration, Instant},
};

/// Target block time of the chain (s).
const BLOCK_SECS: f64 = 6.0;
/// Concurrent connections that push transactions.
const PUSHERS: usize = 16;
/// Capacity each bench provider offers (the runtime's `MaxCapacity`).
const PROVIDER_CAPACITY: u32 = 64;
/// Each provider's stake: with every result checked (the bench's settings) it covers 500 ATT
/// of open budgets, more than its capacity of 1-ATT jobs.
const BENCH_PROVIDER_STAKE: Balance = 2_000 * UNIT;
/// Checkers registered: each is drawn for a result with chance 1/CHECKERS at a 100 % rate.
const CHECKERS: usize = 4;
/// Jobs each dapp account submits.
const JOBS_PER_DAPP: usize = 10;
/// Output tokens of every job (and of every posted result).
const JOB_TOKENS: u32 = 64;
/// Bytes of every job's prompt.
const PROMPT_BYTES: usize = 200;
/// Each job's budget: covers its 200-byte prompt and 64 tokens at the bench providers' price.
const JOB_BUDGET: Balance = 2 * UNIT;
/// Challenge window for the bench's jobs: long enough that nothing settles during the run.
const CHALLENGE_WINDOW: u32 = 400;
/// The funded dev accounts that pay the bench accounts: Alice to Ferdie and their stashes.
const FUNDERS: usize = 12;

/// What to run, from the command line.
struct Config {
	/// Smaller everything: a smoke run of a few minutes.
	quick: bool,
	/// Where the report, the plot and the node logs go.
	out: PathBuf,
	/// Concurrent JSON-RPC clients of each latency run.
	clients: Vec<usize>,
	/// Length of each latency run.
	rpc_secs: u64,
	/// Full transfer blocks to see while transfers keep arriving.
	full_blocks: usize,
	/// Jobs to submit (each gets a result, and verdicts as the VRF draws fall).
	jobs: usize,
	/// Accounts sending transfers.
	senders: usize,
}

/// Starts a --dev author and a second node peered with it, loads the chain with balance
/// transfers and with the market's extrinsics, and prints what fits a block, how long the second
/// node takes to import blocks, and JSON-RPC latency under concurrent clients.
#[derive(clap::Parser)]
#[command(name = "attesta-chain-bench", version)]
struct Args {
	/// A smoke run of under 3 minutes: smaller everything.
	#[arg(long)]
	quick: bool,
	/// Where the report, the plot (rpc-latency.png) and the node logs go [default:
	/// $TMPDIR/attesta-chain-bench].
	#[arg(long)]
	out: Option<PathBuf>,
	/// Concurrent JSON-RPC clients of each latency run [default: 1,4,16,64; quick: 1,4,16].
	#[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..))]
	clients: Option<Vec<u64>>,
	/// Seconds of each latency run [default: 10; quick: 3].
	#[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
	rpc_secs: Option<u64>,
	/// Full transfer blocks to see [default: 6; quick: 2].
	#[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
	full_blocks: Option<u64>,
	/// Jobs to submit [default: 1,600; quick: 170; at most 2,000].
	#[arg(long)]
	jobs: Option<usize>,
	/// Accounts sending transfers [default: 2,000; quick: 600].
	#[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
	senders: Option<u64>,
}

impl Config {
	fn parse() -> Self {
		let a: Args = clap::Parser::parse();
		let q = a.quick;
		Config {
			quick: q,
			out: a.out.unwrap_or_else(|| std::env::temp_dir().join("attesta-chain-bench")),
			clients: a.clients.map_or_else(
				|| if q { vec![1, 4, 16] } else { vec![1, 4, 16, 64] },
				|c| c.into_iter().map(|n| n as usize).collect(),
			),
			rpc_secs: a.rpc_secs.unwrap_or(if q { 3 } else { 10 }),
			full_blocks: a.full_blocks.map_or(if q { 2 } else { 6 }, |n| n as usize),
			jobs: a.jobs.unwrap_or(if q { 170 } else { 1_600 }).clamp(JOBS_PER_DAPP, 2_000),
			senders: a.senders.map_or(if q { 600 } else { 2_000 }, |n| n as usize),
		}
	}
}

#[tokio::main]
async fn main() {
	if let Err(e) = run(Config::parse()).await {
		eprintln!("attesta-chain-bench: {e}");
		std::process::exit(1);
	}
}

/// Lines printed as they come and kept for the report file.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
	fn line(&mut self, s: impl Into<String>) {
		let s = s.into();
		println!("{s}");
		self.0.push(s);
	}
}

/// One line of the final throughput table.
struct Throughput {
	what: &'static str,
	full: usize,
	blocks: usize,
	median: f64,
	mean: f64,
	max: usize,
	per_sec: f64,
	measured_per_sec: f64,
	ended: String,
	weight: f64,
	length: f64,
	note: String,
}

/// A block of a phase, as measured.
struct Row {
	number: u32,
	count: usize,
	failed: usize,
	others: usize,
	end: String,
	build_ms: u64,
	weight: f64,
	length: f64,
	full: bool,
	/// New transactions kept arriving while the author built it (rather than it only
	/// draining what the pool already held).
	arriving: bool,
}

/// A phase's blocks and the market events in them.
struct Phase {
	rows: Vec<Row>,
	events: Vec<RuntimeEvent>,
	failures: BTreeMap<String, usize>,
	/// Transactions of the phase's kind per second of chain time over the phase.
	measured_per_sec: f64,
}

/// The running benchmark: the author, a client of it, and what was measured so far.
struct Bench {
	cfg: Config,
	machine: String,
	out: Report,
	author: Node,
	c: WsClient,
	info: ChainInfo,
	flow: Arc<Flow>,
	follower: Follower,
	table: Vec<Throughput>,
}

async fn run(cfg: Config) -> Result<()> {
	let t0 = Instant::now();
	let mut out = Report::default();
	let machine = header(&mut out, &cfg);
	let dir = cfg.out.join("nodes");
	// A pool far above the default 8,192 ready transactions, so that blocks can fill from it.
	std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
	let author = Node::start_metered(
		"author",
		&["--dev", "--pool-limit", "100000", "--pool-kbytes", "262144"],
		dir.join("author.log"),
	)
	.await?;
	let boot = author.multiaddr().await?;
	let importer = Node::start_metered(
		"importer",
		&["--chain", "dev", "--tmp", "--bootnodes", &boot],
		dir.join("importer.log"),
	)
	.await?;
	let c = author.bulk_client().await?;
	let ic = importer.bulk_client().await?;
	wait_finalized(&c, 1, Duration::from_secs(120)).await?;
	wait_for("the importer to sync with the author", Duration::from_secs(120), || async {
		let h: Value =
			ic.request("system_health", rpc_params![]).await.map_err(|e| e.to_string())?;
		let synced = best_number(&ic).await? >= best_number(&c).await?;
		Ok((h["peers"].as_u64().unwrap_or(0) >= 1 && synced).then_some(()))
	})
	.await?;
	out.line(format!(
		"nodes: author (--dev, Alice, pool limit 100,000) and importer (full node, not authoring; \
		 it gets the transactions by gossip too), logs in {}",
		dir.display()
	));
	let info = chain_info(&c).await?;
	let flow = Arc::new(Flow::default());
	let follower = Follower::start(&author.url()).await?;
	let imports = ImportSampler::start(&importer).await?;
	let mut bench = Bench { cfg, machine, out, author, c, info, flow, follower, table: Vec::new() };

	bench.transfers().await?;
	bench.market().await?;
	// Idle blocks to compare imports with, while the RPC latency runs.
	let rpc = bench.rpc_latency().await?;
	bench.import_times(&imports);
	bench.summary(&rpc);
	let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
	bench.out.line(format!(
		"done in {:.0} s; load average at the end: {}",
		t0.elapsed().as_secs_f64(),
		load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
	));
	let path = bench.cfg.out.join("chain-bench.txt");
	std::fs::write(&path, bench.out.0.join("\n") + "\n")
		.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
	println!("report: {}", path.display());
	Ok(())
}

/// The node binary's build profile, from where it lives.
fn node_profile() -> &'static str {
	let path = node_binary();
	let path = path.to_string_lossy();
	if path.contains("/release/") {
		"release"
	} else if path.contains("/debug/") {
		"debug"
	} else {
		"unknown"
	}
}

/// Prints the machine and the node under test; returns the machine in a few words.
fn header(out: &mut Report, cfg: &Config) -> String {
	let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
	let model = cpuinfo
		.lines()
		.find_map(|l| l.strip_prefix("model name").and_then(|r| r.split(':').nth(1)))
		.unwrap_or("unknown")
		.trim()
		.to_string();
	let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
	let mem = std::fs::read_to_string("/proc/meminfo")
		.unwrap_or_default()
		.lines()
		.find_map(|l| l.strip_prefix("MemTotal:").map(|r| r.trim().to_string()))
		.unwrap_or_default();
	let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
	let node = node_binary();
	let version = std::process::Command::new(&node)
		.arg("--version")
		.output()
		.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
		.unwrap_or_else(|e| format!("cannot run: {e}"));
	let profile = match node_profile() {
		"release" => "release (optimised native code)",
		"debug" =>
			"debug (unoptimised native code, as the tests use it; the runtime is Wasm compiled \
			 by wasmtime either way)",
		_ => "unknown",
	};
	let (weight, length) = normal_limits();
	out.line(format!("attesta-chain-bench ({} mode)", if cfg.quick { "quick" } else { "full" }));
	out.line(format!("machine: {model}, {cores} cores, {mem} memory"));
	out.line(format!(
		"load average at the start: {} (other work on the machine skews every number below)",
		load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
	));
	out.line(format!("node: {} ({version}), build profile {profile}", node.display()));
	out.line(format!(
		"block limits for ordinary extrinsics: weight {:.2} s, length {:.2} MiB; 6 s blocks",
		weight as f64 / 1e12,
		f64::from(length) / 1_048_576.0
	));
	format!("{model}, {cores} cores")
}

impl Bench {
	/// Pushes `lanes`, keeping at most `backlog` transactions in the pool; with `stop_after`,
	/// stops pushing once that many blocks holding `kind` were ended by a limit. Waits until
	/// everything accepted is in a block. Returns the push report and the first and last block
	/// of the phase.
	async fn load(
		&mut self,
		lanes: Vec<Lane>,
		backlog: u64,
		kind: Kind,
		stop_after: Option<usize>,
	) -> Result<(PushReport, u32, u32)> {
		// Every earlier transaction is in a block by now: this phase's are the only ones.
		let first = best_number(&self.c).await? + 1;
		let total: usize = lanes.iter().map(Vec::len).sum();
		let sent = self.flow.sent.load(Ordering::Relaxed);
		self.flow.included.store(sent, Ordering::Relaxed);
		self.flow.stop.store(false, Ordering::Relaxed);
		self.flow.max_backlog.store(backlog, Ordering::Relaxed);
		let pusher = tokio::spawn(push(self.author.url(), lanes, PUSHERS, self.flow.clone()));
		let mut progress = (sent, Instant::now());
		let mut stranded = 0;
		loop {
			tokio::time::sleep(Duration::from_millis(500)).await;
			let in_blocks: usize =
				self.follower.range(first, u32::MAX).iter().map(BlockRecord::transactions).sum();
			self.flow.included.store(sent + in_blocks as u64, Ordering::Relaxed);
			if let Some(target) = stop_after {
				let props = proposals(&self.author.log_text());
				let blocks = self.follower.range(first, u32::MAX);
				let full = blocks
					.iter()
					.filter(|b| {
						b.count(kind) > 0 && props.get(&b.number).is_some_and(Proposal::full)
					})
					.count();
				// Keep two and a half blocks' worth waiting once a block shows what fits.
				let most = blocks.iter().map(|b| b.count(kind)).max().unwrap_or(0) as u64;
				self.flow.max_backlog.store(backlog.max(most * 5 / 2), Ordering::Relaxed);
				if full >= target {
					self.flow.stop.store(true, Ordering::Relaxed);
				}
			}
			let included = self.flow.included.load(Ordering::Relaxed);
			if included != progress.0 {
				progress = (included, Instant::now());
			}
			if pusher.is_finished() {
				if self.flow.backlog() == 0 {
					break;
				}
				// Five blocks without any inclusion: what is left will not come.
				if progress.1.elapsed() > Duration::from_secs(30) {
					stranded = self.flow.backlog();
					let sent = self.flow.sent.load(Ordering::Relaxed);
					self.flow.included.store(sent, Ordering::Relaxed);
					break;
				}
			}
		}
		let report = pusher.await.map_err(|e| e.to_string())??;
		let last = self.follower.last().unwrap_or(first);
		self.out.line(format!(
			"  pushed {} of {total} over {} connections in {:.1} s ({:.0}/s accepted){}{}",
			report.sent,
			report.connections,
			report.secs,
			report.sent as f64 / report.secs.max(1e-9),
			if report.rejected.is_empty() {
				String::new()
			} else {
				format!("; refused: {:?}", report.rejected)
			},
			if stranded > 0 {
				format!("; {stranded} accepted but never included")
			} else {
				String::new()
			}
		));
		Ok((report, first, last))
	}

	/// Per-block figures of the blocks `first..=last` that hold `kind`, printed as a table.
	async fn analyse(
		&mut self,
		kind: Kind,
		(report, first, last): (PushReport, u32, u32),
	) -> Result<Phase> {
		let props = proposals(&self.author.log_text());
		let all = self.follower.range(first.saturating_sub(1), last);
		let mut rows = Vec::new();
		let mut events = Vec::new();
		let mut failures = BTreeMap::new();
		for b in all.iter().filter(|b| b.number >= first && b.count(kind) > 0) {
			let mut failed = 0;
			for (index, e) in indexed_events_at(&self.c, b.hash).await? {
				if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
					dispatch_error,
					..
				}) = &e
				{
					let of = index.and_then(|i| b.kinds.get(i as usize)).copied();
					if of == Some(kind) {
						failed += 1;
						*failures
							.entry(attesta_client::chain::describe(*dispatch_error))
							.or_default() += 1;
					}
				}
				if matches!(e, RuntimeEvent::Jobs(_) | RuntimeEvent::Audits(_)) {
					events.push(e);
				}
			}
			let (weight, length) = fullness(&self.c, b.hash).await?;
			let p = props.get(&b.number);
			rows.push(Row {
				number: b.number,
				count: b.count(kind),
				failed,
				others: b.transactions() - b.count(kind),
				end: p.map_or("?".into(), |p| p.end.clone()),
				build_ms: p.map_or(0, |p| p.build_ms),
				weight,
				length,
				full: p.is_some_and(Proposal::full),
				arriving: b.timestamp_ms + p.map_or(0, |p| p.build_ms) <= report.end_ms,
			});
		}
		// Chain time from the block before the first of the phase to its last block.
		let included: usize = rows.iter().map(|r| r.count).sum();
		let span = match (
			rows.first().and_then(|r| all.iter().find(|b| b.number + 1 == r.number)),
			rows.last().and_then(|r| all.iter().find(|b| b.number == r.number)),
		) {
			(Some(before), Some(end)) =>
				end.timestamp_ms.saturating_sub(before.timestamp_ms) as f64 / 1e3,
			_ => 0.0,
		};
		self.out.line(format!(
			"  {:>7} {:>7} {:>6} {:>6}  {:<22} {:>8} {:>8} {:>8} {:>9}",
			"block",
			"in it",
			"failed",
			"other",
			"ended by (author log)",
			"build ms",
			"weight%",
			"length%",
			"arriving"
		));
		for r in &rows {
			self.out.line(format!(
				"  {:>7} {:>7} {:>6} {:>6}  {:<22} {:>8} {:>8.1} {:>8.1} {:>9}",
				format!("#{}", r.number),
				r.count,
				r.failed,
				r.others,
				r.end,
				r.build_ms,
				r.weight,
				r.length,
				if r.arriving { "yes" } else { "no" }
			));
		}
		if !failures.is_empty() {
			self.out.line(format!("  failed in their blocks: {failures:?}"));
		}
		Ok(Phase {
			rows,
			events,
			failures,
			measured_per_sec: if span > 0.0 { included as f64 / span } else { 0.0 },
		})
	}

	/// Adds a phase to the final table and prints its summary.
	fn summarise(&mut self, kind: Kind, phase: &Phase, note: String) {
		let full: Vec<&Row> = phase.rows.iter().filter(|r| r.full).collect();
		let counts = sorted(full.iter().map(|r| r.count as f64).collect());
		let mut ended: BTreeMap<&str, usize> = BTreeMap::new();
		for r in &full {
			*ended.entry(&r.end).or_default() += 1;
		}
		let main = ended.iter().max_by_key(|(_, n)| **n).map(|(k, _)| *k);
		let weight = mean(&full.iter().map(|r| r.weight).collect::<Vec<_>>());
		let length = mean(&full.iter().map(|r| r.length).collect::<Vec<_>>());
		let why = match main {
			Some("HitDeadline") => format!(
				"full by time: the author's proposing time (2/3 of the slot) ran out with \
				 transactions left in the pool, at {weight:.0} % of the weight limit and \
				 {length:.0} % of the length limit"
			),
			Some("HitBlockWeightLimit") =>
				format!("full by weight ({weight:.0} % of the limit; length {length:.0} %)"),
			Some("HitBlockSizeLimit") =>
				format!("full by length ({length:.0} % of the limit; weight {weight:.0} %)"),
			Some(other) => format!("ended by {other}"),
			None => format!(
				"no block was full: the pool ran dry first (most in one block: {})",
				phase.rows.iter().map(|r| r.count).max().unwrap_or(0)
			),
		};
		let t = Throughput {
			what: kind.name(),
			full: full.len(),
			blocks: phase.rows.len(),
			median: quantile(&counts, 0.5),
			mean: mean(&counts),
			max: phase.rows.iter().map(|r| r.count).max().unwrap_or(0),
			per_sec: mean(&counts) / BLOCK_SECS,
			measured_per_sec: phase.measured_per_sec,
			ended: if ended.is_empty() {
				"pool ran dry".into()
			} else {
				ended.iter().map(|(k, v)| format!("{k} ×{v}")).collect::<Vec<_>>().join(", ")
			},
			weight,
			length,
			note,
		};
		// What one extrinsic cost the author in time, against the weight it declared (both in ms,
		// over the full blocks that held nothing else).
		let (max_weight, _) = normal_limits();
		let alone: Vec<&&Row> = full.iter().filter(|r| r.others == 0 && r.count > 0).collect();
		let built =
			mean(&alone.iter().map(|r| r.build_ms as f64 / r.count as f64).collect::<Vec<_>>());
		let declared = mean(
			&alone
				.iter()
				.map(|r| r.weight / 100.0 * max_weight as f64 / 1e9 / r.count as f64)
				.collect::<Vec<_>>(),
		);
		if t.full > 0 {
			self.out.line(format!(
				"  => {} of {} blocks full: {:.0} per full block (median {:.0}), {:.1}/s at 6 s \
				 blocks; {why}",
				t.full, t.blocks, t.mean, t.median, t.per_sec
			));
			let split = |arriving: bool| -> Vec<f64> {
				full.iter().filter(|r| r.arriving == arriving).map(|r| r.count as f64).collect()
			};
			let (busy, drain) = (split(true), split(false));
			if !busy.is_empty() && !drain.is_empty() {
				self.out.line(format!(
					"     of these, built while new transactions kept arriving (the node also \
					 validating them): {}, {:.0} per block; built from the backlog after \
					 submissions stopped: {}, {:.0} per block",
					busy.len(),
					mean(&busy),
					drain.len(),
					mean(&drain)
				));
			}
			if !alone.is_empty() {
				self.out.line(format!(
					"     the author spent {built:.2} ms of block building per extrinsic; its \
					 weight declares {declared:.2} ms"
				));
			}
		} else {
			self.out.line(format!("  => {why}"));
		}
		self.table.push(t);
	}

	/// Pays `recipients` from the dev accounts, one nonce chain per funder; fails unless every
	/// payment lands. Returns the most payments a block took when a limit ended it, if one did:
	/// a first measure of what a block holds.
	async fn fund(&mut self, recipients: &[(AccountId, Balance)]) -> Result<Option<usize>> {
		let mut txs = Vec::new();
		let mut owner = Vec::new();
		let t = Instant::now();
		for (f, funder) in Sr25519Keyring::well_known().take(FUNDERS).enumerate() {
			let mut nonce = next_nonce(&self.c, &funder.to_account_id()).await?;
			// Derived once: a dev key comes from its phrase through 2,048 PBKDF2 rounds.
			let pair = funder.pair();
			for (who, amount) in recipients.iter().skip(f).step_by(FUNDERS) {
				txs.push(Unsigned {
					signer: pair.clone(),
					nonce,
					call: RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
						dest: MultiAddress::Id(who.clone()),
						value: *amount,
					}),
				});
				owner.push(f);
				nonce += 1;
			}
		}
		let work = lanes(sign_all(txs, &self.info), &owner);
		let (report, first, last) = self.load(work, u64::MAX, Kind::Transfer, None).await?;
		let props = proposals(&self.author.log_text());
		let mut failed = 0;
		let mut most = None;
		for b in self.follower.range(first, last) {
			if props.get(&b.number).is_some_and(Proposal::full) {
				most = most.max(Some(b.count(Kind::Transfer)));
			}
			failed += indexed_events_at(&self.c, b.hash)
				.await?
				.iter()
				.filter(|(_, e)| {
					matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. }))
				})
				.count();
		}
		if report.sent as usize != recipients.len() || failed > 0 {
			return Err(format!(
				"funding failed: {} of {} payments accepted, {failed} failed in blocks",
				report.sent,
				recipients.len()
			));
		}
		self.out.line(format!(
			"  funded {} accounts from the {} dev accounts in {:.1} s",
			recipients.len(),
			FUNDERS,
			t.elapsed().as_secs_f64()
		));
		Ok(most)
	}

	/// Signs, pushes and waits for one transaction from each of `who` (their first nonce).
	async fn each_once(
		&mut self,
		who: &[sr25519::Pair],
		call: impl Fn(&sr25519::Pair) -> RuntimeCall,
	) -> Result<()> {
		let mut txs = Vec::new();
		for p in who {
			let nonce = next_nonce(&self.c, &account(p)).await?;
			txs.push(Unsigned { signer: p.clone(), nonce, call: call(p) });
		}
		let owner: Vec<usize> = (0..txs.len()).collect();
		let work = lanes(sign_all(txs, &self.info), &owner);
		let pushed = self.load(work, u64::MAX, Kind::Other, None).await?;
		let phase = self.analyse(Kind::Other, pushed).await?;
		if !phase.failures.is_empty() {
			return Err(format!("set-up failed: {:?}", phase.failures));
		}
		Ok(())
	}

	/// Part 1: balance transfers at full blocks.
	async fn transfers(&mut self) -> Result<()> {
		let n = self.cfg.senders;
		self.out.line(String::new());
		self.out
			.line(format!("1. Balance transfers: {n} funded senders, signed ahead of time"));
		let senders = accounts("sender", n)?;
		let recipients: Vec<_> = senders.iter().map(|p| (account(p), 10 * UNIT)).collect();
		let funding_most = self.fund(&recipients).await?;

		// How many fit a block by weight and by length: the size of the load to sign.
		let sample = attesta_client::chain::sign_as(
			transfer(&senders, 0),
			account(&senders[0]),
			&senders[0],
			0,
			&self.info,
			None,
		);
		let (max_weight, max_length) = normal_limits();
		let base = attesta_runtime::configs::RuntimeBlockWeights::get()
			.get(frame_support::dispatch::DispatchClass::Normal)
			.base_extrinsic
			.ref_time();
		// The call, its transaction extensions and the base weight of any extrinsic.
		let weight = sample.get_dispatch_info().total_weight().ref_time() + base;
		let length = sample.encode().len();
		let by_weight = max_weight / weight.max(1);
		let by_length = u64::from(max_length) / length.max(1) as u64;
		let fits = by_weight.min(by_length);
		self.out.line(format!(
			"  a transfer weighs {:.1} µs (extensions and base extrinsic included) and is \
			 {length} bytes: at most {by_weight} per block by weight, {by_length} by length",
			weight as f64 / 1e6
		));
		// Enough for the full blocks wanted: at the weight or length limit, or at twice what a
		// full funding block held when the author ran out of time first (a debug node does).
		let per_block = funding_most.map_or(fits, |m| (2 * m as u64).min(fits));
		let cap = if self.cfg.quick { 12_000 } else { 60_000 };
		let total = (per_block as usize * (self.cfg.full_blocks + 3)).clamp(n, cap);
		let per_sender = total.div_ceil(n);
		let mut txs = Vec::with_capacity(per_sender * n);
		let mut owner = Vec::with_capacity(per_sender * n);
		for k in 0..per_sender {
			for (i, p) in senders.iter().enumerate() {
				txs.push(Unsigned {
					signer: p.clone(),
					nonce: k as u32,
					call: transfer(&senders, i),
				});
				owner.push(i);
			}
		}
		let t = Instant::now();
		let signed = sign_all(txs, &self.info);
		self.out.line(format!(
			"  signed {} transfers ({per_sender} per sender) in {:.1} s",
			signed.len(),
			t.elapsed().as_secs_f64()
		));
		let work = lanes(signed, &owner);
		// A thousand to start; then two and a half of the largest block so far (see `load`).
		let backlog = (2 * fits).min(1_000);
		let pushed = self.load(work, backlog, Kind::Transfer, Some(self.cfg.full_blocks)).await?;
		let phase = self.analyse(Kind::Transfer, pushed).await?;
		self.summarise(
			Kind::Transfer,
			&phase,
			format!("{n} senders; the pool kept 2.5 blocks' worth (at least {backlog}) ahead"),
		);
		Ok(())
	}

	/// Part 2: the market's extrinsics at full load.
	async fn market(&mut self) -> Result<()> {
		let jobs = self.cfg.jobs;
		let dapps = accounts("dapp", jobs.div_ceil(JOBS_PER_DAPP))?;
		let providers = accounts("provider", jobs.div_ceil(PROVIDER_CAPACITY as usize - 8).max(2))?;
		let checkers = accounts("checker", CHECKERS)?;
		self.out.line(String::new());
		self.out.line(format!(
			"2. Market: {} providers (capacity {PROVIDER_CAPACITY} each), {CHECKERS} checkers, {} \
			 dapps; every result checkable (rate 100 %), challenge window {CHALLENGE_WINDOW} \
			 blocks so nothing settles during the run",
			providers.len(),
			dapps.len()
		));
		let mut recipients: Vec<(AccountId, Balance)> = Vec::new();
		recipients
			.extend(providers.iter().map(|p| (account(p), BENCH_PROVIDER_STAKE + 100 * UNIT)));
		recipients.extend(checkers.iter().map(|p| (account(p), CHECKER_BOND + 100 * UNIT)));
		recipients.extend(
			dapps
				.iter()
				.map(|p| (account(p), JOBS_PER_DAPP as Balance * JOB_BUDGET + 10 * UNIT)),
		);
		// The checkers' pool pays a reward per passed check: fund it so that those transfers
		// happen as they would in a running market.
		recipients
			.push((pallet_jobs::Pallet::<attesta_runtime::Runtime>::pool_account(), 1_000 * UNIT));
		self.fund(&recipients).await?;
		sudo_set_settings(&self.c, &self.info, quick_settings(Perbill::one(), 2, CHALLENGE_WINDOW))
			.await?;
		self.out.line("  registering providers and checkers:".to_string());
		self.each_once(&providers, |_| {
			RuntimeCall::Providers(pallet_providers::Call::register {
				stake: BENCH_PROVIDER_STAKE,
				models: vec![0],
				price: PROVIDER_PRICE,
				region: b"bench".to_vec(),
				hardware: HardwareClass::Cpu,
				capacity: PROVIDER_CAPACITY,
			})
		})
		.await?;
		self.each_once(&checkers, |p| {
			RuntimeCall::Audits(pallet_audits::Call::register_checker {
				key: p.public().0,
				bond: CHECKER_BOND,
				key_proof: checker_key_proof(p),
			})
		})
		.await?;

		// 2a. Jobs: each dapp sends its share, one prompt per dapp.
		let deadline = best_number(&self.c).await? + 500;
		let mut txs = Vec::new();
		let mut owner = Vec::new();
		for (d, p) in dapps.iter().enumerate() {
			for k in 0..JOBS_PER_DAPP {
				txs.push(Unsigned {
					signer: p.clone(),
					nonce: k as u32,
					call: submit_job_call(
						&prompt(d),
						GenParams::greedy(JOB_TOKENS),
						ANY_PRICE,
						None,
						JOB_BUDGET,
						deadline + d as u32 % 40,
					),
				});
				owner.push(d);
			}
		}
		txs.truncate(jobs);
		owner.truncate(jobs);
		self.out.line(format!(
			"  2a. {} × Jobs.submit_job (prompts of {PROMPT_BYTES} bytes, {JOB_TOKENS} tokens):",
			txs.len()
		));
		let work = lanes(sign_all(txs, &self.info), &owner);
		let pushed = self.load(work, u64::MAX, Kind::SubmitJob, None).await?;
		let phase = self.analyse(Kind::SubmitJob, pushed).await?;
		self.summarise(
			Kind::SubmitJob,
			&phase,
			"weighed by prompt length; providers scanned and agenda reads refunded".into(),
		);
		let dapp_index: HashMap<AccountId, usize> =
			dapps.iter().enumerate().map(|(i, p)| (account(p), i)).collect();
		let mut owners: HashMap<u64, usize> = HashMap::new();
		for e in &phase.events {
			if let RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, who, .. }) = e {
				if let Some(d) = dapp_index.get(who) {
					owners.insert(*job_id, *d);
				}
			}
		}
		// Each provider is drawn at the start of a block after its job's.
		let mut assigned: Vec<(u64, AccountId)> = Vec::new();
		let mut ids: Vec<u64> = owners.keys().copied().collect();
		ids.sort_unstable();
		for job_id in ids {
			if let pallet_jobs::JobStatus::Assigned { provider, .. } =
				assigned_job(&self.c, job_id).await?.status
			{
				assigned.push((job_id, provider));
			}
		}

		// 2b. Results: each job's provider posts a result with a correct commitment.
		let model = attesta_client::Market::connect(
			&[self.author.url()],
			attesta_client::RetryPolicy::default(),
		)
		.await
		.map_err(|e| e.to_string())?
		.models()
		.await
		.map_err(|e| e.to_string())?;
		let weights_hash = model
			.iter()
			.find(|(id, _)| *id == 0)
			.map(|(_, m)| m.weights_hash)
			.ok_or("model 0 is not registered")?;
		let provider_index: HashMap<AccountId, usize> =
			providers.iter().enumerate().map(|(i, p)| (account(p), i)).collect();
		let mut nonces = HashMap::new();
		for p in &providers {
			nonces.insert(account(p), next_nonce(&self.c, &account(p)).await?);
		}
		let tokens: Vec<u32> = (0..JOB_TOKENS).map(|t| 100 + t).collect();
		let params = GenParams::greedy(JOB_TOKENS);
		let mut commitments = HashMap::new();
		let mut txs = Vec::new();
		let mut owner = Vec::new();
		for (job_id, provider) in &assigned {
			let (Some(d), Some(p), Some(nonce)) =
				(owners.get(job_id), provider_index.get(provider), nonces.get_mut(provider))
			else {
				continue;
			};
			let text = prompt(*d);
			let commitment = attesta_primitives::commitment(&weights_hash, &text, &params, &tokens);
			commitments.insert(*job_id, commitment);
			txs.push(Unsigned {
				signer: providers[*p].clone(),
				nonce: *nonce,
				call: RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
					job_id: *job_id,
					input_tokens: text.len() as u32,
					output_tokens: tokens.clone(),
					output_text: b"bench answer".to_vec(),
					commitment,
				}),
			});
			owner.push(*p);
			*nonce += 1;
		}
		self.out.line(format!(
			"  2b. {} × Jobs.submit_result (one per assigned job, by its provider):",
			txs.len()
		));
		let work = lanes(sign_all(txs, &self.info), &owner);
		let pushed = self.load(work, u64::MAX, Kind::SubmitResult, None).await?;
		let phase = self.analyse(Kind::SubmitResult, pushed).await?;
		self.summarise(
			Kind::SubmitResult,
			&phase,
			format!(
				"bounded by open jobs: at most MaxOpenJobs (2,048) results exist at once; {} here",
				phase.rows.iter().map(|r| r.count).sum::<usize>()
			),
		);
		let posted: Vec<u64> = phase
			.events
			.iter()
			.filter_map(|e| match e {
				RuntimeEvent::Jobs(pallet_jobs::Event::ResultSubmitted { job_id, .. }) =>
					Some(*job_id),
				_ => None,
			})
			.collect();

		// 2c. Verdicts: every checker evaluates its VRF on every posted result and passes those
		// it is drawn for, as its off-chain worker would (without re-executing).
		// Each result's draw is seeded by the hash of the block that included it.
		let mut seeds: HashMap<u64, ([u8; 32], u32)> = HashMap::new();
		let mut hashes: HashMap<BlockNumber, [u8; 32]> = HashMap::new();
		for job_id in &posted {
			let key = pallet_audits::Checkables::<Runtime>::hashed_key_for(job_id);
			let Some(checkable): Option<pallet_audits::Checkable<AccountId, BlockNumber>> =
				storage(&self.c, &key).await?
			else {
				continue;
			};
			let seed = match hashes.get(&checkable.posted_at) {
				Some(seed) => *seed,
				None => {
					let hash = block_hash(&self.c, checkable.posted_at).await?;
					let seed = sp_crypto_hashing::blake2_256(hash.as_ref());
					hashes.insert(checkable.posted_at, seed);
					seed
				},
			};
			seeds.insert(*job_id, (seed, checkable.chance));
		}
		let t = Instant::now();
		let mut nonces = Vec::new();
		for checker in &checkers {
			nonces.push(next_nonce(&self.c, &account(checker)).await?);
		}
		// One thread per checker: each draws over every result.
		let drawn: Vec<Vec<(u64, VrfProof)>> = std::thread::scope(|s| {
			let handles: Vec<_> = checkers
				.iter()
				.map(|checker| {
					let (posted, seeds) = (&posted, &seeds);
					s.spawn(move || {
						let who = account(checker).encode();
						posted
							.iter()
							.filter_map(|job_id| {
								let (seed, chance) = seeds.get(job_id)?;
								let signature =
									checker.vrf_sign(&sign_data(&who, *job_id, 0, seed));
								let proof = VrfProof::from_signature(&signature)?;
								let draw = verified_draw(
									&checker.public().0,
									&who,
									*job_id,
									0,
									seed,
									&proof,
								)?;
								is_selected(draw, *chance).then_some((*job_id, proof))
							})
							.collect()
					})
				})
				.collect();
			handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
		});
		let mut txs = Vec::new();
		let mut owner = Vec::new();
		for (i, (checker, picks)) in checkers.iter().zip(drawn).enumerate() {
			for (k, (job_id, proof)) in picks.into_iter().enumerate() {
				txs.push(Unsigned {
					signer: checker.clone(),
					nonce: nonces[i] + k as u32,
					call: RuntimeCall::Audits(pallet_audits::Call::submit_verdict {
						job_id,
						round: 0,
						proof,
						accepted: true,
						witness: [0; 32],
					}),
				});
				owner.push(i);
			}
		}
		self.out.line(format!(
			"  2c. {} × Audits.submit_verdict (VRF draws of {CHECKERS} checkers over {} results \
			 in {:.1} s; each checker is drawn with chance 1/{CHECKERS}):",
			txs.len(),
			posted.len(),
			t.elapsed().as_secs_f64()
		));
		let work = lanes(sign_all(txs, &self.info), &owner);
		let pushed = self.load(work, u64::MAX, Kind::Verdict, None).await?;
		let phase = self.analyse(Kind::Verdict, pushed).await?;
		self.summarise(
			Kind::Verdict,
			&phase,
			"bounded by results: a sample check draws one checker per result on average (rate \
			 100 % split over the checkers), so verdicts ≈ results"
				.into(),
		);
		Ok(())
	}

	/// Part 3: JSON-RPC latency against the author under concurrent clients, and its plot.
	async fn rpc_latency(&mut self) -> Result<Vec<LatencyRun>> {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let account_key = frame_system::Account::<attesta_runtime::Runtime>::hashed_key_for(&alice);
		let quote_args = (0u32, 30u32, 32u32, ANY_PRICE, None::<Vec<u8>>).encode();
		let queries = Arc::new(vec![
			Query { method: "chain_getHeader", params: vec![] },
			Query {
				method: "state_getStorage",
				params: vec![Value::String(sp_core::bytes::to_hex(&account_key, false))],
			},
			Query { method: "system_health", params: vec![] },
			Query {
				method: "state_call",
				params: vec![
					Value::String("JobsApi_quote".into()),
					Value::String(sp_core::bytes::to_hex(&quote_args, false)),
				],
			},
		]);
		self.out.line(String::new());
		self.out.line(format!(
			"3. JSON-RPC latency: each client sends chain_getHeader, state_getStorage (an \
			 account), system_health and state_call JobsApi_quote in turn, one request at a \
			 time, for {} s per level, against the author (no transactions meanwhile)",
			self.cfg.rpc_secs
		));
		self.out.line(format!(
			"  {:>7} {:>9} {:>8} {:>6} {:>10} {:>9} {:>9}   median ms by method: {}",
			"clients",
			"requests",
			"req/s",
			"errors",
			"median ms",
			"p99 ms",
			"max ms",
			queries.iter().map(|q| q.method).collect::<Vec<_>>().join(" / ")
		));
		let mut runs = Vec::new();
		for &clients in &self.cfg.clients {
			let run = rpc_latency(
				&self.author.url(),
				clients,
				Duration::from_secs(self.cfg.rpc_secs),
				queries.clone(),
			)
			.await?;
			self.out.line(format!(
				"  {:>7} {:>9} {:>8.0} {:>6} {:>10.2} {:>9.2} {:>9.2}   {}",
				clients,
				run.requests,
				run.requests as f64 / run.secs,
				run.errors,
				quantile(&run.ms, 0.5),
				quantile(&run.ms, 0.99),
				quantile(&run.ms, 1.0),
				queries
					.iter()
					.map(|q| format!(
						"{:.2}",
						quantile(run.by_method.get(q.method).map_or(&[][..], |v| &v[..]), 0.5)
					))
					.collect::<Vec<_>>()
					.join(" / ")
			));
			runs.push(run);
		}
		let png = self.cfg.out.join("rpc-latency.png");
		let note = format!(
			"{}; {} s per level; node build: {}",
			self.machine,
			self.cfg.rpc_secs,
			node_profile()
		);
		match plot(&png, &runs, &note) {
			Ok(()) => self.out.line(format!("  plot: {}", png.display())),
			Err(e) => self.out.line(format!("  no plot: {e}")),
		}
		Ok(runs)
	}

	/// Part 4: import times on the second node, by what the blocks held.
	fn import_times(&mut self, imports: &ImportSampler) {
		let blocks: HashMap<u32, BlockRecord> =
			self.follower.blocks().into_iter().map(|b| (b.number, b)).collect();
		let props = proposals(&self.author.log_text());
		let mut classes: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
		for s in imports.samples() {
			let Some(b) = blocks.get(&s.number) else { continue };
			let class = if b.transactions() == 0 {
				"empty (timestamp only)".to_string()
			} else {
				let kinds = [
					Kind::Transfer,
					Kind::SubmitJob,
					Kind::SubmitResult,
					Kind::Verdict,
					Kind::Other,
				];
				let main =
					kinds.iter().max_by_key(|k| b.count(**k)).copied().unwrap_or(Kind::Other);
				let full = props.get(&s.number).is_some_and(Proposal::full);
				format!("{} ({})", main.name(), if full { "full" } else { "not full" })
			};
			let entry = classes.entry(class).or_default();
			entry.0.push(s.secs * 1e3);
			entry.1 += b.transactions();
		}
		self.out.line(String::new());
		self.out.line(format!(
			"4. Block import on the second node ({IMPORT_METRIC}: each block's time from the \
			 change of the histogram's sum and count between scrapes 100 ms apart; {} blocks \
			 imported together were left out)",
			imports.merged()
		));
		self.out.line(format!(
			"  {:<40} {:>6} {:>9} {:>10} {:>9} {:>9} {:>9}",
			"blocks", "count", "tx/block", "median ms", "mean ms", "p99 ms", "max ms"
		));
		for (class, (ms, txs)) in &classes {
			let ms = sorted(ms.clone());
			self.out.line(format!(
				"  {:<40} {:>6} {:>9.0} {:>10.1} {:>9.1} {:>9.1} {:>9.1}",
				class,
				ms.len(),
				*txs as f64 / ms.len() as f64,
				quantile(&ms, 0.5),
				mean(&ms),
				quantile(&ms, 0.99),
				quantile(&ms, 1.0)
			));
		}
		self.out.line("  (p99 of a handful of blocks is their maximum)".to_string());
	}

	/// The final tables.
	fn summary(&mut self, rpc: &[LatencyRun]) {
		self.out.line(String::new());
		self.out.line(
			"Summary: extrinsics per full block (ended by a limit, not by an empty pool) and per \
			 second at 6 s blocks; max is over all blocks of the phase"
				.to_string(),
		);
		self.out.line(format!(
			"  {:<29} {:>11} {:>10} {:>8} {:>7} {:>8}  {:<26} {:>8} {:>8}",
			"extrinsic",
			"full/blocks",
			"per block",
			"median",
			"max",
			"per s",
			"ended by",
			"weight%",
			"length%"
		));
		let table = std::mem::take(&mut self.table);
		for t in &table {
			let figure = |x: f64, decimals: usize| {
				if x.is_nan() {
					"-".to_string()
				} else {
					format!("{x:.decimals$}")
				}
			};
			self.out.line(format!(
				"  {:<29} {:>11} {:>10} {:>8} {:>7} {:>8}  {:<26} {:>8} {:>8}",
				t.what,
				format!("{}/{}", t.full, t.blocks),
				figure(t.mean, 0),
				figure(t.median, 0),
				t.max,
				figure(t.per_sec, 1),
				t.ended,
				figure(t.weight, 1),
				figure(t.length, 1)
			));
		}
		for t in &table {
			self.out.line(format!(
				"  {}: {}; {:.1}/s over the phase's chain time",
				t.what, t.note, t.measured_per_sec
			));
		}
		self.out.line(format!(
			"  JSON-RPC median/p99 ms by clients: {}",
			rpc.iter()
				.map(|r| format!(
					"{}: {:.1}/{:.1}",
					r.clients,
					quantile(&r.ms, 0.5),
					quantile(&r.ms, 0.99)
				))
				.collect::<Vec<_>>()
				.join(", ")
		));
		self.table = table;
	}
}

/// Transfer number `i` of the load: sender `i` pays the next sender a milli-ATT.
fn transfer(senders: &[sr25519::Pair], i: usize) -> RuntimeCall {
	let dest = account(&senders[(i + 1) % senders.len()]);
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: MultiAddress::Id(dest),
		value: UNIT / 1_000,
	})
}

/// The prompt of dapp `d`: one of the shared prompts, repeated to [`PROMPT_BYTES`] bytes.
fn prompt(d: usize) -> Vec<u8> {
	PROMPTS[d % PROMPTS.len()]
		.bytes()
		.chain(std::iter::repeat(b' '))
		.take(PROMPT_BYTES)
		.collect()
}

/// Draws median and p99 latency against the number of clients into a PNG at `path`.
fn plot(path: &std::path::Path, runs: &[LatencyRun], note: &str) -> Result<()> {
	use plotters::prelude::*;
	let font = std::env::var_os("ATTESTA_FONT")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"));
	let bytes = std::fs::read(&font).map_err(|e| {
		format!(
			"cannot read the font {} ({e}); install fonts-dejavu-core (scripts/setup.sh) or \
			 name a TTF file in $ATTESTA_FONT",
			font.display()
		)
	})?;
	plotters::style::register_font(
		"sans-serif",
		plotters::style::FontStyle::Normal,
		Box::leak(bytes.into_boxed_slice()),
	)
	.map_err(|_| format!("{} is not a usable TTF font", font.display()))?;
	let err = |e: DrawingAreaErrorKind<_>| format!("cannot draw {}: {e}", path.display());
	let median: Vec<(i32, f64)> =
		runs.iter().enumerate().map(|(i, r)| (i as i32, quantile(&r.ms, 0.5))).collect();
	let p99: Vec<(i32, f64)> = runs
		.iter()
		.enumerate()
		.map(|(i, r)| (i as i32, quantile(&r.ms, 0.99)))
		.collect();
	let lo = median.iter().map(|p| p.1).fold(f64::INFINITY, f64::min).max(1e-3) / 1.5;
	let hi = p99.iter().map(|p| p.1).fold(0.0, f64::max).max(lo * 10.0) * 1.5;
	const WIDTH: u32 = 900;
	const HEIGHT: u32 = 560;
	let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
	{
		let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
		root.fill(&WHITE).map_err(err)?;
		let mut chart = ChartBuilder::on(&root)
			.caption("attesta-node JSON-RPC latency under concurrent clients", ("sans-serif", 22))
			.margin(20)
			.x_label_area_size(50)
			.y_label_area_size(70)
			.build_cartesian_2d(-1i32..runs.len() as i32, (lo..hi).log_scale())
			.map_err(err)?;
		chart
			.configure_mesh()
			.x_labels(runs.len() + 2)
			.x_label_formatter(&|x| {
				usize::try_from(*x)
					.ok()
					.and_then(|i| runs.get(i))
					.map_or(String::new(), |r| r.clients.to_string())
			})
			.y_label_formatter(&|y| format!("{y:.1}"))
			.x_desc("concurrent clients (one request in flight each)")
			.y_desc("latency, ms (log scale)")
			.label_style(("sans-serif", 15))
			.draw()
			.map_err(err)?;
		for (points, colour, name) in [(&median, BLUE, "median"), (&p99, RED, "p99")] {
			chart
				.draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
				.map_err(err)?
				.label(name)
				.legend(move |(x, y)| {
					PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
				});
			chart
				.draw_series(points.iter().map(|p| Circle::new(*p, 4, colour.filled())))
				.map_err(err)?;
		}
		chart
			.configure_series_labels()
			.label_font(("sans-serif", 15))
			.background_style(WHITE.mix(0.9))
			.border_style(BLACK)
			.position(SeriesLabelPosition::UpperLeft)
			.draw()
			.map_err(err)?;
		root.draw(&Text::new(
			note.to_string(),
			(20, HEIGHT as i32 - 22),
			("sans-serif", 13).into_font().color(&BLACK.mix(0.7)),
		))
		.map_err(err)?;
		root.present().map_err(err)?;
	}
	png::write_rgb(path, WIDTH, HEIGHT, &rgb)
		.map_err(|e| format!("cannot write {}: {e}", path.display()))
}
