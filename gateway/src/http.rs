//! The HTTP side: hyper's HTTP/1.1 server, the routes, the OpenAI reply shapes and the
//! server-sent events of a streamed completion.

use crate::{
	explorer,
	jobs::{hex, ss58, unix_now, Answered, Gateway, Plan, Stage},
	limit::RateLimit,
	openai::{ApiError, ChatRequest, Wait},
};
use attesta_client::{Settlement, Submitted, Verdict};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
use hyper::{
	body::Incoming,
	header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE},
	server::conn::http1,
	service::service_fn,
	Method, Request, Response, StatusCode,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use std::{
	convert::Infallible,
	pin::Pin,
	sync::Arc,
	task::{Context, Poll},
	time::{Duration, Instant},
};
use tokio::{net::TcpListener, sync::mpsc};

/// Largest request body accepted (prompts are at most 8 KiB on chain).
const MAX_BODY: usize = 1 << 20;
/// Header naming what to wait for, as an alternative to the body's `attesta.wait`.
pub const WAIT_HEADER: &str = "x-attesta-wait";
/// A comment line sent this often on a quiet stream keeps proxies from closing it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A reply body: all at once, or server-sent events as they come.
pub enum Body {
	/// The whole body (taken when sent).
	Full(Option<Bytes>),
	/// Event frames; the stream ends when the sender is dropped.
	Events(mpsc::Receiver<Bytes>),
}

impl http_body::Body for Body {
	type Data = Bytes;
	type Error = Infallible;

	fn poll_frame(
		self: Pin<&mut Self>,
		cx: &mut Context<'_>,
	) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
		match self.get_mut() {
			Self::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
			Self::Events(rx) => rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
		}
	}

	fn is_end_stream(&self) -> bool {
		matches!(self, Self::Full(None))
	}

	fn size_hint(&self) -> SizeHint {
		match self {
			Self::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
			Self::Full(None) => SizeHint::with_exact(0),
			Self::Events(_) => SizeHint::default(),
		}
	}
}

/// Serves `gateway` on `listener` until the process ends; `limit`, if any, rate-limits each
/// client address on the read-only views.
pub async fn serve(listener: TcpListener, gateway: Arc<Gateway>, limit: Option<Arc<RateLimit>>) {
	loop {
		let (stream, peer) = match listener.accept().await {
			Ok(s) => s,
			Err(e) => {
				// Out of file descriptors and the like: wait, then go on serving.
				eprintln!("accept failed: {e}");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			},
		};
		let _ = stream.set_nodelay(true);
		let gateway = gateway.clone();
		let limit = limit.clone();
		tokio::spawn(async move {
			let service = service_fn(move |req| {
				let gateway = gateway.clone();
				let limit = limit.clone();
				async move { Ok::<_, Infallible>(route(gateway, limit, peer.ip(), req).await) }
			});
			// The timer puts hyper's default 30 s limit on reading a request's headers. A client
			// that goes away mid-request is its own business.
			let _ = http1::Builder::new()
				.timer(TokioTimer::new())
				.serve_connection(TokioIo::new(stream), service)
				.await;
		});
	}
}

fn json_response(status: u16, body: &Value) -> Response<Body> {
	let mut r = Response::new(Body::Full(Some(Bytes::from(body.to_string()))));
	*r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
	r.headers_mut()
		.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
	cors(r)
}

fn error_response(e: &ApiError) -> Response<Body> {
	let mut r = json_response(e.status, &e.body());
	let retry = if e.retryable() { "true" } else { "false" };
	r.headers_mut().insert("x-should-retry", HeaderValue::from_static(retry));
	r
}

/// 429 in OpenAI's error shape, with `Retry-After` (whole seconds, at least 1).
fn rate_limited(wait: Duration) -> Response<Body> {
	let e = ApiError::new(
		429,
		"rate_limit_error",
		"rate_limit_exceeded",
		format!(
			"too many requests to the market views from this address; retry in {} ms",
			wait.as_millis()
		),
	);
	let mut r = error_response(&e);
	let seconds = wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1);
	if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
		r.headers_mut().insert("retry-after", v);
	}
	r
}

fn cors(mut r: Response<Body>) -> Response<Body> {
	let h = r.headers_mut();
	h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
	h.insert(
		"access-control-allow-headers",
		HeaderValue::from_static("authorization, content-type, x-attesta-wait"),
	);
	h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, OPTIONS"));
	r
}

async fn route(
	gateway: Arc<Gateway>,
	limit: Option<Arc<RateLimit>>,
	client: std::net::IpAddr,
	req: Request<Incoming>,
) -> Response<Body> {
	let path = req.uri().path().trim_end_matches('/').to_string();
	let method = req.method().clone();
	if method == Method::OPTIONS {
		let mut r = cors(Response::new(Body::Full(None)));
		*r.status_mut() = StatusCode::NO_CONTENT;
		return r;
	}
	let query = req.uri().query().map(parse_query).unwrap_or_default();
	let result = match (&method, path.as_str()) {
		(&Method::GET, "" | "/index.html") => return page(),
		(&Method::GET, "/health") => health(&gateway).await,
		(&Method::GET, p) if p.starts_with("/v1/attesta/") => {
			if let Some(Err(wait)) = limit.map(|l| l.take(client, std::time::Instant::now())) {
				return rate_limited(wait);
			}
			explore(&gateway, p, &query).await
		},
		(&Method::POST, "/v1/chat/completions") => return chat(gateway, req).await,
		(&Method::GET, "/v1/models") => match authorized(&gateway, &req) {
			Ok(_) => list_models(&gateway).await,
			Err(e) => Err(e),
		},
		(&Method::GET, p) if p.starts_with("/v1/models/") => match authorized(&gateway, &req) {
			Ok(_) =>
				one_model(&gateway, &percent_decode(p.trim_start_matches("/v1/models/"))).await,
			Err(e) => Err(e),
		},
		(_, "/health" | "/v1/models" | "/v1/chat/completions") => Err(ApiError::new(
			405,
			"invalid_request_error",
			"method_not_allowed",
			format!("{method} is not allowed on {path}"),
		)),
		_ => Err(ApiError::new(
			404,
			"invalid_request_error",
			"unknown_url",
			format!("no route {method} {path}: try GET /v1/models or POST /v1/chat/completions"),
		)),
	};
	match result {
		Ok(body) => json_response(200, &body),
		Err(e) => error_response(&e),
	}
}

/// The read-only `GET /v1/attesta/*` views ([`explorer`]).
async fn explore(
	gateway: &Gateway,
	path: &str,
	query: &std::collections::HashMap<String, String>,
) -> Result<Value, ApiError> {
	match path {
		"/v1/attesta/models" => explorer::models(gateway).await,
		"/v1/attesta/providers" => explorer::providers(gateway, &param(query, "model")?).await,
		"/v1/attesta/quote" =>
			explorer::quote(
				gateway,
				&param(query, "model")?,
				number(query, "prompt_len")?,
				number(query, "max_tokens")?,
			)
			.await,
		"/v1/attesta/activity" => {
			let limit = if query.contains_key("limit") { number(query, "limit")? } else { 20 };
			explorer::activity(gateway, u64::from(limit)).await
		},
		p => match p.strip_prefix("/v1/attesta/jobs/").map(str::parse::<u64>) {
			Some(Ok(id)) => explorer::job(gateway, id).await,
			Some(Err(_)) => Err(ApiError::bad_request("invalid_job_id", "a job id is a number")),
			None => Err(ApiError::new(
				404,
				"invalid_request_error",
				"unknown_url",
				format!(
					"no route GET {p}: the views are /v1/attesta/models, providers?model=, \
					 quote?model=&prompt_len=&max_tokens=, jobs/{{id}} and activity?limit="
				),
			)),
		},
	}
}

/// The web page: one static file, no build step.
fn page() -> Response<Body> {
	let mut r = Response::new(Body::Full(Some(Bytes::from_static(PAGE.as_bytes()))));
	r.headers_mut()
		.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
	r
}

/// The page [`page`] serves.
const PAGE: &str = include_str!("page.html");

/// A query string's parameters, percent-decoded.
fn parse_query(q: &str) -> std::collections::HashMap<String, String> {
	q.split('&')
		.filter(|p| !p.is_empty())
		.map(|p| {
			let (k, v) = p.split_once('=').unwrap_or((p, ""));
			(percent_decode(k), percent_decode(v))
		})
		.collect()
}

/// A required query parameter.
fn param(
	query: &std::collections::HashMap<String, String>,
	name: &str,
) -> Result<String, ApiError> {
	query.get(name).cloned().ok_or_else(|| {
		ApiError::bad_request("missing_parameter", format!("the query needs `{name}`"))
	})
}

/// A required query parameter that is a number.
fn number(query: &std::collections::HashMap<String, String>, name: &str) -> Result<u32, ApiError> {
	param(query, name)?.parse().map_err(|_| {
		ApiError::bad_request("invalid_parameter", format!("`{name}` must be a whole number"))
	})
}

fn authorized(gateway: &Gateway, req: &Request<Incoming>) -> Result<usize, ApiError> {
	let header = req.headers().get(AUTHORIZATION).and_then(|h| h.to_str().ok());
	gateway.authenticate(header)
}

async fn health(gateway: &Gateway) -> Result<Value, ApiError> {
	let best = gateway.best_block()?;
	Ok(json!({"status": "ok", "best_block": best, "spec_version": gateway.spec_version()}))
}

fn model_json(id: u32, m: &pallet_models::ModelInfo, providers: Option<usize>) -> Value {
	json!({
		"id": String::from_utf8_lossy(&m.name),
		"object": "model",
		"created": 0,
		"owned_by": "attesta",
		"attesta": {
			"model_id": id,
			"active": m.active,
			"weights_sha256": hex(&m.weights_hash),
			"max_context_tokens": m.max_context_tokens,
			"max_output_tokens": m.max_output_tokens,
			"providers": providers,
		},
	})
}

/// The registry's active models (a retired one is still found by `GET /v1/models/{id}`).
async fn list_models(gateway: &Gateway) -> Result<Value, ApiError> {
	let mut data = Vec::new();
	for (id, m) in gateway.models().await? {
		if m.active {
			let providers = gateway.provider_count(id).await.ok();
			data.push(model_json(id, &m, providers));
		}
	}
	Ok(json!({"object": "list", "data": data}))
}

async fn one_model(gateway: &Gateway, name: &str) -> Result<Value, ApiError> {
	let by_number = name.parse::<u32>().ok();
	let found = gateway
		.models()
		.await?
		.into_iter()
		.find(|(id, m)| m.name.as_slice() == name.as_bytes() || Some(*id) == by_number);
	match found {
		Some((id, m)) => {
			let providers = gateway.provider_count(id).await.ok();
			Ok(model_json(id, &m, providers))
		},
		None => Err(ApiError::model_not_found(name, "is not in the chain's model registry")),
	}
}

/// `%20` and the like in a path segment (model names have spaces).
fn percent_decode(s: &str) -> String {
	let bytes = s.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0usize;
	while let Some(&b) = bytes.get(i) {
		let hex = bytes.get(i.saturating_add(1)..i.saturating_add(3));
		let decoded = hex
			.filter(|_| b == b'%')
			.and_then(|h| std::str::from_utf8(h).ok())
			.and_then(|h| u8::from_str_radix(h, 16).ok());
		match decoded {
			Some(d) => {
				out.push(d);
				i = i.saturating_add(3);
			},
			None => {
				out.push(if b == b'+' { b' ' } else { b });
				i = i.saturating_add(1);
			},
		}
	}
	String::from_utf8_lossy(&out).into_owned()
}

/// Timings of one request, for the reply's extras and the bench.
#[derive(Clone, Copy, Debug)]
struct Clock {
	received: Instant,
	in_pool: Option<Instant>,
	answer_seen: Option<Instant>,
	settled_seen: Option<Instant>,
}

impl Clock {
	/// Time the gateway itself spent: from the request to the node's pool accepting the job,
	/// and from seeing what the caller waits for (answer or settlement) to the reply; blocks and
	/// inference excluded.
	fn overhead(&self, wait: Wait, now: Instant) -> Option<Duration> {
		let before = self.in_pool?.saturating_duration_since(self.received);
		let seen = match wait {
			Wait::Answer => self.answer_seen?,
			Wait::Settled => self.settled_seen?,
		};
		Some(before.saturating_add(now.saturating_duration_since(seen)))
	}
}

fn ms(d: Duration) -> f64 {
	(d.as_secs_f64() * 1e6).round() / 1e3
}

/// Everything a reply says about the job, beyond OpenAI's fields.
struct JobReport {
	wait: Wait,
	/// The job's transaction, once in the node's pool.
	tx: Option<sp_core::H256>,
	plan: Plan,
	job: Option<Submitted>,
	answer: Option<Answered>,
	settlement: Option<Settlement>,
	budget_left: Option<u128>,
	clock: Clock,
}

impl JobReport {
	fn stage(&self) -> &'static str {
		if self.settlement.is_some() {
			"settled"
		} else if self.answer.is_some() {
			"answered"
		} else if self.job.is_some() {
			"assigned"
		} else {
			"submitted"
		}
	}

	fn extras(&self) -> Value {
		let now = Instant::now();
		let since = |t: Instant| ms(t.saturating_duration_since(self.clock.received));
		let amount = |b: u128| json!(b.to_string());
		let mut x = serde_json::Map::new();
		let mut set = |k: &str, v: Value| {
			x.insert(k.into(), v);
		};
		set("stage", json!(self.stage()));
		set("tx", json!(self.tx.map(|t| hex(t.as_bytes()))));
		set("wait", json!(if self.wait == Wait::Answer { "answer" } else { "settled" }));
		set("model_id", json!(self.plan.model));
		set(
			"params",
			json!({
				"max_tokens": self.plan.params.max_tokens,
				"temperature_milli": self.plan.params.temperature_milli,
				"top_p_milli": self.plan.params.top_p_milli,
				"seed": self.plan.params.seed,
			}),
		);
		set("escrow", amount(self.plan.escrow));
		set("budget_left", self.budget_left.map_or(Value::Null, amount));
		if let Some(job) = &self.job {
			set("job_id", json!(job.job_id));
			set("submitted_block", json!(job.block));
			if let Some((provider, price)) = &job.provider {
				set("provider", json!(ss58(provider)));
				set("price", json!({"input": amount(price.input), "output": amount(price.output)}));
			}
		}
		if let Some(a) = &self.answer {
			set("provider", json!(ss58(&a.answer.provider)));
			set("commitment", json!(hex(&a.commitment)));
			set("answer_block", json!(a.answer.block));
			set("price", json!({"input": amount(a.price.input), "output": amount(a.price.output)}));
			set("cost", amount(a.cost()));
			set("verification", json!({"state": "pending", "challengeable_until": a.settle_at}));
		}
		if let Some(s) = &self.settlement {
			set("settled_block", json!(s.block));
			set("paid", amount(s.paid));
			set("fee", amount(s.fee));
			set("refunded", amount(s.refunded));
			set("cost", amount(s.paid.saturating_add(s.fee)));
			set("verification", s.verdict.json());
			if !s.missed.is_empty() {
				set("missed_deadline", json!(s.missed.iter().map(ss58).collect::<Vec<_>>()));
			}
		}
		set(
			"timings",
			json!({
				"gateway_ms": self.clock.overhead(self.wait, now).map(ms),
				"to_pool_ms": self.clock.in_pool.map(since),
				"to_answer_ms": self.clock.answer_seen.map(since),
				"to_settlement_ms": self.clock.settled_seen.map(since),
				"total_ms": since(now),
			}),
		);
		Value::Object(x)
	}

	fn finish_reason(&self) -> &'static str {
		match &self.answer {
			Some(a) if a.answer.output_tokens >= self.plan.params.max_tokens => "length",
			_ => "stop",
		}
	}

	fn usage(&self) -> Value {
		let (prompt, completion) = self
			.answer
			.as_ref()
			.map_or((0, 0), |a| (a.input_tokens, a.answer.output_tokens));
		json!({
			"prompt_tokens": prompt,
			"completion_tokens": completion,
			"total_tokens": prompt.saturating_add(completion),
		})
	}

	fn id(&self) -> String {
		match &self.job {
			Some(j) => format!("chatcmpl-attesta-{}", j.job_id),
			None => "chatcmpl-attesta-pending".into(),
		}
	}

	/// A result a dispute rejected: the reply must not pass it off as good.
	fn rejected(&self) -> Option<ApiError> {
		let s = self.settlement.as_ref()?;
		matches!(s.verdict, Verdict::FoundBad | Verdict::Undecided).then(|| {
			ApiError::new(
				502,
				"server_error",
				"result_rejected",
				format!(
					"the provider's answer was rejected by a dispute ({}); {} refunded",
					s.verdict.json().get("state").and_then(Value::as_str).unwrap_or_default(),
					s.refunded
				),
			)
		})
	}
}

/// `POST /v1/chat/completions`.
async fn chat(gateway: Arc<Gateway>, req: Request<Incoming>) -> Response<Body> {
	let received = Instant::now();
	let key = match authorized(&gateway, &req) {
		Ok(k) => k,
		Err(e) => return error_response(&e),
	};
	let header_wait = req.headers().get(WAIT_HEADER).map(|v| v.to_str().unwrap_or("?").to_owned());
	let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
		Ok(b) => b.to_bytes(),
		Err(e) =>
			return error_response(&ApiError::new(
				413,
				"invalid_request_error",
				"request_too_large",
				format!("the request body could not be read (at most {MAX_BODY} bytes): {e}"),
			)),
	};
	let request = match ChatRequest::parse(&body) {
		Ok(r) => r,
		Err(e) => return error_response(&e),
	};
	let wait = match (request.wait, header_wait.as_deref().map(Wait::parse)) {
		(Some(w), _) => w,
		(None, Some(Ok(w))) => w,
		(None, Some(Err(e))) => return error_response(&e),
		(None, None) => Wait::Answer,
	};
	let plan = match gateway.plan(&request).await {
		Ok(p) => p,
		Err(e) => return error_response(&e),
	};
	let reservation = match gateway.reserve(key, &plan) {
		Ok(r) => r,
		Err(e) => return error_response(&e),
	};
	let (tx, mut stages) = mpsc::unbounded_channel();
	tokio::spawn(gateway.clone().run(key, plan.clone(), reservation, tx));
	let mut report = JobReport {
		wait,
		tx: None,
		plan,
		job: None,
		answer: None,
		settlement: None,
		budget_left: None,
		clock: Clock { received, in_pool: None, answer_seen: None, settled_seen: None },
	};
	// Until the node's pool has the transaction, a failure still gets its own HTTP status.
	match stages.recv().await {
		Some(Stage::Submitted { tx, at }) => {
			report.tx = Some(tx);
			report.clock.in_pool = Some(at);
		},
		Some(Stage::Failed(e)) => return error_response(&e),
		_ => return error_response(&internal()),
	}
	if request.stream {
		return stream(gateway, key, report, stages, request.include_usage);
	}
	loop {
		match stages.recv().await {
			Some(Stage::Submitted { .. }) => {},
			Some(Stage::Assigned(job)) => report.job = Some(job),
			Some(Stage::Answered(a)) => {
				report.clock.answer_seen = Some(a.seen_at);
				report.answer = Some(*a);
				if wait == Wait::Answer {
					break;
				}
			},
			Some(Stage::Settled(s)) => {
				report.clock.settled_seen = Some(Instant::now());
				report.settlement = Some(*s);
				break;
			},
			Some(Stage::Failed(e)) => return error_response(&e),
			None => return error_response(&internal()),
		}
	}
	if let Some(e) = report.rejected() {
		return error_response(&e);
	}
	report.budget_left = gateway.key(key).and_then(|k| k.budget.standing().left());
	let text = report.answer.as_ref().map(|a| a.answer.text.clone()).unwrap_or_default();
	let body = json!({
		"id": report.id(),
		"object": "chat.completion",
		"created": unix_now(),
		"model": report.plan.model_name,
		"system_fingerprint": format!("attesta-spec-{}", gateway.spec_version()),
		"choices": [{
			"index": 0,
			"message": {"role": "assistant", "content": text, "refusal": null},
			"logprobs": null,
			"finish_reason": report.finish_reason(),
		}],
		"usage": report.usage(),
		"attesta": report.extras(),
	});
	json_response(200, &body)
}

fn internal() -> ApiError {
	ApiError::new(500, "server_error", "internal_error", "the job's follower stopped unexpectedly")
}

/// One `chat.completion.chunk` event.
fn chunk(report: &JobReport, created: u64, delta: Value, finish: Option<&str>) -> Bytes {
	let body = json!({
		"id": report.id(),
		"object": "chat.completion.chunk",
		"created": created,
		"model": report.plan.model_name,
		"system_fingerprint": null,
		"choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
		"attesta": report.extras(),
	});
	Bytes::from(format!("data: {body}\n\n"))
}

/// Streams the job's stages as chunks with empty content, the answer as one content chunk,
/// then the finish chunk, the usage chunk if asked for, and `data: [DONE]`.
fn stream(
	gateway: Arc<Gateway>,
	key: usize,
	mut report: JobReport,
	mut stages: mpsc::UnboundedReceiver<Stage>,
	include_usage: bool,
) -> Response<Body> {
	let (tx, rx) = mpsc::channel::<Bytes>(16);
	tokio::spawn(async move {
		let created = unix_now();
		report.budget_left = gateway.key(key).and_then(|k| k.budget.standing().left());
		let first = json!({"role": "assistant", "content": ""});
		if tx.send(chunk(&report, created, first, None)).await.is_err() {
			return;
		}
		let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
		keep_alive.tick().await;
		let error = loop {
			let stage = tokio::select! {
				s = stages.recv() => s,
				_ = keep_alive.tick() => {
					if tx.send(Bytes::from_static(b": waiting for the chain\n\n")).await.is_err() {
						return;
					}
					continue;
				},
			};
			report.budget_left = gateway.key(key).and_then(|k| k.budget.standing().left());
			let frame = match stage {
				Some(Stage::Submitted { .. }) => continue,
				Some(Stage::Assigned(job)) => {
					report.job = Some(job);
					chunk(&report, created, json!({"content": ""}), None)
				},
				Some(Stage::Answered(a)) => {
					report.clock.answer_seen = Some(a.seen_at);
					let text = a.answer.text.clone();
					report.answer = Some(*a);
					chunk(&report, created, json!({"content": text}), None)
				},
				Some(Stage::Settled(s)) => {
					report.clock.settled_seen = Some(Instant::now());
					report.settlement = Some(*s);
					if let Some(e) = report.rejected() {
						break Some(e);
					}
					chunk(&report, created, json!({"content": ""}), None)
				},
				Some(Stage::Failed(e)) => break Some(e),
				None => break Some(internal()),
			};
			if tx.send(frame).await.is_err() {
				return;
			}
			let done = match report.wait {
				Wait::Answer => report.answer.is_some(),
				Wait::Settled => report.settlement.is_some(),
			};
			if done {
				break None;
			}
		};
		if let Some(e) = error {
			let _ = tx.send(Bytes::from(format!("data: {}\n\n", e.body()))).await;
			return;
		}
		report.budget_left = gateway.key(key).and_then(|k| k.budget.standing().left());
		let _ = tx.send(chunk(&report, created, json!({}), Some(report.finish_reason()))).await;
		if include_usage {
			let body = json!({
				"id": report.id(),
				"object": "chat.completion.chunk",
				"created": created,
				"model": report.plan.model_name,
				"choices": [],
				"usage": report.usage(),
				"attesta": report.extras(),
			});
			let _ = tx.send(Bytes::from(format!("data: {body}\n\n"))).await;
		}
		let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
	});
	let mut r = Response::new(Body::Events(rx));
	let h = r.headers_mut();
	h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
	h.insert("cache-control", HeaderValue::from_static("no-cache"));
	cors(r)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn model_names_with_spaces_decode() {
		assert_eq!(percent_decode("SmolLM2-135M-Instruct%20Q4_1"), "SmolLM2-135M-Instruct Q4_1");
		assert_eq!(percent_decode("a+b%2"), "a b%2");
		assert_eq!(percent_decode("%zz"), "%zz");
	}
}
