//! JSON-RPC over WebSocket that survives a flaky node: every request is retried with exponential
//! backoff and jitter, and a broken connection fails over to the next endpoint in the list.
//! Waits for new blocks sleep on the node's own announcements ([`Rpc::heads`]), one
//! subscription per connection however many waits share it.

use crate::{Error, Result};
use core::future::Future;
use jsonrpsee::{
	core::{
		client::{ClientT, SubscriptionClientT},
		params::ArrayParams,
		ClientError,
	},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::{
	sync::{Arc, OnceLock},
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{watch, Mutex};

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
	connection: Arc<Connection>,
	/// The best block number as the node last announced it; the task that follows the
	/// announcements starts with the first wait and ends when the last wait and this are gone.
	best: OnceLock<watch::Receiver<u32>>,
}

/// The endpoints and the client in use: shared with the task that follows new heads.
struct Connection {
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
		let connection = Arc::new(Connection {
			endpoints: endpoints.to_vec(),
			policy,
			current: Mutex::new((0, None)),
		});
		connection.client().await?;
		Ok(Self { connection, best: OnceLock::new() })
	}

	/// The endpoint currently in use.
	pub async fn endpoint(&self) -> String {
		let c = &self.connection;
		let index = c.current.lock().await.0;
		c.endpoints.get(index).cloned().unwrap_or_default()
	}

	/// Calls `method` with `params`; transport failures are retried on the next endpoint, an
	/// error answered by a node is returned as [`Error::Rpc`].
	pub async fn request<R: DeserializeOwned>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> Result<R> {
		let c = &self.connection;
		let mut last = String::new();
		for attempt in 0..c.policy.attempts {
			let client = match c.client().await {
				Ok(client) => client,
				Err(e) => {
					last = e.to_string();
					continue;
				},
			};
			match client.request::<R, _>(method, array_params(&params)?).await {
				Ok(v) => return Ok(v),
				Err(e) if is_transport(&e) => {
					last = format!("{method}: {e}");
					c.fail_over(&client).await;
					tokio::time::sleep(c.policy.delay(attempt)).await;
				},
				Err(e) => return Err(Error::Rpc(format!("{method}: {e}"))),
			}
		}
		Err(Error::Unreachable(last))
	}

	/// The node's new best blocks, to wait on. Within a tokio runtime: the first call starts
	/// the task that holds the connection's one `chain_subscribeNewHeads` subscription.
	pub fn heads(&self) -> Heads<'_> {
		let best = self.best.get_or_init(|| {
			let (tx, rx) = watch::channel(0);
			tokio::spawn(follow_heads(self.connection.clone(), tx));
			rx
		});
		Heads { rpc: self, best: best.clone() }
	}
}

/// Waits for the node's new best blocks.
pub struct Heads<'a> {
	rpc: &'a Rpc,
	best: watch::Receiver<u32>,
}

/// How long a wait trusts a silent subscription: two slots. After that it asks the node
/// itself, which also tells a node that is gone (an error) from a chain that stalled.
const QUIET: Duration = Duration::from_secs(12);

impl Heads<'_> {
	/// The number of the best block, as soon as it differs from what the last call returned
	/// (the first call answers at once); `None` when `deadline` passes first.
	pub async fn next(&mut self, deadline: Instant) -> Result<Option<u32>> {
		let now = Instant::now();
		if now >= deadline {
			return Ok(None);
		}
		let quiet_until = deadline.min(now + QUIET);
		match tokio::time::timeout_at(quiet_until.into(), self.best.changed()).await {
			Ok(Ok(())) => return Ok(Some(*self.best.borrow_and_update())),
			// The follower is gone, which only a bug could do (it runs while anyone waits):
			// wait as for a silent one rather than spin.
			Ok(Err(_)) => tokio::time::sleep_until(quiet_until.into()).await,
			// Silent for two slots: ask the node itself.
			Err(_) => {},
		}
		if Instant::now() >= deadline {
			return Ok(None);
		}
		header_number(&self.rpc.request("chain_getHeader", vec![]).await?).map(Some)
	}
}

/// Keeps one subscription to new heads on the connection's current endpoint, made again
/// after a failover (the node announces its best head first, so nothing between is missed),
/// and publishes each head's number until no one waits any more.
async fn follow_heads(connection: Arc<Connection>, best: watch::Sender<u32>) {
	let mut attempt = 0;
	loop {
		let client = tokio::select! {
			() = best.closed() => return,
			client = connection.client() => client,
		};
		let retry = connection.policy.delay(attempt);
		attempt = attempt.saturating_add(1);
		// `client` retried every endpoint already: wait, then start over.
		let Ok(client) = client else {
			tokio::time::sleep(retry).await;
			continue;
		};
		let subscribed = client
			.subscribe::<Value, _>(
				"chain_subscribeNewHeads",
				rpc_params![],
				"chain_unsubscribeNewHeads",
			)
			.await;
		let mut heads = match subscribed {
			Ok(heads) => heads,
			Err(e) => {
				if is_transport(&e) {
					connection.fail_over(&client).await;
				}
				tokio::time::sleep(retry).await;
				continue;
			},
		};
		attempt = 0;
		loop {
			tokio::select! {
				() = best.closed() => return,
				head = heads.next() => match head {
					Some(Ok(header)) =>
						if let Ok(number) = header_number(&header) {
							best.send_replace(number);
						},
					Some(Err(_)) => {},
					// The connection went: on to the next endpoint.
					None => {
						connection.fail_over(&client).await;
						break;
					},
				},
			}
		}
	}
}

/// The number in a JSON header.
pub(crate) fn header_number(header: &Value) -> Result<u32> {
	let n = header["number"]
		.as_str()
		.ok_or_else(|| Error::Decode(format!("header without number: {header}")))?;
	u32::from_str_radix(n.trim_start_matches("0x"), 16).map_err(|e| Error::Decode(e.to_string()))
}

impl Connection {
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

#[cfg(test)]
mod tests {
	use super::*;
	use jsonrpsee::{
		core::SubscriptionResult,
		server::{Server, ServerHandle},
		RpcModule, SubscriptionMessage,
	};
	use serde_json::json;
	use tokio::sync::mpsc;

	/// A stand-in node whose subscribers are announced each head number the test sends.
	async fn node() -> (String, ServerHandle, mpsc::UnboundedSender<u32>) {
		let (tx, rx) = mpsc::unbounded_channel::<u32>();
		let rx = Arc::new(Mutex::new(rx));
		let mut module = RpcModule::new(());
		module
			.register_subscription(
				"chain_subscribeNewHeads",
				"chain_newHead",
				"chain_unsubscribeNewHeads",
				move |_, pending, _, _| {
					let rx = rx.clone();
					async move {
						let sink = pending.accept().await?;
						while let Some(n) = rx.lock().await.recv().await {
							let head = json!({ "number": format!("0x{n:x}") });
							sink.send(SubscriptionMessage::from_json(&head)?).await?;
						}
						SubscriptionResult::Ok(())
					}
				},
			)
			.expect("registers");
		let server = Server::builder().build("127.0.0.1:0").await.expect("binds");
		let url = format!("ws://{}", server.local_addr().expect("bound"));
		(url, server.start(module), tx)
	}

	fn soon() -> Instant {
		Instant::now() + Duration::from_secs(5)
	}

	/// Waits wake on the node's announcements, many waits share one subscription, a wait with
	/// nothing announced ends at its deadline, and when the node goes away the subscription is
	/// made again on the next endpoint.
	#[tokio::test]
	async fn waits_follow_announced_heads_across_a_failover() {
		let (a, a_server, a_heads) = node().await;
		let (b, _b_server, b_heads) = node().await;
		let policy = RetryPolicy {
			base_delay: Duration::from_millis(10),
			max_delay: Duration::from_millis(50),
			..RetryPolicy::default()
		};
		let rpc = Rpc::connect(&[a, b.clone()], policy).await.expect("connects");
		let mut first = rpc.heads();
		let mut second = rpc.heads();
		a_heads.send(5).expect("node a runs");
		assert_eq!(first.next(soon()).await.expect("no error"), Some(5));
		assert_eq!(second.next(soon()).await.expect("no error"), Some(5), "the same announcement");
		let quick = Instant::now() + Duration::from_millis(300);
		assert_eq!(first.next(quick).await.expect("no error"), None, "nothing new by the deadline");
		a_heads.send(6).expect("node a runs");
		assert_eq!(first.next(soon()).await.expect("no error"), Some(6));

		a_server.stop().expect("stops");
		a_server.stopped().await;
		b_heads.send(7).expect("node b runs");
		assert_eq!(first.next(soon()).await.expect("no error"), Some(7), "announced by b");
		assert_eq!(rpc.endpoint().await, b);
		assert_eq!(second.next(soon()).await.expect("no error"), Some(7), "6 and 7 seen as one");
	}
}
