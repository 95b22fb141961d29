//! From a checked request to a job on chain and back: the API keys and their accounts, the model
//! registry, the quote and escrow, the signed submission (one account's transactions sent one at
//! a time so each gets its own nonce), and the job followed through its stages to settlement,
//! where the key's budget is corrected.

use crate::{
	budget::{Budget, Reservation},
	config::Config,
	openai::{ApiError, ChatRequest},
};
use attesta_client::{
	chain::{self, ChainInfo},
	rpc::Rpc,
	Answer, Error, Market, RetryPolicy, Settlement, Submitted,
};
use attesta_primitives::{GenParams, ModelId};
use attesta_runtime::{AccountId, Balance, Runtime, RuntimeCall, RuntimeEvent};
use codec::Encode;
use pallet_models::ModelInfo;
use pallet_providers::Price;
use serde_json::{json, Value};
use sp_core::{bytes, crypto::Ss58Codec, sr25519, Pair, H256};
use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicBool, AtomicU32, Ordering},
		Arc,
	},
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{mpsc, Mutex};

/// How long the registry read is reused: about one block.
const MODELS_TTL: Duration = Duration::from_secs(6);
/// Longest a submission may take to reach a block.
const INCLUSION_TIMEOUT: Duration = Duration::from_secs(120);
/// How often the watchdog asks the node for its best block.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// The model registry, by id.
type Registry = Vec<(ModelId, ModelInfo)>;

/// An API key from the configuration, with its signing account and budget.
pub struct ApiKey {
	/// The bearer token.
	pub key: String,
	/// Signs its jobs.
	pub pair: sr25519::Pair,
	/// The account it pays from.
	pub account: AccountId,
	/// What it may still spend.
	pub budget: Budget,
}

/// The gateway's state, shared by all connections.
pub struct Gateway {
	market: Market,
	info: ChainInfo,
	keys: Vec<ApiKey>,
	/// One lock per account: held from reading its next nonce until the node has the
	/// transaction, so concurrent requests of one account never sign with the same nonce.
	nonce_locks: std::sync::Mutex<HashMap<AccountId, Arc<Mutex<()>>>>,
	models: Mutex<Option<(Instant, Registry)>>,
	default_max_tokens: u32,
	response_blocks: u32,
	job_timeout: Duration,
	health: Health,
}

/// Whether the chain answers, as the watchdog last saw it. The market's connection retries a
/// dead node for minutes (right for following open jobs); new requests are refused at once
/// instead while the watchdog's own short-fused connection finds no node.
#[derive(Default)]
struct Health {
	down: AtomicBool,
	best: AtomicU32,
	last_error: std::sync::Mutex<String>,
}

/// A job the chain will take: model, parameters and what it may cost.
#[derive(Clone, Debug)]
pub struct Plan {
	/// The registry id.
	pub model: ModelId,
	/// The registry name (what replies call the model).
	pub model_name: String,
	/// The prompt's bytes: the user's text, or the conversation (`ChatRequest::prompt_bytes`).
	pub prompt: Vec<u8>,
	/// How to generate.
	pub params: GenParams,
	/// Per-token price ceiling: the dearest provider's, so every provider may be drawn.
	pub max_price: Price<Balance>,
	/// The escrow: the most the job can cost with any provider drawn.
	pub escrow: Balance,
	/// Providers that can take it now.
	pub providers: u32,
}

/// Where a job is, as the gateway reports it to the caller.
#[derive(Clone, Debug)]
pub enum Stage {
	/// The node's pool accepted the signed transaction.
	Submitted {
		/// Its hash.
		tx: H256,
		/// When.
		at: Instant,
	},
	/// In a block, and a provider drawn for it (a block later).
	Assigned(Submitted),
	/// The provider posted its result (still open to checks and disputes).
	Answered(Box<Answered>),
	/// Settled, rejected by a dispute (then `verdict` says so), or refunded.
	Settled(Box<Settlement>),
	/// It failed; the reason in OpenAI's shape.
	Failed(ApiError),
}

/// A posted result with what the reply shows of it.
#[derive(Clone, Debug)]
pub struct Answered {
	/// As the client reported it.
	pub answer: Answer,
	/// Prompt tokens billed (chat template included).
	pub input_tokens: u32,
	/// The result commitment.
	pub commitment: [u8; 32],
	/// The price locked with the provider.
	pub price: Price<Balance>,
	/// The block until which it can be disputed.
	pub settle_at: Option<u32>,
	/// When the gateway saw it.
	pub seen_at: Instant,
}

impl Answered {
	/// What the job pays if the result stands.
	pub fn cost(&self) -> Balance {
		pallet_jobs::job_cost(&self.price, self.input_tokens, self.answer.output_tokens)
			.unwrap_or(Balance::MAX)
	}
}

impl Gateway {
	/// Connects to the nodes and loads the keys.
	pub async fn connect(config: &Config) -> Result<Self, String> {
		let mut keys = Vec::new();
		for k in &config.keys {
			let secret = k.secret()?;
			let pair =
				chain::signer(&secret).map_err(|e| format!("key {:?}: {e}", mask(&k.key)))?;
			let budget = k.budget.as_ref().map(|b| b.value()).transpose()?;
			keys.push(ApiKey {
				key: k.key.clone(),
				account: pair.public().into(),
				pair,
				budget: Budget::new(budget),
			});
		}
		let market = Market::connect(&config.nodes, RetryPolicy::default())
			.await
			.map_err(|e| format!("cannot reach the chain: {e}"))?;
		let info = ChainInfo::read(market.rpc()).await.map_err(|e| e.to_string())?;
		Ok(Self {
			market,
			info,
			keys,
			nonce_locks: Default::default(),
			models: Mutex::new(None),
			default_max_tokens: config.default_max_tokens,
			response_blocks: config.response_blocks,
			job_timeout: Duration::from_secs(config.job_timeout_secs),
			health: Health::default(),
		})
	}

	/// Asks the nodes for their best block every [`PROBE_EVERY`] through a connection of its
	/// own that gives up fast; runs until the process ends.
	pub async fn watch(self: Arc<Self>, nodes: Vec<String>) {
		let policy = RetryPolicy {
			// One try per endpoint, so the probe fails over like the market's connection.
			attempts: u32::try_from(nodes.len()).unwrap_or(u32::MAX).max(1),
			base_delay: Duration::from_millis(50),
			max_delay: Duration::from_millis(200),
			request_timeout: Duration::from_secs(3),
		};
		let mut probe: Option<Rpc> = None;
		loop {
			let result = match &probe {
				Some(rpc) => chain::best_number(rpc).await,
				None => match Rpc::connect(&nodes, policy).await {
					Ok(rpc) => {
						let r = chain::best_number(&rpc).await;
						probe = Some(rpc);
						r
					},
					Err(e) => Err(e),
				},
			};
			match result {
				Ok(best) => {
					self.health.best.store(best, Ordering::Relaxed);
					self.health.down.store(false, Ordering::Relaxed);
				},
				Err(e) => {
					*self.health.last_error.lock().unwrap_or_else(|e| e.into_inner()) =
						e.to_string();
					if !self.health.down.swap(true, Ordering::Relaxed) {
						eprintln!("chain unreachable: {e}");
					}
				},
			}
			tokio::time::sleep(PROBE_EVERY).await;
		}
	}

	/// Refuses at once (503) while the watchdog finds no node.
	pub fn ensure_up(&self) -> Result<(), ApiError> {
		if !self.health.down.load(Ordering::Relaxed) {
			return Ok(());
		}
		let last = self.health.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone();
		Err(chain_error(Error::Unreachable(last)))
	}

	/// The configured keys.
	pub fn keys(&self) -> &[ApiKey] {
		&self.keys
	}

	/// The key a request's `Authorization` header names.
	pub fn authenticate(&self, header: Option<&str>) -> Result<usize, ApiError> {
		let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim) else {
			return Err(ApiError::unauthorized(
				"no API key: send `Authorization: Bearer <key>` with a key from the gateway's \
				 configuration",
			));
		};
		// Every key is compared in full, so the time taken does not tell how close a guess was.
		let mut found = None;
		for (i, k) in self.keys.iter().enumerate() {
			if same(k.key.as_bytes(), token.as_bytes()) {
				found = Some(i);
			}
		}
		found.ok_or_else(|| {
			ApiError::unauthorized(format!(
				"the API key {} is not configured on this gateway",
				mask(token)
			))
		})
	}

	/// The key at `index` (from [`Gateway::authenticate`]).
	pub fn key(&self, index: usize) -> Option<&ApiKey> {
		self.keys.get(index)
	}

	/// The chain's best block number as the watchdog last saw it, if a node answers.
	pub fn best_block(&self) -> Result<u32, ApiError> {
		self.ensure_up()?;
		Ok(self.health.best.load(Ordering::Relaxed))
	}

	/// The market connection (for the read-only explorer endpoints).
	pub fn market(&self) -> &Market {
		&self.market
	}

	/// The runtime's spec version (the replies' `system_fingerprint`).
	pub fn spec_version(&self) -> u32 {
		self.info.spec_version
	}

	/// The registry, read at most once per [`MODELS_TTL`].
	pub async fn models(&self) -> Result<Registry, ApiError> {
		self.ensure_up()?;
		let mut cache = self.models.lock().await;
		if let Some((at, models)) = cache.as_ref() {
			if at.elapsed() < MODELS_TTL {
				return Ok(models.clone());
			}
		}
		let models = self.market.models().await.map_err(chain_error)?;
		*cache = Some((Instant::now(), models.clone()));
		Ok(models)
	}

	/// The model a request names: its registry name, or its number.
	pub async fn resolve(&self, name: &str) -> Result<(ModelId, ModelInfo), ApiError> {
		let models = self.models().await?;
		let by_number = name.trim().parse::<ModelId>().ok();
		let found = models
			.into_iter()
			.find(|(id, m)| m.name.as_slice() == name.as_bytes() || Some(*id) == by_number);
		match found {
			None => Err(ApiError::model_not_found(name, "is not in the chain's model registry")),
			Some((_, m)) if !m.active => Err(ApiError {
				code: "model_retired".into(),
				..ApiError::model_not_found(name, "is retired: the chain takes no new jobs for it")
			}),
			Some(found) => Ok(found),
		}
	}

	/// The providers of `model`, for the registry listing.
	pub async fn provider_count(&self, model: ModelId) -> Result<usize, ApiError> {
		Ok(self.market.providers(model).await.map_err(chain_error)?.len())
	}

	/// Checks a request against the chain without sending anything: the model, the limits, a
	/// provider able to take it (the runtime's quote), and the escrow.
	pub async fn plan(&self, req: &ChatRequest) -> Result<Plan, ApiError> {
		self.ensure_up()?;
		let (model, info) = self.resolve(&req.model).await?;
		let max_tokens = req
			.max_tokens
			.unwrap_or(self.default_max_tokens.min(info.max_output_tokens).max(1));
		let seed = match req.seed {
			Some(s) => s,
			None if req.temperature_milli == 0 => 0,
			// Sampling without a seed: any seed is as good; it is in the job and its commitment.
			None => fresh_seed(),
		};
		let params = GenParams::sampled(max_tokens, req.temperature_milli, req.top_p_milli, seed);
		let providers = self.market.providers(model).await.map_err(chain_error)?;
		if providers.is_empty() {
			return Err(no_provider());
		}
		let max_price = Price {
			input: providers.iter().map(|p| p.price.input).max().unwrap_or_default(),
			output: providers.iter().map(|p| p.price.output).max().unwrap_or_default(),
		};
		let prompt = req.prompt_bytes();
		let prompt_len = u32::try_from(prompt.len()).unwrap_or(u32::MAX);
		let (count, _cheapest) = self
			.market
			.quote(model, prompt_len, max_tokens, Some(max_price), None)
			.await
			.map_err(chain_error)?;
		let input_bound = pallet_jobs::Pallet::<Runtime>::input_token_bound(&prompt);
		let worst = providers
			.iter()
			.filter_map(|p| pallet_jobs::job_cost(&p.price, input_bound, max_tokens))
			.max()
			.unwrap_or(Balance::MAX);
		let cap = self.market.settings().await.map_err(chain_error)?.max_job_budget;
		Ok(Plan {
			model,
			model_name: String::from_utf8_lossy(&info.name).into_owned(),
			prompt,
			params,
			max_price,
			escrow: worst.min(cap),
			providers: count,
		})
	}

	/// Charges the key's budget with the plan's escrow.
	pub fn reserve(&self, key: usize, plan: &Plan) -> Result<Reservation, ApiError> {
		let k = self.keys.get(key).ok_or_else(|| ApiError::unauthorized("unknown key"))?;
		k.budget.reserve(plan.escrow).map_err(|left| {
			ApiError::new(
				402,
				"insufficient_quota",
				"insufficient_quota",
				format!(
					"this job may cost up to {} (its escrow) but the API key has {left} left of \
					 its budget (ATT base units)",
					plan.escrow
				),
			)
		})
	}

	/// Submits the job and follows it to its end, reporting each stage on `stages`; corrects the
	/// key's budget when it ends. Runs to the end even if nobody listens any more.
	pub async fn run(
		self: Arc<Self>,
		key: usize,
		plan: Plan,
		reservation: Reservation,
		stages: mpsc::UnboundedSender<Stage>,
	) {
		let Some(k) = self.keys.get(key) else { return };
		let mut job = match self.submit(k, &plan, &stages).await {
			Ok(job) => job,
			Err(e) => {
				k.budget.release(reservation);
				let _ = stages.send(Stage::Failed(e));
				return;
			},
		};
		// The chain draws the provider at the start of a block after the job's.
		match self.market.assignment(&job, self.job_timeout).await {
			Ok(drawn) => job.provider = Some(drawn),
			Err(Error::JobFailed { job_id, reason, refunded }) => {
				k.budget.settle(reservation, plan.escrow.saturating_sub(refunded));
				let e = job_failed(503, "no_provider", job_id, &reason, refunded);
				let _ = stages.send(Stage::Failed(e));
				return;
			},
			Err(e) => {
				// Not seen drawn: its escrow stays charged, the safe side.
				k.budget.settle(reservation, reservation.amount());
				let _ = stages.send(Stage::Failed(chain_error(e)));
				return;
			},
		}
		let _ = stages.send(Stage::Assigned(job.clone()));
		let (answers_tx, mut answers) = mpsc::unbounded_channel::<(Answer, Instant)>();
		let follow = self.market.follow(&job, self.job_timeout, move |a| {
			let _ = answers_tx.send((a.clone(), Instant::now()));
		});
		let relay = async {
			while let Some((answer, seen_at)) = answers.recv().await {
				let answered = self.answered(job.job_id, answer, seen_at).await;
				let _ = stages.send(Stage::Answered(Box::new(answered)));
			}
		};
		let (ended, ()) = tokio::join!(follow, relay);
		match ended {
			Ok(settlement) => {
				let cost = plan.escrow.saturating_sub(settlement.refunded);
				k.budget.settle(reservation, cost);
				let _ = stages.send(Stage::Settled(Box::new(settlement)));
			},
			Err(Error::JobFailed { job_id, reason, refunded }) => {
				k.budget.settle(reservation, plan.escrow.saturating_sub(refunded));
				let e = job_failed(504, "job_failed", job_id, &reason, refunded);
				let _ = stages.send(Stage::Failed(e));
			},
			Err(e) => {
				// The job's end was not seen: its escrow stays charged, the safe side.
				eprintln!("job {}: not followed to its end: {e}", job.job_id);
				k.budget.settle(reservation, reservation.amount());
				let _ = stages.send(Stage::Failed(chain_error(e)));
			},
		}
	}

	/// What the reply shows of a posted result: read back from the runtime API.
	async fn answered(&self, job_id: u64, answer: Answer, seen_at: Instant) -> Answered {
		let view = self.market.job(job_id).await.ok().flatten();
		let result = view.as_ref().and_then(|v| v.result.as_ref());
		let settle_at = match view.as_ref().map(|v| &v.status) {
			Some(pallet_jobs::JobStatus::ResultPosted { settle_at, .. }) => Some(*settle_at),
			_ => None,
		};
		Answered {
			input_tokens: result.map_or(0, |r| r.input_tokens),
			commitment: result.map_or([0; 32], |r| r.commitment),
			price: view.as_ref().map_or(Price { input: 0, output: 0 }, |v| v.price),
			settle_at,
			answer,
			seen_at,
		}
	}

	/// Signs and sends `submit_job`, then finds it in a block.
	async fn submit(
		&self,
		k: &ApiKey,
		plan: &Plan,
		stages: &mpsc::UnboundedSender<Stage>,
	) -> Result<Submitted, ApiError> {
		let rpc = self.market.rpc();
		let sent_at = Instant::now();
		let lock = {
			let mut locks = self.nonce_locks.lock().unwrap_or_else(|e| e.into_inner());
			locks.entry(k.account.clone()).or_default().clone()
		};
		let (encoded, from_block) = {
			let _one_at_a_time = lock.lock().await;
			let best = chain::best_number(rpc).await.map_err(chain_error)?;
			let call = RuntimeCall::Jobs(pallet_jobs::Call::submit_job {
				model: plan.model,
				prompt: plan.prompt.clone(),
				params: plan.params,
				max_price: plan.max_price,
				region: None,
				budget: plan.escrow,
				deadline: best.saturating_add(self.response_blocks.max(2)),
			});
			let nonce = chain::next_nonce(rpc, &k.account).await.map_err(chain_error)?;
			let birth = chain::birth_block(rpc).await.map_err(chain_error)?;
			// The chain's versions of now: the gateway keeps serving across runtime upgrades.
			let info = self.info.current(rpc).await.map_err(chain_error)?;
			let xt = chain::sign(call, &k.pair, nonce, &info, birth);
			let encoded = xt.encode();
			send(rpc, &encoded).await?;
			(encoded, best.saturating_add(1))
		};
		let tx = H256(sp_crypto_hashing::blake2_256(&encoded));
		let _ = stages.send(Stage::Submitted { tx, at: Instant::now() });
		// An Instant this far ahead always exists; the fallback only satisfies the lint.
		let deadline = sent_at.checked_add(INCLUSION_TIMEOUT).unwrap_or(sent_at);
		let included = chain::await_inclusion(rpc, &encoded, from_block, deadline)
			.await
			.map_err(chain_error)?;
		let mut job = None;
		let mut provider = None;
		let block = included.number;
		for e in included.events {
			match e {
				RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, budget, .. }) =>
					job = Some((job_id, budget)),
				RuntimeEvent::Jobs(pallet_jobs::Event::JobAssigned {
					provider: p, price, ..
				}) => provider = Some((p, price)),
				_ => {},
			}
		}
		let (job_id, budget) = job.ok_or_else(|| {
			ApiError::new(502, "server_error", "chain_error", "submit_job without JobSubmitted")
		})?;
		Ok(Submitted { job_id, block, budget, provider, sent_at })
	}
}

/// Sends an encoded extrinsic to the pool.
async fn send(rpc: &attesta_client::rpc::Rpc, encoded: &[u8]) -> Result<(), ApiError> {
	let hex = bytes::to_hex(encoded, false);
	match rpc.request::<Value>("author_submitExtrinsic", vec![json!(hex)]).await {
		Ok(_) => Ok(()),
		// Sent again after a failover: the node had it already.
		Err(Error::Rpc(e)) if e.contains("already imported") => Ok(()),
		Err(Error::Rpc(e)) if e.contains("pay") && e.contains("fee") => Err(ApiError::new(
			402,
			"insufficient_quota",
			"insufficient_balance",
			format!("the key's account cannot pay the transaction fee: {e}"),
		)),
		Err(Error::Rpc(e)) => Err(ApiError::new(
			502,
			"server_error",
			"transaction_refused",
			format!("the node refused the job's transaction: {e}"),
		)),
		Err(e) => Err(chain_error(e)),
	}
}

/// 503: nobody can take the job now.
fn no_provider() -> ApiError {
	ApiError::new(
		503,
		"server_error",
		"Jobs.NoEligibleProvider",
		"Jobs.NoEligibleProvider: no registered provider of this model can take the job now",
	)
}

/// A runtime error by name (`Jobs.OutputTooLong`), with the status a caller can act on.
pub fn dispatch_failed(name: &str) -> ApiError {
	let (status, kind, what) = match name {
		"Jobs.NoEligibleProvider" => return no_provider(),
		"Jobs.StakeFullyExposed" | "Jobs.AgendaFull" | "Jobs.TooManyOpenJobs" =>
			(503, "server_error", "the market cannot take more jobs right now"),
		"Jobs.TooManyOpenJobsOfAccount" =>
			(429, "rate_limit_error", "the key's account has too many open jobs"),
		"Jobs.UnknownModel" => (404, "invalid_request_error", "no such model"),
		"Jobs.ModelRetired" => (404, "invalid_request_error", "the model is retired"),
		"Jobs.BudgetBelowQuote" | "Jobs.BudgetAboveMaximum" =>
			(400, "invalid_request_error", "the job costs more than the market's largest budget"),
		"Jobs.InsufficientBalance" =>
			(402, "insufficient_quota", "the key's account cannot cover the job's escrow"),
		"Jobs.OutputTooLong" =>
			(400, "invalid_request_error", "max_tokens is above the model's limit"),
		"Jobs.PromptTooLong" | "Jobs.ContextTooLong" =>
			(400, "invalid_request_error", "the prompt is too long for the model"),
		"Jobs.InvalidParams" =>
			(400, "invalid_request_error", "temperature or top_p is out of the chain's range"),
		"Jobs.EmptyPrompt" | "Jobs.PromptNotUtf8" => (400, "invalid_request_error", "bad prompt"),
		_ => (502, "server_error", "the chain refused the job"),
	};
	// OpenAI's code for a missing model, so clients treat both alike; the message keeps the name.
	let code = match name {
		"Jobs.UnknownModel" => "model_not_found",
		"Jobs.ModelRetired" => "model_retired",
		other => other,
	};
	ApiError::new(status, kind, code, format!("{name}: {what}"))
}

/// A client error as the caller sees it.
pub fn chain_error(e: Error) -> ApiError {
	match e {
		Error::Unreachable(m) => ApiError::new(
			503,
			"server_error",
			"node_unreachable",
			format!("no Attesta node reachable: {m}"),
		),
		Error::Failed(name) => dispatch_failed(&name),
		Error::Timeout(m) => ApiError::new(504, "server_error", "timeout", m),
		Error::JobFailed { job_id, reason, refunded } => ApiError::new(
			504,
			"server_error",
			"job_failed",
			format!("job {job_id} failed: {reason}; {refunded} refunded"),
		),
		Error::Invalid(m) | Error::Rpc(m) | Error::Decode(m) =>
			ApiError::new(502, "server_error", "chain_error", m),
	}
}

/// Equal bytes, compared in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
	let mut diff = u8::from(a.len() != b.len());
	for (i, x) in a.iter().enumerate() {
		diff |= x ^ b.get(i).copied().unwrap_or(0);
	}
	diff == 0
}

/// A key as logs and errors show it: its first characters only.
pub fn mask(key: &str) -> String {
	let head: String = key.chars().take(6).collect();
	format!("{head}…")
}

fn fresh_seed() -> u64 {
	let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
	let h = sp_crypto_hashing::blake2_64(&nanos.to_le_bytes());
	u64::from_le_bytes(h)
}

/// Seconds since 1970, for `created`.
pub fn unix_now() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// An account as SS58 text.
pub fn ss58(a: &AccountId) -> String {
	a.to_ss58check()
}

/// A job that ended without an answer, its escrow (less fees) back with the account.
fn job_failed(status: u16, code: &str, job_id: u64, reason: &str, refunded: Balance) -> ApiError {
	ApiError::new(
		status,
		"server_error",
		code,
		format!("job {job_id} failed: {reason}; {refunded} refunded to the account"),
	)
}

/// `0x…` hex.
pub fn hex(data: &[u8]) -> String {
	bytes::to_hex(data, false)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn runtime_errors_map_to_statuses_a_client_can_act_on() {
		let e = dispatch_failed("Jobs.NoEligibleProvider");
		assert_eq!((e.status, e.code.as_str()), (503, "Jobs.NoEligibleProvider"));
		let retired = dispatch_failed("Jobs.ModelRetired");
		assert_eq!((retired.status, retired.code.as_str()), (404, "model_retired"));
		assert_eq!(dispatch_failed("Jobs.OutputTooLong").status, 400);
		assert_eq!(dispatch_failed("Jobs.InsufficientBalance").status, 402);
		assert_eq!(dispatch_failed("Jobs.TooManyOpenJobsOfAccount").status, 429);
		assert_eq!(dispatch_failed("Balances.Whatever").status, 502);
		let down = chain_error(Error::Unreachable("ws://x: refused".into()));
		assert_eq!((down.status, down.code.as_str()), (503, "node_unreachable"));
	}

	#[test]
	fn keys_compare_whole() {
		assert!(same(b"sk-abc", b"sk-abc"));
		assert!(!same(b"sk-abc", b"sk-ab"));
		assert!(!same(b"sk-ab", b"sk-abc"));
		assert!(!same(b"sk-abd", b"sk-abc"));
		assert_eq!(mask("sk-secret-key"), "sk-sec…");
	}
}
