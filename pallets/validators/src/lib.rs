//! # Validators pallet
//!
//! The governed validator set. Governance (`AdminOrigin`: on Attesta, Root or two thirds of the
//! council) adds and removes validators; `pallet-session` rotates the set in at session
//! boundaries, and from it Aura's authors and GRANDPA's voters follow.
//!
//! * A validator must have registered its session keys (`Session.set_keys`, with the proof that it
//!   holds them) before it is added: a validator without keys would silently be left out of the
//!   set.
//! * The set never falls below `MinValidators`, nor grows past `MaxValidators`.
//! * A change planned during session `n` is queued at the end of `n` and takes effect at the start
//!   of `n + 2` (`pallet-session` queues keys one session ahead). Sessions end every
//!   `SessionPeriod` blocks, and at once after a change, so a change applies two blocks after its
//!   motion. Only rotations cost blockspace (`pallet-session` claims a rotation's whole block), so
//!   sessions are otherwise long.
//! * A validator proven to have equivocated (an offence reported through `pallet-offences`, e.g. a
//!   GRANDPA equivocation) is removed from the set as governance would remove it, unless that would
//!   leave fewer than `MinValidators`; governance may add it back. Validators hold no stake here,
//!   so losing the seat is the punishment.
//! * Aura equivocations (one key sealing two headers for one slot), which FRAME's Aura pallet does
//!   not report, are reported here: [`equivocation`], `report_equivocation_unsigned`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod equivocation;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

// FRAME's macros expand `expect`s, indexing and arithmetic into this module under its spans;
// the pallet's own code keeps to checked operations.
#[allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]
#[frame_support::pallet]
pub mod pallet {
	use super::{equivocation::AuraEquivocationProof, WeightInfo};
	use alloc::{boxed::Box, vec::Vec};
	use frame_support::{pallet_prelude::*, traits::Contains};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{One, Saturating, Zero},
		Permill,
	};
	use sp_session::{GetSessionNumber, GetValidatorCount};
	use sp_staking::offence::OffenceReportSystem;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
		/// Who adds and removes validators.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Accounts that registered session keys (`pallet_session::NextKeys`).
		type HasSessionKeys: Contains<Self::AccountId>;
		/// The fewest validators the set may have: below it, finality could stall.
		#[pallet::constant]
		type MinValidators: Get<u32>;
		/// The most validators the set may have (no more than the consensus pallets'
		/// `MaxAuthorities`).
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// Blocks a session lasts when the set does not change.
		#[pallet::constant]
		type SessionPeriod: Get<BlockNumberFor<Self>>;
		/// Proves that an Aura key was a validator's in a session (on Attesta,
		/// `pallet_session::historical`'s `MembershipProof`).
		type KeyOwnerProof: Parameter + GetSessionNumber + GetValidatorCount;
		/// Checks Aura equivocation reports and reports the offence
		/// ([`crate::equivocation::EquivocationReportSystem`]).
		type EquivocationReportSystem: OffenceReportSystem<
			Option<Self::AccountId>,
			(AuraEquivocationProof<HeaderFor<Self>>, Self::KeyOwnerProof),
		>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// The validator set governance decided on, in the order it was built.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether [`Validators`] changed since the last session was planned.
	#[pallet::storage]
	pub type Changed<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Session rotations still owed to a change: one queues the new set, the next applies it.
	#[pallet::storage]
	pub type PendingRotations<T: Config> = StorageValue<_, u8, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators at genesis (each also needs session keys in `pallet-session`'s
		/// genesis).
		pub validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// Panics on purpose, as `pallet-models`' genesis does: this runs only when a chain
			// spec's genesis is built, and a chain must not start without its validators.
			let set: BoundedVec<T::AccountId, T::MaxValidators> =
				match self.validators.clone().try_into() {
					Ok(set) => set,
					Err(_) => panic!("genesis validators exceed MaxValidators"),
				};
			// Empty: `pallet-session` starts with the accounts its genesis gives keys to.
			assert!(
				set.is_empty() || set.len() as u32 >= T::MinValidators::get(),
				"genesis validators fewer than MinValidators"
			);
			Validators::<T>::put(set);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A validator joins the set from the session after next.
		ValidatorAdded {
			/// The validator.
			who: T::AccountId,
		},
		/// A validator leaves the set from the session after next.
		ValidatorRemoved {
			/// The validator.
			who: T::AccountId,
		},
		/// An offence of a validator (an equivocation) was proven: it leaves the set from the
		/// session after next.
		OffenderRemoved {
			/// The validator.
			who: T::AccountId,
			/// The session of the offence.
			session: u32,
		},
		/// An offence was proven but the offender stays: removing it would leave fewer than
		/// `MinValidators` (or it had left already). Governance decides.
		OffenderKept {
			/// The validator.
			who: T::AccountId,
			/// The session of the offence.
			session: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is a validator already.
		AlreadyValidator,
		/// The account is not a validator.
		NotValidator,
		/// The account has no session keys: it must call `Session.set_keys` first.
		NoSessionKeys,
		/// The set holds `MaxValidators` already.
		TooManyValidators,
		/// The set would fall below `MinValidators`.
		TooFewValidators,
		/// The headers are not two different headers for the proof's slot both sealed by its
		/// offender.
		InvalidEquivocationProof,
		/// The key ownership proof does not prove the offender's key a validator's.
		InvalidKeyOwnershipProof,
		/// This offender's equivocation at this slot was reported already.
		DuplicateOffenceReport,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds `who` to the validator set, from the session after next. It must have set its
		/// session keys.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(T::HasSessionKeys::contains(&who), Error::<T>::NoSessionKeys);
			Validators::<T>::try_mutate(|set| {
				ensure!(!set.contains(&who), Error::<T>::AlreadyValidator);
				set.try_push(who.clone()).map_err(|_| Error::<T>::TooManyValidators)
			})?;
			Self::changed();
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Removes `who` from the validator set, from the session after next.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Validators::<T>::try_mutate(|set| {
				let at = set.iter().position(|v| v == &who).ok_or(Error::<T>::NotValidator)?;
				ensure!(set.len() as u32 > T::MinValidators::get(), Error::<T>::TooFewValidators);
				set.remove(at);
				Ok::<_, Error<T>>(())
			})?;
			Self::changed();
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}

		/// Reports an Aura equivocation: the proof's offender sealed two different headers for
		/// one slot. Sent unsigned by the validator nodes that import both headers, into their
		/// own blocks only; the offence goes to `pallet-offences`, and from there to the
		/// offender's removal. Free: a false or repeated report is refused before a block
		/// takes it.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::report_equivocation(
			key_owner_proof.validator_count(),
			crate::equivocation::proof_len(equivocation_proof),
		))]
		pub fn report_equivocation_unsigned(
			origin: OriginFor<T>,
			equivocation_proof: Box<AuraEquivocationProof<HeaderFor<T>>>,
			key_owner_proof: T::KeyOwnerProof,
		) -> DispatchResultWithPostInfo {
			ensure_none(origin)?;
			T::EquivocationReportSystem::process_evidence(
				None,
				(*equivocation_proof, key_owner_proof),
			)?;
			Ok(Pays::No.into())
		}
	}

	// As `pallet-grandpa`'s reports: `#[pallet::authorize]` would need `AuthorizeCall` in the
	// chain's transaction extensions first.
	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			Self::validate_report(source, call)
		}

		fn pre_dispatch(call: &Self::Call) -> Result<(), TransactionValidityError> {
			Self::pre_dispatch_report(call)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The set changed: the next two blocks rotate the session, to queue it and apply it.
		fn changed() {
			Changed::<T>::put(true);
			PendingRotations::<T>::put(2);
		}

		/// Blocks into the current period, and the period (at least one block).
		fn phase(now: BlockNumberFor<T>) -> (BlockNumberFor<T>, BlockNumberFor<T>) {
			let period = T::SessionPeriod::get().max(One::one());
			(now % period, period)
		}
	}

	/// Offences reported through `pallet-offences` (GRANDPA and Aura equivocations): each offender,
	/// once, leaves the set. The slash fractions are not used: validators hold no stake here.
	impl<T: Config, Full>
		sp_staking::offence::OnOffenceHandler<T::AccountId, (T::AccountId, Full), Weight> for Pallet<T>
	{
		fn on_offence(
			offenders: &[sp_staking::offence::OffenceDetails<T::AccountId, (T::AccountId, Full)>],
			_slash_fraction: &[sp_runtime::Perbill],
			session: u32,
		) -> Weight {
			let mut removed = 0u64;
			for details in offenders {
				let who = &details.offender.0;
				let gone = Validators::<T>::mutate(|set| {
					let at = set.iter().position(|v| v == who)?;
					(set.len() as u32 > T::MinValidators::get()).then(|| set.remove(at))
				});
				if gone.is_some() {
					removed = removed.saturating_add(1);
					Self::deposit_event(Event::OffenderRemoved { who: who.clone(), session });
				} else {
					Self::deposit_event(Event::OffenderKept { who: who.clone(), session });
				}
			}
			if removed > 0 {
				Self::changed();
			}
			let n = offenders.len() as u64;
			T::DbWeight::get().reads_writes(n, removed.saturating_add(2))
		}
	}

	impl<T: Config> pallet_session::ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
		fn should_end_session(now: BlockNumberFor<T>) -> bool {
			PendingRotations::<T>::get() > 0 || Self::phase(now).0.is_zero()
		}
	}

	impl<T: Config> frame_support::traits::EstimateNextSessionRotation<BlockNumberFor<T>>
		for Pallet<T>
	{
		fn average_session_length() -> BlockNumberFor<T> {
			T::SessionPeriod::get()
		}

		fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
			let (into, period) = Self::phase(now);
			let progress = Permill::from_rational(into.saturating_add(One::one()), period);
			(Some(progress), T::DbWeight::get().reads(1))
		}

		fn estimate_next_session_rotation(
			now: BlockNumberFor<T>,
		) -> (Option<BlockNumberFor<T>>, Weight) {
			let next = if PendingRotations::<T>::get() > 0 {
				now.saturating_add(One::one())
			} else {
				let (into, period) = Self::phase(now);
				now.saturating_add(period.saturating_sub(into))
			};
			(Some(next), T::DbWeight::get().reads(1))
		}
	}

	impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
		/// The set for session `index`, planned at the end of session `index − 1`: the
		/// governed set when it changed, else the same as before.
		fn new_session(_index: u32) -> Option<Vec<T::AccountId>> {
			PendingRotations::<T>::mutate(|p| *p = p.saturating_sub(1));
			Changed::<T>::take().then(|| Validators::<T>::get().into_inner())
		}

		fn new_session_genesis(_index: u32) -> Option<Vec<T::AccountId>> {
			let set = Validators::<T>::get();
			(!set.is_empty()).then(|| set.into_inner())
		}

		fn end_session(_index: u32) {}

		fn start_session(_index: u32) {}
	}
}
