//! Weights for `pallet_jobs`.
//!
//! Placeholder values until `attesta-node benchmark pallet --pallet pallet_jobs` regenerates
//! this file from `benchmarking.rs` on the reference machine.

#![allow(unused_parens, unused_imports, missing_docs, clippy::arithmetic_side_effects)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_jobs`.
pub trait WeightInfo {
	fn submit_job(p: u32) -> Weight;
	fn accept_job() -> Weight;
	fn submit_result(o: u32) -> Weight;
	fn cancel_job() -> Weight;
	fn set_challenge_window() -> Weight;
	fn set_verification_fee_share() -> Weight;
	fn on_initialize(n: u32) -> Weight;
}

/// Weights for `pallet_jobs` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_job(p: u32) -> Weight {
		Weight::from_parts(150_000_000, 60_000)
			.saturating_add(Weight::from_parts(2_000, 1).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(24_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn accept_job() -> Weight {
		Weight::from_parts(25_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn submit_result(o: u32) -> Weight {
		Weight::from_parts(80_000_000, 20_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	fn set_challenge_window() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_verification_fee_share() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(200_000_000, 60_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64 + 24 * n as u64))
			.saturating_add(T::DbWeight::get().writes(1_u64 + 8 * n as u64))
	}
}

// For tests.
impl WeightInfo for () {
	fn submit_job(p: u32) -> Weight {
		Weight::from_parts(150_000_000, 60_000)
			.saturating_add(Weight::from_parts(2_000, 1).saturating_mul(p.into()))
	}
	fn accept_job() -> Weight {
		Weight::from_parts(25_000_000, 10_000)
	}
	fn submit_result(o: u32) -> Weight {
		Weight::from_parts(80_000_000, 20_000)
			.saturating_add(Weight::from_parts(20_000, 8).saturating_mul(o.into()))
	}
	fn cancel_job() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
	}
	fn set_challenge_window() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn set_verification_fee_share() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(200_000_000, 60_000).saturating_mul(n.into()))
	}
}
