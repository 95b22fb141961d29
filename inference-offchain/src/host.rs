//! The node's side of the off-chain inference bridge: [`EngineHost`] serves the host functions
//! of `attesta_primitives::offchain` from one [`Engine`] per model file.
//!
//! A job reaches the engine in its chain form: the model's weights hash and class, the dapp's
//! prompt bytes (the user turn of the chat template, default system prompt) and the parameters;
//! a check also carries the chain's governed
//! [`VerificationRule`](attesta_primitives::VerificationRule), which decides the verdict. A task of
//! another model class (compute path or [`ENGINE_VERSION`](crate::ENGINE_VERSION)) than the loaded
//! model's is refused at `submit`. The result carries the chain's own commitment, so what the
//! provider posts is what `Jobs.submit_result` recomputes.

use std::{
	collections::HashMap,
	path::PathBuf,
	sync::{Arc, Mutex, MutexGuard},
};

use attesta_primitives::{
	commitment,
	offchain::{
		CheckReport, Execution, InferenceError, InferenceHost, InferenceTask, ModelHash, TaskState,
		Ticket,
	},
	prompt::Prompt,
	GenParams, ModelClass,
};

use crate::{
	device::InferenceDevice,
	engine::{tokenize, Engine, EngineConfig, Input, Outcome, Request, TaskId, TaskStatus},
	error::Result,
};

/// Tasks one model's engine holds (queued, running, or finished and not yet polled) before
/// `submit` answers `Busy`. Off-chain workers poll every block, so this bounds the memory an
/// unpolled backlog can take.
pub const MAX_TASKS_PER_MODEL: usize = 64;

/// Engine-local task ids live in the low bits of a ticket, the engine's index above them.
const ENGINE_SHIFT: u32 = 48;

/// What the host remembers of a task until it is polled.
enum Pending {
	/// An execution: the commitment needs the prompt bytes, which the engine never sees.
	Execution { prompt: Vec<u8>, params: GenParams },
	/// A check: whether the result's claims (text, billed input) held, decided at submission.
	Check { claims_hold: bool },
}

/// Inference engines for the models a node holds, shared by its off-chain workers.
pub struct EngineHost {
	engines: Vec<Engine>,
	executions: Mutex<HashMap<Ticket, Pending>>,
}

impl EngineHost {
	/// Loads each model file on the CPU (one engine, `workers` threads each), with the default
	/// compute path (class `BlockF32`).
	pub fn load(models: &[PathBuf], workers: usize) -> Result<Self> {
		Self::load_on(models, workers, InferenceDevice::Cpu)
	}

	/// Loads each model file on `device` with that device's default compute path
	/// ([`InferenceDevice::default_compute`]: `BlockF32` on the CPU, `DequantizedF32` on a CUDA
	/// GPU), so the host serves the models whose class pins that path. Fails with a clear
	/// message when CUDA is asked for without the `cuda` feature or without a GPU.
	pub fn load_on(models: &[PathBuf], workers: usize, device: InferenceDevice) -> Result<Self> {
		let engines = models
			.iter()
			.map(|path| {
				Engine::new(EngineConfig {
					workers,
					device,
					compute: device.default_compute(),
					..EngineConfig::new(path)
				})
			})
			.collect::<Result<Vec<_>>>()?;
		Ok(Self::new(engines))
	}

	/// Serves already started engines.
	pub fn new(engines: Vec<Engine>) -> Self {
		Self { engines, executions: Mutex::new(HashMap::new()) }
	}

	/// As the `Arc` the node registers with its off-chain workers.
	pub fn into_shared(self) -> Arc<dyn InferenceHost> {
		Arc::new(self)
	}

	fn executions(&self) -> MutexGuard<'_, HashMap<Ticket, Pending>> {
		// Only plain inserts and removes happen under the lock, so a poisoned map is intact.
		self.executions.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn engine_for(&self, model_hash: &ModelHash) -> Option<(usize, &Engine)> {
		self.engines.iter().enumerate().find(|(_, e)| &e.model_hash() == model_hash)
	}

	/// The engine serving a task's model, if it implements the class the chain pins for it.
	fn engine_of(
		&self,
		task: &InferenceTask,
	) -> std::result::Result<(usize, &Engine), InferenceError> {
		let (model_hash, class) = match task {
			InferenceTask::Execute { model_hash, class, .. } |
			InferenceTask::Check { model_hash, class, .. } => (model_hash, class),
		};
		let (index, engine) = self.engine_for(model_hash).ok_or(InferenceError::UnknownModel)?;
		if engine.model().class() != *class {
			return Err(InferenceError::UnsupportedClass);
		}
		Ok((index, engine))
	}

	/// The model classes this host serves, one per loaded model (as [`InferenceHost::models`]
	/// lists their hashes).
	pub fn classes(&self) -> Vec<(ModelHash, ModelClass)> {
		self.engines.iter().map(|e| (e.model_hash(), e.model().class())).collect()
	}

	fn split(ticket: Ticket) -> (usize, TaskId) {
		((ticket >> ENGINE_SHIFT) as usize, ticket & ((1 << ENGINE_SHIFT) - 1))
	}
}

/// The engine input a job's prompt bytes stand for (`attesta_primitives::prompt`): what every
/// provider and checker of the model class builds from the same bytes.
fn prompt_input(prompt: &[u8]) -> std::result::Result<Input, InferenceError> {
	match attesta_primitives::prompt::parse(prompt).map_err(|_| InferenceError::InvalidPrompt)? {
		Prompt::Text(user) => Ok(Input::Chat { system: String::new(), user: user.to_owned() }),
		Prompt::Conversation { system, turns } => Ok(Input::Conversation {
			system: system.map(str::to_owned),
			turns: turns
				.iter()
				.map(|(role, text)| (role.name().to_owned(), (*text).to_owned()))
				.collect(),
		}),
	}
}

impl InferenceHost for EngineHost {
	fn submit(&self, task: InferenceTask) -> std::result::Result<Ticket, InferenceError> {
		let (index, engine) = self.engine_of(&task)?;
		if engine.held() >= MAX_TASKS_PER_MODEL {
			return Err(InferenceError::Busy);
		}
		let claims_hold = self.check_claims(&task)?;
		let (request, pending) = match task {
			InferenceTask::Execute { prompt, params, .. } => (
				Request::Generate { input: prompt_input(&prompt)?, params },
				Pending::Execution { prompt, params },
			),
			InferenceTask::Check { prompt, params, output_tokens, rule, .. } => (
				Request::Verify {
					input: prompt_input(&prompt)?,
					params,
					output_tokens,
					sample_count: 0,
					sample_seed: 0,
					// The chain's governed rule, never an engine default.
					rule,
				},
				Pending::Check { claims_hold },
			),
		};
		let ticket = ((index as u64) << ENGINE_SHIFT) | engine.submit(request);
		self.executions().insert(ticket, pending);
		Ok(ticket)
	}

	fn cancel(&self, ticket: Ticket) -> bool {
		let (index, id) = Self::split(ticket);
		self.executions().remove(&ticket);
		self.engines.get(index).is_some_and(|engine| engine.cancel(id))
	}

	fn check_claims(&self, task: &InferenceTask) -> std::result::Result<bool, InferenceError> {
		let InferenceTask::Check { prompt, output_tokens, output_text, input_tokens, .. } = task
		else {
			return Ok(true);
		};
		// The tokenizer is part of the engine version: another class's claims are not ours to
		// judge either.
		let (_, engine) = self.engine_of(task)?;
		let input = prompt_input(prompt)?;
		let model = engine.model();
		let text_holds =
			model.tokenizer.decode(output_tokens, true).as_bytes() == output_text.as_slice();
		let billed_holds = u32::try_from(tokenize(model, &input).len()).ok() == Some(*input_tokens);
		Ok(text_holds && billed_holds)
	}

	fn poll(&self, ticket: Ticket) -> TaskState {
		let (index, id) = Self::split(ticket);
		let Some(engine) = self.engines.get(index) else {
			return TaskState::Unknown;
		};
		if engine.status(id) == TaskStatus::Unknown {
			return TaskState::Unknown;
		}
		let Some(outcome) = engine.poll(id) else {
			return TaskState::Pending;
		};
		let pending = self.executions().remove(&ticket);
		match outcome {
			Outcome::Generated(g) => {
				let Some(Pending::Execution { prompt, params }) = pending else {
					return TaskState::Unknown;
				};
				TaskState::Executed(Execution {
					input_tokens: u32::try_from(g.input_tokens.len()).unwrap_or(u32::MAX),
					commitment: commitment(&g.model_hash, &prompt, &params, &g.output_tokens),
					output_tokens: g.output_tokens,
					text: g.text.into_bytes(),
				})
			},
			Outcome::Verified(v) => TaskState::Checked(CheckReport {
				// False claims about a right output make the result wrong all the same.
				accepted: v.accepted &&
					matches!(pending, Some(Pending::Check { claims_hold: true })),
				first_divergence: v.first_divergence,
				failed_positions: v.failed_positions,
				checked_positions: v.checked_positions,
				witness: attesta_primitives::witness::digest(&v.runner_ups),
			}),
			Outcome::Failed(why) => TaskState::Failed(InferenceError::Failed(why.into_bytes())),
		}
	}

	fn models(&self) -> Vec<ModelHash> {
		self.engines.iter().map(Engine::model_hash).collect()
	}

	fn pending(&self) -> usize {
		self.engines.iter().map(Engine::pending).sum()
	}
}
