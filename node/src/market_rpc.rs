//! The market's JSON-RPC namespace, `attesta_*`: quotes, providers, models, settings and jobs as
//! plain JSON (names, amounts as decimal strings, accounts in SS58, states by name), read through
//! the runtime's `JobsApi`, and a subscription that follows one job through its stages.
//!
//! Dapps that speak SCALE use `state_call` and the metadata; this namespace is for everyone
//! else (a web page, `curl`, a script). Every method takes an optional block hash; the default
//! is the best block.

use attesta_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use futures::StreamExt;
use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	PendingSubscriptionSink, SubscriptionMessage,
};
use pallet_jobs::{JobStatus, JobView};
use pallet_jobs_runtime_api::{Accuser, AuditView, JobsApi, MarketSettings, ModelInfo};
use pallet_providers::{Price, ProviderView};
use sc_client_api::BlockchainEvents;
use serde::Deserialize;
use serde_json::{json, Value};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::Ss58Codec, H256};
use sp_runtime::Perbill;
use std::sync::Arc;

/// JSON-RPC error codes of this namespace.
const CALL_FAILED: i32 = 9000;
const REFUSED: i32 = 9001;

/// What `attesta_quote` is asked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuoteRequest {
	/// The model id.
	pub model: u32,
	/// The prompt's length in bytes.
	pub prompt_len: u32,
	/// Most output tokens.
	pub max_tokens: u32,
	/// Highest per-token prices accepted, as decimal strings of plancks; default: any.
	pub max_price: Option<PriceRequest>,
	/// Only providers in this region.
	pub region: Option<String>,
}

/// Per-token prices, as decimal strings of plancks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRequest {
	/// Price of an input token.
	pub input: String,
	/// Price of an output token.
	pub output: String,
}

/// The `attesta` namespace.
#[rpc(server, namespace = "attesta")]
pub trait MarketApi {
	/// What a job would cost now: `{ providers, cost }`, or the runtime's named error
	/// (`Jobs.NoEligibleProvider`, …) as the error message.
	#[method(name = "quote")]
	fn quote(&self, request: QuoteRequest, at: Option<H256>) -> RpcResult<Value>;

	/// The providers serving a model: prices, region, stake, capacity, reputation.
	#[method(name = "providers")]
	fn providers(&self, model: u32, at: Option<H256>) -> RpcResult<Value>;

	/// Every registered model: limits, class, verification rule, whether it takes new jobs.
	#[method(name = "models")]
	fn models(&self, at: Option<H256>) -> RpcResult<Value>;

	/// The governed market settings.
	#[method(name = "settings")]
	fn settings(&self, at: Option<H256>) -> RpcResult<Value>;

	/// A job with its stage, result and audit; `null` once pruned or never submitted.
	#[method(name = "job")]
	fn job(&self, job_id: u64, at: Option<H256>) -> RpcResult<Value>;

	/// Follows a job on the best chain: the job (as `attesta_job` gives it) now and at every
	/// change, as `attesta_jobUpdate` notifications; the last one has `"ended": true` (settled,
	/// rejected, expired, cancelled) or is `null` (pruned, or no such job).
	#[subscription(name = "subscribeJob" => "jobUpdate", unsubscribe = "unsubscribeJob", item = Value)]
	async fn subscribe_job(&self, job_id: u64) -> SubscriptionResult;
}

/// Serves [`MarketApiServer`] from a client.
pub struct Market<C> {
	client: Arc<C>,
}

impl<C> Market<C> {
	/// The namespace over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

fn call_failed(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(CALL_FAILED, format!("runtime call failed: {e}"), None::<()>)
}

fn refused(message: String) -> ErrorObjectOwned {
	ErrorObject::owned(REFUSED, message, None::<()>)
}

fn amount(a: Balance) -> Value {
	Value::String(a.to_string())
}

fn parse_amount(s: &str, what: &str) -> RpcResult<Balance> {
	s.parse().map_err(|_| {
		ErrorObject::owned(
			jsonrpsee::types::error::INVALID_PARAMS_CODE,
			format!("{what}: {s:?} is not a whole number of plancks"),
			None::<()>,
		)
	})
}

fn account(a: &AccountId) -> Value {
	Value::String(a.to_ss58check())
}

fn perbill(p: Perbill) -> Value {
	// Parts per billion, exact.
	json!(p.deconstruct())
}

fn hex(bytes: &[u8]) -> Value {
	Value::String(format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&bytes)))
}

/// A job's prompt bytes as dapps read them: the user's (last) message, the system message
/// (`null`: the model's default) and the earlier turns (`attesta_primitives::prompt`).
fn prompt_json(bytes: &[u8]) -> Value {
	use attesta_primitives::prompt::{parse, Prompt};
	match parse(bytes) {
		Ok(Prompt::Conversation { system, turns }) => {
			let (last, earlier) = turns.split_last().map_or(("", &[][..]), |(l, e)| (l.1, e));
			json!({
				"prompt": last,
				"system": system,
				"history": earlier
					.iter()
					.map(|(role, text)| json!({"role": role.name(), "text": text}))
					.collect::<Vec<_>>(),
			})
		},
		_ => json!({ "prompt": text(bytes), "system": null, "history": [] }),
	}
}

fn text(bytes: &[u8]) -> Value {
	Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn price(p: &Price<Balance>) -> Value {
	json!({ "input": amount(p.input), "output": amount(p.output) })
}

fn provider(p: &ProviderView<AccountId, Balance>) -> Value {
	let r = &p.reputation;
	json!({
		"account": account(&p.who),
		"stake": amount(p.stake),
		"price": price(&p.price),
		"region": text(&p.region),
		"hardware": format!("{:?}", p.hardware),
		"capacity": p.capacity,
		"activeJobs": p.active_jobs,
		"reputation": {
			"jobsCompleted": r.jobs_completed,
			"deadlinesMissed": r.deadlines_missed,
			"checksPassed": r.checks_passed,
			"checksFailed": r.checks_failed,
			"missedInARow": r.missed_in_a_row,
			"totalLatencyBlocks": r.total_latency_blocks,
		},
	})
}

fn model(id: u32, m: &ModelInfo) -> Value {
	let v = &m.verification;
	json!({
		"id": id,
		"name": text(&m.name),
		"architecture": format!("{:?}", m.architecture),
		"weightsSha256": hex(&m.weights_hash),
		"tokenizer": format!("{:?}", m.tokenizer),
		"maxContextTokens": m.max_context_tokens,
		"maxOutputTokens": m.max_output_tokens,
		"class": {
			"compute": format!("{:?}", m.class.compute),
			"engineVersion": m.class.engine_version,
		},
		"verification": {
			"topK": v.top_k,
			"logitToleranceMilli": v.logit_tolerance_milli,
			"sampleTolerancePpm": v.sample_tolerance_ppm,
			"maxMismatchPermille": v.max_mismatch_permille,
		},
		"active": m.active,
	})
}

fn settings(s: &MarketSettings<Balance, BlockNumber>) -> Value {
	json!({
		"initialRate": perbill(s.initial_rate),
		"floorRate": perbill(s.floor_rate),
		"halfRateAfter": s.half_rate_after,
		"committeeSize": s.committee_size,
		"supermajority": perbill(s.supermajority),
		"maxRounds": s.max_rounds,
		"roundLength": s.round_length,
		"providerSlash": perbill(s.provider_slash),
		"checkerSlash": perbill(s.checker_slash),
		"whistleblowerShare": perbill(s.whistleblower_share),
		"checkerBond": amount(s.checker_bond),
		"challengeBond": amount(s.challenge_bond),
		"checkPrice": amount(s.check_price),
		"checkerReward": amount(s.checker_reward),
		"slashDelay": s.slash_delay,
		"minimumStake": amount(s.minimum_stake),
		"maxJobBudget": amount(s.max_job_budget),
		"challengeWindow": s.challenge_window,
		"verificationFeeShare": perbill(s.verification_fee_share),
		"ratesInPartsPerBillion": true,
	})
}

/// The stage a dapp watches: `queued`, `assigned`, `answered`, `checked` (a sample check
/// agreed), `disputed`, then `settled`, `rejected`, `expired` or `cancelled`; and the status
/// fields of that stage.
fn stage(
	status: &JobStatus<AccountId, Balance, BlockNumber>,
	audit: Option<&AuditView<AccountId, Balance, BlockNumber>>,
) -> (&'static str, Value) {
	match status {
		JobStatus::Queued { deadline } => ("queued", json!({ "deadline": deadline })),
		JobStatus::Assigned { provider, assigned_at, deadline, started } => (
			"assigned",
			json!({
				"provider": account(provider),
				"assignedAt": assigned_at,
				"deadline": deadline,
				"started": started,
			}),
		),
		JobStatus::ResultPosted { provider, assigned_at, posted_at, settle_at } => {
			let name = match audit {
				Some(a) if a.dispute.is_some() => "disputed",
				Some(a) if a.accepts > 0 => "checked",
				_ => "answered",
			};
			(
				name,
				json!({
					"provider": account(provider),
					"assignedAt": assigned_at,
					"postedAt": posted_at,
					"settleAt": settle_at,
				}),
			)
		},
		JobStatus::Settled { provider, at, paid, fee, refunded } => (
			"settled",
			json!({
				"provider": account(provider),
				"at": at,
				"paid": amount(*paid),
				"fee": amount(*fee),
				"refunded": amount(*refunded),
			}),
		),
		JobStatus::Rejected { provider, at } =>
			("rejected", json!({ "provider": account(provider), "at": at })),
		JobStatus::Expired { at } => ("expired", json!({ "at": at })),
		JobStatus::Cancelled { at } => ("cancelled", json!({ "at": at })),
	}
}

fn audit(a: &AuditView<AccountId, Balance, BlockNumber>) -> Value {
	let dispute = a.dispute.as_ref().map(|d| {
		let accuser = match &d.accuser {
			Accuser::Checker(c) => json!({ "checker": account(c) }),
			Accuser::Dapp(dapp) => json!({ "dapp": account(dapp) }),
		};
		json!({
			"accuser": accuser,
			"bond": amount(d.bond),
			"round": d.round,
			"roundStarted": d.round_started,
			"roundEnds": d.round_ends,
			"quorum": d.quorum,
			"guilty": d.guilty,
			"innocent": d.innocent,
		})
	});
	json!({
		"checkRate": perbill(a.rate),
		"checksAgreed": a.accepts,
		"settleAt": a.settle_at,
		"dispute": dispute,
	})
}

/// A job as JSON.
pub fn job_json(
	id: u64,
	job: &JobView<AccountId, Balance, BlockNumber>,
	audit_view: Option<&AuditView<AccountId, Balance, BlockNumber>>,
) -> Value {
	let (name, status) = stage(&job.status, audit_view);
	let result = job.result.as_ref().map(|r| {
		json!({
			"inputTokens": r.input_tokens,
			"outputTokens": r.output_tokens,
			"text": text(&r.output_text),
			"commitment": hex(&r.commitment),
		})
	});
	let t = &job.terms;
	let prompt = prompt_json(&job.prompt);
	json!({
		"id": id,
		"owner": account(&job.owner),
		"model": job.model,
		"prompt": prompt["prompt"],
		"system": prompt["system"],
		"history": prompt["history"],
		"params": {
			"maxTokens": job.params.max_tokens,
			"temperatureMilli": job.params.temperature_milli,
			"topPMilli": job.params.top_p_milli,
			"seed": job.params.seed.to_string(),
		},
		"budget": amount(job.budget),
		"deposit": amount(job.deposit),
		"price": price(&job.price),
		"providersTried": job.attempts.iter().map(account).collect::<Vec<_>>(),
		"terms": {
			"challengeWindow": t.challenge_window,
			"verificationFeeShare": perbill(t.verification_fee_share),
			"initialCheckRate": perbill(t.initial_check_rate),
			"floorCheckRate": perbill(t.floor_check_rate),
			"halfRateAfter": t.half_rate_after,
			"providerSlash": perbill(t.provider_slash),
		},
		"stage": name,
		"status": status,
		"ended": !job.status.is_open(),
		"result": result,
		"audit": audit_view.map(audit),
	})
}

impl<C> Market<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: JobsApi<Block, AccountId, Balance, BlockNumber>,
{
	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}

	/// The job and its audit at `at`, as JSON (`null` when there is no such job).
	fn job_at(&self, job_id: u64, at: H256) -> RpcResult<Value> {
		let api = self.client.runtime_api();
		let Some(job) = api.job(at, job_id).map_err(call_failed)? else {
			return Ok(Value::Null);
		};
		let audit_view = if api
			.api_version::<dyn JobsApi<Block, AccountId, Balance, BlockNumber>>(at)
			.map_err(call_failed)?
			.unwrap_or(1) >=
			2
		{
			api.audit(at, job_id).map_err(call_failed)?
		} else {
			None
		};
		Ok(job_json(job_id, &job, audit_view.as_ref()))
	}
}

#[async_trait]
impl<C> MarketApiServer for Market<C>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: JobsApi<Block, AccountId, Balance, BlockNumber>,
{
	fn quote(&self, request: QuoteRequest, at: Option<H256>) -> RpcResult<Value> {
		let at = self.at(at);
		let max_price = match &request.max_price {
			Some(p) => Price {
				input: parse_amount(&p.input, "maxPrice.input")?,
				output: parse_amount(&p.output, "maxPrice.output")?,
			},
			None => Price { input: Balance::MAX, output: Balance::MAX },
		};
		let quote = self
			.client
			.runtime_api()
			.quote(
				at,
				request.model,
				request.prompt_len,
				request.max_tokens,
				max_price,
				request.region.map(String::into_bytes),
			)
			.map_err(call_failed)?;
		match quote {
			Ok((providers, cost)) => Ok(json!({ "providers": providers, "cost": amount(cost) })),
			Err(e) => Err(refused(attesta_runtime::error_name(e))),
		}
	}

	fn providers(&self, model: u32, at: Option<H256>) -> RpcResult<Value> {
		let list = self.client.runtime_api().providers(self.at(at), model).map_err(call_failed)?;
		Ok(Value::Array(list.iter().map(provider).collect()))
	}

	fn models(&self, at: Option<H256>) -> RpcResult<Value> {
		let list = self.client.runtime_api().models(self.at(at)).map_err(call_failed)?;
		Ok(Value::Array(list.iter().map(|(id, m)| model(*id, m)).collect()))
	}

	fn settings(&self, at: Option<H256>) -> RpcResult<Value> {
		let s = self.client.runtime_api().settings(self.at(at)).map_err(call_failed)?;
		Ok(settings(&s))
	}

	fn job(&self, job_id: u64, at: Option<H256>) -> RpcResult<Value> {
		self.job_at(job_id, self.at(at))
	}

	async fn subscribe_job(
		&self,
		pending: PendingSubscriptionSink,
		job_id: u64,
	) -> SubscriptionResult {
		let first = self.job_at(job_id, self.at(None))?;
		let sink = pending.accept().await?;
		let send = |v: &Value| SubscriptionMessage::from_json(v);
		sink.send(send(&first)?).await?;
		if first.is_null() || first["ended"] == Value::Bool(true) {
			return Ok(());
		}
		let mut last = first;
		let mut blocks = self.client.import_notification_stream();
		while let Some(block) = blocks.next().await {
			if !block.is_new_best {
				continue;
			}
			let now = self.job_at(job_id, block.hash)?;
			if now != last {
				sink.send(send(&now)?).await?;
				if now.is_null() || now["ended"] == Value::Bool(true) {
					break;
				}
				last = now;
			}
			if sink.is_closed() {
				break;
			}
		}
		Ok(())
	}
}
