//! The provider's off-chain worker: runs the jobs assigned to the provider keys in this node's
//! keystore on the node's inference engine and posts the results.
//!
//! Each run (once per imported block) only hands work over and picks results up; inference runs
//! on the engine's own threads, so the worker never holds up the node. Per job it keeps its
//! progress in the node's persistent off-chain storage:
//!
//! * not started: queue the job on the engine and tell the chain the job started (`accept_job`, so
//!   the dapp can no longer cancel work that is being done);
//! * running: poll; when done, send `submit_result` signed with the provider key;
//! * posted: wait for the result to land; if it has not after [`RESEND_AFTER`] blocks (the
//!   transaction was dropped), start over.
//!
//! A node restart loses the engine's queue; the ticket then reads as unknown and the job is
//! queued again. Every assigned job is looked at each run (at most the provider's capacity).
//! Progress records of jobs no longer assigned here are removed, and their engine tasks
//! cancelled, so that jobs failing over while they run cannot fill the engine.

use crate::{pallet::*, types::JobStatus, JobId};
use alloc::{vec, vec::Vec};
use attesta_primitives::offchain::{
	inference, Execution, InferenceError, InferenceTask, ModelHash, TaskState, Ticket,
};
use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_system::{
	offchain::{AppCrypto, SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use pallet_models::ModelRegistry;
use pallet_providers::ProviderRegistry;
use sp_runtime::{
	offchain::storage::StorageValueRef, traits::IdentifyAccount, RuntimeAppPublic, Saturating,
};

/// Log target of the provider worker.
pub const LOG_TARGET: &str = "attesta::provider";
/// Blocks a sent result may take to land before the job is run again.
pub const RESEND_AFTER: u32 = 5;

const LEDGER_KEY: &[u8] = b"attesta/provider/ledger";

/// Where this node stands with one job.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Progress<BlockNumber> {
	/// Queued on the engine.
	Running {
		/// The engine's ticket.
		ticket: Ticket,
	},
	/// The result transaction went to the pool at this block.
	Posted {
		/// When.
		at: BlockNumber,
	},
	/// The engine cannot run the job (it does not fit the model); the job will fail over.
	Failed,
}

fn progress_key(job_id: JobId) -> Vec<u8> {
	(b"attesta/provider/job/", job_id).encode()
}

/// The providers whose keys this node's keystore holds (their operator keys, or their own),
/// with the signing keys.
pub fn local_providers<T: Config>() -> Vec<(T::Public, T::AccountId)> {
	<<T::ProviderSigner as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic as RuntimeAppPublic>::all()
		.into_iter()
		.map(|key| {
			let generic: <T::ProviderSigner as AppCrypto<T::Public, T::Signature>>::GenericPublic =
				key.into();
			let public: T::Public = generic.into();
			// A provider's node holds its operator key, or the provider's own.
			(public.clone(), T::Providers::acting_for(&public.into_account()))
		})
		.collect()
}

/// One run of the provider worker at block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let locals = local_providers::<T>();
	if locals.is_empty() {
		return;
	}
	let served = inference::models();
	let mut ledger: Vec<JobId> =
		StorageValueRef::persistent(LEDGER_KEY).get().ok().flatten().unwrap_or_default();
	let mut seen = Vec::new();
	for (public, account) in &locals {
		for job_id in AssignedTo::<T>::iter_key_prefix(account) {
			seen.push(job_id);
			if !ledger.contains(&job_id) {
				ledger.push(job_id);
			}
			if let Err(why) = work_on::<T>(public, job_id, now, &served) {
				log::warn!(target: LOG_TARGET, "job {job_id}: {why}");
			}
		}
	}
	// Forget jobs that are no longer ours to run (posted and landed, failed over, cancelled).
	ledger.retain(|job_id| {
		let keep = seen.contains(job_id);
		if !keep {
			let key = progress_key(*job_id);
			let mut store = StorageValueRef::persistent(&key);
			let progress: Option<Progress<BlockNumberFor<T>>> = store.get().ok().flatten();
			if let Some(Progress::Running { ticket }) = progress {
				inference::cancel(ticket);
			}
			store.clear();
		}
		keep
	});
	StorageValueRef::persistent(LEDGER_KEY).set(&ledger);
}

fn work_on<T: Config>(
	public: &T::Public,
	job_id: JobId,
	now: BlockNumberFor<T>,
	served: &[ModelHash],
) -> Result<(), &'static str> {
	let job = Jobs::<T>::get(job_id).ok_or("assigned job not found")?;
	let JobStatus::Assigned { started, .. } = job.status else { return Ok(()) };
	let model = T::Models::limits(job.model).ok_or("the job's model is not registered")?;
	let (model_hash, class) = (model.weights_hash, model.class);
	if !served.contains(&model_hash) {
		return Err("this node does not hold the job's model (start it with --inference-model)");
	}
	let key = progress_key(job_id);
	let store = StorageValueRef::persistent(&key);
	let progress: Option<Progress<BlockNumberFor<T>>> = store.get().ok().flatten();
	let start = || -> Result<(), &'static str> {
		let task = InferenceTask::Execute {
			model_hash,
			class,
			prompt: job.prompt.to_vec(),
			params: job.params,
		};
		match inference::submit(task) {
			Ok(ticket) => {
				store.set(&Progress::<BlockNumberFor<T>>::Running { ticket });
				if !started {
					send::<T>(public, Call::accept_job { job_id })?;
				}
				Ok(())
			},
			// Full queue: tried again next block.
			Err(InferenceError::Busy) => Ok(()),
			Err(InferenceError::Unavailable) => Err("this node runs no inference engine"),
			Err(_) => {
				store.set(&Progress::<BlockNumberFor<T>>::Failed);
				Err("the engine refused the job")
			},
		}
	};
	match progress {
		None => start(),
		Some(Progress::Running { ticket }) => match inference::poll(ticket) {
			TaskState::Pending => Ok(()),
			TaskState::Executed(execution) => {
				send::<T>(public, result_call::<T>(job_id, execution))?;
				store.set(&Progress::Posted { at: now });
				log::info!(target: LOG_TARGET, "job {job_id}: result sent");
				Ok(())
			},
			// Lost in a node restart: run it again.
			TaskState::Unknown => start(),
			TaskState::Checked(_) | TaskState::Failed(_) => {
				store.set(&Progress::<BlockNumberFor<T>>::Failed);
				Err("the engine could not run the job")
			},
		},
		Some(Progress::Posted { at }) if now > at.saturating_add(RESEND_AFTER.into()) => start(),
		Some(Progress::Posted { .. }) | Some(Progress::Failed) => Ok(()),
	}
}

/// The `submit_result` call for an execution; text beyond `MaxOutputLen` is cut at a character
/// boundary (the commitment binds the tokens, and the dapp can decode them in full).
fn result_call<T: Config>(job_id: JobId, execution: Execution) -> Call<T> {
	let Execution { input_tokens, output_tokens, mut text, commitment } = execution;
	let max = T::MaxOutputLen::get() as usize;
	if text.len() > max {
		let mut cut = max;
		while cut > 0 && text.get(cut).is_some_and(|b| (b & 0b1100_0000) == 0b1000_0000) {
			cut = cut.saturating_sub(1);
		}
		text.truncate(cut);
	}
	Call::submit_result { job_id, input_tokens, output_tokens, output_text: text, commitment }
}

fn send<T: Config>(public: &T::Public, call: Call<T>) -> Result<(), &'static str> {
	let signer = Signer::<T, T::ProviderSigner>::all_accounts().with_filter(vec![public.clone()]);
	match signer.send_signed_transaction(|_| call.clone()).first() {
		Some((_, Ok(()))) => Ok(()),
		Some((_, Err(()))) => Err("the transaction pool refused the transaction"),
		None => Err("the provider key is not in the keystore"),
	}
}
