//! The four-validator local testnet, from a raw spec exported like `chain-spec/`: keys inserted
//! with `attesta-node key insert`, nodes peer and finalize; one is killed and finality goes on; it
//! restarts on its base path with its chain intact and catches up.

use attesta_e2e::{testnet::*, *};
use jsonrpsee::{core::client::ClientT, rpc_params};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_survive_a_crash_and_the_crashed_one_catches_up() -> Result<()> {
	let tmp = std::env::temp_dir().join(format!("attesta-local-{}", std::process::id()));
	let mut nodes = start_local_testnet(&tmp).await?;
	let c0 = nodes[0].client().await?;
	let fin = finalized_number(&c0).await?;

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
