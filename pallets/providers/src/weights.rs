//! Weights for `pallet_providers`.
//!
//! Placeholder values until `attesta-node benchmark pallet --pallet pallet_providers`
//! regenerates this file from `benchmarking.rs` on the reference machine.

#![allow(unused_parens, unused_imports, missing_docs, clippy::arithmetic_side_effects)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_providers`.
pub trait WeightInfo {
	fn register(m: u32) -> Weight;
	fn update(m: u32) -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn deregister(m: u32) -> Weight;
	fn set_minimum_stake() -> Weight;
}

/// Weights for `pallet_providers` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(m: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64 + 2 * m as u64))
			.saturating_add(T::DbWeight::get().writes(3_u64 + m as u64))
	}
	fn update(m: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(10_000_000, 2_600).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64 + 2 * m as u64))
			.saturating_add(T::DbWeight::get().writes(1_u64 + 2 * m as u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn deregister(m: u32) -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64 + m as u64))
			.saturating_add(T::DbWeight::get().writes(2_u64 + m as u64))
	}
	fn set_minimum_stake() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For tests.
impl WeightInfo for () {
	fn register(m: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(m.into()))
	}
	fn update(m: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(10_000_000, 2_600).saturating_mul(m.into()))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
	}
	fn unbond() -> Weight {
		Weight::from_parts(25_000_000, 4_000)
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(45_000_000, 4_000)
	}
	fn deregister(m: u32) -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(m.into()))
	}
	fn set_minimum_stake() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
}
