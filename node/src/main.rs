//! `attesta-node`: the Attesta chain's node. One binary for validators (Aura authoring, GRANDPA
//! voting, off-chain checking), providers and plain RPC nodes that dapps talk to.

// `sc_cli::Error` and `sc_service::Error` are large by upstream design; every command returns them.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod equivocation;
mod market_rpc;
mod metrics;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
