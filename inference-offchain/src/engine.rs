//! Non-blocking engine handle: a job queue served by worker threads.
//!
//! `submit` enqueues and returns a [`TaskId`] at once; `poll` hands the [`Outcome`] over once a
//! worker has finished it. Requests and outcomes use plain, SCALE-friendly fields so a
//! `#[runtime_interface]` wrapper can pass them through unchanged.

use std::{
	collections::{HashMap, HashSet, VecDeque},
	panic::{catch_unwind, AssertUnwindSafe},
	path::PathBuf,
	sync::{Arc, Condvar, Mutex, MutexGuard},
	thread::JoinHandle,
	time::{Duration, Instant},
};

use attesta_primitives::{GenParams, VerificationRule};

use crate::{
	device::InferenceDevice,
	error::{Error, Result},
	generate::{generate, Generation},
	load::LoadedModel,
	model::ComputePath,
	verify::{verify, CheckPlan, Tolerance, Verdict},
};

/// Identifier of a submitted job, unique within one engine.
pub type TaskId = u64;

/// The prompt of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
	/// Already tokenized input (what the chain stores).
	Tokens(Vec<u32>),
	/// Raw text, tokenized without chat template; special-token text stays literal.
	Text(String),
	/// A single-turn chat rendered with the model's chat template.
	Chat {
		/// Optional system message; the engine default when empty.
		system: String,
		/// The user's message.
		user: String,
	},
	/// A conversation rendered with the model's chat template: a system message (the model's
	/// default when `None`), then `(role, text)` turns ending with the user's.
	Conversation {
		/// The system message.
		system: Option<String>,
		/// Each turn's role name (`user`, `assistant`) and text.
		turns: Vec<(String, String)>,
	},
}

/// A job for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
	/// Generate an output.
	Generate {
		/// Prompt.
		input: Input,
		/// Generation parameters.
		params: GenParams,
	},
	/// Check a provider's claimed output.
	Verify {
		/// Prompt the provider was given.
		input: Input,
		/// Parameters the provider was given.
		params: GenParams,
		/// Claimed output tokens (EOS included if claimed to have stopped on it).
		output_tokens: Vec<u32>,
		/// Positions to check: 0 = all, else this many sampled with `sample_seed`.
		sample_count: u32,
		/// Seed of the position sample (ignored when `sample_count` is 0).
		sample_seed: u64,
		/// The chain's governed rule for the model, which decides the verdict
		/// ([`Tolerance::from_rule`]).
		rule: VerificationRule,
	},
}

/// What a finished job produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
	/// A generation result.
	Generated(Generation),
	/// A verification verdict.
	Verified(Verdict),
	/// The job could not run; the message says why.
	Failed(String),
}

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
	/// Waiting for a worker.
	Queued,
	/// A worker is on it.
	Running,
	/// Finished; `poll` returns the outcome.
	Done,
	/// Never submitted here, or already collected.
	Unknown,
}

/// How to build an [`Engine`].
#[derive(Clone, Debug)]
pub struct EngineConfig {
	/// Local path of the GGUF weights.
	pub model_path: PathBuf,
	/// Number of worker threads (jobs run concurrently); at least 1.
	pub workers: usize,
	/// Compute threads of the CPU kernels (the block kernels' rayon pool and candle's);
	/// process-wide and effective only when set before the first tensor operation of the
	/// process (`None` = all cores). Results do not depend on it.
	pub compute_threads: Option<usize>,
	/// Matrix compute path (part of the model class).
	pub compute: ComputePath,
	/// Where the model is loaded (the block kernels of the default path are CPU-only).
	pub device: InferenceDevice,
}

impl EngineConfig {
	/// One worker, default threads and compute path, for the model at `model_path`.
	pub fn new(model_path: impl Into<PathBuf>) -> Self {
		Self {
			model_path: model_path.into(),
			workers: 1,
			compute_threads: None,
			compute: ComputePath::default(),
			device: InferenceDevice::Cpu,
		}
	}
}

/// Sets the process-wide number of CPU compute threads (block kernels and candle).
///
/// The block kernels use rayon's global pool and candle sizes its own from
/// `CANDLE_NUM_THREADS`/`RAYON_NUM_THREADS`, both on first use, so this only takes effect
/// before the first tensor operation in the process.
pub fn set_compute_threads(n: usize) {
	let n = n.max(1).to_string();
	std::env::set_var("CANDLE_NUM_THREADS", &n);
	std::env::set_var("RAYON_NUM_THREADS", &n);
}

/// How long a finished outcome waits to be polled before it is dropped. Off-chain workers poll
/// every block (6 s); an outcome nobody collected for this long belongs to a job that left
/// its worker's lists, and must not keep counting against the engine's task limit.
pub const RESULT_TTL: Duration = Duration::from_secs(600);

#[derive(Default)]
struct State {
	queue: VecDeque<(TaskId, Request)>,
	running: HashSet<TaskId>,
	/// Running tasks whose outcome is no longer wanted: dropped when they finish.
	cancelled: HashSet<TaskId>,
	done: HashMap<TaskId, (Instant, Outcome)>,
	next_id: TaskId,
	shutdown: bool,
}

impl State {
	/// Drops finished outcomes older than [`RESULT_TTL`].
	fn expire(&mut self) {
		let now = Instant::now();
		self.done.retain(|_, (at, _)| now.saturating_duration_since(*at) < RESULT_TTL);
	}
}

struct Shared {
	state: Mutex<State>,
	work: Condvar,
	finished: Condvar,
}

impl Shared {
	fn lock(&self) -> MutexGuard<'_, State> {
		// A worker never panics while holding the lock (jobs run unlocked and are caught), so
		// a poisoned lock still holds consistent data.
		self.state.lock().unwrap_or_else(|p| p.into_inner())
	}
}

/// Handle to the worker pool; dropping it stops the workers after their current job.
pub struct Engine {
	shared: Arc<Shared>,
	model: Arc<LoadedModel>,
	workers: Vec<JoinHandle<()>>,
}

impl Engine {
	/// Loads the model and starts the workers.
	pub fn new(cfg: EngineConfig) -> Result<Self> {
		if let Some(n) = cfg.compute_threads {
			set_compute_threads(n);
		}
		let model = Arc::new(LoadedModel::load_on(&cfg.model_path, cfg.device, cfg.compute)?);
		Self::with_model(model, cfg.workers)
	}

	/// Starts `workers` threads serving an already loaded model.
	pub fn with_model(model: Arc<LoadedModel>, workers: usize) -> Result<Self> {
		let shared = Arc::new(Shared {
			state: Mutex::new(State::default()),
			work: Condvar::new(),
			finished: Condvar::new(),
		});
		let mut handles = Vec::new();
		for i in 0..workers.max(1) {
			let (shared, model) = (shared.clone(), model.clone());
			let h = std::thread::Builder::new()
				.name(format!("attesta-infer-{i}"))
				.spawn(move || worker(&shared, &model))
				.map_err(|_| Error::EngineClosed)?;
			handles.push(h);
		}
		Ok(Self { shared, model, workers: handles })
	}

	/// The loaded model (weights hash, tokenizer).
	pub fn model(&self) -> &LoadedModel {
		&self.model
	}

	/// sha256 of the weights this engine serves.
	pub fn model_hash(&self) -> [u8; 32] {
		self.model.id.0
	}

	/// Enqueues a job and returns its id immediately.
	pub fn submit(&self, request: Request) -> TaskId {
		let mut st = self.shared.lock();
		st.expire();
		st.next_id += 1;
		let id = st.next_id;
		st.queue.push_back((id, request));
		drop(st);
		self.shared.work.notify_one();
		id
	}

	/// Takes the outcome of a finished job; `None` while it is queued or running (or unknown).
	pub fn poll(&self, id: TaskId) -> Option<Outcome> {
		self.shared.lock().done.remove(&id).map(|(_, o)| o)
	}

	/// Gives up a task: taken off the queue, its outcome dropped now or when it finishes.
	/// Returns whether the engine held it.
	pub fn cancel(&self, id: TaskId) -> bool {
		let mut st = self.shared.lock();
		let queued = st.queue.len();
		st.queue.retain(|(q, _)| *q != id);
		if st.queue.len() < queued || st.done.remove(&id).is_some() {
			return true;
		}
		st.running.contains(&id) && st.cancelled.insert(id)
	}

	/// Where a job stands, without taking its outcome.
	pub fn status(&self, id: TaskId) -> TaskStatus {
		let st = self.shared.lock();
		if st.done.contains_key(&id) {
			TaskStatus::Done
		} else if st.running.contains(&id) {
			TaskStatus::Running
		} else if st.queue.iter().any(|(q, _)| *q == id) {
			TaskStatus::Queued
		} else {
			TaskStatus::Unknown
		}
	}

	/// Blocks until the job finishes or `timeout` passes, then behaves like [`Engine::poll`].
	pub fn wait(&self, id: TaskId, timeout: Duration) -> Option<Outcome> {
		let deadline = Instant::now() + timeout;
		let mut st = self.shared.lock();
		loop {
			if let Some((_, o)) = st.done.remove(&id) {
				return Some(o);
			}
			let now = Instant::now();
			if now >= deadline {
				return None;
			}
			st = match self.shared.finished.wait_timeout(st, deadline - now) {
				Ok((g, _)) => g,
				Err(p) => p.into_inner().0,
			};
		}
	}

	/// Jobs queued or running.
	pub fn pending(&self) -> usize {
		let st = self.shared.lock();
		st.queue.len() + st.running.len()
	}

	/// Jobs the engine holds: queued, running (and still wanted), or finished and not yet
	/// polled (nor expired).
	pub fn held(&self) -> usize {
		let mut st = self.shared.lock();
		st.expire();
		st.queue.len() + st.running.len().saturating_sub(st.cancelled.len()) + st.done.len()
	}
}

impl Drop for Engine {
	fn drop(&mut self) {
		self.shared.lock().shutdown = true;
		self.shared.work.notify_all();
		for h in self.workers.drain(..) {
			let _ = h.join();
		}
	}
}

fn worker(shared: &Shared, model: &LoadedModel) {
	loop {
		let (id, req) = {
			let mut st = shared.lock();
			loop {
				if st.shutdown {
					return;
				}
				if let Some(job) = st.queue.pop_front() {
					st.running.insert(job.0);
					break job;
				}
				st = match shared.work.wait(st) {
					Ok(g) => g,
					Err(p) => p.into_inner(),
				};
			}
		};
		let outcome = match catch_unwind(AssertUnwindSafe(|| run(model, req))) {
			Ok(Ok(o)) => o,
			Ok(Err(e)) => Outcome::Failed(e.to_string()),
			Err(_) => Outcome::Failed("internal error: inference panicked".into()),
		};
		let mut st = shared.lock();
		st.running.remove(&id);
		if !st.cancelled.remove(&id) {
			st.done.insert(id, (Instant::now(), outcome));
		}
		drop(st);
		shared.finished.notify_all();
	}
}

/// Tokenizes an [`Input`] with the model's tokenizer.
pub fn tokenize(model: &LoadedModel, input: &Input) -> Vec<u32> {
	match input {
		Input::Tokens(t) => t.clone(),
		Input::Text(s) => model.tokenizer.encode(s, false),
		Input::Chat { system, user } => {
			let system = (!system.is_empty()).then_some(system.as_str());
			model.tokenizer.encode_chat(system, user)
		},
		Input::Conversation { system, turns } => {
			let turns: Vec<(&str, &str)> =
				turns.iter().map(|(r, t)| (r.as_str(), t.as_str())).collect();
			model.tokenizer.encode_conversation(system.as_deref(), &turns)
		},
	}
}

/// Runs one request synchronously (what a worker does).
pub fn run(model: &LoadedModel, req: Request) -> Result<Outcome> {
	match req {
		Request::Generate { input, params } => {
			let tokens = tokenize(model, &input);
			Ok(Outcome::Generated(generate(model, &tokens, &params)?))
		},
		Request::Verify { input, params, output_tokens, sample_count, sample_seed, rule } => {
			let tokens = tokenize(model, &input);
			let plan = if sample_count == 0 {
				CheckPlan::All
			} else {
				CheckPlan::Sample { count: sample_count, seed: sample_seed }
			};
			Ok(Outcome::Verified(verify(
				model,
				&tokens,
				&params,
				&output_tokens,
				&Tolerance::from_rule(&rule),
				&plan,
			)?))
		},
	}
}
