//! Command-line interface: the standard Substrate node flags plus the usual subcommands.

/// Subcommands beside running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: `key insert`, `key generate`, `key inspect`, ...
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (add `--raw` for the form nodes start from).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of the `--chain` in use.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime benchmarks (`benchmark pallet`, ...); needs a node built with
	/// `--features runtime-benchmarks`.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// Where this node's inference engine gets its models and how much of the machine it may use.
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceParams {
	/// GGUF weights of a model this node executes and checks jobs for; repeat for several
	/// models. Without one, the off-chain workers neither execute nor check jobs.
	#[arg(long = "inference-model", value_name = "PATH")]
	pub models: Vec<std::path::PathBuf>,

	/// Jobs each model runs concurrently.
	#[arg(long = "inference-workers", value_name = "N", default_value_t = 1)]
	pub workers: usize,

	/// CPU threads of the inference kernels, shared by all jobs (default: all cores, but on a
	/// validator all cores but one, so block authoring and import always have a core).
	#[arg(long = "inference-threads", value_name = "N")]
	pub threads: Option<usize>,

	/// Where inference runs: `cpu`, or `cuda` / `cuda:N` on a node built with `--features
	/// cuda`. The CPU serves the block-kernel model class; a GPU serves the f32 class, so it
	/// executes and checks only models the chain pins to that class.
	#[arg(long = "inference-device", value_name = "DEVICE", default_value = "cpu")]
	pub device: attesta_inference::InferenceDevice,
}

/// The node's command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	#[clap(flatten)]
	pub inference: InferenceParams,
}
