//! Weights of `pallet_validators`.
//!
//! Not yet measured with `scripts/benchmark-weights.sh` (the pallet is newer than the last
//! run): each call's storage accesses at ParityDb's costs, plus a base as large as the smallest
//! measured call of the audits pallet (`set_settings`), which does a similar share of work.

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// The cost of each call of `pallet_validators`.
pub trait WeightInfo {
	/// `add_validator`.
	fn add_validator() -> Weight;
	/// `remove_validator`.
	fn remove_validator() -> Weight;
}

/// The estimated weights, with the runtime's database costs.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Session::NextKeys` (r:1), `Validators::Validators` (r:1 w:1),
	/// `Validators::Changed` (w:1).
	fn add_validator() -> Weight {
		Weight::from_parts(300_664_000, 3_500).saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	/// Storage: `Validators::Validators` (r:1 w:1), `Validators::Changed` (w:1).
	fn remove_validator() -> Weight {
		Weight::from_parts(300_664_000, 3_500).saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}
}

/// The same, for mocks and tests.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(300_664_000, 3_500)
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(300_664_000, 3_500)
	}
}
