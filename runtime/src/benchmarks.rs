//! The pallets `attesta-node benchmark pallet` measures, with the runtime's own configuration.

pub use crate::{
	Audits, Balances, Council, Jobs, Models, Preimage, Providers, Runtime, Sudo, Timestamp,
	Whitelist,
};
pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::Pallet as SystemBench;

impl frame_benchmarking::baseline::Config for Runtime {}
impl frame_system_benchmarking::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_collective, Council]
	[pallet_preimage, Preimage]
	[pallet_whitelist, Whitelist]
	[pallet_models, Models]
	[pallet_providers, Providers]
	[pallet_jobs, Jobs]
	[pallet_audits, Audits]
);
