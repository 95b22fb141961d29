//! JSON-RPC over WebSocket that survives a flaky node: every request is retried with exponential
//! backoff and jitter, and a broken connection fails over to the next endpoint in the list.

use crate::{Error, Result};
use core::future::Future;
use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams, ClientError},
	ws_client::{WsClient, WsClientBuilder},
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::{
	sync::Arc,
	time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::Mutex;

/// How hard to try before giving up on the endpoints.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
	/// Tries per request, over all endpoints.
	pub attempts: u32,
	/// Wait before the first retry; doubles with each further one.
	pub base_delay: Duration,
	/// Longest wait between two tries.
	pub max_delay: Duration,
	/// Time one request may take before it counts as failed.
	pub request_timeout: Duration,
}

impl Default for RetryPolicy {
	fn default() -> Self {
		Self {
			attempts: 8,
			base_delay: Duration::from_millis(250),
			max_delay: Duration::from_secs(8),
			request_timeout: Duration::from_secs(30),
		}
	}
}

impl RetryPolicy {
	/// The wait before retry number `attempt` (0-based): `base × 2^attempt`, capped, with
	/// ±50 % jitter so that many clients do not retry in step.
	pub fn delay(&self, attempt: u32) -> Duration {
		let exp = self
			.base_delay
			.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX));
		let capped = exp.min(self.max_delay);
		// Jitter from the clock's nanoseconds: no shared state, good enough to spread retries.
		let nanos = SystemTime::now()
			.duration_since(UNIX_EPOCH)
			.map(|d| d.subsec_nanos())
			.unwrap_or(0);
		let factor = 0.5 + f64::from(nanos % 1_000) / 1_000.0;
		capped.mul_f64(factor)
	}
}

/// A connection to one of several equivalent nodes.
pub struct Rpc {
	endpoints: Vec<String>,
	policy: RetryPolicy,
	/// Index of the endpoint in use and its client, if connected.
	current: Mutex<(usize, Option<Arc<WsClient>>)>,
}

/// Whether an error means the connection is gone (retry elsewhere) rather than an answer.
fn is_transport(e: &ClientError) -> bool {
	matches!(
		e,
		ClientError::Transport(_) | ClientError::RestartNeeded(_) | ClientError::RequestTimeout
	)
}

impl Rpc {
	/// Connects to the first endpoint that answers, trying each in turn with the policy's
	/// backoff.
	pub async fn connect(endpoints: &[String], policy: RetryPolicy) -> Result<Self> {
		if endpoints.is_empty() {
			return Err(Error::Unreachable("no endpoint given".into()));
		}
		let rpc = Self { endpoints: endpoints.to_vec(), policy, current: Mutex::new((0, None)) };
		rpc.client().await.map(|_| rpc)
	}

	/// The endpoint currently in use.
	pub async fn endpoint(&self) -> String {
		let index = self.current.lock().await.0;
		self.endpoints.get(index).cloned().unwrap_or_default()
	}

	/// The live client, connecting (and failing over) as needed.
	async fn client(&self) -> Result<Arc<WsClient>> {
		let mut current = self.current.lock().await;
		if let Some(c) = &current.1 {
			if c.is_connected() {
				return Ok(c.clone());
			}
		}
		let mut last = String::new();
		for attempt in 0..self.policy.attempts {
			let index = current.0 % self.endpoints.len();
			let url = self.endpoints.get(index).cloned().unwrap_or_default();
			match WsClientBuilder::default()
				.request_timeout(self.policy.request_timeout)
				.build(&url)
				.await
			{
				Ok(c) => {
					let c = Arc::new(c);
					*current = (index, Some(c.clone()));
					return Ok(c);
				},
				Err(e) => {
					last = format!("{url}: {e}");
					current.0 = index.wrapping_add(1);
					tokio::time::sleep(self.policy.delay(attempt)).await;
				},
			}
		}
		Err(Error::Unreachable(last))
	}

	/// Drops `broken` if it is still the current client and moves to the next endpoint.
	async fn fail_over(&self, broken: &Arc<WsClient>) {
		let mut current = self.current.lock().await;
		if current.1.as_ref().is_some_and(|c| Arc::ptr_eq(c, broken)) {
			current.1 = None;
			current.0 = current.0.wrapping_add(1);
		}
	}

	/// Calls `method` with `params`; transport failures are retried on the next endpoint, an
	/// error answered by a node is returned as [`Error::Rpc`].
	pub async fn request<R: DeserializeOwned>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> Result<R> {
		let mut last = String::new();
		for attempt in 0..self.policy.attempts {
			let client = match self.client().await {
				Ok(c) => c,
				Err(e) => {
					last = e.to_string();
					continue;
				},
			};
			match client.request::<R, _>(method, array_params(&params)?).await {
				Ok(v) => return Ok(v),
				Err(e) if is_transport(&e) => {
					last = format!("{method}: {e}");
					self.fail_over(&client).await;
					tokio::time::sleep(self.policy.delay(attempt)).await;
				},
				Err(e) => return Err(Error::Rpc(format!("{method}: {e}"))),
			}
		}
		Err(Error::Unreachable(last))
	}
}

fn array_params(params: &[Value]) -> Result<ArrayParams> {
	let mut array = ArrayParams::new();
	for p in params {
		array.insert(p).map_err(|e| Error::Rpc(e.to_string()))?;
	}
	Ok(array)
}

/// What answers JSON-RPC requests: the failing-over [`Rpc`] a dapp uses, or one plain
/// connection (what the end-to-end tests hold to each node). The chain reads of
/// [`crate::chain`] take either, so there is one implementation of each.
pub trait Requester: Sync {
	/// Calls `method` with `params` and decodes the answer as `R`.
	fn call<R: DeserializeOwned + Send>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> impl Future<Output = Result<R>> + Send;
}

impl Requester for Rpc {
	async fn call<R: DeserializeOwned + Send>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> Result<R> {
		self.request(method, params).await
	}
}

/// One try on one connection: a broken connection is [`Error::Unreachable`], an error the node
/// answered [`Error::Rpc`].
impl Requester for WsClient {
	async fn call<R: DeserializeOwned + Send>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> Result<R> {
		match self.request::<R, _>(method, array_params(&params)?).await {
			Ok(v) => Ok(v),
			Err(e) if is_transport(&e) => Err(Error::Unreachable(format!("{method}: {e}"))),
			Err(e) => Err(Error::Rpc(format!("{method}: {e}"))),
		}
	}
}
