//! The market as a dapp sees it: models, providers, quotes, and jobs followed from submission to
//! their answer and their settlement.

use crate::{
	chain::{self, ChainInfo, Included},
	rpc::{RetryPolicy, Rpc},
	Error, Result,
};
use attesta_primitives::{
	prompt::{self, Role},
	GenParams, JobId, ModelId,
};
use attesta_runtime::{AccountId, Balance, BlockNumber, Runtime, RuntimeCall, RuntimeEvent};
use codec::Encode;
use pallet_jobs::JobView;
use pallet_providers::{Price, ProviderView};
use sp_core::{sr25519, H256};
use std::time::{Duration, Instant};

/// A job as the runtime API shows it.
pub type Job = JobView<AccountId, Balance, BlockNumber>;
/// A provider as the runtime API shows it.
pub type Provider = ProviderView<AccountId, Balance>;

/// What a dapp asks for.
#[derive(Clone, Debug)]
pub struct JobRequest {
	/// The model.
	pub model: ModelId,
	/// The user's message (the conversation's last turn).
	pub prompt: String,
	/// A system message; the model's default when `None`.
	pub system: Option<String>,
	/// Earlier turns, oldest first: user, assistant, …, assistant (empty for a first message).
	pub history: Vec<(Role, String)>,
	/// How to generate (greedy by default).
	pub params: GenParams,
	/// Highest per-token prices accepted; `None`: any provider's.
	pub max_price: Option<Price<Balance>>,
	/// Escrow; `None`: the market's largest allowed budget (the rest is refunded).
	pub budget: Option<Balance>,
	/// Region asked for, if any.
	pub region: Option<String>,
	/// Blocks each provider gets to answer.
	pub response_blocks: u32,
}

impl JobRequest {
	/// A greedy job of at most `max_tokens` tokens, any provider, 20 blocks to answer.
	pub fn new(model: ModelId, prompt: impl Into<String>, max_tokens: u32) -> Self {
		Self {
			model,
			prompt: prompt.into(),
			system: None,
			history: Vec::new(),
			params: GenParams::greedy(max_tokens),
			max_price: None,
			budget: None,
			region: None,
			response_blocks: 20,
		}
	}

	/// The job's prompt bytes, which the chain binds: the text alone for a first message
	/// without a system message, else the whole conversation (`attesta_primitives::prompt`).
	pub fn prompt_bytes(&self) -> Vec<u8> {
		let mut turns: Vec<(Role, &str)> =
			self.history.iter().map(|(r, t)| (*r, t.as_str())).collect();
		turns.push((Role::User, &self.prompt));
		prompt::encode(self.system.as_deref(), &turns)
	}
}

/// A submitted job.
#[derive(Clone, Debug)]
pub struct Submitted {
	/// Its id.
	pub job_id: JobId,
	/// The block it was submitted in.
	pub block: u32,
	/// The escrow held.
	pub budget: Balance,
	/// The provider it went to, and the price locked with it.
	pub provider: Option<(AccountId, Price<Balance>)>,
	/// When the client sent it.
	pub sent_at: Instant,
}

/// A provider's answer.
#[derive(Clone, Debug)]
pub struct Answer {
	/// The provider that posted it.
	pub provider: AccountId,
	/// The decoded text.
	pub text: String,
	/// Generated tokens.
	pub output_tokens: u32,
	/// Block it was posted in.
	pub block: u32,
	/// From sending the job to seeing the answer.
	pub latency: Duration,
}

/// How the checking of a result came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
	/// Nobody was drawn to check it (and nobody challenged it).
	Unchecked,
	/// Checkers re-executed it and agreed (how many).
	Passed(u32),
	/// A dispute found it good.
	Upheld,
	/// A dispute found it bad: rejected, the dapp refunded, the provider slashed.
	FoundBad,
	/// A dispute could not decide: nobody was paid for the work, the dapp was refunded.
	Undecided,
}

impl Verdict {
	/// As JSON: `{"state": "unchecked" | "passed" | "upheld" | "found_bad" | "undecided"}`,
	/// with `checks` when passed (what the gateway's replies and the CLI's `--json` carry).
	pub fn json(self) -> serde_json::Value {
		match self {
			Self::Unchecked => serde_json::json!({"state": "unchecked"}),
			Self::Passed(n) => serde_json::json!({"state": "passed", "checks": n}),
			Self::Upheld => serde_json::json!({"state": "upheld"}),
			Self::FoundBad => serde_json::json!({"state": "found_bad"}),
			Self::Undecided => serde_json::json!({"state": "undecided"}),
		}
	}
}

/// How a job ended.
#[derive(Clone, Debug)]
pub struct Settlement {
	/// The answer, if one was posted.
	pub answer: Option<Answer>,
	/// Paid to the provider.
	pub paid: Balance,
	/// Paid to the checkers' pool.
	pub fee: Balance,
	/// Returned to the dapp.
	pub refunded: Balance,
	/// Checks and disputes.
	pub verdict: Verdict,
	/// Providers that missed their deadline before one answered.
	pub missed: Vec<AccountId>,
	/// Block it ended in.
	pub block: u32,
	/// From sending the job to its end.
	pub latency: Duration,
}

/// A connection to the market through one or more equivalent nodes.
pub struct Market {
	rpc: Rpc,
	info: ChainInfo,
}

impl Market {
	/// Connects to the first reachable endpoint; others are used if it fails.
	pub async fn connect(endpoints: &[String], policy: RetryPolicy) -> Result<Self> {
		let rpc = Rpc::connect(endpoints, policy).await?;
		let info = ChainInfo::read(&rpc).await?;
		// A chain whose transaction format this client does not know is refused at once.
		info.current(&rpc).await?;
		Ok(Self { rpc, info })
	}

	/// The connection.
	pub fn rpc(&self) -> &Rpc {
		&self.rpc
	}

	/// Signs, submits and waits for `call` to be in a block.
	pub async fn execute(&self, signer: &sr25519::Pair, call: RuntimeCall) -> Result<Included> {
		// Signed with the chain's versions of now: an upgrade since connecting is followed.
		let info = self.info.current(&self.rpc).await?;
		chain::submit(&self.rpc, &info, signer, call, Duration::from_secs(120)).await
	}

	/// The registered models, by id.
	pub async fn models(&self) -> Result<Vec<(ModelId, pallet_models::ModelInfo)>> {
		let prefix = pallet_models::Models::<Runtime>::map_storage_final_prefix();
		let mut models = Vec::new();
		for key in chain::storage_keys(&self.rpc, &prefix).await? {
			// Twox64Concat: 8 hash bytes, then the id itself.
			let Some(id_bytes) = key.get(prefix.len().saturating_add(8)..) else { continue };
			let Ok(id) = <ModelId as codec::Decode>::decode(&mut &id_bytes[..]) else { continue };
			if let Some(info) = chain::storage(&self.rpc, &key, None).await? {
				models.push((id, info));
			}
		}
		models.sort_by_key(|(id, _)| *id);
		Ok(models)
	}

	/// The providers serving `model`.
	pub async fn providers(&self, model: ModelId) -> Result<Vec<Provider>> {
		chain::runtime_call(&self.rpc, "JobsApi_providers", &model.encode()).await
	}

	/// How many providers can take such a job now, and the cheapest worst-case cost.
	pub async fn quote(
		&self,
		model: ModelId,
		prompt_len: u32,
		max_tokens: u32,
		max_price: Option<Price<Balance>>,
		region: Option<String>,
	) -> Result<(u32, Balance)> {
		let max_price = match max_price {
			Some(p) => p,
			None => self.any_price(model).await?,
		};
		let args = (model, prompt_len, max_tokens, max_price, region.map(String::into_bytes));
		let answer: core::result::Result<(u32, Balance), sp_runtime::DispatchError> =
			chain::runtime_call(&self.rpc, "JobsApi_quote", &args.encode()).await?;
		answer.map_err(|e| Error::Failed(chain::describe(e)))
	}

	/// A job and its result, until it is pruned.
	pub async fn job(&self, job_id: JobId) -> Result<Option<Job>> {
		chain::runtime_call(&self.rpc, "JobsApi_job", &job_id.encode()).await
	}

	/// The market's governed settings.
	pub async fn settings(&self) -> Result<pallet_audits::MarketSettings<Balance, BlockNumber>> {
		let key = pallet_audits::Settings::<Runtime>::hashed_key();
		// Absent until governance first sets them: then the runtime's defaults apply.
		Ok(chain::storage(&self.rpc, &key, None)
			.await?
			.unwrap_or_else(attesta_runtime::configs::DefaultMarketSettings::get))
	}

	/// A price ceiling every provider of `model` is within.
	async fn any_price(&self, model: ModelId) -> Result<Price<Balance>> {
		let providers = self.providers(model).await?;
		Ok(Price {
			input: providers.iter().map(|p| p.price.input).max().unwrap_or_default(),
			output: providers.iter().map(|p| p.price.output).max().unwrap_or_default(),
		})
	}

	/// Submits a job signed by `signer`; the chain draws its provider at the start of the next
	/// block (so [`Submitted::provider`] is `None`; [`Market::follow`] reports the draw).
	pub async fn submit_job(&self, signer: &sr25519::Pair, req: JobRequest) -> Result<Submitted> {
		let sent_at = Instant::now();
		let max_price = match req.max_price {
			Some(p) => p,
			None => self.any_price(req.model).await?,
		};
		let budget = match req.budget {
			Some(b) => b,
			None => self.settings().await?.max_job_budget,
		};
		let deadline =
			chain::best_number(&self.rpc).await?.saturating_add(req.response_blocks.max(3));
		let call = RuntimeCall::Jobs(pallet_jobs::Call::submit_job {
			model: req.model,
			prompt: req.prompt_bytes(),
			params: req.params,
			max_price,
			region: req.region.map(String::into_bytes),
			budget,
			deadline,
		});
		let included = self.execute(signer, call).await?;
		let mut submitted = None;
		let mut provider = None;
		for e in &included.events {
			match e {
				RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, budget, .. }) =>
					submitted = Some((*job_id, *budget)),
				RuntimeEvent::Jobs(pallet_jobs::Event::JobAssigned {
					provider: p, price, ..
				}) => provider = Some((p.clone(), *price)),
				_ => {},
			}
		}
		let (job_id, budget) =
			submitted.ok_or_else(|| Error::Decode("submit_job without JobSubmitted".into()))?;
		Ok(Submitted { job_id, block: included.number, budget, provider, sent_at })
	}

	/// Waits for the provider draw of `job` (at the start of a block after its own) and returns
	/// the provider and the price locked with it; [`Error::JobFailed`] when nobody could take
	/// the job by then (it is refunded).
	pub async fn assignment(
		&self,
		job: &Submitted,
		timeout: Duration,
	) -> Result<(AccountId, Price<Balance>)> {
		if let Some(drawn) = &job.provider {
			return Ok(drawn.clone());
		}
		let deadline = Instant::now() + timeout;
		let mut next = job.block.saturating_add(1);
		let mut heads = self.rpc.heads();
		while let Some(best) = heads.next(deadline).await? {
			for (_, _, events) in self.blocks_up_to(&mut next, best).await? {
				for event in events {
					match event {
						RuntimeEvent::Jobs(pallet_jobs::Event::JobAssigned {
							job_id,
							provider,
							price,
							..
						}) if job_id == job.job_id => return Ok((provider, price)),
						RuntimeEvent::Jobs(pallet_jobs::Event::JobExpired { job_id, refunded })
							if job_id == job.job_id =>
							return Err(Error::JobFailed {
								job_id,
								reason: "no provider could take it when it was drawn".into(),
								refunded,
							}),
						_ => {},
					}
				}
			}
		}
		Err(Error::Timeout(format!("no provider drawn for job {}", job.job_id)))
	}

	/// Follows `job` block by block from its submission until it ends: calls `on_answer` when
	/// the provider posts its result, and returns the settlement. A job that ends without an
	/// answer (no provider delivered, or cancelled) is [`Error::JobFailed`], with its refund.
	pub async fn follow(
		&self,
		job: &Submitted,
		timeout: Duration,
		mut on_answer: impl FnMut(&Answer),
	) -> Result<Settlement> {
		let id = job.job_id;
		let deadline = Instant::now() + timeout;
		let mut next = job.block;
		let mut answer: Option<Answer> = None;
		let mut checks = 0u32;
		let mut verdict = Verdict::Unchecked;
		let mut missed = Vec::new();
		let mut heads = self.rpc.heads();
		while let Some(best) = heads.next(deadline).await? {
			for (number, hash, events) in self.blocks_up_to(&mut next, best).await? {
				for event in events {
					match event {
						RuntimeEvent::Jobs(pallet_jobs::Event::ResultSubmitted {
							job_id,
							provider,
							output_tokens,
							..
						}) if job_id == id => {
							let text = self.answer_text(id, hash).await?;
							let a = Answer {
								provider,
								text,
								output_tokens,
								block: number,
								latency: job.sent_at.elapsed(),
							};
							on_answer(&a);
							answer = Some(a);
						},
						RuntimeEvent::Jobs(pallet_jobs::Event::DeadlineMissed {
							job_id,
							provider,
						}) if job_id == id => missed.push(provider),
						RuntimeEvent::Audits(pallet_audits::Event::CheckPassed {
							job_id, ..
						}) if job_id == id => {
							checks = checks.saturating_add(1);
							verdict = Verdict::Passed(checks);
						},
						RuntimeEvent::Audits(pallet_audits::Event::ResultUpheld {
							job_id, ..
						}) if job_id == id => verdict = Verdict::Upheld,
						RuntimeEvent::Audits(pallet_audits::Event::ResultFoundBad {
							job_id,
							..
						}) if job_id == id => verdict = Verdict::FoundBad,
						RuntimeEvent::Audits(pallet_audits::Event::DisputeUndecided { job_id })
							if job_id == id =>
							verdict = Verdict::Undecided,
						RuntimeEvent::Jobs(pallet_jobs::Event::JobSettled {
							job_id,
							paid,
							fee,
							refunded,
							..
						}) if job_id == id =>
							return Ok(Settlement {
								answer,
								paid,
								fee,
								refunded,
								verdict,
								missed,
								block: number,
								latency: job.sent_at.elapsed(),
							}),
						RuntimeEvent::Jobs(pallet_jobs::Event::ResultRejected {
							job_id,
							refunded,
							..
						}) if job_id == id =>
							return Ok(Settlement {
								answer,
								paid: 0,
								fee: 0,
								refunded,
								// Rejected by a dispute: found bad, or undecided (told just
								// before in the same block).
								verdict: if verdict == Verdict::Undecided {
									Verdict::Undecided
								} else {
									Verdict::FoundBad
								},
								missed,
								block: number,
								latency: job.sent_at.elapsed(),
							}),
						RuntimeEvent::Jobs(pallet_jobs::Event::JobExpired { job_id, refunded })
							if job_id == id =>
							return Err(Error::JobFailed {
								job_id: id,
								reason: format!(
									"no provider delivered in time ({} missed their deadline)",
									missed.len()
								),
								refunded,
							}),
						RuntimeEvent::Jobs(pallet_jobs::Event::JobCancelled {
							job_id,
							refunded,
						}) if job_id == id =>
							return Err(Error::JobFailed {
								job_id: id,
								reason: "cancelled".into(),
								refunded,
							}),
						_ => {},
					}
				}
			}
		}
		Err(Error::Timeout(format!("job {id} did not end within {timeout:?}")))
	}

	/// The blocks from `*next` to `best`, each with its number, hash and events; moves `*next`
	/// past them.
	async fn blocks_up_to(
		&self,
		next: &mut u32,
		best: u32,
	) -> Result<Vec<(u32, H256, Vec<RuntimeEvent>)>> {
		let mut blocks = Vec::new();
		while *next <= best {
			let Some(hash) = chain::block_hash(&self.rpc, *next).await? else { break };
			let events = chain::events_at(&self.rpc, hash).await?;
			blocks.push((*next, hash, events.into_iter().map(|(_, e)| e).collect()));
			*next = next.saturating_add(1);
		}
		Ok(blocks)
	}

	/// The result text of job `id` as of block `at`.
	async fn answer_text(&self, id: JobId, at: H256) -> Result<String> {
		let key = pallet_jobs::Results::<Runtime>::hashed_key_for(id);
		let result: Option<pallet_jobs::JobResultOf<Runtime>> =
			chain::storage(&self.rpc, &key, Some(at)).await?;
		Ok(result
			.map(|r| String::from_utf8_lossy(&r.output_text).into_owned())
			.unwrap_or_default())
	}
}

/// Whether a job has ended, from its status.
pub fn ended(job: &Job) -> bool {
	!job.status.is_open()
}
