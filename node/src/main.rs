//! `attesta-node`: the Attesta chain's node. One binary for validators (Aura authoring, GRANDPA
//! voting, off-chain checking), providers and plain RPC nodes that dapps talk to.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
