//! Weights for `pallet_models`.
//!
//! Placeholder values until `attesta-node benchmark pallet --pallet pallet_models` regenerates
//! this file from `benchmarking.rs` on the reference machine (see README.md, "Weights").

#![allow(unused_parens, unused_imports, missing_docs, clippy::arithmetic_side_effects)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_models`.
pub trait WeightInfo {
	fn register_model() -> Weight;
	fn set_limits() -> Weight;
	fn set_verification_rule() -> Weight;
	fn set_active() -> Weight;
}

/// Weights for `pallet_models` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_model() -> Weight {
		Weight::from_parts(40_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn set_limits() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_verification_rule() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_active() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For tests.
impl WeightInfo for () {
	fn register_model() -> Weight {
		Weight::from_parts(40_000_000, 3_000)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn set_limits() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
	}
	fn set_verification_rule() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
	}
	fn set_active() -> Weight {
		Weight::from_parts(15_000_000, 3_000)
	}
}
