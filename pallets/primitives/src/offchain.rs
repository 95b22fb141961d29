//! The bridge between an off-chain worker, running in the Wasm runtime, and the node's native
//! inference engine.
//!
//! A worker runs once per imported block and must finish quickly, while a generation takes
//! seconds. So the bridge is asynchronous: [`inference::submit`] queues a task on the engine's
//! own threads and returns a [`Ticket`] at once; a later worker run [`inference::poll`]s it.
//! Neither call waits for inference, so block import and authoring never do either.
//!
//! The node hands the engine to its off-chain workers as the [`InferenceExt`] externalities
//! extension. A node started without a model has none, and every call answers
//! [`InferenceError::Unavailable`] instead of failing the worker.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode},
	runtime_interface,
};

use crate::{GenParams, ModelClass, TokenId, VerificationRule};
#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;

/// SHA-256 of a model's weights file: how the chain and the engine name the same model.
pub type ModelHash = [u8; 32];

/// Names a task queued on the node's engine, unique for the engine's lifetime.
pub type Ticket = u64;

/// Work an off-chain worker hands to the engine.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum InferenceTask {
	/// Produce the output of a job, as its provider.
	Execute {
		/// The job's model.
		model_hash: ModelHash,
		/// The numerics the chain pins for the model; an engine of another class refuses.
		class: ModelClass,
		/// The dapp's prompt: UTF-8, the user turn of the model's chat template.
		prompt: Vec<u8>,
		/// The job's generation parameters.
		params: GenParams,
	},
	/// Decide whether a claimed output is what the model produces, as a checker: the tokens by
	/// re-execution, and the claims about them (see [`Inference::check_claims`]).
	Check {
		/// The job's model.
		model_hash: ModelHash,
		/// The numerics the chain pins for the model; an engine of another class refuses.
		class: ModelClass,
		/// The governed rule the check applies.
		rule: VerificationRule,
		/// The dapp's prompt.
		prompt: Vec<u8>,
		/// The job's generation parameters.
		params: GenParams,
		/// The provider's claimed output tokens.
		output_tokens: Vec<TokenId>,
		/// The provider's claimed output text: must be the tokens, detokenized.
		output_text: Vec<u8>,
		/// The input tokens the provider billed: must be the templated prompt's token count.
		input_tokens: u32,
	},
}

/// A provider's result, ready to post with `Jobs.submit_result`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Execution {
	/// Input tokens the prompt became under the chat template (what the dapp is billed for).
	pub input_tokens: u32,
	/// Generated tokens, ending with end-of-sequence when the model stopped on it.
	pub output_tokens: Vec<TokenId>,
	/// The decoded output text for the dapp.
	pub text: Vec<u8>,
	/// [`crate::commitment`] over the model, prompt, parameters and output.
	pub commitment: [u8; 32],
}

/// A checker's verdict on a claimed output.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct CheckReport {
	/// Whether the claim is what the model produces, within the model class's tolerance.
	pub accepted: bool,
	/// First output position found inconsistent.
	pub first_divergence: Option<u32>,
	/// Positions that failed.
	pub failed_positions: u32,
	/// Positions evaluated.
	pub checked_positions: u32,
	/// Work witness: [`crate::witness::digest`] of the runner-up token at every output position.
	pub witness: [u8; 32],
}

/// Why the engine could not take or finish a task.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum InferenceError {
	/// This node runs no inference engine (started without a model).
	Unavailable,
	/// The node does not hold the model's weights.
	UnknownModel,
	/// The node's engine does not implement the model class the chain pins for the model
	/// (another compute path or engine version): it must not execute or check the job.
	UnsupportedClass,
	/// The prompt is not UTF-8.
	InvalidPrompt,
	/// The engine's queue is full; try again on a later block.
	Busy,
	/// The job does not fit the model (context, vocabulary), or the engine failed; the text
	/// says why.
	Failed(Vec<u8>),
}

/// Where a task stands.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum TaskState {
	/// Queued or running.
	Pending,
	/// An execution finished (handed over once; the ticket is then forgotten).
	Executed(Execution),
	/// A check finished (handed over once; the ticket is then forgotten).
	Checked(CheckReport),
	/// The task failed (handed over once).
	Failed(InferenceError),
	/// No such ticket: never issued, already handed over, or lost in a node restart.
	Unknown,
}

/// The node's side of the bridge, implemented by the inference engine.
#[cfg(feature = "std")]
pub trait InferenceHost: Send + Sync {
	/// Queues a task; returns at once.
	fn submit(&self, task: InferenceTask) -> Result<Ticket, InferenceError>;
	/// Reports a task's state, handing a finished result over exactly once.
	fn poll(&self, ticket: Ticket) -> TaskState;
	/// Gives a task up (its job left the worker): off the queue, its result dropped. Returns
	/// whether the engine held it.
	fn cancel(&self, ticket: Ticket) -> bool;
	/// Whether a [`InferenceTask::Check`]'s claims hold: its text is its tokens detokenized and
	/// its billed input is the token count of the templated prompt. Deterministic and cheap
	/// (no inference): run on every result, not only on sampled ones.
	fn check_claims(&self, task: &InferenceTask) -> Result<bool, InferenceError>;
	/// The models this node holds.
	fn models(&self) -> Vec<ModelHash>;
	/// Tasks queued or running (for the node's metrics).
	fn pending(&self) -> usize;
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
	/// The node's inference engine, given to off-chain workers.
	pub struct InferenceExt(std::sync::Arc<dyn InferenceHost>);
}

/// Host functions through which an off-chain worker reaches the node's engine.
#[runtime_interface]
pub trait Inference {
	/// Queues `task` on the node's engine and returns its ticket without waiting.
	fn submit(
		&mut self,
		task: PassFatPointerAndDecode<InferenceTask>,
	) -> AllocateAndReturnByCodec<Result<Ticket, InferenceError>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.submit(task),
			None => Err(InferenceError::Unavailable),
		}
	}

	/// The state of a ticket; a finished result is handed over once.
	fn poll(&mut self, ticket: Ticket) -> AllocateAndReturnByCodec<TaskState> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.poll(ticket),
			None => TaskState::Failed(InferenceError::Unavailable),
		}
	}

	/// Gives the task of `ticket` up: see [`InferenceHost::cancel`].
	fn cancel(&mut self, ticket: Ticket) -> bool {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.cancel(ticket),
			None => false,
		}
	}

	/// Whether the claims of `task` (an [`InferenceTask::Check`]) hold, at once: see
	/// [`InferenceHost::check_claims`].
	fn check_claims(
		&mut self,
		task: PassFatPointerAndDecode<InferenceTask>,
	) -> AllocateAndReturnByCodec<Result<bool, InferenceError>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.check_claims(&task),
			None => Err(InferenceError::Unavailable),
		}
	}

	/// The models this node can run (empty without an engine).
	fn models(&mut self) -> AllocateAndReturnByCodec<Vec<ModelHash>> {
		match self.extension::<InferenceExt>() {
			Some(ext) => ext.0.models(),
			None => Vec::new(),
		}
	}
}
