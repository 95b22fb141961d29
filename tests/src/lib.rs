//! Test harness for end-to-end tests: starts real `attesta-node` processes on free loopback
//! ports and talks to them over JSON-RPC the way a dapp does, with signed extrinsics built from
//! the runtime's own types.

pub mod gateway;
pub mod js;
pub mod load;
pub mod market;
pub mod png;
pub mod testnet;

use attesta_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use codec::{Decode, Encode};
/// The JSON-RPC client the helpers take.
pub use jsonrpsee::ws_client::WsClient;
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::WsClientBuilder,
};
use serde_json::Value;
use sp_core::{bytes, H256};
use sp_keyring::Sr25519Keyring;
use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// Result type of the harness: errors are plain messages, shown as the test's failure.
pub type Result<T> = std::result::Result<T, String>;

/// The `attesta-node` binary under test: `$ATTESTA_NODE`, else the one beside this test binary.
pub fn node_binary() -> PathBuf {
	if let Some(p) = std::env::var_os("ATTESTA_NODE") {
		return PathBuf::from(p);
	}
	// Test binaries live in `<target>/<profile>/deps/`, the benchmark binaries and the node in
	// `<target>/<profile>/`.
	let exe = std::env::current_exe().unwrap_or_default();
	let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
	let beside = dir.join("attesta-node");
	if beside.exists() {
		return beside;
	}
	dir.parent().map(Path::to_path_buf).unwrap_or_default().join("attesta-node")
}

/// The reference model file (`$ATTESTA_MODEL`, else where `scripts/setup.sh` puts it).
pub fn reference_model() -> Result<PathBuf> {
	let path = std::env::var_os("ATTESTA_MODEL").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
			.join(".cache/attesta/models/SmolLM2-135M-Instruct.Q4_1.gguf")
	});
	if path.is_file() {
		Ok(path)
	} else {
		Err(format!("reference model not at {}; run scripts/setup.sh", path.display()))
	}
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.unwrap_or(0)
}

/// A running `attesta-node` process; killed when dropped.
pub struct Node {
	/// Label used in logs and error messages.
	pub name: String,
	/// The JSON-RPC port on 127.0.0.1.
	pub rpc_port: u16,
	/// The libp2p port on 127.0.0.1.
	pub p2p_port: u16,
	/// The Prometheus port on 127.0.0.1, for a node started with [`Node::start_metered`].
	pub prometheus_port: Option<u16>,
	/// The arguments it was started with, to restart it the same way.
	args: Vec<String>,
	child: Option<Child>,
	log: PathBuf,
	/// Length of the log when the current process started: its own lines come after this.
	log_start: usize,
}

impl Node {
	/// Starts a node with `args` plus fresh RPC and p2p ports, logging to a temp file, and waits
	/// until its RPC answers.
	pub async fn start(name: &str, args: &[&str]) -> Result<Node> {
		let rpc_port = free_port();
		let log = std::env::temp_dir().join(format!("attesta-e2e-{name}-{rpc_port}.log"));
		Self::launch(name, args, rpc_port, log, None).await
	}

	/// Like [`Node::start`], with its Prometheus endpoint on (for [`Node::metrics`]) and its log
	/// at `log`, started afresh.
	pub async fn start_metered(name: &str, args: &[&str], log: PathBuf) -> Result<Node> {
		let _ = std::fs::remove_file(&log);
		Self::launch(name, args, free_port(), log, Some(free_port())).await
	}

	async fn launch(
		name: &str,
		args: &[&str],
		rpc_port: u16,
		log: PathBuf,
		prometheus_port: Option<u16>,
	) -> Result<Node> {
		let mut node = Node {
			name: name.to_string(),
			rpc_port,
			p2p_port: free_port(),
			prometheus_port,
			args: args.iter().map(|s| s.to_string()).collect(),
			child: None,
			log,
			log_start: 0,
		};
		node.spawn(&[])?;
		node.wait_rpc().await?;
		Ok(node)
	}

	fn spawn(&mut self, extra: &[String]) -> Result<()> {
		let bin = node_binary();
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)
			.map_err(|e| format!("cannot open log {}: {e}", self.log.display()))?;
		let log_err = log.try_clone().map_err(|e| e.to_string())?;
		self.log_start = log.metadata().map(|m| m.len() as usize).unwrap_or(0);
		let prometheus = match self.prometheus_port {
			Some(port) => vec!["--prometheus-port".to_string(), port.to_string()],
			None => vec!["--no-prometheus".to_string()],
		};
		let child = Command::new(&bin)
			.args(&self.args)
			.args(extra)
			.args(prometheus)
			.args([
				"--rpc-port",
				&self.rpc_port.to_string(),
				"--listen-addr",
				&format!("/ip4/127.0.0.1/tcp/{}", self.p2p_port),
				"--no-telemetry",
				"--no-mdns",
				"--rpc-cors",
				"all",
			])
			.stdout(Stdio::from(log))
			.stderr(Stdio::from(log_err))
			.spawn()
			.map_err(|e| {
				format!("cannot start {} ({}): {e}; build it first", self.name, bin.display())
			})?;
		self.child = Some(child);
		Ok(())
	}

	/// Kills the process at once (SIGKILL: no clean shutdown, like a crash).
	pub fn kill(&mut self) {
		if let Some(mut c) = self.child.take() {
			let _ = c.kill();
			let _ = c.wait();
		}
	}

	/// Starts the killed process again with its original arguments and ports, plus `extra`.
	pub async fn restart(&mut self, extra: &[String]) -> Result<()> {
		self.kill();
		self.spawn(extra)?;
		self.wait_rpc().await
	}

	/// The whole log so far.
	pub fn log_text(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// The last lines of the node's log, for failure messages.
	pub fn log_tail(&self) -> String {
		let text = self.log_text();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}

	/// `ws://` address of its RPC.
	pub fn url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// A fresh WebSocket JSON-RPC client to this node.
	pub async fn client(&self) -> Result<WsClient> {
		WsClientBuilder::default()
			.request_timeout(Duration::from_secs(60))
			.build(self.url())
			.await
			.map_err(|e| format!("{}: cannot connect: {e}", self.name))
	}

	/// The address other nodes dial it at: `/ip4/127.0.0.1/tcp/<p2p port>/p2p/<peer id>`.
	pub async fn multiaddr(&self) -> Result<String> {
		let peer: String = self
			.client()
			.await?
			.request("system_localPeerId", rpc_params![])
			.await
			.map_err(|e| format!("{}: system_localPeerId: {e}", self.name))?;
		Ok(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", self.p2p_port))
	}

	/// Takes the RPC port the node reports it bound. A port `free_port` found free can be taken
	/// by another socket before the node binds it; the node then falls back to a random port.
	fn read_rpc_port(&mut self) {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let Some(own) = text.get(self.log_start..) else { return };
		let port = own.lines().rev().find_map(|l| {
			let rest = l.split("Running JSON-RPC server: addr=127.0.0.1:").nth(1)?;
			rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
		});
		if let Some(port) = port {
			self.rpc_port = port;
		}
	}

	async fn wait_rpc(&mut self) -> Result<()> {
		// A debug node compiles the runtime with wasmtime before it serves RPC.
		let deadline = Instant::now() + Duration::from_secs(180);
		while Instant::now() < deadline {
			if let Some(c) = self.child.as_mut() {
				if let Ok(Some(status)) = c.try_wait() {
					return Err(format!(
						"{} exited with {status} before serving RPC:\n{}",
						self.name,
						self.log_tail()
					));
				}
			}
			self.read_rpc_port();
			if let Ok(c) = self.client().await {
				if c.request::<Value, _>("system_health", rpc_params![]).await.is_ok() {
					return Ok(());
				}
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
		Err(format!("{} did not serve RPC within 180 s:\n{}", self.name, self.log_tail()))
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

/// The chain reads, shared with the client (one implementation, over any JSON-RPC
/// connection): `?` turns their errors into this harness's messages.
pub use attesta_client::chain::{best_number, finalized_number, from_hex, runtime_call};

/// Polls `probe` every second until it returns `Some`, or fails with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<T>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = Result<Option<T>>>,
{
	let deadline = Instant::now() + timeout;
	let mut last_err = String::new();
	while Instant::now() < deadline {
		match probe().await {
			Ok(Some(v)) => return Ok(v),
			Ok(None) => {},
			Err(e) => last_err = e,
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	Err(format!("timed out after {timeout:?} waiting for {what} {last_err}"))
}

/// Waits until the node's finalized block number reaches `target`.
pub async fn wait_finalized(c: &WsClient, target: u32, timeout: Duration) -> Result<u32> {
	wait_for(&format!("finalized block #{target}"), timeout, || async {
		let n = finalized_number(c).await?;
		Ok((n >= target).then_some(n))
	})
	.await
}

/// The chain facts a signer needs (the client's type).
pub use attesta_client::chain::ChainInfo;

/// Reads [`ChainInfo`] over RPC.
pub async fn chain_info(c: &WsClient) -> Result<ChainInfo> {
	Ok(ChainInfo::read(c).await?)
}

/// The next nonce of `who`, counting transactions still in the pool.
pub async fn next_nonce(c: &WsClient, who: &AccountId) -> Result<u32> {
	Ok(attesta_client::chain::next_nonce(c, who).await?)
}

/// Signs `call` as `signer` with `nonce`, immortal, no tip: the extrinsic a wallet would send.
pub fn sign(
	call: RuntimeCall,
	signer: Sr25519Keyring,
	nonce: u32,
	info: &ChainInfo,
) -> UncheckedExtrinsic {
	sign_claiming(call, signer.to_account_id(), signer, nonce, info)
}

/// Like [`sign`], but claims to come from `sender` whatever key signs: a forgery when they differ.
pub fn sign_claiming(
	call: RuntimeCall,
	sender: AccountId,
	signer: Sr25519Keyring,
	nonce: u32,
	info: &ChainInfo,
) -> UncheckedExtrinsic {
	attesta_client::chain::sign_as(call, sender, &signer.pair(), nonce, info, None)
}

/// Submits `xt` and waits until it is in a block; returns that block's hash.
pub async fn submit_and_wait_in_block(c: &WsClient, xt: &UncheckedExtrinsic) -> Result<H256> {
	let hex = bytes::to_hex(&xt.encode(), false);
	let mut sub = c
		.subscribe::<Value, _>(
			"author_submitAndWatchExtrinsic",
			rpc_params![hex],
			"author_unwatchExtrinsic",
		)
		.await
		.map_err(|e| format!("submission rejected: {e}"))?;
	let deadline = Instant::now() + Duration::from_secs(90);
	loop {
		let left = deadline.saturating_duration_since(Instant::now());
		let next = tokio::time::timeout(left, sub.next())
			.await
			.map_err(|_| "no inclusion within 90 s".to_string())?;
		let status = match next {
			Some(Ok(v)) => v,
			Some(Err(e)) => return Err(format!("bad status: {e}")),
			None => return Err("status subscription closed".into()),
		};
		if let Some(h) = status.get("inBlock").or_else(|| status.get("finalized")) {
			let h = h.as_str().ok_or("inBlock without a hash")?;
			return Ok(H256::from_slice(&from_hex(h)?));
		}
		if let Some(s) = status.as_str() {
			if matches!(s, "invalid" | "dropped" | "usurped") {
				return Err(format!("transaction {s}"));
			}
		}
	}
}

/// The events of the block `at`, decoded with the runtime's own event type.
pub async fn events_at(c: &WsClient, at: H256) -> Result<Vec<RuntimeEvent>> {
	Ok(indexed_events_at(c, at).await?.into_iter().map(|(_, e)| e).collect())
}

/// The events of the block `at`, each with the index of the extrinsic it belongs to.
pub async fn indexed_events_at(c: &WsClient, at: H256) -> Result<Vec<(Option<u32>, RuntimeEvent)>> {
	Ok(attesta_client::chain::events_at(c, at).await?)
}

/// Puts dev account `who`'s sr25519 key into the node's keystore under `key_type` (`prov`,
/// `chck`, ...), as `attesta-node key insert` would.
pub async fn insert_key(c: &WsClient, key_type: &str, who: Sr25519Keyring) -> Result<()> {
	let _: () = c
		.request(
			"author_insertKey",
			rpc_params![key_type, format!("//{who}"), bytes::to_hex(&who.public().0, false)],
		)
		.await
		.map_err(|e| format!("author_insertKey: {e}"))?;
	Ok(())
}

/// The hash of block `number`.
pub async fn block_hash(c: &WsClient, number: u32) -> Result<H256> {
	attesta_client::chain::block_hash(c, number)
		.await?
		.ok_or_else(|| format!("no block #{number}"))
}

/// Free balance of `who` at the best block.
pub async fn free_balance(c: &WsClient, who: &AccountId) -> Result<u128> {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	let info: Option<frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>>> =
		storage(c, &key).await?;
	Ok(info.map_or(0, |i| i.data.free))
}

/// Reads the storage item at `key` in the best block and decodes it as `T`.
pub async fn storage<T: Decode>(c: &WsClient, key: &[u8]) -> Result<Option<T>> {
	Ok(attesta_client::chain::storage(c, key, None).await?)
}

/// Signs `call` as `signer`, submits it and waits for its block, where it must fail: returns
/// the chain's error (an `Err` if it succeeded).
pub async fn execute_failing(
	c: &WsClient,
	info: &ChainInfo,
	signer: Sr25519Keyring,
	call: RuntimeCall,
) -> Result<sp_runtime::DispatchError> {
	let nonce = next_nonce(c, &signer.to_account_id()).await?;
	let xt = sign(call, signer, nonce, info);
	let block = submit_and_wait_in_block(c, &xt).await?;
	// Its index in the block, so that another extrinsic's failure is not taken for its own.
	let body: Value = c
		.request("chain_getBlock", rpc_params![block])
		.await
		.map_err(|e| e.to_string())?;
	let hex = bytes::to_hex(&xt.encode(), false);
	let index = body["block"]["extrinsics"]
		.as_array()
		.and_then(|xts| xts.iter().position(|x| x.as_str() == Some(hex.as_str())))
		.ok_or("the extrinsic is not in its block")?;
	indexed_events_at(c, block)
		.await?
		.into_iter()
		.find_map(|(i, e)| match e {
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) if i == Some(index as u32) => Some(dispatch_error),
			_ => None,
		})
		.ok_or_else(|| "the extrinsic succeeded".to_string())
}

/// Signs `call` as `signer` with its next nonce, submits it and waits for its block; fails if
/// the block records `ExtrinsicFailed` for it. Returns the block's events.
pub async fn execute(
	c: &WsClient,
	info: &ChainInfo,
	signer: Sr25519Keyring,
	call: RuntimeCall,
) -> Result<Vec<RuntimeEvent>> {
	let nonce = next_nonce(c, &signer.to_account_id()).await?;
	let block = submit_and_wait_in_block(c, &sign(call, signer, nonce, info)).await?;
	let events = events_at(c, block).await?;
	if let Some(e) = events
		.iter()
		.find(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { .. })))
	{
		return Err(format!("extrinsic failed: {e:?}"));
	}
	Ok(events)
}
