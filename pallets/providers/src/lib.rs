//! # Providers pallet
//!
//! Inference providers register here: they bond a stake (held with `fungible` holds under
//! [`HoldReason::ProviderStake`], so it can be slashed), declare the models they serve, their
//! per-token prices, region, hardware and capacity. Unbonding waits `UnbondingPeriod` blocks,
//! during which the stake stays slashable. The chain keeps each provider's reputation. The jobs
//! pallet finds and books providers through [`ProviderRegistry`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod operators;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

use alloc::vec::Vec;
pub use attesta_primitives::ModelId;
pub use types::*;
pub use weights::WeightInfo;

/// What the jobs pallet needs from the provider registry.
pub trait ProviderRegistry<AccountId, Balance, BlockNumber> {
	/// Providers that can take a job now: serve `model`, are not suspended, have stake at or
	/// above the minimum, free capacity, prices within `max_price`, in `region` if one is
	/// asked; minus `exclude`. With their bonded stake, in registration order, so the caller's
	/// draw over them is deterministic.
	fn candidates(
		model: ModelId,
		max_price: &Price<Balance>,
		region: Option<&Region>,
		exclude: &[AccountId],
	) -> Vec<Candidate<AccountId, Balance>>;
	/// Most providers one model can have (bounds the candidates).
	fn max_per_model() -> u32;
	/// The providers `candidates` would return, one at a time in the same order, until `visit`
	/// returns `true`; returns how many provider records were read (what a call that stops
	/// early is weighed by).
	fn scan_candidates(
		model: ModelId,
		max_price: &Price<Balance>,
		region: Option<&Region>,
		visit: &mut dyn FnMut(&Candidate<AccountId, Balance>) -> bool,
	) -> u32;
	/// Books one unit of `who`'s capacity for a newly assigned job.
	fn job_assigned(who: &AccountId) -> sp_runtime::DispatchResult;
	/// Frees the capacity a job held and records how it ended. Returns whether `who` was
	/// benched for missing too many deadlines in a row (the caller then slashes it).
	fn job_finished(who: &AccountId, outcome: JobOutcome<BlockNumber>) -> bool;
	/// Records a result of `who` that a dispute found bad, and suspends `who` from new jobs at
	/// once.
	fn check_failed(who: &AccountId);
	/// Lifts `who`'s suspension (its slash was cancelled on appeal).
	fn reinstate(who: &AccountId);
	/// Records a result of `who` that passed a sampled check and was paid.
	fn check_passed(who: &AccountId);
	/// The provider `who` acts for: itself, or the provider whose operator (hot) key it is. Calls
	/// a provider's node makes (accepting and answering jobs) go through this; stake calls do
	/// not, so an operator key cannot move stake.
	fn acting_for(who: &AccountId) -> AccountId;
	/// `who`'s track record; `None` when it is not a provider.
	fn reputation(who: &AccountId) -> Option<Reputation>;
	/// Moves `fraction` of `who`'s stake (bonded first, then unbonding) to `to`; returns how
	/// much moved.
	fn slash(who: &AccountId, fraction: sp_runtime::Perbill, to: &AccountId) -> Balance;

	/// Registers up to `count` funded providers for `model`, as many as the bounds allow, with
	/// the largest capacity and a price of 1 per token (benchmark set-up).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_providers(model: ModelId, count: u32) -> Vec<AccountId>;
}

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
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use pallet_models::ModelRegistry;
	use sp_runtime::{
		traits::{CheckedAdd, CheckedSub, Saturating, Zero},
		Perbill, SaturatedConversion,
	};

	/// The balance type of the currency stakes are held in.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A provider's record as stored.
	pub type ProviderOf<T> =
		ProviderInfo<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxModelsPerProvider>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's bonded (or unbonding) stake.
		ProviderStake,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
		/// The currency stakes are bonded in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The model registry, to check served models exist.
		type Models: ModelRegistry;
		/// Least bonded stake with which a provider gets jobs: a governed market setting (the
		/// runtime reads it from the audits pallet's settings, where the rule that cheating must
		/// not pay ties it to the slash and the check rate).
		type MinimumStake: Get<BalanceOf<Self>>;
		/// Blocks between `unbond` and `withdraw_unbonded`: long enough to slash for late-found
		/// faults.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;
		/// Most models one provider may serve.
		#[pallet::constant]
		type MaxModelsPerProvider: Get<u32>;
		/// Most providers per model; bounds the assignment search.
		#[pallet::constant]
		type MaxProvidersPerModel: Get<u32>;
		/// Most concurrent jobs a provider may declare.
		#[pallet::constant]
		type MaxCapacity: Get<u32>;
		/// Deadlines a provider may miss in a row before it is benched.
		#[pallet::constant]
		type MaxMissesInARow: Get<u32>;
		/// Blocks a benched provider gets no new jobs.
		#[pallet::constant]
		type BenchPeriod: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Registered providers. `Blake2_128Concat`: account ids are chosen by users.
	#[pallet::storage]
	pub type Providers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ProviderOf<T>>;

	/// The providers serving each model, in registration order: what assignment draws from.
	#[pallet::storage]
	pub type ModelProviders<T: Config> = StorageMap<
		_,
		Twox64Concat,
		ModelId,
		BoundedVec<T::AccountId, T::MaxProvidersPerModel>,
		ValueQuery,
	>;

	/// Each provider's operator: the hot key its node signs job transactions with, so the stake
	/// stays with a cold account. `Blake2_128Concat`: account ids are chosen by users.
	#[pallet::storage]
	pub type Operators<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The reverse of [`Operators`]: the provider an operator key acts for (one each).
	#[pallet::storage]
	pub type OperatorOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Part of a provider's stake was slashed for a bad result.
		Slashed {
			/// The provider.
			who: T::AccountId,
			/// Amount taken from its stake.
			amount: BalanceOf<T>,
		},
		/// A provider registered with a bonded stake.
		ProviderRegistered {
			/// The provider.
			who: T::AccountId,
			/// Stake bonded.
			stake: BalanceOf<T>,
		},
		/// A provider changed its offer (models, prices, region, hardware, capacity).
		ProviderUpdated {
			/// The provider.
			who: T::AccountId,
		},
		/// A provider added to its stake.
		StakeBonded {
			/// The provider.
			who: T::AccountId,
			/// Amount added.
			amount: BalanceOf<T>,
		},
		/// A provider started unbonding part of its stake.
		StakeUnbonding {
			/// The provider.
			who: T::AccountId,
			/// Amount now unbonding (all of it, merged with earlier unbonding).
			amount: BalanceOf<T>,
			/// When it can be withdrawn.
			unlock_at: BlockNumberFor<T>,
		},
		/// Unbonded stake returned to the provider's free balance.
		StakeWithdrawn {
			/// The provider.
			who: T::AccountId,
			/// Amount released.
			amount: BalanceOf<T>,
		},
		/// A provider left the registry.
		ProviderDeregistered {
			/// The former provider.
			who: T::AccountId,
		},
		/// The provider missed `MaxMissesInARow` deadlines in a row: no new jobs until `until`.
		ProviderBenched {
			/// The provider.
			who: T::AccountId,
			/// First block it gets jobs again.
			until: BlockNumberFor<T>,
		},
		/// A dispute found a result of the provider bad: no new jobs for it.
		ProviderSuspended {
			/// The provider.
			who: T::AccountId,
		},
		/// Governance cancelled the provider's slash: it gets jobs again.
		ProviderReinstated {
			/// The provider.
			who: T::AccountId,
		},
		/// A provider named (or removed, `None`) the operator key its node signs with.
		OperatorSet {
			/// The provider.
			who: T::AccountId,
			/// Its operator from now on.
			operator: Option<T::AccountId>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// This account is already a provider.
		AlreadyRegistered,
		/// This account is not a provider.
		NotRegistered,
		/// The stake would be below the minimum (bond more, or unbond everything).
		StakeBelowMinimum,
		/// Not enough free balance to bond this stake.
		InsufficientBalance,
		/// A provider must serve at least one model.
		NoModels,
		/// More models than `MaxModelsPerProvider`, or the same model twice.
		BadModelList,
		/// A listed model is not registered, or retired.
		UnknownModel,
		/// A model already has `MaxProvidersPerModel` providers.
		TooManyProvidersForModel,
		/// Capacity must be between 1 and `MaxCapacity`.
		InvalidCapacity,
		/// The region label is empty or longer than 16 bytes.
		BadRegion,
		/// An amount of zero.
		ZeroAmount,
		/// More than the bonded stake.
		InsufficientStake,
		/// The provider has open jobs, which the stake must keep backing at the minimum.
		StakeBackingOpenJobs,
		/// Nothing is unbonding.
		NothingToWithdraw,
		/// The unbonding period has not passed yet.
		UnbondingNotFinished,
		/// Withdraw all stake (and finish open jobs) before deregistering.
		StillBonded,
		/// The provider still has jobs assigned.
		HasOpenJobs,
		/// The provider has no capacity left.
		NoCapacity,
		/// An amount overflowed.
		Overflow,
		/// The account is an operator key (of this or another provider): an operator acts for one
		/// provider and is not one itself.
		IsOperator,
		/// The operator must be another account than the provider, and not a provider.
		BadOperator,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a provider, bonding `stake` (at least the minimum).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(T::MaxModelsPerProvider::get()))]
		pub fn register(
			origin: OriginFor<T>,
			stake: BalanceOf<T>,
			models: Vec<ModelId>,
			price: Price<BalanceOf<T>>,
			region: Vec<u8>,
			hardware: HardwareClass,
			capacity: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(!OperatorOf::<T>::contains_key(&who), Error::<T>::IsOperator);
			ensure!(stake >= T::MinimumStake::get(), Error::<T>::StakeBelowMinimum);
			let models = Self::check_models(models)?;
			let region = Self::check_region(region)?;
			Self::check_capacity(capacity)?;
			Self::ensure_can_hold(&who, stake)?;
			for m in &models {
				ensure!(
					(ModelProviders::<T>::decode_len(m).unwrap_or(0) as u32) <
						T::MaxProvidersPerModel::get(),
					Error::<T>::TooManyProvidersForModel
				);
			}
			// All checks passed: write.
			T::Currency::hold(&HoldReason::ProviderStake.into(), &who, stake)?;
			for m in &models {
				ModelProviders::<T>::try_mutate(m, |v| v.try_push(who.clone()))
					.map_err(|_| Error::<T>::TooManyProvidersForModel)?;
			}
			Providers::<T>::insert(
				&who,
				ProviderInfo {
					stake,
					unbonding: None,
					models,
					price,
					region,
					hardware,
					capacity,
					active_jobs: 0,
					reputation: Reputation::default(),
					suspended: false,
					benched_until: Zero::zero(),
				},
			);
			Self::deposit_event(Event::ProviderRegistered { who, stake });
			Ok(())
		}

		/// Replaces the caller's offer: models, prices, region, hardware and capacity. Jobs
		/// already assigned keep the price they were booked at.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update(T::MaxModelsPerProvider::get()))]
		pub fn update(
			origin: OriginFor<T>,
			models: Vec<ModelId>,
			price: Price<BalanceOf<T>>,
			region: Vec<u8>,
			hardware: HardwareClass,
			capacity: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let models = Self::check_models(models)?;
			let region = Self::check_region(region)?;
			Self::check_capacity(capacity)?;
			for m in models.iter().filter(|m| !info.models.contains(m)) {
				ensure!(
					(ModelProviders::<T>::decode_len(m).unwrap_or(0) as u32) <
						T::MaxProvidersPerModel::get(),
					Error::<T>::TooManyProvidersForModel
				);
			}
			for m in info.models.iter().filter(|m| !models.contains(m)) {
				ModelProviders::<T>::mutate(m, |v| v.retain(|p| p != &who));
			}
			for m in models.iter().filter(|m| !info.models.contains(m)) {
				ModelProviders::<T>::try_mutate(m, |v| v.try_push(who.clone()))
					.map_err(|_| Error::<T>::TooManyProvidersForModel)?;
			}
			info.models = models;
			info.price = price;
			info.region = region;
			info.hardware = hardware;
			info.capacity = capacity;
			Providers::<T>::insert(&who, info);
			Self::deposit_event(Event::ProviderUpdated { who });
			Ok(())
		}

		/// Adds `amount` to the caller's bonded stake.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let stake = info.stake.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			ensure!(stake >= T::MinimumStake::get(), Error::<T>::StakeBelowMinimum);
			Self::ensure_can_hold(&who, amount)?;
			T::Currency::hold(&HoldReason::ProviderStake.into(), &who, amount)?;
			info.stake = stake;
			Providers::<T>::insert(&who, info);
			Self::deposit_event(Event::StakeBonded { who, amount });
			Ok(())
		}

		/// Starts unbonding `amount`. What remains bonded must stay at or above the minimum, or be
		/// zero (leaving: no new jobs); while jobs are open it must stay at the minimum.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let remaining = info.stake.checked_sub(&amount).ok_or(Error::<T>::InsufficientStake)?;
			let minimum = T::MinimumStake::get();
			if info.active_jobs > 0 {
				ensure!(remaining >= minimum, Error::<T>::StakeBackingOpenJobs);
			}
			ensure!(remaining.is_zero() || remaining >= minimum, Error::<T>::StakeBelowMinimum);
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			let unbonding_amount = info
				.unbonding
				.map_or(Some(amount), |u| u.amount.checked_add(&amount))
				.ok_or(Error::<T>::Overflow)?;
			info.stake = remaining;
			info.unbonding = Some(Unbonding { amount: unbonding_amount, unlock_at });
			Providers::<T>::insert(&who, info);
			Self::deposit_event(Event::StakeUnbonding { who, amount: unbonding_amount, unlock_at });
			Ok(())
		}

		/// Returns unbonded stake to the caller once the unbonding period has passed.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let unbonding = info.unbonding.ok_or(Error::<T>::NothingToWithdraw)?;
			ensure!(
				frame_system::Pallet::<T>::block_number() >= unbonding.unlock_at,
				Error::<T>::UnbondingNotFinished
			);
			T::Currency::release(
				&HoldReason::ProviderStake.into(),
				&who,
				unbonding.amount,
				Precision::Exact,
			)?;
			info.unbonding = None;
			Providers::<T>::insert(&who, info);
			Self::deposit_event(Event::StakeWithdrawn { who, amount: unbonding.amount });
			Ok(())
		}

		/// Removes the caller from the registry. All stake must be withdrawn and no job open.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxModelsPerProvider::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(info.active_jobs == 0, Error::<T>::HasOpenJobs);
			ensure!(info.stake.is_zero() && info.unbonding.is_none(), Error::<T>::StillBonded);
			for m in &info.models {
				ModelProviders::<T>::mutate(m, |v| v.retain(|p| p != &who));
			}
			Providers::<T>::remove(&who);
			operators::clear::<_, Operators<T>, OperatorOf<T>>(&who);
			Self::deposit_event(Event::ProviderDeregistered { who });
			Ok(())
		}

		/// Names `operator` as the key the caller's node signs its job transactions with
		/// (accepting and answering jobs), replacing any earlier one, or removes it (`None`):
		/// the stake stays with the caller's cold account, and rotating a leaked hot key is this
		/// one call. The operator cannot bond, unbond, update or leave.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_operator())]
		pub fn set_operator(
			origin: OriginFor<T>,
			operator: Option<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Providers::<T>::contains_key(&who), Error::<T>::NotRegistered);
			operators::set::<_, Operators<T>, OperatorOf<T>>(&who, operator.as_ref(), |a| {
				Providers::<T>::contains_key(a)
			})
			.map_err(|refused| match refused {
				operators::Refused::Principal => Error::<T>::BadOperator,
				operators::Refused::Taken => Error::<T>::IsOperator,
			})?;
			Self::deposit_event(Event::OperatorSet { who, operator });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxModelsPerProvider::get() > 0, "MaxModelsPerProvider must be positive");
			assert!(T::MaxProvidersPerModel::get() > 0, "MaxProvidersPerModel must be positive");
			assert!(T::MaxCapacity::get() > 0, "MaxCapacity must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		fn check_models(
			models: Vec<ModelId>,
		) -> Result<BoundedVec<ModelId, T::MaxModelsPerProvider>, DispatchError> {
			ensure!(!models.is_empty(), Error::<T>::NoModels);
			let mut sorted = models.clone();
			sorted.sort_unstable();
			sorted.dedup();
			ensure!(sorted.len() == models.len(), Error::<T>::BadModelList);
			for m in &models {
				ensure!(T::Models::limits(*m).is_some_and(|l| l.active), Error::<T>::UnknownModel);
			}
			models.try_into().map_err(|_| Error::<T>::BadModelList.into())
		}

		fn check_region(region: Vec<u8>) -> Result<Region, DispatchError> {
			ensure!(!region.is_empty(), Error::<T>::BadRegion);
			region.try_into().map_err(|_| Error::<T>::BadRegion.into())
		}

		fn check_capacity(capacity: u32) -> DispatchResult {
			ensure!(
				capacity >= 1 && capacity <= T::MaxCapacity::get(),
				Error::<T>::InvalidCapacity
			);
			Ok(())
		}

		fn ensure_can_hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			use frame_support::traits::tokens::{Fortitude, Preservation};
			let free =
				T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite);
			ensure!(free >= amount, Error::<T>::InsufficientBalance);
			Ok(())
		}

		/// The providers serving `model`, as dapps see them.
		pub fn providers_for_model(
			model: ModelId,
		) -> Vec<ProviderView<T::AccountId, BalanceOf<T>>> {
			ModelProviders::<T>::get(model)
				.into_iter()
				.filter_map(|who| {
					let info = Providers::<T>::get(&who)?;
					Some(ProviderView {
						who,
						stake: info.stake,
						price: info.price,
						region: info.region.into_inner(),
						hardware: info.hardware,
						capacity: info.capacity,
						active_jobs: info.active_jobs,
						reputation: info.reputation,
					})
				})
				.collect()
		}

		/// Invariants: each provider's hold equals its bonded plus unbonding stake; the per-model
		/// index lists exactly the providers that declare the model; counters match.
		#[cfg(any(feature = "try-runtime", feature = "std", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
			let mut count = 0u32;
			for (who, info) in Providers::<T>::iter() {
				let unbonding = info.unbonding.map(|u| u.amount).unwrap_or_default();
				ensure!(
					T::Currency::balance_on_hold(&reason, &who) ==
						info.stake.saturating_add(unbonding),
					"provider hold differs from its stake"
				);
				ensure!(
					info.active_jobs <= T::MaxCapacity::get(),
					"more active jobs than possible"
				);
				for m in &info.models {
					ensure!(
						ModelProviders::<T>::get(m).contains(&who),
						"provider missing from index"
					);
				}
				count = count.saturating_add(1);
			}
			ensure!(count == Providers::<T>::count(), "provider counter out of sync");
			for (m, list) in ModelProviders::<T>::iter() {
				for who in list {
					ensure!(
						Providers::<T>::get(&who).is_some_and(|i| i.models.contains(&m)),
						"index lists a provider that does not serve the model"
					);
				}
			}
			operators::check::<_, OperatorOf<T>>(
				|a| Providers::<T>::contains_key(a),
				Operators::<T>::iter(),
				OperatorOf::<T>::iter().count(),
			)?;
			Ok(())
		}
	}

	impl<T: Config> ProviderRegistry<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
		fn candidates(
			model: ModelId,
			max_price: &Price<BalanceOf<T>>,
			region: Option<&Region>,
			exclude: &[T::AccountId],
		) -> Vec<Candidate<T::AccountId, BalanceOf<T>>> {
			let mut all = Vec::new();
			Self::scan_candidates(model, max_price, region, &mut |c| {
				if !exclude.contains(&c.who) {
					all.push(c.clone());
				}
				false
			});
			all
		}

		fn scan_candidates(
			model: ModelId,
			max_price: &Price<BalanceOf<T>>,
			region: Option<&Region>,
			visit: &mut dyn FnMut(&Candidate<T::AccountId, BalanceOf<T>>) -> bool,
		) -> u32 {
			let minimum = T::MinimumStake::get();
			let now = frame_system::Pallet::<T>::block_number();
			let mut read = 0u32;
			for who in ModelProviders::<T>::get(model) {
				read = read.saturating_add(1);
				let Some(info) = Providers::<T>::get(&who) else { continue };
				let takes = !info.suspended &&
					info.benched_until <= now &&
					info.stake >= minimum &&
					info.active_jobs < info.capacity &&
					info.price.within(max_price) &&
					region.is_none_or(|r| &info.region == r);
				if takes && visit(&Candidate { who, price: info.price, stake: info.stake }) {
					break;
				}
			}
			read
		}

		fn max_per_model() -> u32 {
			T::MaxProvidersPerModel::get()
		}

		fn job_assigned(who: &T::AccountId) -> DispatchResult {
			Providers::<T>::try_mutate(who, |info| {
				let info = info.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(info.active_jobs < info.capacity, Error::<T>::NoCapacity);
				info.active_jobs = info.active_jobs.saturating_add(1);
				Ok(())
			})
		}

		fn job_finished(who: &T::AccountId, outcome: JobOutcome<BlockNumberFor<T>>) -> bool {
			Providers::<T>::mutate(who, |info| {
				let Some(info) = info.as_mut() else { return false };
				info.active_jobs = info.active_jobs.saturating_sub(1);
				let r = &mut info.reputation;
				match outcome {
					JobOutcome::Completed { latency } => {
						r.jobs_completed = r.jobs_completed.saturating_add(1);
						r.missed_in_a_row = 0;
						let latency: u64 = latency.saturated_into();
						r.total_latency_blocks = r.total_latency_blocks.saturating_add(latency);
					},
					JobOutcome::Missed => {
						r.deadlines_missed = r.deadlines_missed.saturating_add(1);
						r.missed_in_a_row = r.missed_in_a_row.saturating_add(1);
						if r.missed_in_a_row >= T::MaxMissesInARow::get() {
							r.missed_in_a_row = 0;
							let until = frame_system::Pallet::<T>::block_number()
								.saturating_add(T::BenchPeriod::get());
							info.benched_until = until;
							Self::deposit_event(Event::ProviderBenched { who: who.clone(), until });
							return true;
						}
					},
					JobOutcome::Cancelled => {},
				}
				false
			})
		}

		fn check_failed(who: &T::AccountId) {
			Providers::<T>::mutate(who, |info| {
				if let Some(info) = info.as_mut() {
					let r = &mut info.reputation;
					r.checks_failed = r.checks_failed.saturating_add(1);
					info.suspended = true;
					Self::deposit_event(Event::ProviderSuspended { who: who.clone() });
				}
			});
		}

		fn check_passed(who: &T::AccountId) {
			Providers::<T>::mutate(who, |info| {
				if let Some(info) = info.as_mut() {
					let r = &mut info.reputation;
					r.checks_passed = r.checks_passed.saturating_add(1);
				}
			});
		}

		fn reinstate(who: &T::AccountId) {
			Providers::<T>::mutate(who, |info| {
				if let Some(info) = info.as_mut().filter(|i| i.suspended) {
					info.suspended = false;
					Self::deposit_event(Event::ProviderReinstated { who: who.clone() });
				}
			});
		}

		fn acting_for(who: &T::AccountId) -> T::AccountId {
			OperatorOf::<T>::get(who).unwrap_or_else(|| who.clone())
		}

		fn reputation(who: &T::AccountId) -> Option<Reputation> {
			Providers::<T>::get(who).map(|info| info.reputation)
		}

		fn slash(who: &T::AccountId, fraction: Perbill, to: &T::AccountId) -> BalanceOf<T> {
			let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
			Providers::<T>::mutate(who, |info| {
				let Some(info) = info.as_mut() else { return Zero::zero() };
				let unbonding = info.unbonding.map(|u| u.amount).unwrap_or_default();
				let due = fraction * info.stake.saturating_add(unbonding);
				let moved = T::Currency::transfer_on_hold(
					&reason,
					who,
					to,
					due,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Force,
				)
				.unwrap_or_default();
				// Bonded stake goes first, then what is unbonding.
				let from_stake = moved.min(info.stake);
				info.stake = info.stake.saturating_sub(from_stake);
				if let Some(u) = info.unbonding.as_mut() {
					u.amount = u.amount.saturating_sub(moved.saturating_sub(from_stake));
				}
				Self::deposit_event(Event::Slashed { who: who.clone(), amount: moved });
				moved
			})
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_providers(model: ModelId, count: u32) -> Vec<T::AccountId> {
			use sp_runtime::traits::Bounded;
			let count = count.min(T::MaxProvidersPerModel::get());
			let stake = T::MinimumStake::get().saturating_mul(4u32.into());
			(0..count)
				.filter_map(|i| {
					let who: T::AccountId = frame_benchmarking::account("bench-provider", i, model);
					let _ = T::Currency::set_balance(
						&who,
						BalanceOf::<T>::max_value() / 1024u32.into(),
					);
					Pallet::<T>::register(
						frame_system::RawOrigin::Signed(who.clone()).into(),
						stake,
						alloc::vec![model],
						Price { input: 1u32.into(), output: 1u32.into() },
						b"eu".to_vec(),
						HardwareClass::Cpu,
						T::MaxCapacity::get(),
					)
					.ok()
					.map(|_| who)
				})
				.collect()
		}
	}
}
