//! The checker's off-chain worker: for each `chck` key in this node's keystore that is a
//! registered checker, learns privately which posted results it is drawn to check (its VRF),
//! re-executes them on the node's engine and posts its verdicts.
//!
//! Every open result is looked at, every block: no result is exempt however many are open. The
//! draw of each (job, round) is evaluated once, when its seed is known, and remembered; the
//! drawn ones go to the engine in order of deadline (settlement, or the end of the dispute
//! round), so when the engine is busy the most urgent wait least. Per (job, round) the worker
//! keeps its progress in the node's persistent off-chain storage: not drawn; checking (an
//! engine ticket and the VRF proof); verdict sent, with the work witness it committed to
//! (resent if it has not landed after [`RESEND_AFTER`] blocks). Work never blocks the worker: the
//! engine runs on its own threads. Once a job closes, the witness of each verdict this node gave
//! on it is revealed (`reveal_witness`, resent like verdicts until it lands); records of closed
//! jobs are then removed.
//!
//! Every [`SILENCE_SCAN_EVERY`] blocks it also reports the checkers whose answers prove them
//! silent (`report_silent`).
//!
//! Besides its draws, the worker checks the claims of every open result (its text is its tokens
//! detokenized, its billed input the templated prompt's token count): deterministic and cheap,
//! so done for all results, once each; a false claim is reported (`report_false_claims`) and a
//! committee decides.

use crate::{pallet::*, types::Checkable};
use alloc::{vec, vec::Vec};
use attesta_primitives::{
	offchain::{inference, InferenceError, TaskState, Ticket},
	selection::{checker_vrf, is_selected, verified_draw, VrfProof},
	witness, JobId,
};
use codec::{Decode, Encode};
use frame_system::{
	offchain::{AppCrypto, SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use pallet_jobs::AuditedJobs;
use sp_runtime::{
	offchain::storage::StorageValueRef,
	traits::{IdentifyAccount, SaturatedConversion},
	RuntimeAppPublic, Saturating,
};

/// Log target of the checker worker.
pub const LOG_TARGET: &str = "attesta::checker";
/// Blocks a sent verdict may take to land before it is sent again.
pub const RESEND_AFTER: u32 = 5;
/// Blocks between two scans of the checker set for silent checkers (which a report resets, so
/// the scan is cheap to repeat).
pub const SILENCE_SCAN_EVERY: u32 = 100;

const LEDGER_KEY: &[u8] = b"attesta/checker/ledger";
/// The ledger's "round" for a result's claims check, apart from the draws' rounds.
const CLAIMS: u32 = u32::MAX;

/// Where this node's checker stands with one (job, round).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Progress<BlockNumber> {
	/// Its draw did not select it.
	NotDrawn,
	/// Re-executing on the engine.
	Checking {
		/// The engine's ticket.
		ticket: Ticket,
		/// The VRF proof that it was drawn.
		proof: VrfProof,
	},
	/// The verdict went to the pool at this block.
	Sent {
		/// When.
		at: BlockNumber,
		/// The witness digest the verdict committed to, revealed once the job closes.
		witness: [u8; 32],
	},
	/// The job closed; the witness went to the pool at this block.
	Revealing {
		/// When.
		at: BlockNumber,
		/// The witness digest.
		witness: [u8; 32],
	},
	/// The engine could not check it.
	Failed,
}

/// A local checker: signing key (its operator's, or its own), the checker's account, the VRF
/// key registered for it and when.
pub struct LocalChecker<T: Config> {
	public: T::Public,
	account: T::AccountId,
	key: [u8; 32],
	registered_at: BlockNumberFor<T>,
}

fn progress_key(job: JobId, round: u32, key: &[u8; 32]) -> Vec<u8> {
	(b"attesta/checker/job/", job, round, key).encode()
}

/// The registered checkers whose `chck` keys this node's keystore holds: each key is a
/// checker's registered VRF key and either its operator's account or its own.
pub fn local_checkers<T: Config>() -> Vec<LocalChecker<T>> {
	<<T::CheckerSigner as AppCrypto<T::Public, T::Signature>>::RuntimeAppPublic as RuntimeAppPublic>::all()
		.into_iter()
		.filter_map(|app| {
			let key: [u8; 32] = app.to_raw_vec().try_into().ok()?;
			let generic: <T::CheckerSigner as AppCrypto<T::Public, T::Signature>>::GenericPublic =
				app.into();
			let public: T::Public = generic.into();
			// The key is the checker's operator, or the checker's own account.
			let account = Pallet::<T>::acting_checker(public.clone().into_account());
			let registered = Checkers::<T>::get(&account)?;
			(registered.key == key).then_some(LocalChecker {
				public,
				account,
				key,
				registered_at: registered.registered_at,
			})
		})
		.collect()
}

/// One run of the checker worker at block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let locals = local_checkers::<T>();
	if locals.is_empty() {
		return;
	}
	let checks = Pallet::<T>::open_checks();
	let mut ledger: Vec<(JobId, u32, [u8; 32])> =
		StorageValueRef::persistent(LEDGER_KEY).get().ok().flatten().unwrap_or_default();
	for local in &locals {
		// Every open result, the most urgent first.
		let mut due: Vec<_> = checks
			.iter()
			.filter_map(|(job, checkable)| {
				let (round, deadline) = round_for::<T>(local, *job, checkable, now)?;
				Some((deadline, *job, round, checkable))
			})
			.collect();
		due.sort_by_key(|(deadline, job, ..)| (*deadline, *job));
		// The claims of every result not yet disputed, once each.
		for (_, job, ..) in due.iter().filter(|(_, _, round, _)| *round == 0) {
			if !ledger.contains(&(*job, CLAIMS, local.key)) {
				match check_claims::<T>(local, *job) {
					Ok(()) => ledger.push((*job, CLAIMS, local.key)),
					Err(why) => log::warn!(target: LOG_TARGET, "job {job} claims: {why}"),
				}
			}
		}
		for (_, job, round, checkable) in due {
			if !ledger.contains(&(job, round, local.key)) {
				ledger.push((job, round, local.key));
			}
			if let Err(why) = work_on::<T>(local, job, round, checkable, now) {
				log::warn!(target: LOG_TARGET, "job {job} round {round}: {why}");
			}
		}
	}
	ledger.retain(|(job, round, key)| {
		if checks.iter().any(|(j, _)| j == job) {
			return true;
		}
		let storage_key = progress_key(*job, *round, key);
		let mut store = StorageValueRef::persistent(&storage_key);
		let progress: Option<Progress<BlockNumberFor<T>>> = store.get().ok().flatten();
		// The witness of a verdict given, and when it was last sent (never, after `Sent`).
		let witness = match progress {
			// A check of a closed job is no longer wanted: free the engine of it.
			Some(Progress::Checking { ticket, .. }) => {
				inference::cancel(ticket);
				None
			},
			Some(Progress::Sent { witness, .. }) => Some((None, witness)),
			Some(Progress::Revealing { at, witness }) => Some((Some(at), witness)),
			_ => None,
		};
		let local = locals.iter().find(|l| l.key == *key);
		if let (Some((sent_at, witness)), Some(local)) = (witness, local) {
			let unrevealed = Reveals::<T>::contains_key(job) &&
				Verdicts::<T>::get(job, &local.account).is_some_and(|v| v.revealed.is_none());
			if unrevealed {
				let at = match sent_at {
					Some(at) if now <= at.saturating_add(RESEND_AFTER.into()) => at,
					_ => reveal::<T>(local, *job, witness, now),
				};
				store.set(&Progress::Revealing { at, witness });
				return true;
			}
		}
		store.clear();
		false
	});
	StorageValueRef::persistent(LEDGER_KEY).set(&ledger);
	let block: u64 = now.saturated_into();
	if block.checked_rem(SILENCE_SCAN_EVERY.into()) == Some(0) {
		report_silent_checkers::<T>(&locals);
	}
}

/// Reports every other checker whose answers prove it silent ([`crate::DrawRecord::silent`]),
/// signed by the first local checker (which gets the whistleblower share).
fn report_silent_checkers<T: Config>(locals: &[LocalChecker<T>]) {
	let Some(reporter) = locals.first() else { return };
	let ledger = Draws::<T>::get();
	for (who, info) in Checkers::<T>::iter() {
		if !info.draws.silent(&ledger) || locals.iter().any(|l| l.account == who) {
			continue;
		}
		match send::<T>(&reporter.public, Call::report_silent { checker: who }) {
			Ok(()) => log::info!(target: LOG_TARGET, "a silent checker reported"),
			Err(why) => log::warn!(target: LOG_TARGET, "silent checker not reported: {why}"),
		}
	}
}

/// The round `local` may vote in on `job` now, if any, with its deadline: the sample check
/// before settlement, or the open dispute's current round (not for the accuser, never for the
/// provider, never for a checker that already gave its verdict on the job).
fn round_for<T: Config>(
	local: &LocalChecker<T>,
	job: JobId,
	checkable: &Checkable<T::AccountId, BlockNumberFor<T>>,
	now: BlockNumberFor<T>,
) -> Option<(u32, BlockNumberFor<T>)> {
	if checkable.provider == local.account || Verdicts::<T>::contains_key(job, &local.account) {
		return None;
	}
	match Disputes::<T>::get(job) {
		Some(d) if d.accuser.account() == &local.account => None,
		Some(d) => Some((d.round, d.round_ends)),
		None if now <= checkable.settle_at => Some((0, checkable.settle_at)),
		None => None,
	}
}

fn work_on<T: Config>(
	local: &LocalChecker<T>,
	job: JobId,
	round: u32,
	checkable: &Checkable<T::AccountId, BlockNumberFor<T>>,
	now: BlockNumberFor<T>,
) -> Result<(), &'static str> {
	let key = progress_key(job, round, &local.key);
	let store = StorageValueRef::persistent(&key);
	let progress: Option<Progress<BlockNumberFor<T>>> = store.get().ok().flatten();
	let start = || -> Result<(), &'static str> {
		let (seeded_at, chance) =
			Pallet::<T>::draw_terms(job, checkable, round).ok_or("the round is not open")?;
		if local.registered_at > seeded_at {
			// Registered after the seed was fixed: never drawn for this round.
			store.set(&Progress::<BlockNumberFor<T>>::NotDrawn);
			return Ok(());
		}
		// Known from the block after the one that fixed it: until then, wait.
		let Some(seed) = Pallet::<T>::seed(seeded_at) else { return Ok(()) };
		let account = local.account.encode();
		let proof = checker_vrf::sign(local.key, &account, job, round, seed)
			.ok_or("the checker key is not in the keystore")?;
		let draw = verified_draw(&local.key, &account, job, round, &seed, &proof)
			.ok_or("own VRF proof does not verify")?;
		if !is_selected(draw, chance) {
			store.set(&Progress::<BlockNumberFor<T>>::NotDrawn);
			return Ok(());
		}
		let task = T::Jobs::check_task(job).ok_or("the result is no longer open")?;
		match inference::submit(task) {
			Ok(ticket) => {
				log::info!(target: LOG_TARGET, "job {job} round {round}: drawn, checking");
				store.set(&Progress::<BlockNumberFor<T>>::Checking { ticket, proof });
				Ok(())
			},
			Err(InferenceError::Busy) => Ok(()),
			Err(InferenceError::Unavailable) => Err("this node runs no inference engine"),
			Err(InferenceError::UnknownModel) =>
				Err("this node does not hold the job's model (start it with --inference-model)"),
			Err(_) => {
				store.set(&Progress::<BlockNumberFor<T>>::Failed);
				Err("the engine refused the check")
			},
		}
	};
	match progress {
		None => start(),
		Some(Progress::Checking { ticket, proof }) => match inference::poll(ticket) {
			TaskState::Pending => Ok(()),
			TaskState::Checked(report) => {
				let call = Call::submit_verdict {
					job_id: job,
					round,
					proof,
					accepted: report.accepted,
					witness: witness::commitment(&local.account.encode(), job, &report.witness),
				};
				send::<T>(&local.public, call)?;
				store.set(&Progress::Sent { at: now, witness: report.witness });
				log::info!(
					target: LOG_TARGET,
					"job {job} round {round}: verdict sent ({})",
					if report.accepted { "good" } else { "bad" }
				);
				Ok(())
			},
			// Lost in a node restart: check again.
			TaskState::Unknown => start(),
			TaskState::Executed(_) | TaskState::Failed(_) => {
				store.set(&Progress::<BlockNumberFor<T>>::Failed);
				Err("the engine could not check the result")
			},
		},
		Some(Progress::Sent { at, .. }) if now > at.saturating_add(RESEND_AFTER.into()) => start(),
		Some(_) => Ok(()),
	}
}

/// Sends `local`'s witness on the closed `job`; returns the block it counts as sent at (`now`,
/// or earlier when the pool refused it, so it is tried again at the next block).
fn reveal<T: Config>(
	local: &LocalChecker<T>,
	job: JobId,
	witness: [u8; 32],
	now: BlockNumberFor<T>,
) -> BlockNumberFor<T> {
	match send::<T>(&local.public, Call::reveal_witness { job_id: job, witness }) {
		Ok(()) => {
			log::info!(target: LOG_TARGET, "job {job}: witness revealed");
			now
		},
		Err(why) => {
			log::warn!(target: LOG_TARGET, "job {job}: witness not revealed: {why}");
			now.saturating_sub((RESEND_AFTER + 1).into())
		},
	}
}

/// Checks the claims of `job`'s result once; reports them when false.
fn check_claims<T: Config>(local: &LocalChecker<T>, job: JobId) -> Result<(), &'static str> {
	let task = T::Jobs::check_task(job).ok_or("the result is no longer open")?;
	match inference::check_claims(task) {
		Ok(true) => Ok(()),
		Ok(false) => {
			send::<T>(&local.public, Call::report_false_claims { job_id: job })?;
			log::info!(target: LOG_TARGET, "job {job}: false claims reported");
			Ok(())
		},
		Err(InferenceError::UnknownModel) =>
			Err("this node does not hold the job's model (start it with --inference-model)"),
		Err(InferenceError::Unavailable) => Err("this node runs no inference engine"),
		Err(_) => Err("the engine could not check the claims"),
	}
}

fn send<T: Config>(public: &T::Public, call: Call<T>) -> Result<(), &'static str> {
	let signer = Signer::<T, T::CheckerSigner>::all_accounts().with_filter(vec![public.clone()]);
	match signer.send_signed_transaction(|_| call.clone()).first() {
		Some((_, Ok(()))) => Ok(()),
		Some((_, Err(()))) => Err("the transaction pool refused the verdict"),
		None => Err("the checker key is not in the keystore"),
	}
}
