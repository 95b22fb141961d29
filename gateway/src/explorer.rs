//! Read-only market views for the web page (and anyone else): public chain data, so no API key.
//! Each is the node's own `attesta_*` JSON-RPC answer passed through (one JSON shape for the
//! node and the gateway), or a few of them put together.

use crate::{
	jobs::{chain_error, ss58, Gateway},
	openai::ApiError,
};
use attesta_client::chain;
use attesta_runtime::{BlockNumber, Runtime};
use frame_support::storage::StoragePrefixedMap;
use pallet_audits::{PendingSlash, SlashId};
use serde_json::{json, Value};

/// Most jobs `activity` lists.
pub const MAX_RECENT: u64 = 50;

/// Calls the node's `attesta_*` method.
async fn node(gateway: &Gateway, method: &str, params: Vec<Value>) -> Result<Value, ApiError> {
	gateway.ensure_up()?;
	gateway.market().rpc().request(method, params).await.map_err(chain_error)
}

/// The registry: `attesta_models`.
pub async fn models(gateway: &Gateway) -> Result<Value, ApiError> {
	node(gateway, "attesta_models", vec![]).await
}

/// The providers serving the model named `model` (registry name or number):
/// `attesta_providers`.
pub async fn providers(gateway: &Gateway, model: &str) -> Result<Value, ApiError> {
	let (id, _) = gateway.resolve(model).await?;
	let providers = node(gateway, "attesta_providers", vec![json!(id)]).await?;
	Ok(json!({"model": id, "providers": providers}))
}

/// What a job of `prompt_len` bytes and `max_tokens` would cost now: `attesta_quote`.
pub async fn quote(
	gateway: &Gateway,
	model: &str,
	prompt_len: u32,
	max_tokens: u32,
) -> Result<Value, ApiError> {
	let (id, _) = gateway.resolve(model).await?;
	let request = json!({"model": id, "promptLen": prompt_len, "maxTokens": max_tokens});
	node(gateway, "attesta_quote", vec![request]).await
}

/// One job, its result and its audit: `attesta_job`.
pub async fn job(gateway: &Gateway, id: u64) -> Result<Value, ApiError> {
	match node(gateway, "attesta_job", vec![json!(id)]).await? {
		Value::Null => Err(ApiError::new(
			404,
			"invalid_request_error",
			"job_not_found",
			format!("job {id} is not on chain (never submitted, or pruned a day after it ended)"),
		)),
		job => Ok(job),
	}
}

/// The latest `limit` jobs (newest first), the disputes among them, and every pending slash.
pub async fn activity(gateway: &Gateway, limit: u64) -> Result<Value, ApiError> {
	gateway.ensure_up()?;
	let rpc = gateway.market().rpc();
	let next: u64 = chain::storage(rpc, &pallet_jobs::NextJobId::<Runtime>::hashed_key(), None)
		.await
		.map_err(chain_error)?
		.unwrap_or_default();
	let mut jobs = Vec::new();
	for id in (next.saturating_sub(limit.min(MAX_RECENT))..next).rev() {
		match node(gateway, "attesta_job", vec![json!(id)]).await? {
			Value::Null => {},
			job => jobs.push(job),
		}
	}
	let disputes: Vec<Value> = jobs
		.iter()
		.filter_map(|j| {
			let dispute = j.pointer("/audit/dispute").filter(|d| !d.is_null())?;
			Some(json!({"job": j.get("id"), "dispute": dispute}))
		})
		.collect();
	let prefix = pallet_audits::PendingSlashes::<Runtime>::final_prefix();
	let mut slashes = Vec::new();
	for key in chain::storage_keys(rpc, &prefix).await.map_err(chain_error)? {
		// Twox64Concat: 8 hash bytes, then the id.
		let Some(mut id_bytes) = key.get(prefix.len().saturating_add(8)..) else { continue };
		let Ok(id) = <SlashId as codec::Decode>::decode(&mut id_bytes) else { continue };
		let slash: Option<PendingSlash<attesta_runtime::AccountId, BlockNumber>> =
			chain::storage(rpc, &key, None).await.map_err(chain_error)?;
		if let Some(s) = slash {
			slashes.push(json!({
				"id": id,
				"offender": ss58(&s.offender),
				"from": format!("{:?}", s.from),
				"fractionPerBillion": s.fraction.deconstruct(),
				"job": s.job,
				"executeAt": s.execute_at,
			}));
		}
	}
	Ok(json!({
		"bestBlock": gateway.best_block()?,
		"nextJobId": next,
		"jobs": jobs,
		"disputes": disputes,
		"pendingSlashes": slashes,
	}))
}
