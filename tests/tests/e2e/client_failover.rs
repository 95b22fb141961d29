//! The dapp client when its node goes away mid-job: it carries on through the other endpoint
//! and still sees the answer and the settlement.

use attesta_client::{chain::signer, JobRequest, Market, RetryPolicy};
use attesta_e2e::{market::*, *};
use sp_keyring::Sr25519Keyring::Bob;
use std::time::Duration;

fn url(node: &Node) -> String {
	format!("ws://127.0.0.1:{}", node.rpc_port)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_fails_over_when_its_node_goes_away_mid_job() -> Result<()> {
	let (node, c, info) = start_market_node("failover-a", &[("prov", Bob)], "").await?;
	register_provider(&c, &info, Bob, "eu", 2).await?;
	// A second, non-validating node of the same chain.
	let peer: String = {
		use jsonrpsee::{core::client::ClientT, rpc_params};
		c.request("system_localPeerId", rpc_params![])
			.await
			.map_err(|e| e.to_string())?
	};
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", node.p2p_port);
	let mut other =
		Node::start("failover-b", &["--chain", "dev", "--tmp", "--bootnodes", &boot]).await?;
	let oc = other.client().await?;
	let target = best_number(&c).await?;
	wait_for("the second node to sync", Duration::from_secs(120), || async {
		Ok((best_number(&oc).await? >= target).then_some(()))
	})
	.await?;

	// The client prefers the second node; it dies right after the job is in.
	let market = Market::connect(&[url(&other), url(&node)], RetryPolicy::default())
		.await
		.map_err(|e| e.to_string())?;
	let ferdie = signer("//Ferdie").map_err(|e| e.to_string())?;
	let job = market
		.submit_job(&ferdie, JobRequest::new(0, "What is the capital of France?", 16))
		.await
		.map_err(|e| e.to_string())?;
	other.kill();
	let done = market
		.follow(&job, Duration::from_secs(300), |_| {})
		.await
		.map_err(|e| format!("{e}\n{}", node.log_tail()))?;
	assert!(done.answer.is_some_and(|a| a.text.contains("Paris")));
	assert_eq!(market.rpc().endpoint().await, url(&node), "the client moved to the live node");
	Ok(())
}
