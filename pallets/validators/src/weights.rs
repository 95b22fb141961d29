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
	/// `report_equivocation_unsigned` with a key ownership proof against a set of
	/// `validator_count` and a proof of `proof_len` encoded bytes.
	fn report_equivocation(validator_count: u32, proof_len: u32) -> Weight;
}

/// `report_equivocation_unsigned`, derived as `pallet-grandpa` derives its report's weight
/// (not benchmarked: a benchmark needs sealed headers and a historical trie): the membership
/// proof (35 µs, and 175 ns per validator for the trie's depth), two sr25519 verifications
/// (2 × 50 µs), each header hashed twice (10 ns a byte, over-counting the hashing of the proof's
/// bytes), the offence report (110 µs); `Historical` roots and session (r:2),
/// `Offences::{ConcurrentReportsIndex, Reports}` (r:2 w:2), the validator set (r:1 w:3).
/// Without the storage accesses, which callers add at their database's costs.
fn report_equivocation_compute(validator_count: u32, proof_len: u32) -> Weight {
	Weight::from_parts(245_000_000, 4_096)
		.saturating_add(Weight::from_parts(175_000, 0).saturating_mul(validator_count.into()))
		.saturating_add(Weight::from_parts(10_000, 0).saturating_mul(proof_len.into()))
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
	fn report_equivocation(validator_count: u32, proof_len: u32) -> Weight {
		report_equivocation_compute(validator_count, proof_len)
			.saturating_add(T::DbWeight::get().reads_writes(5, 5))
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
	fn report_equivocation(validator_count: u32, proof_len: u32) -> Weight {
		report_equivocation_compute(validator_count, proof_len)
	}
}
