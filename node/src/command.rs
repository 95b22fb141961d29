//! Dispatches the command line: run the node, or one of the subcommands.

use crate::{
	chain_spec,
	cli::{Cli, InferenceParams, Subcommand},
	service,
};
use attesta_inference::{load::hex, EngineHost};
use attesta_primitives::offchain::InferenceHost;
use attesta_runtime::opaque::Block;
use sc_cli::{CliConfiguration, SubstrateCli};
use sc_service::PartialComponents;
use std::sync::Arc;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Attesta Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/attesta/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			path =>
				Box::new(
					chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path)).map_err(
						|e| {
							format!("cannot load chain spec `{path}`: {e} (use dev, local or a JSON file)")
						},
					)?,
				),
		})
	}
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
			// With `--runtime` the pallet benchmarks need no chain spec (the runtime builds its
			// own genesis), so they also run on a node built without an embedded Wasm.
			if let BenchmarkCmd::Pallet(pallet) = cmd {
				if pallet.runtime.is_some() {
					return pallet
						.run_with_spec::<sp_runtime::traits::HashingFor<Block>, service::HostFunctions>(
							None,
						);
				}
			}
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<sp_runtime::traits::HashingFor<Block>, service::HostFunctions>(
						Some(config.chain_spec),
					),
				BenchmarkCmd::Block(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					cmd.run(client)
				},
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_cache)
				},
				BenchmarkCmd::Machine(cmd) =>
					cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()),
				BenchmarkCmd::Overhead(_) | BenchmarkCmd::Extrinsic(_) =>
					Err("attesta-node supports `benchmark pallet|block|storage|machine`; \
					 for extrinsic overhead use `frame-omni-bencher`"
						.into()),
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		None => {
			let validator = cli.run.role(cli.run.is_dev()?)?.is_authority();
			let threads = inference_threads(&cli.inference, validator);
			// Before any thread of the node exists: candle sizes its pools from the environment.
			attesta_inference::engine::set_compute_threads(threads);
			let runner = cli.create_runner(&cli.run)?;
			let inference = start_inference(&cli.inference, threads)?;
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config, inference)
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p =>
						service::new_full::<sc_network::Litep2pNetworkBackend>(config, inference)
							.map_err(sc_cli::Error::Service),
				}
			})
		},
	}
}

/// Compute threads of the inference kernels: as asked; else all cores where inference is the
/// node's main work, and all cores but one on a validator, so that authoring and import always
/// have a core of their own (README, "Benchmarks": a saturated engine on all cores did not
/// delay blocks on a quiet chain, but importing full blocks takes up to 0.7 s of a core).
fn inference_threads(params: &InferenceParams, validator: bool) -> usize {
	params.threads.unwrap_or_else(|| {
		let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
		cores.saturating_sub(usize::from(validator)).max(1)
	})
}

/// Loads the models named on the command line into the inference engine; no models, no engine.
fn start_inference(
	params: &InferenceParams,
	threads: usize,
) -> sc_cli::Result<Option<Arc<dyn InferenceHost>>> {
	if params.models.is_empty() {
		log::info!("🧠 No --inference-model given: this node neither executes nor checks jobs");
		return Ok(None);
	}
	let host = EngineHost::load_on(&params.models, params.workers.max(1), params.device)
		.map_err(|e| sc_cli::Error::Input(format!("--inference-model: {e}")))?;
	for model in host.models() {
		log::info!(
			"🧠 Inference engine serves model 0x{} ({} workers, {} threads)",
			hex(&model),
			params.workers.max(1),
			threads
		);
	}
	Ok(Some(host.into_shared()))
}
