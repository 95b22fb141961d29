//! The four-validator local testnet, from a raw spec exported like `chain-spec/`: keys inserted
//! with `attesta-node key insert`, nodes peer and finalize; one is killed and finality goes on; it
//! restarts on its base path with its chain intact and catches up.

use attesta_e2e::*;
use jsonrpsee::{core::client::ClientT, rpc_params};
use std::{path::Path, process::Command, time::Duration};

const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Exports the raw local-testnet spec of the runtime under test, as `chain-spec/` is made.
fn export_raw_spec(dir: &Path) -> Result<String> {
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

/// Prepares a validator's base path the way an operator does: a network key (validators must
/// have one) and the Aura (sr25519) and GRANDPA (ed25519) keys in the keystore. Returns the
/// node's peer id.
fn prepare_validator(spec: &str, base: &str, who: &str) -> Result<String> {
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
	let suri = format!("//{}{}", who[..1].to_uppercase(), &who[1..]);
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

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_survive_a_crash_and_the_crashed_one_catches_up() -> Result<()> {
	let tmp = std::env::temp_dir().join(format!("attesta-local-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&tmp);
	let mut nodes = Vec::new();
	let mut bootnode: Option<String> = None;
	let mut peer_ids = Vec::new();
	let spec = export_raw_spec(&tmp)?;
	for who in VALIDATORS {
		let base = tmp.join(who).to_string_lossy().into_owned();
		let peer_id = prepare_validator(&spec, &base, who)?;
		let mut args = vec!["--chain", &spec, "--base-path", &base, "--validator", "--name", who];
		let boot;
		if let Some(b) = &bootnode {
			boot = b.clone();
			args.extend(["--bootnodes", &boot]);
		}
		let node = Node::start(who, &args).await?;
		if bootnode.is_none() {
			bootnode = Some(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", node.p2p_port));
		}
		peer_ids.push(peer_id);
		nodes.push(node);
	}

	// All four peer with each other and finalize.
	let c0 = nodes[0].client().await?;
	wait_for("3 peers on alice", Duration::from_secs(120), || async {
		let h: serde_json::Value =
			c0.request("system_health", rpc_params![]).await.map_err(|e| e.to_string())?;
		Ok((h["peers"].as_u64().unwrap_or(0) >= 3).then_some(()))
	})
	.await?;
	let fin = wait_finalized(&c0, 3, Duration::from_secs(180))
		.await
		.map_err(|e| format!("{e}\n{}", nodes[0].log_tail()))?;

	// Kill dave (SIGKILL). Three of four validators are a GRANDPA supermajority: finality goes on.
	let dave_best = best_number(&nodes[3].client().await?).await?;
	nodes[3].kill();
	let fin_after = wait_finalized(&c0, fin + 3, Duration::from_secs(180))
		.await
		.map_err(|e| format!("finality stalled without dave: {e}\n{}", nodes[0].log_tail()))?;

	// Restart dave on the same base path: its chain is still there, and it catches up.
	let peers: Vec<String> = {
		let mut v = Vec::new();
		for n in &nodes[..3] {
			let c = n.client().await?;
			let peer: String = c
				.request("system_localPeerId", rpc_params![])
				.await
				.map_err(|e| e.to_string())?;
			v.push(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", n.p2p_port));
		}
		v
	};
	let mut extra = vec!["--bootnodes".to_string()];
	extra.extend(peers);
	nodes[3].restart(&extra).await?;
	let c3 = nodes[3].client().await?;
	let kept = best_number(&c3).await?;
	assert!(kept >= dave_best, "dave lost blocks on restart: had #{dave_best}, now #{kept}");
	wait_finalized(&c3, fin_after, Duration::from_secs(180))
		.await
		.map_err(|e| format!("dave did not catch up: {e}\n{}", nodes[3].log_tail()))?;

	drop(nodes);
	let _ = std::fs::remove_dir_all(&tmp);
	Ok(())
}
