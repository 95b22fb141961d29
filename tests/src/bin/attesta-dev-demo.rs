//! Shows a running dev chain at work: follows blocks as they are authored and finalized, then
//! sends a signed transfer from Alice to Bob and prints the event that proves it landed.
//! `scripts/run-dev.sh` starts a node and runs this against it.

use attesta_e2e::*;
use attesta_runtime::{BalancesCall, RuntimeCall, RuntimeEvent, UNIT};
use jsonrpsee::ws_client::WsClientBuilder;
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

#[tokio::main]
async fn main() {
	if let Err(e) = run().await {
		eprintln!("attesta-dev-demo: {e}");
		std::process::exit(1);
	}
}

/// Where the node is.
#[derive(clap::Parser)]
#[command(name = "attesta-dev-demo", version)]
struct Args {
	/// The node's JSON-RPC endpoint.
	#[arg(default_value = "ws://127.0.0.1:9944")]
	url: String,
}

async fn run() -> Result<()> {
	let Args { url } = clap::Parser::parse();
	let c = WsClientBuilder::default()
		.build(&url)
		.await
		.map_err(|e| format!("cannot reach a node at {url}: {e} (is attesta-node running?)"))?;

	println!("Following the chain at {url}:");
	let mut last = (u32::MAX, u32::MAX);
	let start_fin = finalized_number(&c).await?;
	while finalized_number(&c).await? < start_fin + 3 {
		let now = (best_number(&c).await?, finalized_number(&c).await?);
		if now != last {
			println!("  best #{:<4} finalized #{}", now.0, now.1);
			last = now;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}

	let info = chain_info(&c).await?;
	let alice = Sr25519Keyring::Alice;
	let bob = Sr25519Keyring::Bob.to_account_id();
	let amount = 10 * UNIT;
	let before = free_balance(&c, &bob).await?;
	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: bob.clone().into(),
		value: amount,
	});
	let nonce = next_nonce(&c, &alice.to_account_id()).await?;
	println!("Sending 10 ATT from Alice to Bob (signed by Alice, nonce {nonce})...");
	let block = submit_and_wait_in_block(&c, &sign(call, alice, nonce, &info)).await?;
	for e in events_at(&c, block).await? {
		if let RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount }) = e {
			println!("  in block {block:?}: Balances.Transfer {{ from: {from}, to: {to}, amount: {amount} }}");
		}
	}
	let after = free_balance(&c, &bob).await?;
	println!("Bob's free balance: {before} -> {after} (plancks, 12 decimals)");
	if after != before + amount {
		return Err("the transfer did not credit Bob".into());
	}
	Ok(())
}
