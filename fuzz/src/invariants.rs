//! What must hold after every block, whatever was sent: money conserved, holds backed by
//! records, every job in one consistent state moving only forward, one slash per fault, the
//! block within its weight, and each pallet's own `try_state`.

use attesta_primitives::JobId;
use attesta_runtime::{AccountId, Balance, Runtime, RuntimeEvent, RuntimeHoldReason};
use frame_support::dispatch::DispatchClass;
use pallet_audits::{Accuser, SlashFrom};
use pallet_jobs::JobStatus;
use std::collections::{BTreeMap, BTreeSet};

/// The states a job can be in, without their data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
	Queued,
	Assigned,
	ResultPosted,
	Settled,
	Rejected,
	Expired,
	Cancelled,
}

impl Phase {
	fn of<A, B, N>(status: &JobStatus<A, B, N>) -> Self {
		match status {
			JobStatus::Queued { .. } => Self::Queued,
			JobStatus::Assigned { .. } => Self::Assigned,
			JobStatus::ResultPosted { .. } => Self::ResultPosted,
			JobStatus::Settled { .. } => Self::Settled,
			JobStatus::Rejected { .. } => Self::Rejected,
			JobStatus::Expired { .. } => Self::Expired,
			JobStatus::Cancelled { .. } => Self::Cancelled,
		}
	}

	/// Whether a job seen in `self` at one block may be in `next` at the next.
	fn may_become(self, next: Self) -> bool {
		use Phase::*;
		self == next ||
			matches!(
				(self, next),
				// Drawn at the start of a block, a job can be answered in the same block.
				(Queued, Assigned | ResultPosted | Expired | Cancelled) |
					(Assigned, ResultPosted | Expired | Cancelled) |
					(ResultPosted, Settled | Rejected)
			)
	}
}

/// What the fuzzer remembers across blocks to check the chain against.
#[derive(Default)]
pub struct Shadow {
	/// Each job's phase at the end of the last block.
	jobs: BTreeMap<JobId, Phase>,
	/// Jobs whose record was pruned; they must never come back.
	pruned: BTreeSet<JobId>,
	/// `NextJobId` at the end of the last block.
	next_job: JobId,
	/// Open challenges by dapps: job → (dapp, the bond held when it challenged).
	challenge_bonds: BTreeMap<JobId, (AccountId, Balance)>,
	/// Every slash ever scheduled, by the fault it punishes.
	slashes: BTreeSet<(Option<JobId>, AccountId, bool)>,
	/// Jobs whose result a committee found bad.
	found_bad: BTreeSet<JobId>,
	/// Slashes executed.
	executed: BTreeSet<u32>,
	/// Checkers that revealed the honest witness of a job: never to be slashed for it.
	honest_reveals: BTreeSet<(JobId, AccountId)>,
	/// Fees paid and dust burned in the current block: all that may leave the issuance.
	burned: Balance,
	/// How often each event happened: what the run reached.
	pub event_counts: BTreeMap<String, u64>,
}

fn event_name(e: &RuntimeEvent) -> String {
	attesta_runtime::variant_name(e)
}

impl Shadow {
	/// Takes note of events as they happen (after each extrinsic, so the settings read are the
	/// ones in force when the event was emitted).
	pub fn on_events(&mut self, events: &[RuntimeEvent]) -> Result<(), String> {
		// A provider's slash is scheduled just before the verdict's event.
		let mut provider_slashes = Vec::new();
		for e in events {
			*self.event_counts.entry(event_name(e)).or_default() += 1;
			match e {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
				) => self.burned = self.burned.saturating_add(*actual_fee),
				RuntimeEvent::Balances(pallet_balances::Event::DustLost { amount, .. }) =>
					self.burned = self.burned.saturating_add(*amount),
				// A result can be disputed again, by someone else, after a dispute upheld it.
				RuntimeEvent::Audits(pallet_audits::Event::DisputeOpened {
					job_id,
					accuser,
					..
				}) => match accuser {
					Accuser::Dapp(dapp) => {
						// What it held: the bond grows with the dapp's open challenges.
						let bond = pallet_audits::Disputes::<Runtime>::get(job_id)
							.map(|d| d.bond)
							.ok_or(format!("dispute over job {job_id} opened but not stored"))?;
						self.challenge_bonds.insert(*job_id, (dapp.clone(), bond));
					},
					Accuser::Checker(_) => {
						self.challenge_bonds.remove(job_id);
					},
				},
				RuntimeEvent::Audits(pallet_audits::Event::ResultFoundBad { job_id, .. }) => {
					self.found_bad.insert(*job_id);
				},
				RuntimeEvent::Jobs(pallet_jobs::Event::JobSettled { job_id, paid, .. })
					if self.found_bad.contains(job_id) =>
					return Err(format!("job {job_id}, found bad, was paid {paid}")),
				RuntimeEvent::Audits(pallet_audits::Event::SlashScheduled {
					id,
					offender,
					from,
					..
				}) => {
					let slash = pallet_audits::PendingSlashes::<Runtime>::get(id)
						.ok_or(format!("slash {id} scheduled but not pending"))?;
					if *from == SlashFrom::ProviderStake {
						let job =
							slash.job.ok_or(format!("provider slash {id} is about no job"))?;
						provider_slashes.push((*id, job));
					}
					let from_stake = *from == SlashFrom::ProviderStake;
					if !self.slashes.insert((slash.job, offender.clone(), from_stake)) {
						return Err(format!(
							"second slash ({id}) of {offender:?} from {from:?} for job {:?}",
							slash.job
						));
					}
				},
				RuntimeEvent::Audits(pallet_audits::Event::Slashed { id, .. })
					if !self.executed.insert(*id) =>
					return Err(format!("slash {id} executed twice")),
				RuntimeEvent::Audits(pallet_audits::Event::WitnessRevealed { job_id, checker }) => {
					let revealed = pallet_audits::Verdicts::<Runtime>::get(job_id, checker)
						.and_then(|v| v.revealed);
					if revealed.is_some() && revealed == crate::actions::honest_witness(*job_id) {
						self.honest_reveals.insert((*job_id, checker.clone()));
					}
				},
				RuntimeEvent::Audits(pallet_audits::Event::WitnessFailed {
					job_id,
					checker,
					..
				}) if self.honest_reveals.contains(&(*job_id, checker.clone())) =>
					return Err(format!(
						"{checker:?} slashed for job {job_id} though it revealed the honest witness"
					)),
				RuntimeEvent::Audits(pallet_audits::Event::WitnessesTallied { job_id, .. }) =>
					self.honest_reveals.retain(|(job, _)| job != job_id),
				_ => {},
			}
		}
		for (id, job) in provider_slashes {
			if !self.found_bad.contains(&job) {
				return Err(format!(
					"provider slash {id} for job {job} whose result was not found bad"
				));
			}
		}
		Ok(())
	}

	/// All checks at the end of a block whose issuance started at `issuance_before`.
	pub fn check_block(&mut self, issuance_before: Balance) -> Result<(), String> {
		self.check_weight()?;
		self.check_money(issuance_before)?;
		self.check_jobs()?;
		pallet_providers::Pallet::<Runtime>::do_try_state()
			.map_err(|e| format!("Providers try_state: {e:?}"))?;
		pallet_jobs::Pallet::<Runtime>::do_try_state()
			.map_err(|e| format!("Jobs try_state: {e:?}"))?;
		pallet_audits::Pallet::<Runtime>::do_try_state()
			.map_err(|e| format!("Audits try_state: {e:?}"))?;
		Ok(())
	}

	fn check_weight(&self) -> Result<(), String> {
		let limits = <Runtime as frame_system::Config>::BlockWeights::get();
		let used = frame_system::BlockWeight::<Runtime>::get();
		if used.total().ref_time() == 0 {
			return Err("block weight not recorded".into());
		}
		// A session change claims the whole block (`pallet-session` weighs its rotation as
		// `max_block`, so nothing else fits); the classes' limits below still hold then.
		#[allow(deprecated)]
		let rotated = frame_system::Pallet::<Runtime>::events().iter().any(|r| {
			matches!(r.event, RuntimeEvent::Session(pallet_session::Event::NewSession { .. }))
		});
		if used.total().any_gt(limits.max_block) && !rotated {
			return Err(format!(
				"block weight {:?} above the limit {:?}",
				used.total(),
				limits.max_block
			));
		}
		for class in [DispatchClass::Normal, DispatchClass::Operational] {
			if let Some(max) = limits.get(class).max_total {
				if used.get(class).any_gt(max) {
					return Err(format!("{class:?} weight {:?} above {max:?}", used.get(class)));
				}
			}
		}
		Ok(())
	}

	/// The issuance equals the sum of all balances and fell by exactly the fees and dust; each
	/// hold reason's total equals what the records say is held.
	fn check_money(&mut self, issuance_before: Balance) -> Result<(), String> {
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		let burned = std::mem::take(&mut self.burned);
		if issuance_before.checked_sub(burned) != Some(issuance) {
			return Err(format!(
				"issuance went from {issuance_before} to {issuance}, but only {burned} was paid in fees or lost as dust"
			));
		}
		let mut total: Balance = 0;
		let mut held: Vec<(RuntimeHoldReason, Balance)> = Vec::new();
		for (who, info) in frame_system::Account::<Runtime>::iter() {
			total = total.saturating_add(info.data.free).saturating_add(info.data.reserved);
			let mut on_hold: Balance = 0;
			for h in pallet_balances::Holds::<Runtime>::get(&who) {
				on_hold = on_hold.saturating_add(h.amount);
				match held.iter_mut().find(|(r, _)| *r == h.id) {
					Some((_, total)) => *total += h.amount,
					None => held.push((h.id, h.amount)),
				}
			}
			if on_hold != info.data.reserved {
				return Err(format!("{who:?}: holds {on_hold} but reserved {}", info.data.reserved));
			}
		}
		if total != issuance {
			return Err(format!("balances sum to {total}, issuance is {issuance}"));
		}
		let pool = pallet_jobs::Pallet::<Runtime>::pool_account();
		if !frame_system::Account::<Runtime>::contains_key(&pool) {
			return Err("the checkers' pool account was reaped".into());
		}

		self.challenge_bonds.retain(|job, (dapp, _)| {
			pallet_audits::Disputes::<Runtime>::get(job)
				.is_some_and(|d| d.accuser == Accuser::Dapp(dapp.clone()))
		});
		let stakes: Balance = pallet_providers::Providers::<Runtime>::iter_values()
			.map(|p| p.stake + p.unbonding.map(|u| u.amount).unwrap_or(0))
			.sum();
		let escrow: Balance = pallet_jobs::Jobs::<Runtime>::iter_values()
			.filter(|j| j.status.is_open())
			.map(|j| j.budget)
			.sum();
		let deposits: Balance =
			pallet_jobs::Jobs::<Runtime>::iter_values().map(|j| j.deposit).sum();
		let bonds: Balance =
			pallet_audits::Checkers::<Runtime>::iter_values().map(|c| c.bond).sum();
		let challenges: Balance = self.challenge_bonds.values().map(|(_, b)| *b).sum();
		let expected = [
			(
				RuntimeHoldReason::Providers(pallet_providers::HoldReason::ProviderStake),
				stakes,
				"provider stakes",
			),
			(
				RuntimeHoldReason::Jobs(pallet_jobs::HoldReason::JobEscrow),
				escrow,
				"open job budgets",
			),
			(
				RuntimeHoldReason::Jobs(pallet_jobs::HoldReason::StorageDeposit),
				deposits,
				"stored jobs' deposits",
			),
			(
				RuntimeHoldReason::Audits(pallet_audits::HoldReason::CheckerBond),
				bonds,
				"checker bonds",
			),
			(
				RuntimeHoldReason::Audits(pallet_audits::HoldReason::ChallengeBond),
				challenges,
				"open challenge bonds",
			),
		];
		for (reason, want, what) in expected {
			let got = held.iter().find(|(r, _)| *r == reason).map(|(_, a)| *a).unwrap_or(0);
			held.retain(|(r, _)| *r != reason);
			if got != want {
				return Err(format!("{reason:?} holds total {got}, but {what} are {want}"));
			}
		}
		if let Some((reason, amount)) = held.into_iter().find(|(_, a)| *a > 0) {
			return Err(format!("{amount} held for {reason:?}, which nothing accounts for"));
		}
		for (job, (dapp, bond)) in &self.challenge_bonds {
			let mine: Balance =
				self.challenge_bonds.values().filter(|(d, _)| d == dapp).map(|(_, b)| *b).sum();
			let got = pallet_balances::Holds::<Runtime>::get(dapp)
				.iter()
				.filter(|h| {
					h.id == RuntimeHoldReason::Audits(pallet_audits::HoldReason::ChallengeBond)
				})
				.map(|h| h.amount)
				.sum::<Balance>();
			if got != mine {
				return Err(format!(
					"{dapp:?} has {got} held for challenges but its open ones (job {job}: {bond}, …) total {mine}"
				));
			}
		}
		Ok(())
	}

	/// Each job is in one phase, consistent across the pallets, reached by an allowed step.
	fn check_jobs(&mut self) -> Result<(), String> {
		let next = pallet_jobs::NextJobId::<Runtime>::get();
		if next < self.next_job {
			return Err(format!("NextJobId went back from {} to {next}", self.next_job));
		}
		let mut seen: BTreeMap<JobId, Phase> = BTreeMap::new();
		for (id, job) in pallet_jobs::Jobs::<Runtime>::iter() {
			let phase = Phase::of(&job.status);
			if self.pruned.contains(&id) {
				return Err(format!("job {id} came back after it was pruned"));
			}
			match self.jobs.get(&id) {
				Some(before) if !before.may_become(phase) =>
					return Err(format!("job {id} went from {before:?} to {phase:?}")),
				None if id < self.next_job => return Err(format!("job {id} appeared late")),
				_ => {},
			}
			let checkable = pallet_audits::Checkables::<Runtime>::contains_key(id);
			let result = pallet_jobs::Results::<Runtime>::contains_key(id);
			let disputed = pallet_audits::Disputes::<Runtime>::contains_key(id);
			let consistent = match phase {
				Phase::Queued | Phase::Assigned => !checkable && !result && !disputed,
				Phase::ResultPosted => checkable && result,
				_ => !checkable && !disputed,
			};
			if !consistent {
				return Err(format!(
					"job {id} is {phase:?} but checkable={checkable} result={result} disputed={disputed}"
				));
			}
			seen.insert(id, phase);
		}
		for (id, phase) in &self.jobs {
			if !seen.contains_key(id) {
				if matches!(phase, Phase::Queued | Phase::Assigned | Phase::ResultPosted) {
					return Err(format!("open job {id} ({phase:?}) vanished"));
				}
				self.pruned.insert(*id);
			}
		}
		for id in pallet_audits::Checkables::<Runtime>::iter_keys() {
			if !seen.contains_key(&id) {
				return Err(format!("job {id} is checkable but has no record"));
			}
		}
		// Bought check rates go with their job's end (refunded when it had no result).
		for id in pallet_audits::BoughtRates::<Runtime>::iter_keys() {
			if !seen
				.get(&id)
				.is_some_and(|p| matches!(p, Phase::Queued | Phase::Assigned | Phase::ResultPosted))
			{
				return Err(format!("job {id} is not open but keeps a bought check rate"));
			}
		}
		self.jobs = seen;
		self.next_job = next;
		Ok(())
	}
}
