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
	let _ = std::fs::remove_dir_all(dir);
	let spec = export_raw_spec(dir)?;
	let mut nodes: Vec<Node> = Vec::new();
	let mut bootnode: Option<String> = None;
	for who in VALIDATORS {
		let base = dir.join(who).to_string_lossy().into_owned();
		let peer_id = prepare_validator(&spec, &base, who)?;
		let mut args = vec!["--chain", &spec, "--base-path", &base, "--validator", "--name", who];
		if let Some(b) = &bootnode {
			args.extend(["--bootnodes", b]);
		}
		let node = Node::start(who, &args).await?;
		if bootnode.is_none() {
			bootnode = Some(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", node.p2p_port));
		}
		nodes.push(node);
	}
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
	Ok(nodes)
}
