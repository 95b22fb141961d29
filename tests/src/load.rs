//! Load generation and measurement for the chain benchmark: nodes with their Prometheus
//! endpoint on, many derived accounts, extrinsics signed ahead of time and pushed over
//! concurrent JSON-RPC connections, each block accounted for (extrinsics by kind, weight and
//! length used, why the author stopped filling it), block import times scraped from a follower
//! node's metrics, and JSON-RPC latency under concurrent clients.

use crate::*;
use attesta_runtime::{
	configs::{RuntimeBlockLength, RuntimeBlockWeights},
	RuntimeCall, TimestampCall,
};
use frame_support::dispatch::{DispatchClass, PerDispatchClass};
use jsonrpsee::core::params::ArrayParams;
use sp_core::{crypto::DeriveJunction, sr25519, Pair};
use std::{
	collections::BTreeMap,
	io::{Read, Write},
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc, Mutex,
	},
};

impl Node {
	/// The node's Prometheus metrics, as text (a node from [`Node::start_metered`]).
	pub async fn metrics(&self) -> Result<String> {
		let port = self.prometheus_port.ok_or(format!("{} has no metrics endpoint", self.name))?;
		tokio::task::spawn_blocking(move || http_get(port, "/metrics"))
			.await
			.map_err(|e| e.to_string())?
	}

	/// A client for bulk work (see [`connect`]).
	pub async fn bulk_client(&self) -> Result<WsClient> {
		connect(&self.url()).await
	}
}

/// A WebSocket JSON-RPC client for bulk work: 64 MiB messages, 120 s per request.
pub async fn connect(url: &str) -> Result<WsClient> {
	WsClientBuilder::default()
		.max_response_size(64 << 20)
		.max_request_size(64 << 20)
		.request_timeout(Duration::from_secs(120))
		.build(url)
		.await
		.map_err(|e| format!("{url}: cannot connect: {e}"))
}

/// `GET path` from 127.0.0.1:`port` over plain HTTP/1.0; the body.
fn http_get(port: u16, path: &str) -> Result<String> {
	let mut s = std::net::TcpStream::connect(("127.0.0.1", port))
		.map_err(|e| format!("metrics at 127.0.0.1:{port}: {e}"))?;
	s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
	write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
	let mut text = String::new();
	s.read_to_string(&mut text).map_err(|e| e.to_string())?;
	let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
	Ok(body.to_string())
}

/// The value of the first sample of metric `name` whose labels contain `label` (`""`: any).
pub fn metric(text: &str, name: &str, label: &str) -> Option<f64> {
	text.lines()
		.filter(|l| {
			l.strip_prefix(name)
				.is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
		})
		.find(|l| l.contains(label))
		.and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// `n` accounts derived from the dev seed as `//attesta-bench//<role>//<i>`: unfunded until
/// [`fund`] pays them.
pub fn accounts(role: &str, n: usize) -> Result<Vec<sr25519::Pair>> {
	let root = sr25519::Pair::from_string("//attesta-bench", None)
		.map_err(|e| format!("cannot derive bench accounts: {e:?}"))?;
	(0..n as u64)
		.map(|i| {
			root.derive([DeriveJunction::hard(role), DeriveJunction::hard(i)].into_iter(), None)
				.map(|(pair, _)| pair)
				.map_err(|e| format!("cannot derive {role} {i}: {e:?}"))
		})
		.collect()
}

/// The account of a key pair.
pub fn account(pair: &sr25519::Pair) -> AccountId {
	pair.public().into()
}

/// A call to sign as `signer` with `nonce`.
pub struct Unsigned {
	/// Who signs (and pays).
	pub signer: sr25519::Pair,
	/// Its nonce for this transaction.
	pub nonce: u32,
	/// What it does.
	pub call: RuntimeCall,
}

/// Signs every transaction (immortal, no tip), on all cores; encoded, in the order given.
pub fn sign_all(txs: Vec<Unsigned>, info: &ChainInfo) -> Vec<Vec<u8>> {
	let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
	let chunk = txs.len().div_ceil(threads).max(1);
	std::thread::scope(|s| {
		let handles: Vec<_> = txs
			.chunks(chunk)
			.map(|part| {
				s.spawn(move || {
					part.iter()
						.map(|tx| {
							attesta_client::chain::sign_as(
								tx.call.clone(),
								account(&tx.signer),
								&tx.signer,
								tx.nonce,
								info,
								None,
							)
							.encode()
						})
						.collect::<Vec<_>>()
				})
			})
			.collect();
		handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
	})
}

/// Transactions that must reach the node in this order (one sender's nonces).
pub type Lane = Vec<Vec<u8>>;

/// Groups signed transactions by sender, in nonce order: `owner[i]` is the sender index of
/// `signed[i]`, which are already in nonce order per sender.
pub fn lanes(signed: Vec<Vec<u8>>, owner: &[usize]) -> Vec<Lane> {
	let mut by: BTreeMap<usize, Lane> = BTreeMap::new();
	for (xt, o) in signed.into_iter().zip(owner) {
		by.entry(*o).or_default().push(xt);
	}
	by.into_values().collect()
}

/// Counters shared by the pushers and whoever watches the blocks: how many transactions are
/// still waiting in the pool, so that pushing keeps a bounded backlog ahead of the blocks.
#[derive(Default)]
pub struct Flow {
	/// Transactions the node accepted.
	pub sent: AtomicU64,
	/// Transactions the node refused.
	pub rejected: AtomicU64,
	/// Of those, found in blocks (kept up to date by the watcher).
	pub included: AtomicU64,
	/// Most transactions to keep waiting in the pool.
	pub max_backlog: AtomicU64,
	/// Stop pushing.
	pub stop: AtomicBool,
}

impl Flow {
	/// Accepted and not yet in a block.
	pub fn backlog(&self) -> u64 {
		self.sent
			.load(Ordering::Relaxed)
			.saturating_sub(self.included.load(Ordering::Relaxed))
	}
}

/// What a push did.
#[derive(Debug, Default)]
pub struct PushReport {
	/// Accepted by the node.
	pub sent: u64,
	/// Refused, by reason.
	pub rejected: BTreeMap<String, u64>,
	/// Wall time of the push.
	pub secs: f64,
	/// Connections used.
	pub connections: usize,
	/// When the last transaction was sent (Unix time, ms).
	pub end_ms: u64,
}

/// Submits the lanes with `author_submitExtrinsic` over `connections` concurrent connections
/// (each lane on one connection, in order; lanes of a connection interleaved), keeping at most
/// `flow.max_backlog` transactions in the pool ahead of the blocks, until done or `flow.stop`.
pub async fn push(
	url: String,
	lanes: Vec<Lane>,
	connections: usize,
	flow: Arc<Flow>,
) -> Result<PushReport> {
	let t0 = Instant::now();
	let connections = connections.clamp(1, lanes.len().max(1));
	let mut shares: Vec<Vec<Lane>> = (0..connections).map(|_| Vec::new()).collect();
	for (i, lane) in lanes.into_iter().enumerate() {
		shares[i % connections].push(lane);
	}
	let mut tasks = Vec::new();
	for share in shares {
		let (url, flow) = (url.to_string(), flow.clone());
		tasks.push(tokio::spawn(async move {
			let c = connect(&url).await?;
			let mut report = PushReport::default();
			let depth = share.iter().map(Vec::len).max().unwrap_or(0);
			'all: for k in 0..depth {
				for xt in share.iter().filter_map(|lane| lane.get(k)) {
					while flow.backlog() >= flow.max_backlog.load(Ordering::Relaxed) {
						if flow.stop.load(Ordering::Relaxed) {
							break 'all;
						}
						tokio::time::sleep(Duration::from_millis(20)).await;
					}
					if flow.stop.load(Ordering::Relaxed) {
						break 'all;
					}
					let hex = bytes::to_hex(xt, false);
					match c.request::<Value, _>("author_submitExtrinsic", rpc_params![hex]).await {
						Ok(_) => {
							report.sent += 1;
							flow.sent.fetch_add(1, Ordering::Relaxed);
						},
						Err(e) => {
							let why: String = e.to_string().chars().take(100).collect();
							*report.rejected.entry(why).or_default() += 1;
							flow.rejected.fetch_add(1, Ordering::Relaxed);
						},
					}
				}
			}
			Ok::<_, String>(report)
		}));
	}
	let mut total = PushReport::default();
	for t in tasks {
		let r = t.await.map_err(|e| e.to_string())??;
		total.sent += r.sent;
		for (k, v) in r.rejected {
			*total.rejected.entry(k).or_default() += v;
		}
	}
	total.secs = t0.elapsed().as_secs_f64();
	total.connections = connections;
	total.end_ms = unix_ms();
	Ok(total)
}

/// Now, in Unix milliseconds (the clock block timestamps use).
pub fn unix_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_millis() as u64)
}

/// What an extrinsic is, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
	/// Timestamp and other inherents.
	Inherent,
	/// `Balances.transfer_keep_alive` and the other transfers.
	Transfer,
	/// `Jobs.submit_job`.
	SubmitJob,
	/// `Jobs.submit_result`.
	SubmitResult,
	/// `Audits.submit_verdict`.
	Verdict,
	/// Anything else (registrations, settings).
	Other,
}

impl Kind {
	/// The kind of `call`.
	pub fn of(call: &RuntimeCall) -> Self {
		match call {
			RuntimeCall::Timestamp(_) => Kind::Inherent,
			RuntimeCall::Balances(
				pallet_balances::Call::transfer_keep_alive { .. } |
				pallet_balances::Call::transfer_allow_death { .. },
			) => Kind::Transfer,
			RuntimeCall::Jobs(pallet_jobs::Call::submit_job { .. }) => Kind::SubmitJob,
			RuntimeCall::Jobs(pallet_jobs::Call::submit_result { .. }) => Kind::SubmitResult,
			RuntimeCall::Audits(pallet_audits::Call::submit_verdict { .. }) => Kind::Verdict,
			_ => Kind::Other,
		}
	}

	/// The call's name as the runtime spells it.
	pub fn name(self) -> &'static str {
		match self {
			Kind::Inherent => "inherent",
			Kind::Transfer => "Balances.transfer_keep_alive",
			Kind::SubmitJob => "Jobs.submit_job",
			Kind::SubmitResult => "Jobs.submit_result",
			Kind::Verdict => "Audits.submit_verdict",
			Kind::Other => "other",
		}
	}
}

/// One block as the follower saw it.
#[derive(Clone, Debug)]
pub struct BlockRecord {
	/// Its number.
	pub number: u32,
	/// Its hash.
	pub hash: H256,
	/// Its timestamp (ms), from the timestamp inherent.
	pub timestamp_ms: u64,
	/// The kind of each extrinsic, in order.
	pub kinds: Vec<Kind>,
	/// Encoded size of its extrinsics, in bytes.
	pub bytes: usize,
}

impl BlockRecord {
	/// Extrinsics of `kind`.
	pub fn count(&self, kind: Kind) -> usize {
		self.kinds.iter().filter(|k| **k == kind).count()
	}

	/// Transactions (everything but inherents).
	pub fn transactions(&self) -> usize {
		self.kinds.iter().filter(|k| **k != Kind::Inherent).count()
	}
}

/// Follows the best chain of a node, recording every block (extrinsics decoded and counted).
pub struct Follower {
	blocks: Arc<Mutex<Vec<BlockRecord>>>,
	task: tokio::task::JoinHandle<()>,
}

impl Follower {
	/// Starts following from the block after the current best one.
	pub async fn start(url: &str) -> Result<Self> {
		let c = connect(url).await?;
		let mut next = best_number(&c).await? + 1;
		let blocks = Arc::new(Mutex::new(Vec::new()));
		let out = blocks.clone();
		let task = tokio::spawn(async move {
			loop {
				let best = best_number(&c).await.unwrap_or(0);
				while next <= best {
					match read_block(&c, next).await {
						Ok(record) => {
							out.lock().unwrap_or_else(|p| p.into_inner()).push(record);
							next += 1;
						},
						Err(_) => break,
					}
				}
				tokio::time::sleep(Duration::from_millis(100)).await;
			}
		});
		Ok(Self { blocks, task })
	}

	/// The blocks seen so far, in order.
	pub fn blocks(&self) -> Vec<BlockRecord> {
		self.blocks.lock().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// The blocks numbered `from..=to` seen so far.
	pub fn range(&self, from: u32, to: u32) -> Vec<BlockRecord> {
		self.blocks()
			.into_iter()
			.filter(|b| b.number >= from && b.number <= to)
			.collect()
	}

	/// The last block seen, if any.
	pub fn last(&self) -> Option<u32> {
		self.blocks.lock().unwrap_or_else(|p| p.into_inner()).last().map(|b| b.number)
	}
}

impl Drop for Follower {
	fn drop(&mut self) {
		self.task.abort();
	}
}

/// Reads block `number` and decodes its extrinsics.
pub async fn read_block(c: &WsClient, number: u32) -> Result<BlockRecord> {
	let hash = block_hash(c, number).await?;
	let body: Value = c
		.request("chain_getBlock", rpc_params![hash])
		.await
		.map_err(|e| e.to_string())?;
	let xts = body["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
	let mut kinds = Vec::with_capacity(xts.len());
	let (mut bytes, mut timestamp_ms) = (0, 0);
	for x in &xts {
		let raw = from_hex(x.as_str().unwrap_or_default())?;
		bytes += raw.len();
		let xt = UncheckedExtrinsic::decode(&mut &raw[..])
			.map_err(|e| format!("block #{number}: cannot decode an extrinsic: {e}"))?;
		if let RuntimeCall::Timestamp(TimestampCall::set { now }) = &xt.function {
			timestamp_ms = *now;
		}
		kinds.push(Kind::of(&xt.function));
	}
	Ok(BlockRecord { number, hash, timestamp_ms, kinds, bytes })
}

/// How full block `at` is: the share of the normal class's weight (ref time) and length limits
/// its extrinsics used, in percent.
pub async fn fullness(c: &WsClient, at: H256) -> Result<(f64, f64)> {
	let read = |key: Vec<u8>| async move {
		Ok::<_, String>(attesta_client::chain::raw_storage(c, &key, Some(at)).await?)
	};
	let weight = match read(frame_system::BlockWeight::<Runtime>::hashed_key().to_vec()).await? {
		Some(raw) => PerDispatchClass::<frame_support::weights::Weight>::decode(&mut &raw[..])
			.map_err(|e| e.to_string())?
			.get(DispatchClass::Normal)
			.ref_time(),
		None => 0,
	};
	let length = match read(frame_system::BlockSize::<Runtime>::hashed_key().to_vec()).await? {
		Some(raw) => u32::decode(&mut &raw[..]).map_err(|e| e.to_string())?,
		None => 0,
	};
	let (max_weight, max_length) = normal_limits();
	Ok((
		100.0 * weight as f64 / max_weight.max(1) as f64,
		100.0 * f64::from(length) / f64::from(max_length.max(1)),
	))
}

/// The normal dispatch class's limits: weight (ref time, picoseconds) and length (bytes).
pub fn normal_limits() -> (u64, u32) {
	let weights = RuntimeBlockWeights::get();
	let weight = weights
		.get(DispatchClass::Normal)
		.max_total
		.unwrap_or(weights.max_block)
		.ref_time();
	(weight, *RuntimeBlockLength::get().max.get(DispatchClass::Normal))
}

/// What the author's log says about how it built a block.
#[derive(Clone, Debug)]
pub struct Proposal {
	/// Time spent filling the block (ms).
	pub build_ms: u64,
	/// Why it stopped: `NoMoreTransactions` (the pool ran dry), `HitBlockWeightLimit`,
	/// `HitBlockSizeLimit`, `HitDeadline` (the slot's time for proposing ran out).
	pub end: String,
	/// Extrinsics in it.
	pub extrinsics: u32,
}

impl Proposal {
	/// Whether a limit ended the block rather than the pool running dry.
	pub fn full(&self) -> bool {
		self.end != "NoMoreTransactions"
	}
}

/// The author's "Prepared block for proposing" lines by block number (the last one wins).
pub fn proposals(log: &str) -> BTreeMap<u32, Proposal> {
	let mut out = BTreeMap::new();
	for line in log.lines() {
		let Some(rest) = line.split("Prepared block for proposing at ").nth(1) else { continue };
		let field = |after: &str, until: char| -> Option<String> {
			let tail = rest.split(after).nth(1)?;
			Some(tail.split(until).next()?.trim().to_string())
		};
		let number = rest.split(' ').next().and_then(|n| n.parse().ok());
		let build_ms = rest.split('(').nth(1).and_then(|t| t.split(' ').next()?.parse().ok());
		let end = field("end: ", ';');
		let extrinsics = field("extrinsics_count: ", ' ').and_then(|n| n.parse().ok());
		if let (Some(number), Some(build_ms), Some(end), Some(extrinsics)) =
			(number, build_ms, end, extrinsics)
		{
			out.insert(number, Proposal { build_ms, end, extrinsics });
		}
	}
	out
}

/// One block's verification and import on the follower node.
#[derive(Clone, Copy, Debug)]
pub struct Import {
	/// The block.
	pub number: u32,
	/// Time to verify and import it (s).
	pub secs: f64,
}

/// Scrapes a node's `substrate_block_verification_and_import_time` histogram every 100 ms and
/// turns each change of its sum and count into per-block times (a scrape that saw several
/// blocks at once is dropped: its time cannot be split).
pub struct ImportSampler {
	samples: Arc<Mutex<Vec<Import>>>,
	merged: Arc<AtomicU64>,
	task: tokio::task::JoinHandle<()>,
}

/// The histogram the import queue observes for each block.
pub const IMPORT_METRIC: &str = "substrate_block_verification_and_import_time";

impl ImportSampler {
	/// Starts sampling `node`, whose blocks all come from the network.
	pub async fn start(node: &Node) -> Result<Self> {
		let port = node.prometheus_port.ok_or(format!("{} has no metrics endpoint", node.name))?;
		let scrape = move || async move {
			let text = tokio::task::spawn_blocking(move || http_get(port, "/metrics"))
				.await
				.map_err(|e| e.to_string())??;
			let sum = metric(&text, &format!("{IMPORT_METRIC}_sum"), "").unwrap_or(0.0);
			let count = metric(&text, &format!("{IMPORT_METRIC}_count"), "").unwrap_or(0.0);
			Ok::<_, String>((sum, count as u64))
		};
		let c = node.client().await?;
		let (mut sum, mut count) = scrape().await?;
		let mut last = best_number(&c).await?;
		let samples = Arc::new(Mutex::new(Vec::new()));
		let merged = Arc::new(AtomicU64::new(0));
		let (out, merged_out) = (samples.clone(), merged.clone());
		let task = tokio::spawn(async move {
			loop {
				tokio::time::sleep(Duration::from_millis(100)).await;
				let Ok((s, n)) = scrape().await else { continue };
				if n <= count {
					continue;
				}
				let blocks = (n - count) as u32;
				// Blocks are imported one after the other, in order.
				if blocks == 1 {
					out.lock()
						.unwrap_or_else(|p| p.into_inner())
						.push(Import { number: last + 1, secs: s - sum });
				} else {
					merged_out.fetch_add(u64::from(blocks), Ordering::Relaxed);
				}
				last += blocks;
				(sum, count) = (s, n);
			}
		});
		Ok(Self { samples, merged, task })
	}

	/// The per-block samples so far.
	pub fn samples(&self) -> Vec<Import> {
		self.samples.lock().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// Blocks imported between two scrapes together (not in [`Self::samples`]).
	pub fn merged(&self) -> u64 {
		self.merged.load(Ordering::Relaxed)
	}
}

impl Drop for ImportSampler {
	fn drop(&mut self) {
		self.task.abort();
	}
}

/// One JSON-RPC query of the latency mix.
#[derive(Clone, Debug)]
pub struct Query {
	/// The method.
	pub method: &'static str,
	/// Its parameters.
	pub params: Vec<Value>,
}

/// Latencies of a run of concurrent clients.
#[derive(Clone, Debug)]
pub struct LatencyRun {
	/// Concurrent clients.
	pub clients: usize,
	/// Answered requests.
	pub requests: usize,
	/// Failed requests.
	pub errors: usize,
	/// Wall time (s).
	pub secs: f64,
	/// Latency of each answered request (ms), sorted.
	pub ms: Vec<f64>,
	/// The same by method, sorted.
	pub by_method: BTreeMap<&'static str, Vec<f64>>,
}

/// `clients` connections each send the queries in turn, one at a time, for `duration`.
pub async fn rpc_latency(
	url: &str,
	clients: usize,
	duration: Duration,
	queries: Arc<Vec<Query>>,
) -> Result<LatencyRun> {
	let mut conns = Vec::new();
	for _ in 0..clients {
		conns.push(connect(url).await?);
	}
	let t0 = Instant::now();
	let end = t0 + duration;
	let tasks: Vec<_> = conns
		.into_iter()
		.enumerate()
		.map(|(i, c)| {
			let queries = queries.clone();
			tokio::spawn(async move {
				let (mut ms, mut errors) = (Vec::new(), 0);
				let mut by_method: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
				let mut k = i;
				while Instant::now() < end {
					let Some(q) = queries.get(k % queries.len().max(1)) else { break };
					k += 1;
					let mut params = ArrayParams::new();
					for p in &q.params {
						if params.insert(p).is_err() {
							errors += 1;
						}
					}
					let sent = Instant::now();
					match c.request::<Value, _>(q.method, params).await {
						Ok(_) => {
							let took = sent.elapsed().as_secs_f64() * 1e3;
							ms.push(took);
							by_method.entry(q.method).or_default().push(took);
						},
						Err(_) => errors += 1,
					}
				}
				(ms, by_method, errors)
			})
		})
		.collect();
	let mut run = LatencyRun {
		clients,
		requests: 0,
		errors: 0,
		secs: 0.0,
		ms: Vec::new(),
		by_method: BTreeMap::new(),
	};
	for t in tasks {
		let (ms, by_method, errors) = t.await.map_err(|e| e.to_string())?;
		run.ms.extend(ms);
		for (method, ms) in by_method {
			run.by_method.entry(method).or_default().extend(ms);
		}
		run.errors += errors;
	}
	run.secs = t0.elapsed().as_secs_f64();
	run.requests = run.ms.len();
	run.ms.sort_by(f64::total_cmp);
	for ms in run.by_method.values_mut() {
		ms.sort_by(f64::total_cmp);
	}
	Ok(run)
}

/// The `q`-quantile (nearest rank) of sorted `xs`; NaN when empty.
pub fn quantile(xs: &[f64], q: f64) -> f64 {
	if xs.is_empty() {
		return f64::NAN;
	}
	let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
	xs[rank - 1]
}

/// Mean of `xs`; NaN when empty.
pub fn mean(xs: &[f64]) -> f64 {
	xs.iter().sum::<f64>() / xs.len() as f64
}

/// `xs`, sorted.
pub fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
	xs.sort_by(f64::total_cmp);
	xs
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn proposals_are_read_from_the_authors_log() {
		let log = "2026-11-23 21:31:18 🎁 Prepared block for proposing at 5 (21 ms) hash: 0xb554; \
			parent_hash: 0xec91…f0e4; end: NoMoreTransactions; extrinsics_count: 1    \n\
			2026-11-23 21:32:03 🏆 Imported #5 (0xec91…f0e4 → 0xa83b…c6b9)\n\
			2026-11-23 21:32:09 🎁 Prepared block for proposing at 6 (3858 ms) hash: 0x7294; \
			parent_hash: 0xa83b…c6b9; end: HitDeadline; extrinsics_count: 321    ";
		let p = proposals(log);
		assert_eq!(p.len(), 2);
		assert_eq!(p[&5].end, "NoMoreTransactions");
		assert!(!p[&5].full());
		assert_eq!((p[&6].build_ms, p[&6].extrinsics), (3858, 321));
		assert!(p[&6].full());
	}

	#[test]
	fn metrics_are_read_by_name_and_label() {
		let text = "# HELP x\n\
			substrate_block_verification_and_import_time_sum{chain=\"dev\"} 1.25\n\
			substrate_block_verification_and_import_time_count{chain=\"dev\"} 7\n\
			substrate_block_height{status=\"best\",chain=\"dev\"} 12\n\
			substrate_block_height{status=\"finalized\",chain=\"dev\"} 10\n";
		assert_eq!(metric(text, &format!("{IMPORT_METRIC}_sum"), ""), Some(1.25));
		assert_eq!(metric(text, &format!("{IMPORT_METRIC}_count"), ""), Some(7.0));
		assert_eq!(metric(text, "substrate_block_height", "finalized"), Some(10.0));
		assert_eq!(metric(text, "substrate_block", ""), None);
	}

	#[test]
	fn quantiles_take_the_nearest_rank() {
		let xs = sorted(vec![5.0, 1.0, 4.0, 2.0, 3.0]);
		assert_eq!(quantile(&xs, 0.5), 3.0);
		assert_eq!(quantile(&xs, 0.99), 5.0);
		assert_eq!(quantile(&xs, 0.0), 1.0);
		assert!(quantile(&[], 0.5).is_nan());
	}

	#[test]
	fn lanes_keep_each_senders_order() {
		let signed = vec![vec![1], vec![2], vec![3], vec![4]];
		assert_eq!(
			lanes(signed, &[0, 1, 0, 1]),
			vec![vec![vec![1], vec![3]], vec![vec![2], vec![4]]]
		);
	}
}
