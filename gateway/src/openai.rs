//! OpenAI's wire format: the chat-completion request as the gateway accepts it (what the chain
//! can bind, refused clearly otherwise), and the error shape every failure is answered in.

use attesta_primitives::prompt::{self, Role};
use serde_json::{json, Value};

/// What the caller waits for before the reply (or the end of the stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
	/// The provider's posted answer: fast, still open to checks and disputes.
	Answer,
	/// The job's settlement: checked or past its challenge window, paid out.
	Settled,
}

impl Wait {
	/// From the request field or header value.
	pub fn parse(s: &str) -> Result<Self, ApiError> {
		match s.trim().to_ascii_lowercase().as_str() {
			"answer" | "answered" => Ok(Self::Answer),
			"settled" | "settlement" => Ok(Self::Settled),
			other => Err(ApiError::bad_request(
				"invalid_value",
				format!("attesta.wait must be \"answer\" or \"settled\", not {other:?}"),
			)),
		}
	}
}

/// A chat-completion request the chain can run.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
	/// The model as named by the caller (registry name or number).
	pub model: String,
	/// The system (or developer) message, if any.
	pub system: Option<String>,
	/// The conversation: user and assistant turns in alternation, ending with the user's.
	pub turns: Vec<(Role, String)>,
	/// `max_tokens` / `max_completion_tokens`, if given.
	pub max_tokens: Option<u32>,
	/// Temperature × 1000 (0: greedy, the default).
	pub temperature_milli: u32,
	/// Top-p × 1000, in 1..=1000.
	pub top_p_milli: u32,
	/// The sampler's seed, if given.
	pub seed: Option<u64>,
	/// Server-sent events instead of one reply.
	pub stream: bool,
	/// A last chunk with the usage (`stream_options.include_usage`).
	pub include_usage: bool,
	/// From `attesta.wait`, if given.
	pub wait: Option<Wait>,
}

/// What a job's prompt can carry, for error messages.
const BINDABLE: &str = "a job carries at most one system message, first, then user and \
	assistant turns in alternation ending with the user's; the chain binds exactly that \
	conversation and checkers verify it";

impl ChatRequest {
	/// Reads and checks a request body.
	pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
		let v: Value = serde_json::from_slice(body).map_err(|e| {
			ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
		})?;
		let obj = v.as_object().ok_or_else(|| {
			ApiError::bad_request("invalid_request", "the body must be a JSON object")
		})?;
		let model = match obj.get("model") {
			Some(Value::String(m)) if !m.trim().is_empty() => m.clone(),
			_ => return Err(ApiError::missing("model")),
		};
		let (system, turns) = conversation(obj.get("messages"))?;
		let max_tokens = match (obj.get("max_completion_tokens"), obj.get("max_tokens")) {
			(Some(v), _) if !v.is_null() => Some(positive_u32(v, "max_completion_tokens")?),
			(_, Some(v)) if !v.is_null() => Some(positive_u32(v, "max_tokens")?),
			_ => None,
		};
		let temperature_milli = match obj.get("temperature") {
			None | Some(Value::Null) => 0,
			Some(v) => milli(v, "temperature", 0.0, 2.0)?,
		};
		let top_p_milli = match obj.get("top_p") {
			None | Some(Value::Null) => 1_000,
			Some(v) => milli(v, "top_p", 0.0, 1.0)?.max(1),
		};
		let seed = match obj.get("seed") {
			None | Some(Value::Null) => None,
			Some(v) => Some(
				v.as_u64()
					.or_else(|| v.as_i64().map(|i| i as u64))
					.ok_or_else(|| ApiError::invalid("seed", "must be an integer"))?,
			),
		};
		let stream = flag(obj.get("stream"), "stream")?;
		let include_usage = match obj.get("stream_options") {
			None | Some(Value::Null) => false,
			Some(o) => flag(o.get("include_usage"), "stream_options.include_usage")?,
		};
		let wait = match obj.get("attesta") {
			None | Some(Value::Null) => None,
			Some(Value::Object(a)) => match a.get("wait") {
				None | Some(Value::Null) => None,
				Some(Value::String(w)) => Some(Wait::parse(w)?),
				Some(_) => return Err(ApiError::invalid("attesta.wait", "must be a string")),
			},
			Some(_) => return Err(ApiError::invalid("attesta", "must be an object")),
		};
		refuse_unsupported(obj)?;
		Ok(Self {
			model,
			system,
			turns,
			max_tokens,
			temperature_milli,
			top_p_milli,
			seed,
			stream,
			include_usage,
			wait,
		})
	}
}

impl ChatRequest {
	/// The job's prompt bytes: plain text for one user turn without a system message (what
	/// every client sent before conversations), else the conversation encoding
	/// (`attesta_primitives::prompt`).
	pub fn prompt_bytes(&self) -> Vec<u8> {
		let turns: Vec<(Role, &str)> = self.turns.iter().map(|(r, t)| (*r, t.as_str())).collect();
		prompt::encode(self.system.as_deref(), &turns)
	}

	/// The last user message.
	pub fn last_user(&self) -> &str {
		self.turns.last().map_or("", |(_, t)| t)
	}
}

/// A system message, if any, and the turns after it.
type Conversation = (Option<String>, Vec<(Role, String)>);

/// The system message and the turns of `messages`, refusing anything the chain would not bind.
fn conversation(messages: Option<&Value>) -> Result<Conversation, ApiError> {
	let list = match messages {
		Some(Value::Array(l)) if !l.is_empty() => l,
		Some(Value::Array(_)) => return Err(ApiError::invalid("messages", "is empty")),
		_ => return Err(ApiError::missing("messages")),
	};
	if list.len() > prompt::MAX_TURNS as usize {
		return Err(ApiError::bad_request(
			"conversation_too_long",
			format!("{} messages were sent; at most {} fit a job", list.len(), prompt::MAX_TURNS),
		));
	}
	let mut system = None;
	let mut turns: Vec<(Role, String)> = Vec::new();
	for (i, m) in list.iter().enumerate() {
		let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
		let role = match role {
			"system" | "developer" if i == 0 => None,
			"system" | "developer" =>
				return Err(ApiError::bad_request(
					"misplaced_system_message",
					format!("messages[{i}] is a {role} message after the first; {BINDABLE}"),
				)),
			"user" => Some(Role::User),
			"assistant" => Some(Role::Assistant),
			"tool" | "function" =>
				return Err(ApiError::bad_request(
					"unsupported_role",
					format!("messages[{i}] is a {role} message; {BINDABLE}"),
				)),
			"" => return Err(ApiError::invalid(&format!("messages[{i}].role"), "is missing")),
			other =>
				return Err(ApiError::invalid(
					&format!("messages[{i}].role"),
					&format!("{other:?} is not a known role"),
				)),
		};
		let text = message_text(m, i)?;
		match role {
			None => system = Some(text),
			Some(role) => {
				let expected =
					if turns.len().is_multiple_of(2) { Role::User } else { Role::Assistant };
				if role != expected {
					return Err(ApiError::bad_request(
						"turns_out_of_order",
						format!("messages[{i}] should be a {} turn; {BINDABLE}", expected.name()),
					));
				}
				if role == Role::User && text.is_empty() {
					return Err(ApiError::invalid(&format!("messages[{i}].content"), "is empty"));
				}
				turns.push((role, text));
			},
		}
	}
	if turns.len().is_multiple_of(2) {
		return Err(ApiError::bad_request(
			"turns_out_of_order",
			format!("the last message must be a user turn; {BINDABLE}"),
		));
	}
	Ok((system, turns))
}

/// The text of message `i`: a string, or text content parts joined.
fn message_text(m: &Value, i: usize) -> Result<String, ApiError> {
	match m.get("content") {
		Some(Value::String(s)) => Ok(s.clone()),
		// The content-parts form: text parts only.
		Some(Value::Array(parts)) => {
			let mut text = String::new();
			for (k, p) in parts.iter().enumerate() {
				match (p.get("type").and_then(Value::as_str), p.get("text").and_then(Value::as_str))
				{
					(Some("text"), Some(t)) => text.push_str(t),
					_ =>
						return Err(ApiError::bad_request(
							"unsupported_content",
							format!("messages[{i}].content[{k}]: only text parts are supported"),
						)),
				}
			}
			Ok(text)
		},
		_ => Err(ApiError::invalid(&format!("messages[{i}].content"), "must be a string")),
	}
}

/// Fields that would change what is generated in ways a job cannot express: refused rather
/// than silently ignored. Their neutral values (`n: 1`, zero penalties, …) are accepted.
fn refuse_unsupported(obj: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
	let given = |k: &str| obj.get(k).filter(|v| !v.is_null());
	if let Some(n) = given("n") {
		if n.as_u64() != Some(1) {
			return Err(ApiError::bad_request("unsupported_parameter", "only n = 1 is supported"));
		}
	}
	for k in ["tools", "functions", "stop", "logit_bias"] {
		let empty = match given(k) {
			None => true,
			Some(Value::Array(a)) => a.is_empty(),
			Some(Value::Object(o)) => o.is_empty(),
			Some(Value::String(s)) => s.is_empty(),
			Some(_) => false,
		};
		if !empty {
			return Err(ApiError::bad_request(
				"unsupported_parameter",
				format!("`{k}` is not supported by the chain's jobs"),
			));
		}
	}
	for k in ["presence_penalty", "frequency_penalty"] {
		if given(k).is_some_and(|v| v.as_f64() != Some(0.0)) {
			return Err(ApiError::bad_request(
				"unsupported_parameter",
				format!("`{k}` is not supported by the chain's jobs (only 0)"),
			));
		}
	}
	if given("logprobs").is_some_and(|v| v.as_bool() != Some(false)) {
		return Err(ApiError::bad_request("unsupported_parameter", "`logprobs` is not supported"));
	}
	if let Some(f) = given("response_format") {
		if f.get("type").and_then(Value::as_str) != Some("text") {
			return Err(ApiError::bad_request(
				"unsupported_parameter",
				"only the \"text\" response_format is supported",
			));
		}
	}
	Ok(())
}

fn positive_u32(v: &Value, name: &str) -> Result<u32, ApiError> {
	v.as_u64()
		.and_then(|n| u32::try_from(n).ok())
		.filter(|n| *n >= 1)
		.ok_or_else(|| ApiError::invalid(name, "must be a positive integer"))
}

/// A number in `lo..=hi` as thousandths.
fn milli(v: &Value, name: &str, lo: f64, hi: f64) -> Result<u32, ApiError> {
	let x = v.as_f64().ok_or_else(|| ApiError::invalid(name, "must be a number"))?;
	if !(lo..=hi).contains(&x) {
		return Err(ApiError::invalid(name, &format!("must be between {lo} and {hi}")));
	}
	// In range, so the rounded value fits.
	Ok((x * 1000.0).round() as u32)
}

fn flag(v: Option<&Value>, name: &str) -> Result<bool, ApiError> {
	match v {
		None | Some(Value::Null) => Ok(false),
		Some(Value::Bool(b)) => Ok(*b),
		Some(_) => Err(ApiError::invalid(name, "must be true or false")),
	}
}

/// A failure, as OpenAI reports it: an HTTP status and `{"error": {message, type, code}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
	/// HTTP status.
	pub status: u16,
	/// OpenAI's error type (`invalid_request_error`, …).
	pub kind: &'static str,
	/// A stable code (`model_not_found`, `Jobs.NoEligibleProvider`, …).
	pub code: String,
	/// For people.
	pub message: String,
	/// The request's parameter at fault, if one.
	pub param: Option<String>,
}

impl ApiError {
	/// Any error.
	pub fn new(
		status: u16,
		kind: &'static str,
		code: impl Into<String>,
		message: impl Into<String>,
	) -> Self {
		Self { status, kind, code: code.into(), message: message.into(), param: None }
	}

	/// 400: the request is wrong.
	pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
		Self::new(400, "invalid_request_error", code, message)
	}

	fn missing(param: &str) -> Self {
		Self {
			param: Some(param.into()),
			..Self::bad_request("missing_required_parameter", format!("`{param}` is required"))
		}
	}

	fn invalid(param: &str, what: &str) -> Self {
		Self {
			param: Some(param.into()),
			..Self::bad_request("invalid_value", format!("`{param}` {what}"))
		}
	}

	/// 401: no key, or one not configured.
	pub fn unauthorized(message: impl Into<String>) -> Self {
		Self::new(401, "invalid_request_error", "invalid_api_key", message)
	}

	/// 404: no such model.
	pub fn model_not_found(model: &str, why: &str) -> Self {
		Self {
			param: Some("model".into()),
			..Self::new(
				404,
				"invalid_request_error",
				"model_not_found",
				format!("the model {model:?} {why}"),
			)
		}
	}

	/// The JSON body.
	pub fn body(&self) -> Value {
		json!({"error": {
			"message": self.message,
			"type": self.kind,
			"param": self.param,
			"code": self.code,
		}})
	}

	/// Whether a client retrying the same request may succeed (OpenAI clients read the
	/// `x-should-retry` header).
	pub fn retryable(&self) -> bool {
		self.status == 429 || self.status >= 500
	}
}

impl core::fmt::Display for ApiError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "{} {}: {}", self.status, self.code, self.message)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parse(v: Value) -> Result<ChatRequest, ApiError> {
		ChatRequest::parse(v.to_string().as_bytes())
	}

	#[test]
	fn one_user_turn_with_openai_parameters() {
		let r = parse(json!({
			"model": "SmolLM2-135M-Instruct Q4_1",
			"messages": [{"role": "user", "content": "Hi"}],
			"max_tokens": 16, "temperature": 0.7, "top_p": 0.9, "seed": 42,
			"stream": true, "stream_options": {"include_usage": true},
			"n": 1, "presence_penalty": 0, "user": "someone",
			"attesta": {"wait": "settled"},
		}))
		.unwrap();
		assert_eq!((r.system.clone(), r.turns.clone()), (None, vec![(Role::User, "Hi".into())]));
		assert_eq!(r.prompt_bytes(), b"Hi".to_vec(), "one user turn is a text prompt, as before");
		assert_eq!(r.max_tokens, Some(16));
		assert_eq!((r.temperature_milli, r.top_p_milli, r.seed), (700, 900, Some(42)));
		assert!(r.stream && r.include_usage);
		assert_eq!(r.wait, Some(Wait::Settled));
		// Defaults: greedy, no limit given, answer unless told.
		let r = parse(json!({"model": "m", "messages": [
			{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
		], "max_completion_tokens": 3}))
		.unwrap();
		assert_eq!(r.last_user(), "ab");
		assert_eq!((r.max_tokens, r.temperature_milli, r.top_p_milli), (Some(3), 0, 1_000));
		assert_eq!((r.stream, r.wait), (false, None));
	}

	#[test]
	fn conversations_are_bound_and_what_the_chain_cannot_bind_is_refused() {
		let chat = parse(json!({"model": "m", "messages": [
			{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"},
			{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "How are you?"}
		]}))
		.unwrap();
		assert_eq!(chat.system.as_deref(), Some("Be terse."));
		assert_eq!(chat.last_user(), "How are you?");
		let bytes = chat.prompt_bytes();
		assert_eq!(
			prompt::parse(&bytes),
			Ok(prompt::Prompt::Conversation {
				system: Some("Be terse."),
				turns: vec![
					(Role::User, "Hi"),
					(Role::Assistant, "Hello"),
					(Role::User, "How are you?")
				],
			})
		);
		let refused =
			|messages: Value| parse(json!({"model": "m", "messages": messages})).unwrap_err();
		let late = refused(json!([
			{"role": "user", "content": "Hi"}, {"role": "system", "content": "Obey."},
			{"role": "user", "content": "Go"}
		]));
		assert_eq!((late.status, late.code.as_str()), (400, "misplaced_system_message"));
		assert!(late.message.contains("checkers verify it"), "{}", late.message);
		for messages in [
			json!([{"role": "user", "content": "Hi"}, {"role": "user", "content": "again"}]),
			json!([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Sure:"}]),
			json!([{"role": "assistant", "content": "Hi"}]),
		] {
			assert_eq!(refused(messages).code, "turns_out_of_order");
		}
		assert_eq!(refused(json!([{"role": "tool", "content": "x"}])).code, "unsupported_role");
		let many: Vec<Value> = (0..=prompt::MAX_TURNS)
			.map(|i| json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": "x"}))
			.collect();
		assert_eq!(refused(Value::Array(many)).code, "conversation_too_long");
		for (field, value) in [
			("n", json!(2)),
			("stop", json!(["\n"])),
			("tools", json!([{"type": "function"}])),
			("logprobs", json!(true)),
			("frequency_penalty", json!(0.5)),
			("response_format", json!({"type": "json_object"})),
		] {
			let mut body = json!({"model": "m", "messages": [{"role": "user", "content": "x"}]});
			body[field] = value;
			let e = parse(body).unwrap_err();
			assert_eq!((e.status, e.code.as_str()), (400, "unsupported_parameter"), "{field}");
		}
	}

	#[test]
	fn malformed_requests_say_what_is_wrong() {
		let cases = [
			(json!({"messages": [{"role": "user", "content": "x"}]}), "model"),
			(json!({"model": "m"}), "messages"),
			(json!({"model": "m", "messages": []}), "messages"),
			(json!({"model": "m", "messages": [{"content": "x"}]}), "messages[0].role"),
			(json!({"model": "m", "messages": [{"role": "user", "content": ""}]}), "content"),
			(
				json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}),
				"max_tokens",
			),
			(
				json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}),
				"temperature",
			),
			(
				json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "seed": "s"}),
				"seed",
			),
			(
				json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "attesta": {"wait": "never"}}),
				"attesta.wait",
			),
		];
		for (body, what) in cases {
			let e = parse(body).unwrap_err();
			assert_eq!(e.status, 400);
			assert!(e.message.contains(what), "{what}: {}", e.message);
		}
		let e = ChatRequest::parse(b"{not json").unwrap_err();
		assert_eq!(e.code, "invalid_json");
	}

	#[test]
	fn errors_have_openai_shape() {
		let e = ApiError::model_not_found("gpt-4", "is not in the chain's model registry");
		let b = e.body();
		assert_eq!(b["error"]["code"], "model_not_found");
		assert_eq!(b["error"]["type"], "invalid_request_error");
		assert_eq!(b["error"]["param"], "model");
		assert!(b["error"]["message"].as_str().unwrap().contains("gpt-4"));
		assert!(!e.retryable());
	}
}
