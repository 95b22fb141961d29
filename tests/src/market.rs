//! Set-up shared by the market's end-to-end tests and the market benchmark: a `--dev` node
//! running the reference model, keys in its keystore, and the usual registrations.

use crate::*;
pub use attesta_runtime::configs::DefaultMarketSettings;
use attesta_runtime::{AccountId, Balance, BlockNumber, RuntimeCall, UNIT};
use codec::Encode;
pub use pallet_audits::MarketSettings;
use pallet_jobs::{GenParams, JobView};
use pallet_providers::{HardwareClass, Price};
use sp_runtime::Perbill;

/// Price every test provider asks: 0.001 ATT per input token, 0.01 ATT per output token.
pub const PROVIDER_PRICE: Price<Balance> = Price { input: UNIT / 1_000, output: UNIT / 100 };
/// The most a test job pays per token (1 ATT), above every test provider's price.
pub const ANY_PRICE: Price<Balance> = Price { input: UNIT, output: UNIT };
/// Stake every test provider bonds. Under the genesis settings (floor check rate 5 %, a
/// quarter of the stake slashed) it covers about 256 ATT of open budgets: some 25 jobs of the
/// largest budget at once.
pub const PROVIDER_STAKE: Balance = 20_000 * UNIT;
/// Bond every test checker holds.
pub const CHECKER_BOND: Balance = 100 * UNIT;

/// Short prompts the benchmarks send, in turn.
pub const PROMPTS: [&str; 6] = [
	"What is the capital of France?",
	"Name three primary colours.",
	"Write one sentence about the sea.",
	"What is two plus two?",
	"Give a synonym for happy.",
	"Why is the sky blue?",
];

/// Starts a `--dev` node serving the reference model on one inference thread, puts `keys`
/// (key type, dev account) in its keystore and waits for finality.
pub async fn start_market_node(
	name: &str,
	keys: &[(&str, Sr25519Keyring)],
	log: &str,
) -> Result<(Node, WsClient, ChainInfo)> {
	start_market_node_with_threads(name, keys, log, 1).await
}

/// [`start_market_node`] with `threads` inference threads.
pub async fn start_market_node_with_threads(
	name: &str,
	keys: &[(&str, Sr25519Keyring)],
	log: &str,
	threads: usize,
) -> Result<(Node, WsClient, ChainInfo)> {
	let model = reference_model()?.to_string_lossy().into_owned();
	let threads = threads.to_string();
	let mut args =
		vec!["--dev", "--tmp", "--inference-model", &model, "--inference-threads", &threads];
	if !log.is_empty() {
		args.extend(["--log", log]);
	}
	let node = Node::start(name, &args).await?;
	let c = node.client().await?;
	for (key_type, who) in keys {
		insert_key(&c, key_type, *who).await?;
	}
	wait_finalized(&c, 1, std::time::Duration::from_secs(120)).await?;
	let info = chain_info(&c).await?;
	Ok((node, c, info))
}

/// `Jobs.submit_job` for model 0 at most at `max_price`, in `region` (any region when `None`).
pub fn submit_job_call(
	prompt: &[u8],
	params: GenParams,
	max_price: Price<Balance>,
	region: Option<&str>,
	budget: Balance,
	deadline: BlockNumber,
) -> RuntimeCall {
	RuntimeCall::Jobs(pallet_jobs::Call::submit_job {
		model: 0,
		prompt: prompt.to_vec(),
		params,
		max_price,
		region: region.map(|r| r.as_bytes().to_vec()),
		budget,
		deadline,
	})
}

/// `call` wrapped for the dev chain's sudo key (Alice).
pub fn sudo(call: RuntimeCall) -> RuntimeCall {
	RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) })
}

/// Registers `who` as a provider of model 0 in `region`, at [`PROVIDER_PRICE`] and
/// [`PROVIDER_STAKE`].
pub async fn register_provider(
	c: &WsClient,
	info: &ChainInfo,
	who: Sr25519Keyring,
	region: &str,
	capacity: u32,
) -> Result<()> {
	let call = RuntimeCall::Providers(pallet_providers::Call::register {
		stake: PROVIDER_STAKE,
		models: vec![0],
		price: PROVIDER_PRICE,
		region: region.as_bytes().to_vec(),
		hardware: HardwareClass::Cpu,
		capacity,
	});
	execute(c, info, who, call).await.map(|_| ())
}

/// `pair`'s proof that its own account holds it as its checker key.
pub fn checker_key_proof(pair: &sp_core::sr25519::Pair) -> attesta_primitives::selection::VrfProof {
	use sp_core::Pair;
	let account = AccountId::from(pair.public());
	attesta_primitives::selection::prove_key_with(pair, &account.encode())
		.unwrap_or(attesta_primitives::selection::VrfProof { pre_output: [0; 32], proof: [0; 64] })
}

/// Registers `who` as a checker with its own sr25519 key (and its proof) and [`CHECKER_BOND`].
pub async fn register_checker(c: &WsClient, info: &ChainInfo, who: Sr25519Keyring) -> Result<()> {
	let call = RuntimeCall::Audits(pallet_audits::Call::register_checker {
		key: who.public().0,
		bond: CHECKER_BOND,
		key_proof: checker_key_proof(&who.pair()),
	});
	execute(c, info, who, call).await.map(|_| ())
}

/// Market settings for tests on one node: results checked at `rate`, a committee of
/// `committee_size`, short rounds, appeal delay and `challenge_window`; the rest as at genesis.
pub fn quick_settings(
	rate: Perbill,
	committee_size: u32,
	challenge_window: BlockNumber,
) -> MarketSettings<Balance, BlockNumber> {
	MarketSettings {
		initial_rate: rate,
		floor_rate: rate,
		committee_size,
		round_length: 8,
		slash_delay: 3,
		challenge_window,
		..DefaultMarketSettings::get()
	}
}

/// Sets the market settings through the dev chain's sudo key (Alice).
pub async fn sudo_set_settings(
	c: &WsClient,
	info: &ChainInfo,
	new: MarketSettings<Balance, BlockNumber>,
) -> Result<()> {
	let call = sudo(RuntimeCall::Audits(pallet_audits::Call::set_settings { new }));
	execute(c, info, Sr25519Keyring::Alice, call).await.map(|_| ())
}

/// A job as the `JobsApi_job` runtime API shows it at the best block.
pub async fn job_view(
	c: &WsClient,
	id: u64,
) -> Result<Option<JobView<AccountId, Balance, BlockNumber>>> {
	Ok(runtime_call(c, "JobsApi_job", &id.encode()).await?)
}

/// Waits for the draw of `id` (a block after its submission) and returns the job as assigned.
pub async fn assigned_job(
	c: &WsClient,
	id: u64,
) -> Result<JobView<AccountId, Balance, BlockNumber>> {
	wait_for("the job's provider draw", std::time::Duration::from_secs(60), || async {
		Ok(job_view(c, id)
			.await?
			.filter(|v| !matches!(v.status, pallet_jobs::JobStatus::Queued { .. })))
	})
	.await
}
