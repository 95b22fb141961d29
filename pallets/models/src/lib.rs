//! # Models pallet
//!
//! The registry of models the Attesta market serves. Each entry pins the SHA-256 of the weights
//! file, the tokenizer, context and output limits, and the rule checkers apply when they
//! re-execute a job. Only `AdminOrigin` (the council or root) adds or changes models; other
//! pallets read them through [`ModelRegistry`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use attesta_primitives::ModelId;
pub use types::*;
pub use weights::WeightInfo;

/// Read access to the registry for the pallets that price, assign and check jobs.
pub trait ModelRegistry {
	/// The limits of `model`, if it is registered.
	fn limits(model: ModelId) -> Option<ModelLimits>;

	/// Makes sure `count` active models exist and returns their ids (benchmark set-up).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_models(count: u32) -> alloc::vec::Vec<ModelId>;
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
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
		/// Who may register and change models: the council or root.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Most models the registry holds, retired ones included.
		#[pallet::constant]
		type MaxModels: Get<u32>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The registered models. `Twox64Concat`: ids are assigned by the pallet, not chosen by users.
	#[pallet::storage]
	pub type Models<T: Config> = CountedStorageMap<_, Twox64Concat, ModelId, ModelInfo>;

	/// The id the next registered model gets.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models registered at genesis: name, weights SHA-256, context limit, output limit,
		/// verification rule, model class.
		pub models: Vec<(Vec<u8>, [u8; 32], u32, u32, VerificationRule, ModelClass)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		/// Panics on an invalid entry, on purpose: this runs only when a chain spec's genesis is
		/// built (never on a transaction), and a chain must not start from a registry that
		/// silently dropped a model. `pallet-balances` treats a bad genesis the same way.
		fn build(&self) {
			for (name, hash, context, output, rule, class) in &self.models {
				let name = name.clone().try_into();
				let name = match name {
					Ok(n) => n,
					Err(_) => panic!(
						"genesis model name longer than {} bytes",
						<MaxModelNameLen as Get<u32>>::get()
					),
				};
				if let Err(e) = Pallet::<T>::do_register(
					name,
					Architecture::Llama,
					*hash,
					Tokenizer::GgufEmbedded,
					*context,
					*output,
					*class,
					*rule,
				) {
					panic!("invalid genesis model: {e:?}");
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was added to the registry.
		ModelRegistered {
			/// Its new id.
			model_id: ModelId,
			/// SHA-256 of its weights file.
			weights_hash: [u8; 32],
		},
		/// A model's context or output limit changed.
		ModelLimitsUpdated {
			/// The model.
			model_id: ModelId,
			/// Context limit before and after.
			old_max_context_tokens: u32,
			/// New context limit.
			new_max_context_tokens: u32,
			/// Output limit before.
			old_max_output_tokens: u32,
			/// Output limit after.
			new_max_output_tokens: u32,
		},
		/// A model's verification rule changed.
		VerificationRuleUpdated {
			/// The model.
			model_id: ModelId,
			/// The rule before.
			old: VerificationRule,
			/// The rule after.
			new: VerificationRule,
		},
		/// A model was opened to, or closed for, new jobs.
		ModelActiveSet {
			/// The model.
			model_id: ModelId,
			/// Whether new jobs may use it.
			active: bool,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// The name is empty or longer than 64 bytes.
		BadModelName,
		/// Limits must be positive and the output limit must not exceed the context.
		InvalidLimits,
		/// The verification rule is out of range (top-k 1..=1000, logit tolerance ≤ 100, sampling
		/// tolerance ≤ 10 %, mismatches ≤ 1000 ‰).
		InvalidVerificationRule,
		/// A model with this weights hash is already registered.
		DuplicateModel,
		/// The registry holds `MaxModels` models already.
		TooManyModels,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds a model to the registry.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			name: Vec<u8>,
			architecture: Architecture,
			weights_hash: [u8; 32],
			tokenizer: Tokenizer,
			max_context_tokens: u32,
			max_output_tokens: u32,
			class: ModelClass,
			verification: VerificationRule,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let name: ModelName = name.try_into().map_err(|_| Error::<T>::BadModelName)?;
			Self::do_register(
				name,
				architecture,
				weights_hash,
				tokenizer,
				max_context_tokens,
				max_output_tokens,
				class,
				verification,
			)
			.map(|_| ())
		}

		/// Changes a model's context and output limits.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_limits())]
		pub fn set_limits(
			origin: OriginFor<T>,
			model_id: ModelId,
			max_context_tokens: u32,
			max_output_tokens: u32,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(limits_valid(max_context_tokens, max_output_tokens), Error::<T>::InvalidLimits);
			Models::<T>::try_mutate(model_id, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				Self::deposit_event(Event::ModelLimitsUpdated {
					model_id,
					old_max_context_tokens: m.max_context_tokens,
					new_max_context_tokens: max_context_tokens,
					old_max_output_tokens: m.max_output_tokens,
					new_max_output_tokens: max_output_tokens,
				});
				m.max_context_tokens = max_context_tokens;
				m.max_output_tokens = max_output_tokens;
				Ok(())
			})
		}

		/// Changes how a model's results are checked.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_verification_rule())]
		pub fn set_verification_rule(
			origin: OriginFor<T>,
			model_id: ModelId,
			rule: VerificationRule,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(rule.is_valid(), Error::<T>::InvalidVerificationRule);
			Models::<T>::try_mutate(model_id, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				Self::deposit_event(Event::VerificationRuleUpdated {
					model_id,
					old: m.verification,
					new: rule,
				});
				m.verification = rule;
				Ok(())
			})
		}

		/// Opens a model to new jobs, or retires it (jobs already running are unaffected).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_active())]
		pub fn set_active(origin: OriginFor<T>, model_id: ModelId, active: bool) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Models::<T>::try_mutate(model_id, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				m.active = active;
				Self::deposit_event(Event::ModelActiveSet { model_id, active });
				Ok(())
			})
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxModels::get() > 0, "MaxModels must allow at least one model");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// Validates and stores a new model; returns its id.
		pub(crate) fn do_register(
			name: ModelName,
			architecture: Architecture,
			weights_hash: [u8; 32],
			tokenizer: Tokenizer,
			max_context_tokens: u32,
			max_output_tokens: u32,
			class: ModelClass,
			verification: VerificationRule,
		) -> Result<ModelId, DispatchError> {
			ensure!(!name.is_empty(), Error::<T>::BadModelName);
			ensure!(limits_valid(max_context_tokens, max_output_tokens), Error::<T>::InvalidLimits);
			ensure!(verification.is_valid(), Error::<T>::InvalidVerificationRule);
			ensure!(Models::<T>::count() < T::MaxModels::get(), Error::<T>::TooManyModels);
			ensure!(
				!Models::<T>::iter_values().any(|m| m.weights_hash == weights_hash),
				Error::<T>::DuplicateModel
			);
			let model_id = NextModelId::<T>::get();
			let next = model_id.checked_add(1).ok_or(Error::<T>::TooManyModels)?;
			Models::<T>::insert(
				model_id,
				ModelInfo {
					name,
					architecture,
					weights_hash,
					tokenizer,
					max_context_tokens,
					max_output_tokens,
					class,
					verification,
					active: true,
				},
			);
			NextModelId::<T>::put(next);
			Self::deposit_event(Event::ModelRegistered { model_id, weights_hash });
			Ok(model_id)
		}

		/// Storage invariants: bounded count, every id below the next id, valid entries.
		#[cfg(any(feature = "try-runtime", feature = "std", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let next = NextModelId::<T>::get();
			let mut n = 0u32;
			for (id, m) in Models::<T>::iter() {
				ensure!(id < next, "model id at or beyond NextModelId");
				ensure!(m.verification.is_valid(), "stored verification rule is invalid");
				ensure!(
					limits_valid(m.max_context_tokens, m.max_output_tokens),
					"stored limits are invalid"
				);
				n = n.saturating_add(1);
			}
			ensure!(n == Models::<T>::count(), "model counter out of sync");
			ensure!(n <= T::MaxModels::get(), "more models than MaxModels");
			Ok(())
		}
	}

	impl<T: Config> ModelRegistry for Pallet<T> {
		fn limits(model: ModelId) -> Option<ModelLimits> {
			Models::<T>::get(model).map(|m| ModelLimits {
				weights_hash: m.weights_hash,
				max_context_tokens: m.max_context_tokens,
				max_output_tokens: m.max_output_tokens,
				class: m.class,
				verification: m.verification,
				active: m.active,
			})
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn benchmark_models(count: u32) -> alloc::vec::Vec<ModelId> {
			let rule = VerificationRule {
				top_k: 5,
				logit_tolerance_milli: 1_500,
				sample_tolerance_ppm: 5_000,
				max_mismatch_permille: 10,
			};
			(0..count)
				.filter_map(|_| {
					// Distinct from every registered model, and large enough for any job the
					// chain allows (the longest prompt and output).
					let mut hash = [0xbe; 32];
					hash[..4].copy_from_slice(&NextModelId::<T>::get().to_le_bytes());
					let name = alloc::vec![b'b'; 8].try_into().ok()?;
					Self::do_register(
						name,
						Architecture::Llama,
						hash,
						Tokenizer::GgufEmbedded,
						1 << 24,
						1 << 20,
						ModelClass::default(),
						rule,
					)
					.ok()
				})
				.collect()
		}
	}
}

/// Positive limits, output within context.
fn limits_valid(max_context_tokens: u32, max_output_tokens: u32) -> bool {
	max_output_tokens > 0 && max_context_tokens > max_output_tokens
}
