//! # Jobs pallet
//!
//! The inference market's order book. A dapp submits a job (model, prompt, generation
//! parameters, the most it pays per token, an optional region, a budget and a deadline); the
//! budget is held in escrow and the job is assigned at once to an eligible provider, drawn so
//! that no provider can pick its jobs, at a price locked for that provider. The provider posts
//! the output and a commitment the chain recomputes. After a challenge window the job settles:
//! the provider is paid for the tokens it produced, a share goes to the checkers' pool, the dapp
//! gets the rest back. A missed deadline moves the job to the next eligible provider; when none
//! is left, the dapp is refunded in full. Finished jobs are pruned after a retention period.
//!
//! Time-driven work (deadlines, settlement, pruning) runs from `on_initialize` through a bounded
//! per-block agenda, so each block's work has a known upper bound.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(feature = "std")]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

use attesta_primitives::prompt::{self, PromptError};
pub use attesta_primitives::{GenParams, JobId, ModelId, TokenId};
pub use types::*;
pub use weights::WeightInfo;

/// The audits side of a job: the governed terms it runs under, what the jobs pallet tells the
/// audits pallet (sampled re-execution, disputes), and how the audits pallet holds settlement
/// back.
pub trait JobAudit<AccountId, Balance, BlockNumber> {
	/// The largest budget a job may escrow: the price bound under which cheating does not pay.
	fn max_budget() -> Balance;
	/// Whether a provider with `stake` may hold open jobs whose budgets add up to `exposure`:
	/// the bound under which cheating on all of them at once does not pay.
	fn may_expose(stake: Balance, exposure: Balance) -> bool;
	/// The terms a job submitted now runs under until it ends.
	fn terms() -> JobTerms<BlockNumber>;
	/// Whether `job` is under dispute, in which case it must not settle yet.
	fn is_disputed(job: JobId) -> bool;
	/// `provider` posted a result with `commitment` for `job`, which runs under `terms`; it
	/// settles at `settle_at` unless disputed.
	fn result_posted(
		job: JobId,
		provider: &AccountId,
		commitment: [u8; 32],
		settle_at: BlockNumber,
		terms: &JobTerms<BlockNumber>,
	);
	/// `job` ended: settled (`settled`: its provider was paid), rejected, cancelled or expired.
	/// Nothing about it is open any more.
	fn job_closed(job: JobId, settled: bool);
}

/// What the audits pallet needs from the jobs pallet.
pub trait AuditedJobs<AccountId, BlockNumber> {
	/// The dapp that submitted `job`.
	fn owner(job: JobId) -> Option<AccountId>;
	/// The provider `job` waits for and the terms it runs under, while it waits for a result.
	fn awaiting_result(job: JobId) -> Option<(AccountId, JobTerms<BlockNumber>)>;
	/// What a checker re-executes: the model's weights hash, the prompt, the parameters, the
	/// claimed output tokens, text and billed input of a posted, unsettled result.
	fn check_task(job: JobId) -> Option<attesta_primitives::offchain::InferenceTask>;
	/// A dispute found `job`'s result bad: the provider is not paid and the dapp gets its
	/// budget back in full.
	fn reject_result(job: JobId) -> sp_runtime::DispatchResult;
	/// The checkers' pool, which the verification fees go to and checker rewards come from.
	fn pool() -> AccountId;
	/// Most jobs open at once (each can carry at most one dispute).
	fn max_open() -> u32;
	/// A job of `owner` (funded here), with its result posted when `answered` (benchmark
	/// set-up).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_job(owner: &AccountId, answered: bool) -> Option<JobId>;
}

/// Signs a provider's off-chain transactions with its `prov` key from the node's keystore.
pub struct ProviderSigner;

impl frame_system::offchain::AppCrypto<sp_runtime::MultiSigner, sp_runtime::MultiSignature>
	for ProviderSigner
{
	type RuntimeAppPublic = attesta_primitives::keys::provider::Public;
	type GenericPublic = sp_core::sr25519::Public;
	type GenericSignature = sp_core::sr25519::Signature;
}

/// Highest sampling temperature a job may ask for, × 1000.
pub const MAX_TEMPERATURE_MILLI: u32 = 2_000;
/// How many later blocks the agenda tries when the intended block is full.
pub const AGENDA_SEARCH: u32 = 64;

// FRAME's macros expand `expect`s, indexing and arithmetic into this module under its spans, and
// calls take many arguments by nature; the pallet's own code keeps to checked arithmetic.
#[allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	clippy::too_many_arguments,
	clippy::type_complexity
)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use pallet_models::ModelRegistry;
	use pallet_providers::{Candidate, JobOutcome, Price, ProviderRegistry, Region};
	use sp_runtime::traits::{AccountIdConversion, Saturating, Zero};

	/// The balance type of the escrow currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A job as stored.
	pub type JobOf<T> = Job<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxPromptLen,
		<T as Config>::MaxAttempts,
	>;
	/// A result as stored.
	pub type JobResultOf<T> =
		JobResult<<T as Config>::MaxOutputTokens, <T as Config>::MaxOutputLen>;
	/// A job's status as stored.
	pub type StatusOf<T> =
		JobStatus<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A dapp's budget for an open job.
		JobEscrow,
		/// A dapp's deposit for the storage its job and result take, until pruned.
		StorageDeposit,
	}

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
		/// The currency budgets are escrowed in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The model registry.
		type Models: ModelRegistry;
		/// The provider registry.
		type Providers: ProviderRegistry<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;
		/// Sets each job's terms from the governed settings and holds settlement back while a
		/// job is disputed.
		type Audit: JobAudit<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;
		/// Derives the account of the checkers' pool, which receives the verification fees.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Longest prompt, in bytes.
		#[pallet::constant]
		type MaxPromptLen: Get<u32>;
		/// Most output tokens of any job (models may allow fewer).
		#[pallet::constant]
		type MaxOutputTokens: Get<u32>;
		/// Longest decoded output text, in bytes.
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;
		/// Tokens the chat template adds around a prompt; a prompt of `n` bytes is billed for at
		/// most `n` + this many input tokens (byte-level tokenizers never make more tokens than
		/// bytes).
		#[pallet::constant]
		type PromptOverheadTokens: Get<u32>;
		/// Most agenda entries (deadlines, settlements, prunings) handled in one block.
		#[pallet::constant]
		type MaxJobsPerBlock: Get<u32>;
		/// Most jobs open at once, chain-wide: keeps the agenda and the escrow bounded.
		#[pallet::constant]
		type MaxOpenJobs: Get<u32>;
		/// Most jobs one account may have open at once, so that no account alone can fill
		/// `MaxOpenJobs`.
		#[pallet::constant]
		type MaxOpenJobsPerAccount: Get<u32>;
		/// Share of its stake a provider loses, to the checkers' pool, when missed deadlines
		/// bench it.
		#[pallet::constant]
		type MissSlash: Get<sp_runtime::Perbill>;
		/// Most providers one job is tried with (first assignment plus failovers).
		#[pallet::constant]
		type MaxAttempts: Get<u32>;
		/// Longest response window a dapp may give, in blocks.
		#[pallet::constant]
		type MaxResponseWindow: Get<BlockNumberFor<Self>>;
		/// Blocks a finished job stays readable before it is pruned.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;
		/// Storage deposit held per job, besides the per-byte part.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;
		/// Storage deposit held per byte a job and its result may take.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;
		/// The key a provider's off-chain worker signs its transactions with.
		type ProviderSigner: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// Weights of this pallet's calls and hook, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Jobs by id: open ones, and finished ones until pruned. `Twox64Concat`: ids are sequential,
	/// assigned by the pallet.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// Results by job id, kept as long as the job.
	#[pallet::storage]
	pub type Results<T: Config> = StorageMap<_, Twox64Concat, JobId, JobResultOf<T>>;

	/// Jobs waiting for a provider's result, by provider: what a provider's off-chain worker
	/// reads to find its work. Bounded by each provider's capacity.
	#[pallet::storage]
	pub type AssignedTo<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Number of open jobs (assigned or awaiting settlement).
	#[pallet::storage]
	pub type OpenJobs<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Open jobs per submitting account (at most `MaxOpenJobsPerAccount`).
	#[pallet::storage]
	pub type OpenJobsOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The budgets of each provider's open jobs (assigned, or answered and not yet settled),
	/// added up: bounded by its stake, so that cheating on all of them at once does not pay.
	#[pallet::storage]
	pub type Exposure<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// Jobs to look at in a given block (deadline, end of challenge window, or pruning time).
	/// Entries that no longer apply are skipped. `Twox64Concat`: keys are block numbers.
	#[pallet::storage]
	pub type Agenda<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxJobsPerBlock>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A dapp submitted a job; its budget is in escrow.
		JobSubmitted {
			/// The job.
			job_id: JobId,
			/// The dapp.
			who: T::AccountId,
			/// The model.
			model: ModelId,
			/// Escrowed budget.
			budget: BalanceOf<T>,
		},
		/// A provider got the job (first assignment or failover) at a locked price.
		JobAssigned {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
			/// The locked price.
			price: Price<BalanceOf<T>>,
			/// Last block for its result.
			deadline: BlockNumberFor<T>,
		},
		/// The provider said it started; the dapp can no longer cancel.
		JobStarted {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
		},
		/// The provider posted its result; it settles at `settle_at` unless disputed.
		ResultSubmitted {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
			/// Number of output tokens.
			output_tokens: u32,
			/// The commitment.
			commitment: [u8; 32],
			/// When it settles.
			settle_at: BlockNumberFor<T>,
		},
		/// The job was paid out.
		JobSettled {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
			/// Paid to the provider.
			paid: BalanceOf<T>,
			/// Paid to the checkers' pool.
			fee: BalanceOf<T>,
			/// Returned to the dapp.
			refunded: BalanceOf<T>,
		},
		/// A provider let the deadline pass.
		DeadlineMissed {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
		},
		/// No provider delivered and none is left: the dapp got its budget back.
		JobExpired {
			/// The job.
			job_id: JobId,
			/// Returned to the dapp.
			refunded: BalanceOf<T>,
		},
		/// The dapp cancelled the job and got its budget back.
		JobCancelled {
			/// The job.
			job_id: JobId,
			/// Returned to the dapp.
			refunded: BalanceOf<T>,
		},
		/// A dispute found the result bad: the provider was not paid, the dapp got its budget
		/// back.
		ResultRejected {
			/// The job.
			job_id: JobId,
			/// The provider whose result it was.
			provider: T::AccountId,
			/// Returned to the dapp.
			refunded: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// The model is retired and takes no new jobs.
		ModelRetired,
		/// The prompt is empty.
		EmptyPrompt,
		/// The prompt is longer than `MaxPromptLen` bytes.
		PromptTooLong,
		/// `max_tokens` is zero or above the model's (or the chain's) output limit, or the output
		/// is longer than the job allows.
		OutputTooLong,
		/// Prompt and output together exceed the model's context.
		ContextTooLong,
		/// Temperature above 2.0 or top-p outside (0, 1].
		InvalidParams,
		/// The region label is empty or longer than 16 bytes.
		BadRegion,
		/// The deadline is not after the current block.
		DeadlineInPast,
		/// The deadline is further away than `MaxResponseWindow`.
		DeadlineTooFar,
		/// The budget is above the governed maximum (`max_job_budget` of the market settings).
		BudgetAboveMaximum,
		/// The budget does not cover the job at any eligible provider's price.
		BudgetBelowQuote,
		/// No registered provider can take this job now (model, price, region, capacity).
		NoEligibleProvider,
		/// Not enough free balance to escrow the budget.
		InsufficientBalance,
		/// `MaxOpenJobs` jobs are open chain-wide; try again later.
		TooManyOpenJobs,
		/// The account has `MaxOpenJobsPerAccount` jobs open; wait for one to end.
		TooManyOpenJobsOfAccount,
		/// The prompt is not valid UTF-8: no engine would run it.
		PromptNotUtf8,
		/// The agenda is full for the coming blocks; try again later.
		AgendaFull,
		/// No job has this id (or it was pruned).
		UnknownJob,
		/// Only the provider the job is assigned to may do this.
		NotAssignedProvider,
		/// Only the dapp that submitted the job may do this.
		NotJobOwner,
		/// A result was already posted for this job.
		ResultAlreadySubmitted,
		/// The job is not waiting for a result (settled, expired or cancelled).
		JobNotOpen,
		/// The provider already started this job.
		JobAlreadyStarted,
		/// The deadline for this result has passed.
		DeadlinePassed,
		/// The output text is longer than `MaxOutputLen` bytes.
		OutputTextTooLong,
		/// More input tokens than the prompt can make.
		TooManyInputTokens,
		/// The commitment is not the hash of this model, prompt, parameters and output.
		CommitmentMismatch,
		/// An amount overflowed.
		Overflow,
		/// Every provider that could take the job holds as many open budgets as its stake
		/// covers (the cheating rule over all its open jobs): try later, or a smaller budget.
		StakeFullyExposed,
		/// The job's provider is drawn at the start of the next block; nobody holds it yet.
		NotAssignedYet,
		/// The prompt is a conversation (it begins with `attesta_primitives::prompt::
		/// CONVERSATION_TAG`) that does not decode, has more than `MAX_TURNS` turns, puts the
		/// system message anywhere but first, breaks the user/assistant alternation, does not end
		/// with the user, or has text that is not UTF-8.
		BadConversation,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let due = Agenda::<T>::take(now);
			let n = due.len() as u32;
			for job_id in due {
				Self::process(job_id, now);
			}
			// A failover's draw reads each candidate's open exposure, beyond the benchmark.
			let exposure_reads = u64::from(n).saturating_mul(T::Providers::max_per_model().into());
			T::WeightInfo::on_initialize(n).saturating_add(T::DbWeight::get().reads(exposure_reads))
		}

		/// Runs the jobs assigned to this node's provider keys (see [`crate::offchain`]).
		fn offchain_worker(now: BlockNumberFor<T>) {
			crate::offchain::run::<T>(now);
		}

		fn integrity_test() {
			assert!(T::MaxJobsPerBlock::get() > 0, "MaxJobsPerBlock must be positive");
			assert!(T::MaxAttempts::get() > 0, "MaxAttempts must be positive");
			assert!(T::MaxPromptLen::get() > 0, "MaxPromptLen must be positive");
			// Each open job has at most two live agenda entries (deadline or settlement, and a
			// stale one); finished ones one. The search window must hold them all.
			let room = (T::MaxJobsPerBlock::get() as u64).saturating_mul(AGENDA_SEARCH as u64);
			assert!(
				room >= 3 * T::MaxOpenJobs::get() as u64,
				"agenda search window too small for MaxOpenJobs"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submits an inference job: escrows `budget` and queues the job; a provider is drawn
		/// among the eligible ones at the start of the next block (see [`JobStatus::Queued`]).
		/// `deadline` is the last block for the provider's result, at least two blocks ahead; a
		/// provider that takes over after a missed deadline gets the same number of blocks.
		///
		/// `prompt` is UTF-8 text (one user turn under the model's default system message) or a
		/// conversation with a system message and earlier turns (`attesta_primitives::prompt`);
		/// the chain commits to these bytes, from which every engine builds the same input.
		///
		/// Weighed by the prompt's length and, until it runs, by the most providers a model can
		/// have and the longest agenda search; what the call did not read is refunded.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_job(
			Pallet::<T>::weighed_len(prompt.len(), T::MaxPromptLen::get()),
			T::Providers::max_per_model(),
		).saturating_add(Pallet::<T>::agenda_search_weight(AGENDA_SEARCH)))]
		pub fn submit_job(
			origin: OriginFor<T>,
			model: ModelId,
			prompt: Vec<u8>,
			params: GenParams,
			max_price: Price<BalanceOf<T>>,
			region: Option<Vec<u8>>,
			budget: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let limits = T::Models::limits(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(limits.active, Error::<T>::ModelRetired);
			let prompt_len = prompt.len();
			let prompt: BoundedVec<u8, T::MaxPromptLen> =
				prompt.try_into().map_err(|_| Error::<T>::PromptTooLong)?;
			prompt::parse(&prompt).map_err(|e| match e {
				PromptError::Empty => Error::<T>::EmptyPrompt,
				PromptError::NotUtf8 => Error::<T>::PromptNotUtf8,
				PromptError::BadConversation => Error::<T>::BadConversation,
			})?;
			ensure!(
				params.max_tokens >= 1 &&
					params.max_tokens <= limits.max_output_tokens &&
					params.max_tokens <= T::MaxOutputTokens::get(),
				Error::<T>::OutputTooLong
			);
			let input_bound = Self::input_token_bound(&prompt);
			ensure!(
				input_bound.saturating_add(params.max_tokens) <= limits.max_context_tokens,
				Error::<T>::ContextTooLong
			);
			ensure!(
				params.temperature_milli <= MAX_TEMPERATURE_MILLI &&
					params.top_p_milli >= 1 &&
					params.top_p_milli <= 1_000,
				Error::<T>::InvalidParams
			);
			let region: Option<Region> = match region {
				Some(r) if r.is_empty() => return Err(Error::<T>::BadRegion.into()),
				Some(r) => Some(r.try_into().map_err(|_| Error::<T>::BadRegion)?),
				None => None,
			};
			// The provider is drawn next block and answers in a later one.
			ensure!(deadline > now.saturating_add(1u32.into()), Error::<T>::DeadlineInPast);
			let response_window = deadline.saturating_sub(now);
			ensure!(response_window <= T::MaxResponseWindow::get(), Error::<T>::DeadlineTooFar);
			ensure!(OpenJobs::<T>::get() < T::MaxOpenJobs::get(), Error::<T>::TooManyOpenJobs);
			ensure!(
				OpenJobsOf::<T>::get(&who) < T::MaxOpenJobsPerAccount::get(),
				Error::<T>::TooManyOpenJobsOfAccount
			);
			ensure!(budget <= T::Audit::max_budget(), Error::<T>::BudgetAboveMaximum);

			let job_id = NextJobId::<T>::get();
			let next_id = job_id.checked_add(1).ok_or(Error::<T>::Overflow)?;
			// Whether some provider could take it now, so the dapp learns at once why not; the
			// draw itself waits for randomness no one knows yet.
			let scanned = Self::could_be_taken(
				model,
				&max_price,
				region.as_ref(),
				input_bound,
				params.max_tokens,
				budget,
			)?;
			let deposit = Self::storage_deposit(prompt.len() as u32, params.max_tokens);
			let free =
				T::Currency::reducible_balance(&who, Preservation::Preserve, Fortitude::Polite);
			ensure!(free >= budget.saturating_add(deposit), Error::<T>::InsufficientBalance);
			let (slot, probes) = Self::search_agenda(now.saturating_add(1u32.into()));
			let slot = slot.ok_or(Error::<T>::AgendaFull)?;

			// Every check passed: from here on, write.
			T::Currency::hold(&HoldReason::JobEscrow.into(), &who, budget)?;
			if !deposit.is_zero() {
				T::Currency::hold(&HoldReason::StorageDeposit.into(), &who, deposit)?;
			}
			Agenda::<T>::try_mutate(slot, |v| v.try_push(job_id))
				.map_err(|_| Error::<T>::AgendaFull)?;
			Jobs::<T>::insert(
				job_id,
				Job {
					owner: who.clone(),
					model,
					prompt,
					params,
					max_price,
					region,
					budget,
					deposit,
					response_window,
					submitted_at: now,
					terms: T::Audit::terms(),
					price: max_price,
					attempts: BoundedVec::new(),
					status: JobStatus::Queued { deadline },
				},
			);
			NextJobId::<T>::put(next_id);
			OpenJobs::<T>::mutate(|n| *n = n.saturating_add(1));
			OpenJobsOf::<T>::mutate(&who, |n| *n = n.saturating_add(1));
			Self::deposit_event(Event::JobSubmitted { job_id, who, model, budget });
			Ok(Some(
				T::WeightInfo::submit_job(
					Self::weighed_len(prompt_len, T::MaxPromptLen::get()),
					scanned,
				)
				.saturating_add(Self::agenda_search_weight(probes)),
			)
			.into())
		}

		/// The assigned provider (or its operator key) says it started the job; from then on the
		/// dapp cannot cancel.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::accept_job())]
		pub fn accept_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let who = T::Providers::acting_for(&ensure_signed(origin)?);
			Jobs::<T>::try_mutate(job_id, |job| {
				let job = job.as_mut().ok_or(Error::<T>::UnknownJob)?;
				match &mut job.status {
					JobStatus::Assigned { provider, started, .. } => {
						ensure!(*provider == who, Error::<T>::NotAssignedProvider);
						ensure!(!*started, Error::<T>::JobAlreadyStarted);
						*started = true;
						Ok(())
					},
					JobStatus::ResultPosted { .. } => Err(Error::<T>::ResultAlreadySubmitted),
					JobStatus::Queued { .. } => Err(Error::<T>::NotAssignedYet),
					_ => Err(Error::<T>::JobNotOpen),
				}
			})?;
			Self::deposit_event(Event::JobStarted { job_id, provider: who });
			Ok(())
		}

		/// The assigned provider (or its operator key) posts its result: the output tokens, their
		/// decoded text, the number of input tokens it billed, and the commitment (which the
		/// chain recomputes).
		#[pallet::call_index(2)]
		///
		/// Weighed by the output's length and, until it runs, by the longest agenda search;
		/// what the search did not read is refunded.
		#[pallet::weight(T::WeightInfo::submit_result(Pallet::<T>::weighed_len(
			output_tokens.len(),
			T::MaxOutputTokens::get()
		)).saturating_add(Pallet::<T>::agenda_search_weight(AGENDA_SEARCH)))]
		pub fn submit_result(
			origin: OriginFor<T>,
			job_id: JobId,
			input_tokens: u32,
			output_tokens: Vec<TokenId>,
			output_text: Vec<u8>,
			commitment: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let who = T::Providers::acting_for(&ensure_signed(origin)?);
			let now = frame_system::Pallet::<T>::block_number();
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let (assigned_at, deadline) = match &job.status {
				JobStatus::Assigned { provider, assigned_at, deadline, .. } => {
					ensure!(*provider == who, Error::<T>::NotAssignedProvider);
					(*assigned_at, *deadline)
				},
				JobStatus::ResultPosted { .. } =>
					return Err(Error::<T>::ResultAlreadySubmitted.into()),
				JobStatus::Queued { .. } => return Err(Error::<T>::NotAssignedYet.into()),
				_ => return Err(Error::<T>::JobNotOpen.into()),
			};
			ensure!(now <= deadline, Error::<T>::DeadlinePassed);
			ensure!(
				output_tokens.len() as u64 <= job.params.max_tokens as u64,
				Error::<T>::OutputTooLong
			);
			let output_tokens: BoundedVec<TokenId, T::MaxOutputTokens> =
				output_tokens.try_into().map_err(|_| Error::<T>::OutputTooLong)?;
			let output_text: BoundedVec<u8, T::MaxOutputLen> =
				output_text.try_into().map_err(|_| Error::<T>::OutputTextTooLong)?;
			ensure!(
				input_tokens <= Self::input_token_bound(&job.prompt),
				Error::<T>::TooManyInputTokens
			);
			let limits = T::Models::limits(job.model).ok_or(Error::<T>::UnknownModel)?;
			let expected = attesta_primitives::commitment(
				&limits.weights_hash,
				&job.prompt,
				&job.params,
				&output_tokens,
			);
			ensure!(expected == commitment, Error::<T>::CommitmentMismatch);
			let settle_at = now.saturating_add(job.terms.challenge_window);
			let (slot, probes) = Self::search_agenda(settle_at);
			let slot = slot.ok_or(Error::<T>::AgendaFull)?;

			Agenda::<T>::try_mutate(slot, |v| v.try_push(job_id))
				.map_err(|_| Error::<T>::AgendaFull)?;
			let count = output_tokens.len() as u32;
			Results::<T>::insert(
				job_id,
				JobResult { input_tokens, output_tokens, output_text, commitment },
			);
			AssignedTo::<T>::remove(&who, job_id);
			job.status = JobStatus::ResultPosted {
				provider: who.clone(),
				assigned_at,
				posted_at: now,
				settle_at: slot,
			};
			T::Audit::result_posted(job_id, &who, commitment, slot, &job.terms);
			Jobs::<T>::insert(job_id, job);
			T::Providers::job_finished(
				&who,
				JobOutcome::Completed { latency: now.saturating_sub(assigned_at) },
			);
			Self::deposit_event(Event::ResultSubmitted {
				job_id,
				provider: who,
				output_tokens: count,
				commitment,
				settle_at: slot,
			});
			Ok(Some(
				T::WeightInfo::submit_result(count)
					.saturating_add(Self::agenda_search_weight(probes)),
			)
			.into())
		}

		/// The dapp cancels a job no provider has started, and gets its budget back.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::cancel_job())]
		pub fn cancel_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			ensure!(job.owner == who, Error::<T>::NotJobOwner);
			let provider = match &job.status {
				JobStatus::Assigned { started: true, .. } =>
					return Err(Error::<T>::JobAlreadyStarted.into()),
				JobStatus::Assigned { provider, .. } => Some(provider.clone()),
				JobStatus::Queued { .. } => None,
				JobStatus::ResultPosted { .. } =>
					return Err(Error::<T>::ResultAlreadySubmitted.into()),
				_ => return Err(Error::<T>::JobNotOpen.into()),
			};
			let prune_at = Self::free_slot(now.saturating_add(T::RetentionPeriod::get()))
				.ok_or(Error::<T>::AgendaFull)?;
			Agenda::<T>::try_mutate(prune_at, |v| v.try_push(job_id))
				.map_err(|_| Error::<T>::AgendaFull)?;
			let refunded = Self::refund(&job);
			if let Some(provider) = &provider {
				AssignedTo::<T>::remove(provider, job_id);
				Self::unexpose(provider, job.budget);
				T::Providers::job_finished(provider, JobOutcome::Cancelled);
			}
			job.status = JobStatus::Cancelled { at: now };
			Self::job_ended(&job.owner);
			Jobs::<T>::insert(job_id, job);
			T::Audit::job_closed(job_id, false);
			Self::deposit_event(Event::JobCancelled { job_id, refunded });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The checkers' pool account, which collects the verification fees.
		pub fn pool_account() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// The storage deposit of a job with a prompt of `prompt_len` bytes and at most
		/// `max_tokens` output tokens: the base plus every byte its record and result may take
		/// (the prompt, 4 bytes per output token, the longest output text).
		pub fn storage_deposit(prompt_len: u32, max_tokens: u32) -> BalanceOf<T> {
			let bytes = prompt_len
				.saturating_add(max_tokens.saturating_mul(4))
				.saturating_add(T::MaxOutputLen::get());
			T::DepositBase::get()
				.saturating_add(T::DepositPerByte::get().saturating_mul(bytes.into()))
		}

		/// A call argument's length as a weight component: longer ones are refused by the call,
		/// so the component never exceeds its benchmarked range.
		pub fn weighed_len(len: usize, max: u32) -> u32 {
			u32::try_from(len).unwrap_or(u32::MAX).min(max)
		}

		/// Most input tokens `prompt` can make, chat template included.
		pub fn input_token_bound(prompt: &[u8]) -> u32 {
			Self::input_token_bound_of(prompt.len(), prompt::framed_turns(prompt))
		}

		/// Most input tokens a prompt of `len` bytes can make when the template frames `turns`
		/// turns beyond a text prompt's (none for text).
		pub fn input_token_bound_of(len: usize, turns: u32) -> u32 {
			u32::try_from(len)
				.unwrap_or(u32::MAX)
				.saturating_add(T::PromptOverheadTokens::get())
				.saturating_add(turns.saturating_mul(prompt::TURN_OVERHEAD_TOKENS))
		}

		/// The `candidates` whose worst-case cost fits `budget` and whose stake still covers the
		/// job's budget on top of its open ones ([`JobAudit::may_expose`]).
		fn eligible(
			input_tokens: u32,
			max_tokens: u32,
			budget: BalanceOf<T>,
			candidates: Vec<Candidate<T::AccountId, BalanceOf<T>>>,
		) -> Result<Vec<(T::AccountId, Price<BalanceOf<T>>)>, Error<T>> {
			let affordable: Vec<_> = candidates
				.into_iter()
				.filter(|c| Self::affords(c, input_tokens, max_tokens, budget))
				.collect();
			ensure!(!affordable.is_empty(), Error::<T>::BudgetBelowQuote);
			let affordable: Vec<_> = affordable
				.into_iter()
				.filter(|c| Self::may_hold(c, budget))
				.map(|c| (c.who, c.price))
				.collect();
			ensure!(!affordable.is_empty(), Error::<T>::StakeFullyExposed);
			Ok(affordable)
		}

		/// Whether `c`'s worst-case cost for the job fits `budget`.
		fn affords(
			c: &Candidate<T::AccountId, BalanceOf<T>>,
			input_tokens: u32,
			max_tokens: u32,
			budget: BalanceOf<T>,
		) -> bool {
			job_cost(&c.price, input_tokens, max_tokens).is_some_and(|cost| cost <= budget)
		}

		/// Whether `c`'s stake still covers `budget` on top of the budgets it holds open.
		fn may_hold(c: &Candidate<T::AccountId, BalanceOf<T>>, budget: BalanceOf<T>) -> bool {
			T::Audit::may_expose(c.stake, Exposure::<T>::get(&c.who).saturating_add(budget))
		}

		/// Whether some provider could take a job now: [`Self::eligible`]'s test, stopping at the
		/// first provider that passes it, so that a model with many providers costs a dapp the
		/// records read, not the registry. With nobody, the error [`Self::eligible`] would give.
		/// Returns the provider records read.
		fn could_be_taken(
			model: ModelId,
			max_price: &Price<BalanceOf<T>>,
			region: Option<&Region>,
			input_tokens: u32,
			max_tokens: u32,
			budget: BalanceOf<T>,
		) -> Result<u32, Error<T>> {
			let (mut any, mut affordable, mut found) = (false, false, false);
			let read = T::Providers::scan_candidates(model, max_price, region, &mut |c| {
				any = true;
				if !Self::affords(c, input_tokens, max_tokens, budget) {
					return false;
				}
				affordable = true;
				found = Self::may_hold(c, budget);
				found
			});
			match (found, any, affordable) {
				(true, ..) => Ok(read),
				(_, false, _) => Err(Error::<T>::NoEligibleProvider),
				(_, _, false) => Err(Error::<T>::BudgetBelowQuote),
				_ => Err(Error::<T>::StakeFullyExposed),
			}
		}

		/// Picks one of the [`Self::eligible`] `candidates`.
		///
		/// The draw hashes the parent block hash with the job id and attempt number. Jobs are
		/// drawn in a block after the one that included them (the first draw) or after the
		/// missed deadline (failovers), so the hash did not exist when the dapp signed, and no
		/// provider's transaction in the job's block can steer it.
		pub(crate) fn draw(
			job_id: JobId,
			attempt: u32,
			input_tokens: u32,
			max_tokens: u32,
			budget: BalanceOf<T>,
			candidates: Vec<Candidate<T::AccountId, BalanceOf<T>>>,
		) -> Result<(T::AccountId, Price<BalanceOf<T>>), Error<T>> {
			let affordable = Self::eligible(input_tokens, max_tokens, budget, candidates)?;
			let seed =
				(b"attesta/assign", frame_system::Pallet::<T>::parent_hash(), job_id, attempt)
					.using_encoded(sp_crypto_hashing::blake2_256);
			let mut word = [0u8; 8];
			word.copy_from_slice(seed.get(..8).ok_or(Error::<T>::Overflow)?);
			let index = u64::from_le_bytes(word) % affordable.len() as u64;
			affordable.into_iter().nth(index as usize).ok_or(Error::<T>::Overflow)
		}

		/// The first block from `at` on whose agenda has room.
		fn free_slot(at: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
			Self::search_agenda(at).0
		}

		/// [`Self::free_slot`], and how many agendas it read to find it.
		fn search_agenda(at: BlockNumberFor<T>) -> (Option<BlockNumberFor<T>>, u32) {
			let mut block = at;
			for probes in 1..=AGENDA_SEARCH {
				if (Agenda::<T>::decode_len(block).unwrap_or(0) as u32) < T::MaxJobsPerBlock::get()
				{
					return (Some(block), probes);
				}
				block = block.saturating_add(1u32.into());
			}
			(None, AGENDA_SEARCH)
		}

		/// The agendas an agenda search reads beyond the first, which the benchmarks (run on an
		/// empty agenda) do not include.
		pub fn agenda_search_weight(probes: u32) -> Weight {
			T::DbWeight::get().reads(probes.saturating_sub(1).into())
		}

		/// Puts `job_id` on the first agenda with room from `at` on; returns the block.
		fn schedule(job_id: JobId, at: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
			let slot = Self::free_slot(at)?;
			Agenda::<T>::try_mutate(slot, |v| v.try_push(job_id)).ok()?;
			Some(slot)
		}

		/// Adds a job's budget to what `provider` holds open.
		fn expose(provider: &T::AccountId, budget: BalanceOf<T>) {
			Exposure::<T>::mutate(provider, |e| *e = e.saturating_add(budget));
		}

		/// Removes a job's budget from what `provider` holds open.
		fn unexpose(provider: &T::AccountId, budget: BalanceOf<T>) {
			Exposure::<T>::mutate_exists(provider, |e| {
				*e = e.map(|e| e.saturating_sub(budget)).filter(|e| !e.is_zero())
			});
		}

		/// A job of `owner` ended: it no longer counts as open.
		fn job_ended(owner: &T::AccountId) {
			OpenJobs::<T>::mutate(|n| *n = n.saturating_sub(1));
			OpenJobsOf::<T>::mutate_exists(owner, |n| {
				*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
			});
		}

		/// Returns a job's whole escrow to its dapp.
		fn refund(job: &JobOf<T>) -> BalanceOf<T> {
			T::Currency::release(
				&HoldReason::JobEscrow.into(),
				&job.owner,
				job.budget,
				Precision::BestEffort,
			)
			.unwrap_or_default()
		}

		/// Handles one agenda entry at block `now`, according to the job's state.
		fn process(job_id: JobId, now: BlockNumberFor<T>) {
			let Some(job) = Jobs::<T>::get(job_id) else { return };
			match job.status.clone() {
				JobStatus::Queued { deadline } => {
					// A queue that spilled past its deadline still gives the provider its window.
					let deadline = if deadline > now {
						deadline
					} else {
						now.saturating_add(job.response_window)
					};
					Self::assign_or_expire(job_id, job, deadline, now)
				},
				JobStatus::Assigned { provider, deadline, .. } if deadline < now =>
					Self::fail_over(job_id, job, provider, now),
				JobStatus::ResultPosted { provider, settle_at, .. } if settle_at <= now => {
					if T::Audit::is_disputed(job_id) {
						// Looked at again next block; the dispute decides what happens.
						let _ = Self::schedule(job_id, now.saturating_add(1u32.into()));
					} else {
						Self::settle(job_id, job, provider, now);
					}
				},
				status => {
					if status
						.ended_at()
						.is_some_and(|at| at.saturating_add(T::RetentionPeriod::get()) <= now)
					{
						Jobs::<T>::remove(job_id);
						Results::<T>::remove(job_id);
						let _ = T::Currency::release(
							&HoldReason::StorageDeposit.into(),
							&job.owner,
							job.deposit,
							Precision::BestEffort,
						);
					}
				},
			}
		}

		/// Pays out a job whose challenge window passed without dispute.
		fn settle(
			job_id: JobId,
			mut job: JobOf<T>,
			provider: T::AccountId,
			now: BlockNumberFor<T>,
		) {
			let reason: T::RuntimeHoldReason = HoldReason::JobEscrow.into();
			let (input, output) = Results::<T>::get(job_id)
				.map(|r| (r.input_tokens, r.output_tokens.len() as u32))
				.unwrap_or_default();
			let cost = job_cost(&job.price, input, output).unwrap_or(job.budget).min(job.budget);
			let fee = job.terms.verification_fee_share * cost;
			let mut paid = T::Currency::transfer_on_hold(
				&reason,
				&job.owner,
				&provider,
				cost.saturating_sub(fee),
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Polite,
			)
			.unwrap_or_default();
			let fee = if fee.is_zero() {
				fee
			} else {
				T::Currency::transfer_on_hold(
					&reason,
					&job.owner,
					&Self::pool_account(),
					fee,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Polite,
				)
				.unwrap_or_default()
			};
			// Whatever could not be paid out (e.g. below the pool's existential deposit) goes back.
			let refunded = T::Currency::release(
				&reason,
				&job.owner,
				T::Currency::balance_on_hold(&reason, &job.owner)
					.min(job.budget.saturating_sub(paid).saturating_sub(fee)),
				Precision::BestEffort,
			)
			.unwrap_or_default();
			paid = paid.min(cost);
			Self::unexpose(&provider, job.budget);
			job.status =
				JobStatus::Settled { provider: provider.clone(), at: now, paid, fee, refunded };
			Self::job_ended(&job.owner);
			Jobs::<T>::insert(job_id, job);
			let _ = Self::schedule(job_id, now.saturating_add(T::RetentionPeriod::get()));
			T::Audit::job_closed(job_id, true);
			Self::deposit_event(Event::JobSettled { job_id, provider, paid, fee, refunded });
		}

		/// Moves a job whose provider missed the deadline to the next eligible provider, or
		/// refunds the dapp when none is left.
		fn fail_over(job_id: JobId, job: JobOf<T>, missed: T::AccountId, now: BlockNumberFor<T>) {
			if T::Providers::job_finished(&missed, JobOutcome::Missed) {
				// Benched for missing deadlines in a row: it also pays for the dapps' wait.
				T::Providers::slash(&missed, T::MissSlash::get(), &Self::pool_account());
			}
			AssignedTo::<T>::remove(&missed, job_id);
			Self::unexpose(&missed, job.budget);
			Self::deposit_event(Event::DeadlineMissed { job_id, provider: missed });
			let deadline = now.saturating_add(job.response_window);
			Self::assign_or_expire(job_id, job, deadline, now);
		}

		/// Gives `job` to the next provider drawn, answering by `deadline`, or refunds the dapp
		/// when none is left to try.
		fn assign_or_expire(
			job_id: JobId,
			mut job: JobOf<T>,
			deadline: BlockNumberFor<T>,
			now: BlockNumberFor<T>,
		) {
			let attempt = job.attempts.len() as u32;
			let next = if attempt < T::MaxAttempts::get() {
				let candidates = T::Providers::candidates(
					job.model,
					&job.max_price,
					job.region.as_ref(),
					&job.attempts,
				);
				Self::draw(
					job_id,
					attempt,
					Self::input_token_bound(&job.prompt),
					job.params.max_tokens,
					job.budget,
					candidates,
				)
				.ok()
			} else {
				None
			};
			if let Some((provider, price)) = next {
				if T::Providers::job_assigned(&provider).is_ok() {
					let booked = job.attempts.try_push(provider.clone()).is_ok() &&
						Self::schedule(job_id, deadline.saturating_add(1u32.into())).is_some();
					if booked {
						Self::expose(&provider, job.budget);
						job.price = price;
						AssignedTo::<T>::insert(&provider, job_id, ());
						job.status = JobStatus::Assigned {
							provider: provider.clone(),
							assigned_at: now,
							deadline,
							started: false,
						};
						Jobs::<T>::insert(job_id, job);
						Self::deposit_event(Event::JobAssigned {
							job_id,
							provider,
							price,
							deadline,
						});
						return;
					}
					T::Providers::job_finished(&provider, JobOutcome::Cancelled);
				}
			}
			let refunded = Self::refund(&job);
			job.status = JobStatus::Expired { at: now };
			Self::job_ended(&job.owner);
			Jobs::<T>::insert(job_id, job);
			T::Audit::job_closed(job_id, false);
			let _ = Self::schedule(job_id, now.saturating_add(T::RetentionPeriod::get()));
			Self::deposit_event(Event::JobExpired { job_id, refunded });
		}

		/// What a job would cost now: the eligible providers and the cheapest worst-case cost,
		/// for a text prompt of `prompt_len` bytes (a conversation's template adds up to
		/// `prompt::TURN_OVERHEAD_TOKENS` input tokens per turn).
		pub fn quote(
			model: ModelId,
			prompt_len: u32,
			max_tokens: u32,
			max_price: Price<BalanceOf<T>>,
			region: Option<Vec<u8>>,
		) -> Result<(u32, BalanceOf<T>), Error<T>> {
			let limits = T::Models::limits(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(limits.active, Error::<T>::ModelRetired);
			ensure!(prompt_len <= T::MaxPromptLen::get(), Error::<T>::PromptTooLong);
			ensure!(
				max_tokens >= 1 && max_tokens <= limits.max_output_tokens,
				Error::<T>::OutputTooLong
			);
			let region: Option<Region> = match region {
				Some(r) => Some(r.try_into().map_err(|_| Error::<T>::BadRegion)?),
				None => None,
			};
			let input = Self::input_token_bound_of(prompt_len as usize, 0);
			let costs: Vec<BalanceOf<T>> =
				T::Providers::candidates(model, &max_price, region.as_ref(), &[])
					.iter()
					.filter_map(|c| job_cost(&c.price, input, max_tokens))
					.collect();
			let cheapest = costs.iter().min().copied().ok_or(Error::<T>::NoEligibleProvider)?;
			Ok((costs.len() as u32, cheapest))
		}

		/// A job and its result, as dapps see them.
		pub fn job_view(
			job_id: JobId,
		) -> Option<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
			let job = Jobs::<T>::get(job_id)?;
			let result = Results::<T>::get(job_id).map(|r| ResultView {
				input_tokens: r.input_tokens,
				output_tokens: r.output_tokens.into_inner(),
				output_text: r.output_text.into_inner(),
				commitment: r.commitment,
			});
			Some(JobView {
				owner: job.owner,
				model: job.model,
				prompt: job.prompt.into_inner(),
				params: job.params,
				budget: job.budget,
				deposit: job.deposit,
				price: job.price,
				attempts: job.attempts.into_inner(),
				terms: job.terms,
				status: job.status,
				result,
			})
		}

		/// Invariants: each dapp's escrow hold equals the budgets of its open jobs; the open-job
		/// counter matches; results exist only for jobs past assignment.
		#[cfg(any(feature = "try-runtime", feature = "std", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			let reason: T::RuntimeHoldReason = HoldReason::JobEscrow.into();
			let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut exposure: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut open_of: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			let mut open = 0u32;
			for (id, job) in Jobs::<T>::iter() {
				ensure!(id < NextJobId::<T>::get(), "job id at or beyond NextJobId");
				let d = deposits.entry(job.owner.clone()).or_default();
				*d = d.saturating_add(job.deposit);
				if job.status.is_open() {
					open = open.saturating_add(1);
					let e = escrow.entry(job.owner.clone()).or_default();
					*e = e.saturating_add(job.budget);
					let n = open_of.entry(job.owner.clone()).or_default();
					*n = n.saturating_add(1);
				}
				if let JobStatus::Assigned { provider, .. } |
				JobStatus::ResultPosted { provider, .. } = &job.status
				{
					let e = exposure.entry(provider.clone()).or_default();
					*e = e.saturating_add(job.budget);
				}
				if let JobStatus::Assigned { provider, .. } = &job.status {
					ensure!(!Results::<T>::contains_key(id), "result stored for an unanswered job");
					ensure!(
						AssignedTo::<T>::contains_key(provider, id),
						"assigned job missing from AssignedTo"
					);
				}
			}
			ensure!(open == OpenJobs::<T>::get(), "OpenJobs out of sync");
			for (who, n) in OpenJobsOf::<T>::iter() {
				ensure!(open_of.remove(&who) == Some(n), "OpenJobsOf differs from open jobs");
			}
			ensure!(open_of.is_empty(), "open jobs missing from OpenJobsOf");
			for (who, amount) in escrow {
				ensure!(
					T::Currency::balance_on_hold(&reason, &who) == amount,
					"escrow hold differs from open budgets"
				);
			}
			let deposit_reason: T::RuntimeHoldReason = HoldReason::StorageDeposit.into();
			for (who, amount) in deposits {
				ensure!(
					T::Currency::balance_on_hold(&deposit_reason, &who) == amount,
					"storage deposit hold differs from the deposits of stored jobs"
				);
			}
			for id in Results::<T>::iter_keys() {
				ensure!(Jobs::<T>::contains_key(id), "result without a job");
			}
			for (provider, amount) in Exposure::<T>::iter() {
				ensure!(
					exposure.remove(&provider).unwrap_or_default() == amount,
					"exposure differs from the provider's open budgets"
				);
			}
			// Zero budgets add nothing (and leave no entry).
			exposure.retain(|_, amount| !amount.is_zero());
			ensure!(exposure.is_empty(), "open budgets missing from Exposure");
			for (provider, id) in AssignedTo::<T>::iter_keys() {
				let assigned_here = Jobs::<T>::get(id).is_some_and(
					|job| matches!(job.status, JobStatus::Assigned { provider: p, .. } if p == provider),
				);
				ensure!(assigned_here, "AssignedTo lists a job not assigned to that provider");
			}
			Ok(())
		}
	}

	impl<T: Config> AuditedJobs<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
		fn owner(job: JobId) -> Option<T::AccountId> {
			Jobs::<T>::get(job).map(|j| j.owner)
		}

		fn awaiting_result(job: JobId) -> Option<(T::AccountId, JobTerms<BlockNumberFor<T>>)> {
			let job = Jobs::<T>::get(job)?;
			match job.status {
				JobStatus::Assigned { provider, .. } => Some((provider, job.terms)),
				_ => None,
			}
		}

		fn check_task(job: JobId) -> Option<attesta_primitives::offchain::InferenceTask> {
			let j = Jobs::<T>::get(job)?;
			if !matches!(j.status, JobStatus::ResultPosted { .. }) {
				return None;
			}
			let result = Results::<T>::get(job)?;
			let model = T::Models::limits(j.model)?;
			Some(attesta_primitives::offchain::InferenceTask::Check {
				model_hash: model.weights_hash,
				class: model.class,
				rule: model.verification,
				prompt: j.prompt.into_inner(),
				params: j.params,
				output_tokens: result.output_tokens.into_inner(),
				output_text: result.output_text.into_inner(),
				input_tokens: result.input_tokens,
			})
		}

		fn reject_result(job_id: JobId) -> DispatchResult {
			let now = frame_system::Pallet::<T>::block_number();
			let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
			let JobStatus::ResultPosted { provider, .. } = job.status.clone() else {
				return Err(Error::<T>::JobNotOpen.into());
			};
			let refunded = Self::refund(&job);
			Self::unexpose(&provider, job.budget);
			job.status = JobStatus::Rejected { provider: provider.clone(), at: now };
			Self::job_ended(&job.owner);
			Jobs::<T>::insert(job_id, job);
			let _ = Self::schedule(job_id, now.saturating_add(T::RetentionPeriod::get()));
			T::Audit::job_closed(job_id, false);
			Self::deposit_event(Event::ResultRejected { job_id, provider, refunded });
			Ok(())
		}

		fn pool() -> T::AccountId {
			Self::pool_account()
		}

		fn max_open() -> u32 {
			T::MaxOpenJobs::get()
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_job(owner: &T::AccountId, answered: bool) -> Option<JobId> {
			crate::benchmarking::job_for::<T>(owner, answered)
		}
	}
}
