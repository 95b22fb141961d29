//! # Audits pallet
//!
//! Keeps providers honest by sampled re-execution, on the model of Polkadot's approval checking.
//!
//! * **Secret sampling.** When a result is posted, every registered checker evaluates a VRF with
//!   its own key over its account, the job, the round and the hash of the block that included the
//!   result (`attesta_primitives::selection`). It is selected with probability `rate / checkers`
//!   (fixed at posting), so a job gets `rate` checks in expectation, and nobody but the checker
//!   knows beforehand which jobs it checks. The rate starts at `initial_rate` for a new provider
//!   and falls with its clean record, never below `floor_rate`; a dapp can buy a higher one for its
//!   job. Checker keys are unique and proven at registration; a checker is only drawn against seeds
//!   fixed after it registered.
//! * **Verdicts.** A selected checker re-executes the job (a teacher-forced pass in its node's
//!   engine) and posts its verdict with the VRF proof and a work witness. The chain verifies the
//!   proof. Agreement closes the check; disagreement opens a dispute, as does a dapp's bonded
//!   challenge. A disputed job does not settle. A checker gives one verdict per job, final; it
//!   cannot leave while any of its verdicts is on an open job, and its reward is paid only when the
//!   result is final (settled, or rejected by a dispute).
//! * **Disputes.** Each round draws a committee the same way (expected `committee_size` members,
//!   seeded by the hash of the block that opened the round) that re-executes and votes; the sample
//!   checks' accepts count as votes. At the end of a round a `supermajority` of at least `quorum`
//!   votes decides. Otherwise a new round draws new members, up to `max_rounds`; then the dispute
//!   is undecided: the dapp gets its budget back, the provider is not paid and nobody is slashed.
//!   The agenda of round ends always has room (it spans enough blocks for every open job), and a
//!   dapp's challenge bond grows with its open challenges, up to `MaxOpenChallenges`.
//! * **Slashing.** A bad result: the dapp gets its budget back, the provider loses `provider_slash`
//!   of its stake, and checkers that vouched for the result lose `checker_slash` of their bond. A
//!   false alarm: the accusing checker loses `checker_slash` of its bond, or the accusing dapp its
//!   challenge bond (to the provider). Slashes wait `slash_delay` blocks, during which
//!   `AdminOrigin` can cancel them (appeal); then a `whistleblower_share` goes to the wronged or
//!   exposing party and the rest to the checkers' pool.
//! * **Silence.** A checker's draws are secret, but its chance at each is public: the chain sums
//!   them ([`Draws`]) and counts each checker's verdicts ([`DrawRecord`]), leaving out draws it
//!   could not answer and draws still under way. Anyone may `report_silent` a checker whose
//!   verdicts fall more than six standard deviations below its expected draws: it loses
//!   `checker_slash` of its bond and its count starts again.
//! * **Settings** of the whole market are one governed value ([`MarketSettings`]): sampling,
//!   disputes, slashing, the providers' minimum stake, the largest job budget, the challenge window
//!   and the checkers' fee. `set_settings` refuses values out of bounds and settings under which
//!   cheating pays ([`MarketSettings::cheating_pays`]). A job runs under the terms in force when it
//!   was submitted (`pallet_jobs::JobTerms`); a change applies to later jobs.
//!
//! The checkers' side runs in the off-chain worker ([`offchain`]).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// The governed minimum stake of providers, read from the market settings: what the runtime
/// gives the providers pallet.
pub struct MinimumStake<T>(core::marker::PhantomData<T>);

impl<T: Config> frame_support::traits::Get<BalanceOf<T>> for MinimumStake<T> {
	fn get() -> BalanceOf<T> {
		Settings::<T>::get().minimum_stake
	}
}

/// Signs a checker's off-chain transactions with its `chck` key from the node's keystore.
pub struct CheckerSigner;

impl frame_system::offchain::AppCrypto<sp_runtime::MultiSigner, sp_runtime::MultiSignature>
	for CheckerSigner
{
	type RuntimeAppPublic = attesta_primitives::keys::checker::Public;
	type GenericPublic = sp_core::sr25519::Public;
	type GenericSignature = sp_core::sr25519::Signature;
}

// FRAME's macros expand `expect`s, indexing and arithmetic into this module under its spans; the
// pallet's own code keeps to checked arithmetic.
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
	use attesta_primitives::{
		selection::{is_selected, verified_draw, verify_key_proof, VrfProof},
		witness, JobId,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use pallet_jobs::{AuditedJobs, JobTerms};
	use pallet_providers::{operators, ProviderRegistry};
	use sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	};

	/// The balance type of bonds.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// The settings as stored.
	pub type SettingsOf<T> = MarketSettings<BalanceOf<T>, BlockNumberFor<T>>;
	/// An open dispute, as this runtime stores it.
	pub type DisputeOf<T> =
		Dispute<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A checker's bond.
		CheckerBond,
		/// A dapp's bond on a challenge.
		ChallengeBond,
	}

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
		/// The currency of bonds and slashes.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The jobs under audit.
		type Jobs: AuditedJobs<Self::AccountId, BlockNumberFor<Self>>;
		/// The providers whose stake backs their results.
		type Providers: ProviderRegistry<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;
		/// Who may change the settings and cancel slashes: the council or root.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The key a checker's off-chain worker signs its verdicts with.
		type CheckerSigner: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// Settings until governance sets some.
		#[pallet::constant]
		type DefaultSettings: Get<SettingsOf<Self>>;
		/// Most registered checkers.
		#[pallet::constant]
		type MaxCheckers: Get<u32>;
		/// Most verdicts kept per job (sample checks and all committee votes).
		#[pallet::constant]
		type MaxVerdictsPerJob: Get<u32>;
		/// Most disputes ending, or slashes executing, in one block.
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;
		/// Most challenges one dapp may have open at once.
		#[pallet::constant]
		type MaxOpenChallenges: Get<u32>;
		/// Blocks after a job closes during which its checkers reveal their work witnesses; then
		/// the witnesses are compared and the checkers paid or slashed.
		#[pallet::constant]
		type RevealWindow: Get<BlockNumberFor<Self>>;
		/// Longest challenge window governance may set (shorter than the jobs pallet's
		/// retention, so a job is never pruned before it settles).
		#[pallet::constant]
		type MaxChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls and hook, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The governed settings.
	#[pallet::storage]
	pub type Settings<T: Config> = StorageValue<_, SettingsOf<T>, ValueQuery, T::DefaultSettings>;

	/// Registered checkers.
	#[pallet::storage]
	pub type Checkers<T: Config> = CountedStorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		CheckerInfo<BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// Which account registered each checker key: one key, one checker.
	#[pallet::storage]
	pub type CheckerKeys<T: Config> = StorageMap<_, Blake2_128Concat, [u8; 32], T::AccountId>;

	/// Each checker's operator: the hot account its node signs verdicts and reveals with, so
	/// the bond stays with a cold account. `Blake2_128Concat`: account ids are chosen by users.
	#[pallet::storage]
	pub type Operators<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The reverse of [`Operators`]: the checker an operator acts for (one each).
	#[pallet::storage]
	pub type OperatorOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// Open challenges per dapp: the next challenge's bond grows with them.
	#[pallet::storage]
	pub type OpenChallenges<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Posted, unsettled results: what checkers may check. `Twox64Concat`: job ids are
	/// assigned by the jobs pallet.
	#[pallet::storage]
	pub type Checkables<T: Config> =
		StorageMap<_, Twox64Concat, JobId, Checkable<T::AccountId, BlockNumberFor<T>>>;

	/// Check probabilities dapps bought, by job, until the job closes.
	#[pallet::storage]
	pub type BoughtRates<T: Config> = StorageMap<_, Twox64Concat, JobId, BoughtCheck<BalanceOf<T>>>;

	/// Verdicts by job and checker: on open jobs, and on closed jobs until their witnesses are
	/// tallied.
	#[pallet::storage]
	pub type Verdicts<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, Verdict>;

	/// Number of verdicts stored per job (bounds [`Verdicts`]).
	#[pallet::storage]
	pub type VerdictCount<T: Config> = StorageMap<_, Twox64Concat, JobId, u32, ValueQuery>;

	/// Open disputes.
	#[pallet::storage]
	pub type Disputes<T: Config> =
		StorageMap<_, Twox64Concat, JobId, Dispute<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>>;

	/// Disputes whose round ends at a block.
	#[pallet::storage]
	pub type RoundEnds<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDuePerBlock>,
		ValueQuery,
	>;

	/// Decided slashes waiting out the appeal delay.
	#[pallet::storage]
	pub type PendingSlashes<T: Config> =
		StorageMap<_, Twox64Concat, SlashId, PendingSlash<T::AccountId, BlockNumberFor<T>>>;

	/// The id the next slash gets.
	#[pallet::storage]
	pub type NextSlashId<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// The oldest slash id not yet executed or cancelled: slashes run in id order (a queue, so
	/// no slash is ever dropped for lack of room), at most `MaxDuePerBlock` a block, each once
	/// its `execute_at` has come. A slash never runs before its appeal delay ends; one behind a
	/// busier queue, or behind a slash scheduled under a longer delay, runs later.
	#[pallet::storage]
	pub type NextSlashToExecute<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// Every checker's chance at every draw so far: with its [`DrawRecord`], its expected
	/// number of draws, against which its answers are counted (`report_silent`).
	#[pallet::storage]
	pub type Draws<T: Config> = StorageValue<_, DrawLedger, ValueQuery>;

	/// Closed jobs whose checkers are revealing their witnesses.
	#[pallet::storage]
	pub type Reveals<T: Config> =
		StorageMap<_, Twox64Concat, JobId, Reveal<T::AccountId, BlockNumberFor<T>>>;

	/// The witness tallies in closing order, which is the order they fall due in: a queue, like
	/// the slashes', so no tally is ever dropped for lack of room.
	#[pallet::storage]
	pub type TallyQueue<T: Config> = StorageMap<_, Twox64Concat, u64, JobId>;

	/// The position the next tally takes in [`TallyQueue`].
	#[pallet::storage]
	pub type NextTally<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The oldest position of [`TallyQueue`] not yet tallied.
	#[pallet::storage]
	pub type NextTallyToRun<T: Config> = StorageValue<_, u64, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account registered as a checker.
		CheckerRegistered {
			/// The checker.
			who: T::AccountId,
			/// Its bond.
			bond: BalanceOf<T>,
		},
		/// A checker changed the node that works for it: the operator account that signs (`None`:
		/// itself) and the VRF key it draws with.
		OperatorSet {
			/// The checker.
			who: T::AccountId,
			/// Its operator from now on.
			operator: Option<T::AccountId>,
			/// Its VRF key from now on.
			key: [u8; 32],
		},
		/// A checker left and got its bond back.
		CheckerDeregistered {
			/// The checker.
			who: T::AccountId,
		},
		/// The checker set was full: the checker with the smallest bond (and no open case) made
		/// room for a newcomer with a larger one, and got its bond back.
		CheckerEvicted {
			/// The checker that left.
			who: T::AccountId,
			/// The newcomer.
			by: T::AccountId,
		},
		/// A sampled checker confirmed a result.
		CheckPassed {
			/// The job.
			job_id: JobId,
			/// The checker.
			checker: T::AccountId,
		},
		/// A result is disputed; it does not settle until the dispute ends.
		DisputeOpened {
			/// The job.
			job_id: JobId,
			/// Who raised it.
			accuser: Accuser<T::AccountId>,
			/// Last block of the first committee round.
			round_ends: BlockNumberFor<T>,
		},
		/// A committee member voted.
		DisputeVote {
			/// The job.
			job_id: JobId,
			/// The member.
			checker: T::AccountId,
			/// Whether it found the result good.
			accepted: bool,
		},
		/// A round ended undecided; a new committee is drawn.
		DisputeEscalated {
			/// The job.
			job_id: JobId,
			/// The new round.
			round: u32,
			/// Its last block.
			round_ends: BlockNumberFor<T>,
		},
		/// The committee found the result bad.
		ResultFoundBad {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
		},
		/// The committee found the result good: a false alarm.
		ResultUpheld {
			/// The job.
			job_id: JobId,
			/// The provider.
			provider: T::AccountId,
		},
		/// No round reached a decision: the provider is not paid, the dapp gets its budget
		/// back, nobody is slashed.
		DisputeUndecided {
			/// The job.
			job_id: JobId,
		},
		/// A slash was decided; it executes at `execute_at` unless cancelled.
		SlashScheduled {
			/// Its id.
			id: SlashId,
			/// Who loses funds.
			offender: T::AccountId,
			/// From which hold.
			from: SlashFrom,
			/// Share of that hold.
			fraction: Perbill,
			/// When.
			execute_at: BlockNumberFor<T>,
		},
		/// Governance cancelled a slash on appeal.
		SlashCancelled {
			/// Its id.
			id: SlashId,
		},
		/// A slash executed.
		Slashed {
			/// Its id.
			id: SlashId,
			/// Who lost funds.
			offender: T::AccountId,
			/// How much.
			amount: BalanceOf<T>,
			/// Paid to the wronged or exposing party.
			to_beneficiary: BalanceOf<T>,
		},
		/// A checker revealed the work witness its verdict committed to.
		WitnessRevealed {
			/// The job.
			job_id: JobId,
			/// The checker.
			checker: T::AccountId,
		},
		/// A checker's witness differs from the one its peers agree on, or was never revealed
		/// while they agree on one: it did not do the work its verdict claims, and its bond is
		/// slashed.
		WitnessFailed {
			/// The job.
			job_id: JobId,
			/// The checker.
			checker: T::AccountId,
			/// Whether it revealed one at all.
			revealed: bool,
		},
		/// The witnesses of a closed job were compared and its checkers paid.
		WitnessesTallied {
			/// The job.
			job_id: JobId,
			/// Whether at least two agreeing reveals gave a witness to compare against.
			compared: bool,
		},
		/// A checker answered far fewer draws than its chances say it was drawn for: it is
		/// slashed, its count starts again and its silences grow.
		CheckerSilent {
			/// The checker.
			who: T::AccountId,
			/// Its expected number of draws, in parts per billion.
			expected: u128,
			/// Verdicts it gave meanwhile.
			answered: u32,
			/// Who reported it (paid the whistleblower share of the slash).
			reporter: T::AccountId,
		},
		/// A dapp bought a higher check probability for its job.
		ChecksBought {
			/// The job.
			job_id: JobId,
			/// The new probability.
			rate: Perbill,
			/// Paid to the checkers' pool.
			paid: BalanceOf<T>,
		},
		/// Governance changed the settings.
		SettingsUpdated {
			/// Before.
			old: SettingsOf<T>,
			/// After.
			new: SettingsOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Already a registered checker.
		AlreadyChecker,
		/// Not a registered checker.
		NotChecker,
		/// `MaxCheckers` checkers are registered and none that could make room has a smaller
		/// bond than the one offered.
		TooManyCheckers,
		/// Another checker registered this key.
		KeyInUse,
		/// The key proof is not the key's VRF signature over the registering account.
		BadKeyProof,
		/// The draw's seed is not known yet: the block that fixes it is the current one.
		SeedNotYetKnown,
		/// The checker registered, or changed its key, after the draw's seed was fixed.
		RegisteredTooLate,
		/// The account is a checker's operator: an operator acts for one checker and is not one.
		IsOperator,
		/// The operator must be another account than the checker, and not a checker.
		BadOperator,
		/// The dapp has `MaxOpenChallenges` challenges open.
		TooManyChallenges,
		/// The bond is below the settings' `checker_bond`.
		BondTooLow,
		/// Not enough free balance for the bond or the payment.
		InsufficientBalance,
		/// The checker has a verdict on an open job, accuses in an open dispute or has a slash
		/// pending.
		CheckerBusy,
		/// The job has no posted, unsettled result.
		NotCheckable,
		/// The VRF proof is not this checker's for this job and round.
		BadVrfProof,
		/// The checker's draw does not select it for this job and round.
		NotSelected,
		/// The checker already gave its verdict on this job: it is final.
		AlreadyVoted,
		/// This round is not open: no dispute, or another round.
		WrongRound,
		/// The provider cannot check its own result, nor the accuser its own accusation.
		Conflicted,
		/// The job's verdict store is full.
		TooManyVerdicts,
		/// The result is already disputed.
		AlreadyDisputed,
		/// Only the dapp that submitted the job may do this.
		NotJobOwner,
		/// Checks can be bought only before the result is posted, and only above the current rate.
		CannotBuyChecks,
		/// No such pending slash.
		UnknownSlash,
		/// Too many disputes or slashes fall due in the coming blocks; try later.
		AgendaFull,
		/// The job is not closed, or its witnesses were already tallied.
		NotRevealing,
		/// The caller gave no verdict on this job.
		NoVerdict,
		/// The witness was already revealed.
		AlreadyRevealed,
		/// The witness is not the one the verdict committed to.
		WitnessMismatch,
		/// The checker answered its draws as often as its chances say: it is not silent.
		NotSilent,
		/// Settings: the floor check rate must be positive and at most the initial rate.
		InvalidCheckRates,
		/// Settings: the committee must have 1 or more members, 1 to 10 rounds of at least one
		/// block, and `committee_size × max_rounds` below `MaxVerdictsPerJob`.
		InvalidCommittee,
		/// Settings: the supermajority must be over 50 %.
		SupermajorityTooLow,
		/// Settings: the provider slash and the slash delay must be positive.
		SlashingDisabled,
		/// Settings: the minimum stake and the largest job budget must be positive.
		ZeroStakeOrBudget,
		/// Settings: the challenge window must be 1 to `MaxChallengeWindow` blocks.
		InvalidChallengeWindow,
		/// Settings: the verification fee share may be at most 50 %.
		FeeShareTooHigh,
		/// Settings under which a provider gains by posting results it did not compute: raise
		/// the floor check rate, the provider slash or the minimum stake, or lower the largest
		/// job budget (see `MarketSettings::cheating_pays`).
		CheatingPays,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let rounds = RoundEnds::<T>::take(now);
			let r = rounds.len() as u32;
			for job in rounds {
				Self::end_round(job, now);
			}
			let s = Self::execute_due_slashes(now);
			let v = Self::run_due_tallies(now);
			if r == 0 && s == 0 && v == 0 {
				// Nothing due: the round agenda, both queues' ends and heads.
				return T::DbWeight::get().reads_writes(7, 1);
			}
			// A tallied verdict costs at most what a slash execution does (a hold transfer or a
			// reward transfer, plus its records): weighed as one.
			// An escalating round draws a new committee, excusing the job's verdict holders.
			T::WeightInfo::on_initialize(r, s.saturating_add(v))
				.saturating_add(Self::round_drawing_weight().saturating_mul(r.into()))
				.saturating_add(T::DbWeight::get().reads_writes(3, 1))
		}

		/// Checks the results this node's checker keys are drawn for (see [`crate::offchain`]).
		fn offchain_worker(now: BlockNumberFor<T>) {
			crate::offchain::run::<T>(now);
		}

		fn integrity_test() {
			assert!(
				Pallet::<T>::validate(&T::DefaultSettings::get()).is_ok(),
				"DefaultSettings out of bounds"
			);
			assert!(T::MaxDuePerBlock::get() > 0, "MaxDuePerBlock must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a checker with VRF key `key` (its `chck` key) and `bond`.
		/// `key_proof` is the key's VRF signature over the caller's account
		/// (`attesta_primitives::selection::key_proof_data`): nobody registers a key it does not
		/// hold, and each key belongs to one checker. When `MaxCheckers` are registered, the
		/// checker with the smallest bond and no open case makes room if `bond` is larger, so
		/// cheap bonds cannot lock honest checkers out.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_checker().saturating_add(
			T::DbWeight::get().reads_writes(T::MaxCheckers::get().into(), 3)
		))]
		pub fn register_checker(
			origin: OriginFor<T>,
			key: [u8; 32],
			bond: BalanceOf<T>,
			key_proof: VrfProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Checkers::<T>::contains_key(&who), Error::<T>::AlreadyChecker);
			ensure!(!OperatorOf::<T>::contains_key(&who), Error::<T>::IsOperator);
			ensure!(!CheckerKeys::<T>::contains_key(key), Error::<T>::KeyInUse);
			ensure!(bond >= Settings::<T>::get().checker_bond, Error::<T>::BondTooLow);
			ensure!(verify_key_proof(&key, &who.encode(), &key_proof), Error::<T>::BadKeyProof);
			let evict = if Checkers::<T>::count() >= T::MaxCheckers::get() {
				let (weakest, info) = Checkers::<T>::iter()
					.filter(|(_, c)| c.open_cases == 0)
					.min_by_key(|(_, c)| c.bond)
					.ok_or(Error::<T>::TooManyCheckers)?;
				ensure!(bond > info.bond, Error::<T>::TooManyCheckers);
				Some(weakest)
			} else {
				None
			};
			T::Currency::hold(&HoldReason::CheckerBond.into(), &who, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			if let Some(weakest) = evict {
				Self::remove_checker(&weakest)?;
				Self::deposit_event(Event::CheckerEvicted { who: weakest, by: who.clone() });
			}
			let registered_at = frame_system::Pallet::<T>::block_number();
			CheckerKeys::<T>::insert(key, &who);
			// Only draws from now on are its own.
			let draws = DrawRecord { baseline: Draws::<T>::get().counted, ..Default::default() };
			Checkers::<T>::insert(
				&who,
				CheckerInfo { key, bond, open_cases: 0, registered_at, draws },
			);
			Self::deposit_event(Event::CheckerRegistered { who, bond });
			Ok(())
		}

		/// Leaves the checker set and releases the bond; not while any of its verdicts is on an
		/// open job, while accusing in an open dispute or with a slash pending.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_checker())]
		pub fn deregister_checker(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Checkers::<T>::get(&who).ok_or(Error::<T>::NotChecker)?;
			ensure!(info.open_cases == 0, Error::<T>::CheckerBusy);
			Self::remove_checker(&who)?;
			Self::deposit_event(Event::CheckerDeregistered { who });
			Ok(())
		}

		/// A checker's verdict on `job_id` in `round` (0: sample check; from 1: the dispute's
		/// committee rounds), with the VRF proof that it was drawn and its commitment to its work
		/// witness (`attesta_primitives::witness::commitment`), revealed with `reveal_witness`
		/// once the job closes. One verdict per checker and job: it is final.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_verdict().saturating_add(Pallet::<T>::dispute_opening_weight()))]
		pub fn submit_verdict(
			origin: OriginFor<T>,
			job_id: JobId,
			round: u32,
			proof: VrfProof,
			accepted: bool,
			witness: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let who = Self::acting_checker(ensure_signed(origin)?);
			let now = frame_system::Pallet::<T>::block_number();
			let checker = Checkers::<T>::get(&who).ok_or(Error::<T>::NotChecker)?;
			let mut checkable = Checkables::<T>::get(job_id).ok_or(Error::<T>::NotCheckable)?;
			ensure!(who != checkable.provider, Error::<T>::Conflicted);
			let dispute = Disputes::<T>::get(job_id);
			let (seeded_at, chance) = match (&dispute, round) {
				(None, 0) => {
					ensure!(now <= checkable.settle_at, Error::<T>::NotCheckable);
					(checkable.posted_at, checkable.chance)
				},
				(Some(d), r) if r == d.round && r > 0 => {
					ensure!(&who != d.accuser.account(), Error::<T>::Conflicted);
					(d.round_started, d.chance)
				},
				_ => return Err(Error::<T>::WrongRound.into()),
			};
			ensure!(!Verdicts::<T>::contains_key(job_id, &who), Error::<T>::AlreadyVoted);
			ensure!(checker.registered_at <= seeded_at, Error::<T>::RegisteredTooLate);
			let seed = Self::seed(seeded_at).ok_or(Error::<T>::SeedNotYetKnown)?;
			let draw = verified_draw(&checker.key, &who.encode(), job_id, round, &seed, &proof)
				.ok_or(Error::<T>::BadVrfProof)?;
			ensure!(is_selected(draw, chance), Error::<T>::NotSelected);
			let count = VerdictCount::<T>::get(job_id);
			ensure!(count < T::MaxVerdictsPerJob::get(), Error::<T>::TooManyVerdicts);
			if round == 0 && !accepted {
				// Checked before any write: the dispute's first round must fit the agenda.
				ensure!(Self::free_round_slot(now).is_some(), Error::<T>::AgendaFull);
			}

			VerdictCount::<T>::insert(job_id, count.saturating_add(1));
			Verdicts::<T>::insert(
				job_id,
				&who,
				Verdict { round, accepted, witness, revealed: None, slashed: false },
			);
			// Until the job closes, the bond answers for this verdict; and it answered a draw.
			Checkers::<T>::mutate(&who, |c| {
				if let Some(c) = c.as_mut() {
					c.open_cases = c.open_cases.saturating_add(1);
					c.draws.answered = c.draws.answered.saturating_add(1);
				}
			});
			match dispute {
				None if accepted => {
					checkable.accepts = checkable.accepts.saturating_add(1);
					Checkables::<T>::insert(job_id, checkable);
					Self::deposit_event(Event::CheckPassed { job_id, checker: who });
				},
				None => {
					Self::open_dispute(job_id, Accuser::Checker(who), Zero::zero(), now)?;
					return Ok(().into());
				},
				Some(mut d) => {
					if accepted {
						d.innocent = d.innocent.saturating_add(1);
					} else {
						d.guilty = d.guilty.saturating_add(1);
					}
					Disputes::<T>::insert(job_id, d);
					Self::deposit_event(Event::DisputeVote { job_id, checker: who, accepted });
				},
			}
			// No dispute opened: neither the agenda searched nor a round drawn.
			Ok(Some(T::WeightInfo::submit_verdict()).into())
		}

		/// The dapp challenges its job's posted result, holding a bond: the settings'
		/// `challenge_bond` times one more than its open challenges (at most
		/// `MaxOpenChallenges`). A committee re-executes it. Bad result: the bond comes back with
		/// the budget. Good result: the bond goes to the provider.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::challenge().saturating_add(Pallet::<T>::dispute_opening_weight()))]
		pub fn challenge(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(T::Jobs::owner(job_id).as_ref() == Some(&who), Error::<T>::NotJobOwner);
			let checkable = Checkables::<T>::get(job_id).ok_or(Error::<T>::NotCheckable)?;
			ensure!(now <= checkable.settle_at, Error::<T>::NotCheckable);
			ensure!(!Disputes::<T>::contains_key(job_id), Error::<T>::AlreadyDisputed);
			let open = OpenChallenges::<T>::get(&who);
			ensure!(open < T::MaxOpenChallenges::get(), Error::<T>::TooManyChallenges);
			ensure!(Self::free_round_slot(now).is_some(), Error::<T>::AgendaFull);
			let bond = Self::challenge_bond(open);
			T::Currency::hold(&HoldReason::ChallengeBond.into(), &who, bond)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			OpenChallenges::<T>::insert(&who, open.saturating_add(1));
			Self::open_dispute(job_id, Accuser::Dapp(who), bond, now)
		}

		/// The dapp raises the chance that its job is checked to `rate`, before the result is
		/// posted, paying `check_price × (rate − current)` to the checkers' pool, where
		/// `current` is the higher of what it bought and the assigned provider's own rate. The
		/// payment comes back if the job ends without a result.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::buy_checks())]
		pub fn buy_checks(origin: OriginFor<T>, job_id: JobId, rate: Perbill) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(T::Jobs::owner(job_id).as_ref() == Some(&who), Error::<T>::NotJobOwner);
			let (provider, terms) =
				T::Jobs::awaiting_result(job_id).ok_or(Error::<T>::CannotBuyChecks)?;
			let bought = BoughtRates::<T>::get(job_id).unwrap_or_default();
			let current = bought.rate.max(Self::provider_rate(&provider, &terms));
			ensure!(rate > current, Error::<T>::CannotBuyChecks);
			let paid = rate.saturating_sub(current) * Settings::<T>::get().check_price;
			T::Currency::transfer(&who, &T::Jobs::pool(), paid, Preservation::Preserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			BoughtRates::<T>::insert(
				job_id,
				BoughtCheck { rate, paid: bought.paid.saturating_add(paid) },
			);
			Self::deposit_event(Event::ChecksBought { job_id, rate, paid });
			Ok(())
		}

		/// A registered checker reports that a posted result's claims are false: its text is
		/// not its tokens detokenized, or its billed input is not the templated prompt's token
		/// count. Any checker may, without being drawn: the claims are checked on every result,
		/// not only on sampled ones. A committee decides (its check covers the claims); a false
		/// report costs the reporter as a false alarm does.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::submit_verdict().saturating_add(Pallet::<T>::dispute_opening_weight()))]
		pub fn report_false_claims(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(Checkers::<T>::contains_key(&who), Error::<T>::NotChecker);
			let checkable = Checkables::<T>::get(job_id).ok_or(Error::<T>::NotCheckable)?;
			ensure!(who != checkable.provider, Error::<T>::Conflicted);
			ensure!(now <= checkable.settle_at, Error::<T>::NotCheckable);
			ensure!(!Disputes::<T>::contains_key(job_id), Error::<T>::AlreadyDisputed);
			ensure!(Self::free_round_slot(now).is_some(), Error::<T>::AgendaFull);
			Self::open_dispute(job_id, Accuser::Checker(who), Zero::zero(), now)
		}

		/// Replaces the settings; values out of bounds are refused.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_settings())]
		pub fn set_settings(origin: OriginFor<T>, new: SettingsOf<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::validate(&new)?;
			let old = Settings::<T>::get();
			Settings::<T>::put(new);
			Self::deposit_event(Event::SettingsUpdated { old, new });
			Ok(())
		}

		/// Cancels a pending slash (an appeal upheld by governance); a provider's cancelled slash
		/// also lifts its suspension.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_slash())]
		pub fn cancel_slash(origin: OriginFor<T>, id: SlashId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			// The queue steps over the gap.
			let slash = PendingSlashes::<T>::take(id).ok_or(Error::<T>::UnknownSlash)?;
			match slash.from {
				SlashFrom::CheckerBond => Self::case_closed(&slash.offender),
				SlashFrom::ProviderStake => T::Providers::reinstate(&slash.offender),
			}
			Self::deposit_event(Event::SlashCancelled { id });
			Ok(())
		}

		/// Reveals the witness digest the caller's verdict on `job_id` committed to
		/// (`attesta_primitives::witness`), after the job closed and before its reveal window
		/// ends. Its node's worker does this by itself. Then the witnesses are compared: a
		/// checker whose witness differs from the one at least two peers agree on, or that does
		/// not reveal while they agree, is slashed; the others are paid if their verdict stood.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::reveal_witness())]
		pub fn reveal_witness(
			origin: OriginFor<T>,
			job_id: JobId,
			witness: [u8; 32],
		) -> DispatchResult {
			let who = Self::acting_checker(ensure_signed(origin)?);
			ensure!(Reveals::<T>::contains_key(job_id), Error::<T>::NotRevealing);
			let mut verdict = Verdicts::<T>::get(job_id, &who).ok_or(Error::<T>::NoVerdict)?;
			ensure!(verdict.revealed.is_none(), Error::<T>::AlreadyRevealed);
			ensure!(
				witness::commitment(&who.encode(), job_id, &witness) == verdict.witness,
				Error::<T>::WitnessMismatch
			);
			verdict.revealed = Some(witness);
			Verdicts::<T>::insert(job_id, &who, verdict);
			Self::deposit_event(Event::WitnessRevealed { job_id, checker: who });
			Ok(())
		}

		/// Reports `checker` as silent: it gave far fewer verdicts than it was drawn for in
		/// expectation ([`DrawRecord::silent`]: over six standard deviations below). Anyone
		/// but the checker may; the checker loses `checker_slash` of its bond (after the
		/// appeal delay, the reporter getting the whistleblower share) and its count starts
		/// again, so one silence is punished once.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::report_silent())]
		pub fn report_silent(origin: OriginFor<T>, checker: T::AccountId) -> DispatchResult {
			// A checker's operator reports for it (and earns for it), but not on it.
			let reporter = Self::acting_checker(ensure_signed(origin)?);
			ensure!(reporter != checker, Error::<T>::Conflicted);
			let mut info = Checkers::<T>::get(&checker).ok_or(Error::<T>::NotChecker)?;
			let ledger = Draws::<T>::get();
			ensure!(info.draws.silent(&ledger), Error::<T>::NotSilent);
			let (expected, answered) = (info.draws.expected(&ledger), info.draws.answered);
			info.draws = DrawRecord {
				baseline: ledger.counted,
				silences: info.draws.silences.saturating_add(1),
				..Default::default()
			};
			Checkers::<T>::insert(&checker, info);
			let now = frame_system::Pallet::<T>::block_number();
			Self::schedule_slash(
				checker.clone(),
				SlashFrom::CheckerBond,
				Settings::<T>::get().checker_slash,
				Some(reporter.clone()),
				None,
				now,
			);
			Self::deposit_event(Event::CheckerSilent {
				who: checker,
				expected,
				answered,
				reporter,
			});
			Ok(())
		}

		/// Points the checker at the node that works for it, in one call (so a leaked hot key is
		/// rotated at once): `operator` signs its verdicts, reveals and reports (`None`: the
		/// checker's own account does), and `key` is the VRF key that node draws with, proven as
		/// in `register_checker`. The node holds one `chck` key as both. The new key answers only
		/// draws whose seed is fixed from this block on (no key can be ground against a known
		/// seed); draws seeded earlier and not yet answered are lost to it. The operator cannot
		/// touch the bond.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_operator())]
		pub fn set_operator(
			origin: OriginFor<T>,
			operator: Option<T::AccountId>,
			key: [u8; 32],
			key_proof: VrfProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Checkers::<T>::get(&who).ok_or(Error::<T>::NotChecker)?;
			ensure!(
				CheckerKeys::<T>::get(key).is_none_or(|owner| owner == who),
				Error::<T>::KeyInUse
			);
			ensure!(verify_key_proof(&key, &who.encode(), &key_proof), Error::<T>::BadKeyProof);
			operators::set::<_, Operators<T>, OperatorOf<T>>(&who, operator.as_ref(), |a| {
				Checkers::<T>::contains_key(a)
			})
			.map_err(|refused| match refused {
				operators::Refused::Principal => Error::<T>::BadOperator,
				operators::Refused::Taken => Error::<T>::IsOperator,
			})?;
			if info.key != key {
				CheckerKeys::<T>::remove(info.key);
				CheckerKeys::<T>::insert(key, &who);
				info.key = key;
				info.registered_at = frame_system::Pallet::<T>::block_number();
				Checkers::<T>::insert(&who, info);
			}
			Self::deposit_event(Event::OperatorSet { who, operator, key });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks settings against their bounds and the rule that cheating must not pay.
		pub fn validate(s: &SettingsOf<T>) -> Result<(), Error<T>> {
			ensure!(
				!s.floor_rate.is_zero() && s.floor_rate <= s.initial_rate,
				Error::<T>::InvalidCheckRates
			);
			ensure!(
				s.committee_size >= 1 &&
					s.committee_size.saturating_mul(s.max_rounds) < T::MaxVerdictsPerJob::get() &&
					(1..=10).contains(&s.max_rounds) &&
					!s.round_length.is_zero(),
				Error::<T>::InvalidCommittee
			);
			ensure!(s.supermajority > Perbill::from_percent(50), Error::<T>::SupermajorityTooLow);
			ensure!(
				!s.provider_slash.is_zero() && !s.slash_delay.is_zero(),
				Error::<T>::SlashingDisabled
			);
			ensure!(
				!s.minimum_stake.is_zero() && !s.max_job_budget.is_zero(),
				Error::<T>::ZeroStakeOrBudget
			);
			ensure!(
				!s.challenge_window.is_zero() && s.challenge_window <= T::MaxChallengeWindow::get(),
				Error::<T>::InvalidChallengeWindow
			);
			ensure!(
				s.verification_fee_share <= Perbill::from_percent(50),
				Error::<T>::FeeShareTooHigh
			);
			ensure!(!s.cheating_pays(), Error::<T>::CheatingPays);
			Ok(())
		}

		/// The chance a result of `provider` is checked under a job's `terms`: falls from the
		/// initial rate with the provider's passed checks (not its completed jobs, which
		/// self-dealing could pile up), never below the floor.
		pub fn provider_rate(
			provider: &T::AccountId,
			terms: &JobTerms<BlockNumberFor<T>>,
		) -> Perbill {
			let passed = T::Providers::reputation(provider).map_or(0, |r| r.checks_passed);
			let h = terms.half_rate_after.max(1);
			let decay = Perbill::from_rational(h, h.saturating_add(passed));
			(decay * terms.initial_check_rate).max(terms.floor_check_rate)
		}

		/// Each member's chance to sit on a committee round: `committee_size / checkers`, in
		/// parts per billion.
		fn committee_chance() -> u32 {
			let checkers = Checkers::<T>::count().max(1);
			Perbill::from_rational(Settings::<T>::get().committee_size.min(checkers), checkers)
				.deconstruct()
		}

		/// Votes a dispute over `provider`'s result raised by `accuser` needs: a majority of the
		/// committee the checker set can field (the parties cannot vote).
		fn quorum(provider: &T::AccountId, accuser: &Accuser<T::AccountId>) -> u32 {
			let mut voters = Checkers::<T>::count();
			if Checkers::<T>::contains_key(provider) {
				voters = voters.saturating_sub(1);
			}
			if matches!(accuser, Accuser::Checker(_)) {
				voters = voters.saturating_sub(1);
			}
			(Settings::<T>::get().committee_size.min(voters) / 2).saturating_add(1)
		}

		/// The seed of draws fixed at block `at`: that block's hash, known from the next block
		/// on (`None` before).
		pub fn seed(at: BlockNumberFor<T>) -> Option<[u8; 32]> {
			let hash = frame_system::Pallet::<T>::block_hash(at);
			(hash != Default::default()).then(|| sp_io::hashing::blake2_256(hash.as_ref()))
		}

		/// Blocks the agenda of round ends is searched over: enough that every open job could
		/// have a dispute on it, so a slot is always found (each dispute holds one slot).
		pub fn agenda_horizon() -> u32 {
			(T::Jobs::max_open() / T::MaxDuePerBlock::get().max(1)).saturating_add(1)
		}

		/// What searching the whole agenda costs, beyond the benchmarked calls.
		pub fn agenda_search_weight() -> Weight {
			T::DbWeight::get().reads(Self::agenda_horizon().into())
		}

		/// What opening a dispute costs beyond the benchmarked calls: the agenda search, and
		/// drawing a round (excusing the job's verdict holders and the parties).
		pub fn dispute_opening_weight() -> Weight {
			Self::agenda_search_weight().saturating_add(Self::round_drawing_weight())
		}

		/// What drawing a committee round costs: the ledger, and each of the job's verdict
		/// holders and both parties excused.
		pub fn round_drawing_weight() -> Weight {
			let excused = u64::from(T::MaxVerdictsPerJob::get()).saturating_add(2);
			T::DbWeight::get().reads_writes(excused.saturating_add(2), excused.saturating_add(2))
		}

		/// `who`'s expected number of draws since its count started, in parts per billion;
		/// `None` for an account that is not a checker.
		pub fn expected_draws(who: &T::AccountId) -> Option<u128> {
			Checkers::<T>::get(who).map(|c| c.draws.expected(&Draws::<T>::get()))
		}

		/// A committee round with each member's `chance` opens on `job`: it counts for every
		/// checker but those who cannot sit on it (the job's verdict holders, who judged it
		/// already, and the parties).
		fn draw_round(job: JobId, chance: u32, parties: [&T::AccountId; 2]) {
			Draws::<T>::mutate(|l| l.open(chance));
			let mut excused: Vec<T::AccountId> = Verdicts::<T>::iter_key_prefix(job).collect();
			for party in parties {
				if !excused.contains(party) {
					excused.push(party.clone());
				}
			}
			for who in excused {
				Self::excuse(&who, chance);
			}
		}

		/// `who` could not answer a draw with `chance`: it does not count against it.
		fn excuse(who: &T::AccountId, chance: u32) {
			Checkers::<T>::mutate(who, |c| {
				if let Some(c) = c.as_mut() {
					c.draws.excused = c.draws.excused.saturating_add(chance.into());
				}
			});
		}

		/// A dapp's bond for a challenge while it has `open` others: grows with them.
		pub fn challenge_bond(open: u32) -> BalanceOf<T> {
			Settings::<T>::get()
				.challenge_bond
				.saturating_mul(open.saturating_add(1).into())
		}

		/// Removes a checker with no open case and releases its bond.
		fn remove_checker(who: &T::AccountId) -> DispatchResult {
			let info = Checkers::<T>::take(who).ok_or(Error::<T>::NotChecker)?;
			CheckerKeys::<T>::remove(info.key);
			operators::clear::<_, Operators<T>, OperatorOf<T>>(who);
			T::Currency::release(
				&HoldReason::CheckerBond.into(),
				who,
				info.bond,
				Precision::BestEffort,
			)?;
			Ok(())
		}

		/// The checker `who` acts for: itself, or the checker whose operator it is.
		pub fn acting_checker(who: T::AccountId) -> T::AccountId {
			OperatorOf::<T>::get(&who).unwrap_or(who)
		}

		/// Each checker's chance, in parts per billion, when a job is checked with probability
		/// `rate` overall: `rate / checkers`, so that the expected number of checks is `rate`.
		pub fn per_checker(rate: Perbill) -> u32 {
			if rate.is_zero() {
				return 0;
			}
			let checkers = Checkers::<T>::count().max(1);
			rate.deconstruct().checked_div(checkers).unwrap_or(0).max(1)
		}

		fn case_opened(checker: &T::AccountId) {
			Checkers::<T>::mutate(checker, |c| {
				if let Some(c) = c.as_mut() {
					c.open_cases = c.open_cases.saturating_add(1);
				}
			});
		}

		fn case_closed(checker: &T::AccountId) {
			Checkers::<T>::mutate(checker, |c| {
				if let Some(c) = c.as_mut() {
					c.open_cases = c.open_cases.saturating_sub(1);
				}
			});
		}

		/// The first block from `now + round_length` whose agenda has room.
		fn free_round_slot(now: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
			let mut at = now.saturating_add(Settings::<T>::get().round_length);
			for _ in 0..Self::agenda_horizon() {
				if (RoundEnds::<T>::decode_len(at).unwrap_or(0) as u32) < T::MaxDuePerBlock::get() {
					return Some(at);
				}
				at = at.saturating_add(1u32.into());
			}
			None
		}

		fn open_dispute(
			job_id: JobId,
			accuser: Accuser<T::AccountId>,
			bond: BalanceOf<T>,
			now: BlockNumberFor<T>,
		) -> DispatchResult {
			let round_ends = Self::free_round_slot(now).ok_or(Error::<T>::AgendaFull)?;
			RoundEnds::<T>::try_mutate(round_ends, |v| v.try_push(job_id))
				.map_err(|_| Error::<T>::AgendaFull)?;
			if let Accuser::Checker(c) = &accuser {
				Self::case_opened(c);
			}
			let checkable = Checkables::<T>::get(job_id).ok_or(Error::<T>::NotCheckable)?;
			let (quorum, innocent) =
				(Self::quorum(&checkable.provider, &accuser), checkable.accepts);
			// The sample check ends here, whoever was still at work on it: its draw is cut.
			Draws::<T>::mutate(|l| l.cut(checkable.chance));
			let chance = Self::committee_chance();
			Self::draw_round(job_id, chance, [&checkable.provider, accuser.account()]);
			Checkables::<T>::insert(job_id, Checkable { chance: 0, ..checkable });
			Disputes::<T>::insert(
				job_id,
				Dispute {
					accuser: accuser.clone(),
					bond,
					round: 1,
					round_started: now,
					chance,
					round_ends,
					quorum,
					guilty: 0,
					innocent,
				},
			);
			Self::deposit_event(Event::DisputeOpened { job_id, accuser, round_ends });
			Ok(())
		}

		/// Decides a dispute at the end of a round, or draws a new committee.
		fn end_round(job_id: JobId, now: BlockNumberFor<T>) {
			let Some(mut d) = Disputes::<T>::get(job_id) else { return };
			// The round's draw is over: it counts.
			Draws::<T>::mutate(|l| l.close(d.chance));
			let Some(checkable) = Checkables::<T>::get(job_id) else {
				Self::close_dispute(job_id, &d.accuser);
				Self::return_bond(&d);
				return;
			};
			let s = Settings::<T>::get();
			let total = d.guilty.saturating_add(d.innocent);
			let decides = |votes: u32| {
				total >= d.quorum.max(1) && Perbill::from_rational(votes, total) >= s.supermajority
			};
			if decides(d.guilty) {
				Self::close_dispute(job_id, &d.accuser);
				Self::found_bad(job_id, &checkable, &d, now);
				return;
			}
			if decides(d.innocent) {
				Self::close_dispute(job_id, &d.accuser);
				Self::upheld(job_id, &checkable.provider, &d, now);
				return;
			}
			// Silent or split: a fresh committee, while rounds remain. Votes so far still count.
			if d.round < s.max_rounds {
				let next = Self::free_round_slot(now)
					.filter(|at| RoundEnds::<T>::try_mutate(at, |v| v.try_push(job_id)).is_ok());
				if let Some(round_ends) = next {
					d.round = d.round.saturating_add(1);
					d.round_started = now;
					d.chance = Self::committee_chance();
					Self::draw_round(job_id, d.chance, [&checkable.provider, d.accuser.account()]);
					d.round_ends = round_ends;
					let round = d.round;
					Disputes::<T>::insert(job_id, d);
					Self::deposit_event(Event::DisputeEscalated { job_id, round, round_ends });
					return;
				}
			}
			// Undecided: nobody is paid for the disputed work and nobody is slashed.
			Self::close_dispute(job_id, &d.accuser);
			Self::return_bond(&d);
			Self::deposit_event(Event::DisputeUndecided { job_id });
			let _ = T::Jobs::reject_result(job_id);
		}

		/// Releases the accusing dapp's challenge bond, as much as it held.
		fn return_bond(d: &DisputeOf<T>) {
			if let Accuser::Dapp(dapp) = &d.accuser {
				let _ = T::Currency::release(
					&HoldReason::ChallengeBond.into(),
					dapp,
					d.bond,
					Precision::BestEffort,
				);
			}
		}

		fn close_dispute(job_id: JobId, accuser: &Accuser<T::AccountId>) {
			Disputes::<T>::remove(job_id);
			match accuser {
				Accuser::Checker(c) => Self::case_closed(c),
				Accuser::Dapp(d) => OpenChallenges::<T>::mutate_exists(d, |n| {
					*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
				}),
			}
		}

		/// A bad result: the dapp is refunded, the provider and every checker that vouched for
		/// the result are slashed (deferred), the honest voters rewarded.
		fn found_bad(
			job_id: JobId,
			checkable: &Checkable<T::AccountId, BlockNumberFor<T>>,
			dispute: &DisputeOf<T>,
			now: BlockNumberFor<T>,
		) {
			let s = Settings::<T>::get();
			let accuser = &dispute.accuser;
			let provider = &checkable.provider;
			let _ = T::Jobs::reject_result(job_id);
			// Those who rejected the result earn their reward once their witnesses are tallied.
			let except = match accuser {
				Accuser::Checker(c) => Some(c.clone()),
				Accuser::Dapp(_) => None,
			};
			Reveals::<T>::mutate(job_id, |r| {
				if let Some(r) = r {
					r.earners = Earners::Rejecters { except };
				}
			});
			T::Providers::check_failed(provider);
			Self::schedule_slash(
				provider.clone(),
				SlashFrom::ProviderStake,
				checkable.provider_slash,
				Some(accuser.account().clone()),
				Some(job_id),
				now,
			);
			Self::return_bond(dispute);
			let vouchers: Vec<T::AccountId> = Verdicts::<T>::iter_prefix(job_id)
				.filter(|(_, v)| v.accepted)
				.map(|(checker, _)| checker)
				.collect();
			for checker in vouchers {
				Self::verdict_slashed(job_id, &checker);
				Self::schedule_slash(
					checker,
					SlashFrom::CheckerBond,
					s.checker_slash,
					None,
					Some(job_id),
					now,
				);
			}
			Self::deposit_event(Event::ResultFoundBad { job_id, provider: provider.clone() });
		}

		/// A false alarm: the result settles; the accuser pays.
		fn upheld(
			job_id: JobId,
			provider: &T::AccountId,
			dispute: &DisputeOf<T>,
			now: BlockNumberFor<T>,
		) {
			let s = Settings::<T>::get();
			match &dispute.accuser {
				Accuser::Checker(checker) => {
					Self::verdict_slashed(job_id, checker);
					Self::schedule_slash(
						checker.clone(),
						SlashFrom::CheckerBond,
						s.checker_slash,
						Some(provider.clone()),
						Some(job_id),
						now,
					)
				},
				Accuser::Dapp(dapp) => {
					let _ = T::Currency::transfer_on_hold(
						&HoldReason::ChallengeBond.into(),
						dapp,
						provider,
						dispute.bond,
						Precision::BestEffort,
						Restriction::Free,
						Fortitude::Force,
					);
				},
			}
			// The accepting checkers are paid when the job settles and their witnesses hold.
			Self::deposit_event(Event::ResultUpheld { job_id, provider: provider.clone() });
		}

		pub(crate) fn schedule_slash(
			offender: T::AccountId,
			from: SlashFrom,
			fraction: Perbill,
			beneficiary: Option<T::AccountId>,
			job: Option<JobId>,
			now: BlockNumberFor<T>,
		) {
			if fraction.is_zero() {
				return;
			}
			if from == SlashFrom::CheckerBond {
				Self::case_opened(&offender);
			}
			let id = NextSlashId::<T>::get();
			let execute_at = now.saturating_add(Settings::<T>::get().slash_delay);
			NextSlashId::<T>::put(id.wrapping_add(1));
			PendingSlashes::<T>::insert(
				id,
				PendingSlash {
					offender: offender.clone(),
					from,
					fraction,
					beneficiary,
					job,
					execute_at,
				},
			);
			Self::deposit_event(Event::SlashScheduled { id, offender, from, fraction, execute_at });
		}

		/// Runs the slashes at the head of the queue whose appeal delay has passed, at most
		/// `MaxDuePerBlock`, stepping over cancelled ones (as many again); returns the slashes
		/// run plus the gaps stepped over, each weighed as a slash (the benchmark's worst case).
		fn execute_due_slashes(now: BlockNumberFor<T>) -> u32 {
			let end = NextSlashId::<T>::get();
			let mut head = NextSlashToExecute::<T>::get();
			let (mut ran, mut gaps) = (0u32, 0u32);
			let max = T::MaxDuePerBlock::get();
			while head != end && ran < max && gaps < max {
				match PendingSlashes::<T>::get(head) {
					Some(slash) if slash.execute_at > now => break,
					Some(_) => {
						Self::execute_slash(head);
						ran = ran.saturating_add(1);
					},
					None => gaps = gaps.saturating_add(1),
				}
				head = head.wrapping_add(1);
			}
			NextSlashToExecute::<T>::put(head);
			ran.saturating_add(gaps)
		}

		fn execute_slash(id: SlashId) {
			let Some(slash) = PendingSlashes::<T>::take(id) else { return };
			if slash.from == SlashFrom::CheckerBond {
				Self::case_closed(&slash.offender);
			}
			let pool = T::Jobs::pool();
			let amount = match slash.from {
				SlashFrom::ProviderStake =>
					T::Providers::slash(&slash.offender, slash.fraction, &pool),
				SlashFrom::CheckerBond => Checkers::<T>::mutate(&slash.offender, |c| {
					let Some(c) = c.as_mut() else { return Zero::zero() };
					let moved = T::Currency::transfer_on_hold(
						&HoldReason::CheckerBond.into(),
						&slash.offender,
						&pool,
						slash.fraction * c.bond,
						Precision::BestEffort,
						Restriction::Free,
						Fortitude::Force,
					)
					.unwrap_or_default();
					c.bond = c.bond.saturating_sub(moved);
					moved
				}),
			};
			let mut to_beneficiary = Zero::zero();
			if let Some(b) = &slash.beneficiary {
				let share = Settings::<T>::get().whistleblower_share * amount;
				if T::Currency::transfer(&pool, b, share, Preservation::Preserve).is_ok() {
					to_beneficiary = share;
				}
			}
			Self::deposit_event(Event::Slashed {
				id,
				offender: slash.offender,
				amount,
				to_beneficiary,
			});
		}

		/// Marks `checker`'s verdict on `job` as answered for by a slash already decided.
		fn verdict_slashed(job: JobId, checker: &T::AccountId) {
			Verdicts::<T>::mutate(job, checker, |v| {
				if let Some(v) = v {
					v.slashed = true;
				}
			});
		}

		/// Tallies the witnesses of closed jobs whose reveal window ended, in closing order, at
		/// most `MaxDuePerBlock`; returns the verdicts tallied.
		fn run_due_tallies(now: BlockNumberFor<T>) -> u32 {
			let end = NextTally::<T>::get();
			let mut head = NextTallyToRun::<T>::get();
			let (mut tallies, mut verdicts) = (0u32, 0u32);
			let max = T::MaxDuePerBlock::get();
			while head != end && tallies < max {
				let Some(job) = TallyQueue::<T>::get(head) else {
					// Never left behind; stepped over, and counted, all the same.
					head = head.wrapping_add(1);
					tallies = tallies.saturating_add(1);
					continue;
				};
				if Reveals::<T>::get(job).is_some_and(|r| r.due > now) {
					break;
				}
				TallyQueue::<T>::remove(head);
				verdicts = verdicts.saturating_add(Self::tally(job, now));
				tallies = tallies.saturating_add(1);
				head = head.wrapping_add(1);
			}
			NextTallyToRun::<T>::put(head);
			verdicts
		}

		/// Compares the revealed witnesses of `job` and settles its verdicts: each stands when
		/// its witness matches the one its peers agree on (or there is none to compare with)
		/// and is paid if it is an earner; one that differs, or was not revealed while peers
		/// agree, is slashed unless already slashed for the job. Returns the verdicts tallied.
		fn tally(job: JobId, now: BlockNumberFor<T>) -> u32 {
			let Some(reveal) = Reveals::<T>::take(job) else { return 0 };
			let verdicts: Vec<(T::AccountId, Verdict)> = Verdicts::<T>::drain_prefix(job).collect();
			VerdictCount::<T>::remove(job);
			let agreed = witness::consensus(verdicts.iter().filter_map(|(_, v)| v.revealed));
			let checker_slash = Settings::<T>::get().checker_slash;
			for (checker, v) in &verdicts {
				Self::case_closed(checker);
				let holds = match (v.revealed, agreed) {
					(Some(mine), Some(agreed)) => mine == agreed,
					(Some(_), None) => true,
					(None, _) => false,
				};
				let earns = match &reveal.earners {
					Earners::Accepters => v.accepted,
					Earners::Rejecters { except } =>
						!v.accepted && except.as_ref() != Some(checker),
					Earners::Nobody => false,
				};
				if holds && earns {
					Self::reward(checker);
				} else if !holds && agreed.is_some() && !v.slashed {
					Self::deposit_event(Event::WitnessFailed {
						job_id: job,
						checker: checker.clone(),
						revealed: v.revealed.is_some(),
					});
					Self::schedule_slash(
						checker.clone(),
						SlashFrom::CheckerBond,
						checker_slash,
						None,
						Some(job),
						now,
					);
				}
			}
			Self::deposit_event(Event::WitnessesTallied {
				job_id: job,
				compared: agreed.is_some(),
			});
			verdicts.len() as u32
		}

		/// Pays a checker whose verdict stood, if the pool can.
		fn reward(checker: &T::AccountId) {
			let reward = Settings::<T>::get().checker_reward;
			if !reward.is_zero() {
				let _ = T::Currency::transfer(
					&T::Jobs::pool(),
					checker,
					reward,
					Preservation::Preserve,
				);
			}
		}

		/// Checks that holds match the records and every open dispute is on the agenda.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let reason: T::RuntimeHoldReason = HoldReason::CheckerBond.into();
			let mut count = 0u32;
			for (who, info) in Checkers::<T>::iter() {
				ensure!(
					T::Currency::balance_on_hold(&reason, &who) == info.bond,
					"checker hold differs from its bond"
				);
				count = count.saturating_add(1);
			}
			ensure!(count == Checkers::<T>::count(), "checker counter out of sync");
			// One key, one checker, both ways.
			let mut keys = 0u32;
			for (key, who) in CheckerKeys::<T>::iter() {
				ensure!(
					Checkers::<T>::get(&who).is_some_and(|c| c.key == key),
					"checker key registered to an account that does not hold it"
				);
				keys = keys.saturating_add(1);
			}
			ensure!(keys == count, "a checker without its key entry");
			// One operator, one checker, both ways; an operator is not a checker.
			operators::check::<_, OperatorOf<T>>(
				|a| Checkers::<T>::contains_key(a),
				Operators::<T>::iter(),
				OperatorOf::<T>::iter().count(),
			)?;
			// Every open case is counted: verdicts on open jobs, accusations, pending slashes.
			let mut cases: alloc::collections::btree_map::BTreeMap<T::AccountId, u32> =
				Default::default();
			let mut case = |who: T::AccountId| {
				let n = cases.entry(who).or_default();
				*n = n.saturating_add(1);
			};
			for (_, who, _) in Verdicts::<T>::iter() {
				case(who);
			}
			for (_, d) in Disputes::<T>::iter() {
				if let Accuser::Checker(c) = d.accuser {
					case(c);
				}
			}
			for (_, s) in PendingSlashes::<T>::iter() {
				if s.from == SlashFrom::CheckerBond {
					case(s.offender);
				}
			}
			for (who, info) in Checkers::<T>::iter() {
				ensure!(
					cases.get(&who).copied().unwrap_or(0) == info.open_cases,
					"a checker's open cases differ from its verdicts, accusations and slashes"
				);
			}
			let mut challenged: alloc::collections::btree_map::BTreeMap<
				T::AccountId,
				(BalanceOf<T>, u32),
			> = Default::default();
			for (job, d) in Disputes::<T>::iter() {
				ensure!(Checkables::<T>::contains_key(job), "dispute over a closed job");
				ensure!(RoundEnds::<T>::get(d.round_ends).contains(&job), "dispute off the agenda");
				if let Accuser::Dapp(dapp) = d.accuser {
					let (held, open) = challenged.entry(dapp).or_default();
					*held = held.saturating_add(d.bond);
					*open = open.saturating_add(1);
				}
			}
			let challenge: T::RuntimeHoldReason = HoldReason::ChallengeBond.into();
			for (dapp, n) in OpenChallenges::<T>::iter() {
				ensure!(
					challenged.get(&dapp).map(|(_, open)| *open) == Some(n),
					"OpenChallenges differs from the dapp's open disputes"
				);
			}
			for (dapp, (bonds, open)) in challenged {
				ensure!(
					T::Currency::balance_on_hold(&challenge, &dapp) == bonds,
					"challenge hold differs from the dapp's open challenges"
				);
				ensure!(OpenChallenges::<T>::get(&dapp) == open, "open challenges not counted");
			}
			let (head, end) = (NextSlashToExecute::<T>::get(), NextSlashId::<T>::get());
			for (id, _) in PendingSlashes::<T>::iter() {
				// In the queue: from its head (inclusive) to the next id (exclusive), wrapping.
				ensure!(
					id.wrapping_sub(head) < end.wrapping_sub(head),
					"a pending slash is outside the slash queue"
				);
			}
			for (job, n) in VerdictCount::<T>::iter() {
				ensure!(
					Verdicts::<T>::iter_prefix(job).count() as u32 == n,
					"verdict count out of sync"
				);
				ensure!(
					Checkables::<T>::contains_key(job) != Reveals::<T>::contains_key(job),
					"verdicts on a job that is neither open nor revealing"
				);
			}
			// The draws in flight are exactly the open ones: sample checks not cut short, and
			// the disputes' current rounds.
			let mut open: u128 = 0;
			for (_, c) in Checkables::<T>::iter() {
				open = open.saturating_add(c.chance.into());
			}
			for (_, d) in Disputes::<T>::iter() {
				open = open.saturating_add(d.chance.into());
			}
			let ledger = Draws::<T>::get();
			ensure!(ledger.in_flight == open, "draws in flight differ from the open draws");
			ensure!(ledger.in_flight <= ledger.counted, "more draws in flight than counted");
			let (head, end) = (NextTallyToRun::<T>::get(), NextTally::<T>::get());
			let mut queued = 0u32;
			for (at, job) in TallyQueue::<T>::iter() {
				ensure!(
					at.wrapping_sub(head) < end.wrapping_sub(head),
					"a tally outside its queue"
				);
				ensure!(Reveals::<T>::contains_key(job), "a queued tally without its reveal");
				queued = queued.saturating_add(1);
			}
			ensure!(
				queued as usize == Reveals::<T>::iter().count(),
				"a reveal off the tally queue"
			);
			Ok(())
		}
	}

	impl<T: Config> pallet_jobs::JobAudit<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
		fn max_budget() -> BalanceOf<T> {
			Settings::<T>::get().max_job_budget
		}

		fn may_expose(stake: BalanceOf<T>, exposure: BalanceOf<T>) -> bool {
			!Settings::<T>::get().cheating_pays_at(stake, exposure)
		}

		fn terms() -> JobTerms<BlockNumberFor<T>> {
			let s = Settings::<T>::get();
			JobTerms {
				challenge_window: s.challenge_window,
				verification_fee_share: s.verification_fee_share,
				initial_check_rate: s.initial_rate,
				floor_check_rate: s.floor_rate,
				half_rate_after: s.half_rate_after,
				provider_slash: s.provider_slash,
			}
		}

		fn is_disputed(job: JobId) -> bool {
			Disputes::<T>::contains_key(job)
		}

		fn result_posted(
			job: JobId,
			provider: &T::AccountId,
			commitment: [u8; 32],
			settle_at: BlockNumberFor<T>,
			terms: &JobTerms<BlockNumberFor<T>>,
		) {
			let rate = BoughtRates::<T>::get(job)
				.unwrap_or_default()
				.rate
				.max(Self::provider_rate(provider, terms));
			let chance = Self::per_checker(rate);
			Draws::<T>::mutate(|l| l.open(chance));
			// A checker cannot check its own result.
			Self::excuse(provider, chance);
			Checkables::<T>::insert(
				job,
				Checkable {
					provider: provider.clone(),
					commitment,
					posted_at: frame_system::Pallet::<T>::block_number(),
					settle_at,
					rate,
					chance,
					accepts: 0,
					provider_slash: terms.provider_slash,
				},
			);
		}

		fn job_closed(job: JobId, settled: bool) {
			let checkable = Checkables::<T>::take(job);
			if let Some(bought) = BoughtRates::<T>::take(job) {
				// Checks bought for a job that never got a result are not owed: refunded.
				if checkable.is_none() && !bought.paid.is_zero() {
					if let Some(owner) = T::Jobs::owner(job) {
						let _ = T::Currency::transfer(
							&T::Jobs::pool(),
							&owner,
							bought.paid,
							Preservation::Preserve,
						);
					}
				}
			}
			// A round under way is cut short; the sample check ends, and counts if it ran its
			// course (the result settled after its whole window).
			if let Some(d) = Disputes::<T>::take(job) {
				Draws::<T>::mutate(|l| l.cut(d.chance));
			}
			if let Some(c) = &checkable {
				Draws::<T>::mutate(|l| if settled { l.close(c.chance) } else { l.cut(c.chance) });
			}
			// The result is final now: its checkers reveal their witnesses, and the tally pays
			// them (those that accepted a result that is paid, unless a dispute decides others).
			if VerdictCount::<T>::get(job) == 0 {
				return;
			}
			let passed = settled && Verdicts::<T>::iter_prefix_values(job).any(|v| v.accepted);
			let due =
				frame_system::Pallet::<T>::block_number().saturating_add(T::RevealWindow::get());
			let earners = if settled { Earners::Accepters } else { Earners::Nobody };
			Reveals::<T>::insert(job, Reveal { due, earners });
			let at = NextTally::<T>::get();
			TallyQueue::<T>::insert(at, job);
			NextTally::<T>::put(at.wrapping_add(1));
			if let Some(c) = checkable.filter(|_| passed) {
				T::Providers::check_passed(&c.provider);
			}
		}
	}

	/// What the checker off-chain worker reads.
	impl<T: Config> Pallet<T> {
		/// The open checks: every posted, unsettled result.
		pub fn open_checks() -> Vec<(JobId, Checkable<T::AccountId, BlockNumberFor<T>>)> {
			Checkables::<T>::iter().collect()
		}

		/// The draw of `job` in `round`: the block whose hash seeds it and each checker's
		/// chance (parts per billion); `None` when that round is not open.
		pub fn draw_terms(
			job: JobId,
			checkable: &Checkable<T::AccountId, BlockNumberFor<T>>,
			round: u32,
		) -> Option<(BlockNumberFor<T>, u32)> {
			match (Disputes::<T>::get(job), round) {
				(None, 0) => Some((checkable.posted_at, checkable.chance)),
				(Some(d), r) if r == d.round && r > 0 => Some((d.round_started, d.chance)),
				_ => None,
			}
		}
	}
}
