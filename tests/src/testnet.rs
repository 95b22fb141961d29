//! The four-validator local testnet, set up the way an operator does: a raw spec exported with
//! `build-spec`, a network key and the Aura and GRANDPA keys put in each base path with
//! `attesta-node key`, the nodes booted off the first one.

use crate::*;
use jsonrpsee::{core::client::ClientT, rpc_params};

/// The validators of the `local_testnet` preset, in order.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Exports the raw local-testnet spec of the runtime under test into `dir`, as `chain-spec/` is
/// made; returns its path.
pub fn export_raw_spec(dir: &Path) -> Result<String> {
	std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
	let out = Command::new(node_binary())
		.args(["build-spec", "--chain", "local", "--raw", "--disable-default-bootnode"])
		.output()
		.map_err(|e| format!("build-spec: {e}"))?;
	if !out.status.success() {
		return Err(format!("build-spec failed: {}", String::from_utf8_lossy(&out.stderr)));
	}
	let path = dir.join("local-testnet-raw.json");
	std::fs::write(&path, out.stdout).map_err(|e| e.to_string())?;
	Ok(path.to_string_lossy().into_owned())
}

/// Prepares a validator's base path: a network key (validators must have one) and the Aura
/// (sr25519) and GRANDPA (ed25519) keys in the keystore. Returns the node's peer id.
pub fn prepare_validator(spec: &str, base: &str, who: &str) -> Result<String> {
	let out = Command::new(node_binary())
		.args(["key", "generate-node-key", "--base-path", base, "--chain", spec])
		.output()
		.map_err(|e| format!("generate-node-key: {e}"))?;
	if !out.status.success() {
		return Err(format!("generate-node-key failed: {}", String::from_utf8_lossy(&out.stderr)));
	}
	// The peer id is printed on its own line (stderr on this release; stdout accepted too).
	let text =
		format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	let peer_id = text
		.split_whitespace()
		.find(|w| w.starts_with("12D3Koo"))
		.ok_or_else(|| format!("no peer id in generate-node-key output: {text}"))?
		.to_string();
	let mut name = who.chars();
	let suri = format!(
		"//{}{}",
		name.next().map(|c| c.to_ascii_uppercase()).unwrap_or_default(),
		name.as_str()
	);
	for (scheme, key_type) in [("sr25519", "aura"), ("ed25519", "gran")] {
		let out = Command::new(node_binary())
			.args(["key", "insert", "--base-path", base, "--chain", spec])
			.args(["--scheme", scheme, "--suri", &suri, "--key-type", key_type])
			.output()
			.map_err(|e| format!("key insert: {e}"))?;
		if !out.status.success() {
			return Err(format!("key insert failed: {}", String::from_utf8_lossy(&out.stderr)));
		}
	}
	Ok(peer_id)
}

/// Starts the four validators under `dir` (spec, base paths), each booting off Alice's node,
/// and waits until Alice has three peers and block 3 is finalized.
pub async fn start_local_testnet(dir: &Path) -> Result<Vec<Node>> {
	let nodes = launch_local_testnet(dir, |_| Vec::new()).await?;
	local_testnet_ready(&nodes).await?;
	Ok(nodes)
}

/// Starts the four validators like [`start_local_testnet`], each with the extra arguments
/// `extra(name)` gives (`--inference-model …` for one that checks, say), but returns once they
/// serve RPC: other nodes can start while they peer ([`local_testnet_ready`] waits for that).
pub async fn launch_local_testnet(
	dir: &Path,
	extra: impl Fn(&str) -> Vec<String>,
) -> Result<Vec<Node>> {
	let _ = std::fs::remove_dir_all(dir);
	let spec = export_raw_spec(dir)?;
	let mut args: Vec<Vec<String>> = Vec::new();
	let mut peer_ids = Vec::new();
	for who in VALIDATORS {
		let base = dir.join(who).to_string_lossy().into_owned();
		peer_ids.push(prepare_validator(&spec, &base, who)?);
		let mut own: Vec<String> =
			["--chain", &spec, "--base-path", &base, "--validator", "--name", who]
				.map(Into::into)
				.into();
		own.extend(extra(who));
		args.push(own);
	}
	// Alice first, as the others boot off her; they start together, which on a busy machine saves
	// most of the start-up time.
	fn refs(a: &[String]) -> Vec<&str> {
		a.iter().map(String::as_str).collect()
	}
	let first = Node::start(VALIDATORS[0], &refs(&args[0])).await?;
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", first.p2p_port, peer_ids[0]);
	for own in &mut args[1..] {
		own.extend(["--bootnodes".to_string(), boot.clone()]);
	}
	let (a1, a2, a3) = (refs(&args[1]), refs(&args[2]), refs(&args[3]));
	let (n1, n2, n3) = tokio::join!(
		Node::start(VALIDATORS[1], &a1),
		Node::start(VALIDATORS[2], &a2),
		Node::start(VALIDATORS[3], &a3),
	);
	Ok(vec![first, n1?, n2?, n3?])
}

/// Waits until Alice (the first of `nodes`) has three peers and block 3 is finalized.
pub async fn local_testnet_ready(nodes: &[Node]) -> Result<()> {
	let alice = nodes[0].client().await?;
	wait_for("3 peers on alice", Duration::from_secs(120), || async {
		let h: Value =
			alice.request("system_health", rpc_params![]).await.map_err(|e| e.to_string())?;
		Ok((h["peers"].as_u64().unwrap_or(0) >= 3).then_some(()))
	})
	.await?;
	wait_finalized(&alice, 3, Duration::from_secs(180))
		.await
		.map_err(|e| format!("{e}\n{}", nodes[0].log_tail()))?;
	Ok(())
}

/// Starts a node that is no validator on the local testnet that [`start_local_testnet`] made in
/// `dir`, with its base path `dir/<name>`, booting off `boot`, plus `extra` arguments (a
/// provider adds `--offchain-worker always --inference-model …`).
pub async fn join_local_testnet(
	dir: &Path,
	name: &str,
	boot: &Node,
	extra: &[&str],
) -> Result<Node> {
	let spec = dir.join("local-testnet-raw.json").to_string_lossy().into_owned();
	let base = dir.join(name).to_string_lossy().into_owned();
	let boot = boot.multiaddr().await?;
	let mut args =
		vec!["--chain", &spec, "--base-path", &base, "--name", name, "--bootnodes", &boot];
	args.extend(extra);
	Node::start(name, &args).await
}
