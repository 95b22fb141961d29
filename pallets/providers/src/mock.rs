//! A runtime with balances, the model registry and providers, for this pallet's tests.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_providers;
use frame_support::{
	derive_impl, ord_parameter_types, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
};
use frame_system::EnsureSignedBy;
use pallet_models::VerificationRule;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
/// Balances in the mock are plain `u128`.
pub type Balance = u128;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(3)]
	pub type Providers = pallet_providers;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ExistentialDeposit = ConstU128<1>;
}

/// Account 1 plays the council.
pub const ADMIN: u64 = 1;
/// A provider account with a large balance.
pub const ALICE: u64 = 10;
/// A second provider account.
pub const BOB: u64 = 11;
/// An account with almost nothing.
pub const POOR: u64 = 12;
/// The registered model.
pub const MODEL: u32 = 0;
/// Default minimum stake.
pub const MIN_STAKE: Balance = 1_000;
/// Blocks to unbond.
pub const UNBONDING: u64 = 10;

ord_parameter_types! {
	pub const Admin: u64 = ADMIN;
}

parameter_types! {
	/// The governed minimum stake; tests raise it.
	pub storage MinimumStake: Balance = MIN_STAKE;
}

impl pallet_models::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = EnsureSignedBy<Admin, u64>;
	type MaxModels = ConstU32<8>;
	type WeightInfo = ();
}

impl pallet_providers::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type MinimumStake = MinimumStake;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxModelsPerProvider = ConstU32<4>;
	type MaxProvidersPerModel = ConstU32<3>;
	type MaxCapacity = ConstU32<16>;
	type MaxMissesInARow = ConstU32<3>;
	type BenchPeriod = ConstU64<20>;
	type WeightInfo = ();
}

/// Two models (0 active, 1 retired), rich accounts 10, 11, 20..=29 and a poor account 12.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances = vec![(ALICE, 1_000_000), (BOB, 1_000_000), (POOR, 500)];
	balances.extend((20..30).map(|a| (a, 1_000_000)));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let rule = VerificationRule {
		top_k: 5,
		logit_tolerance_milli: 1_500,
		sample_tolerance_ppm: 5_000,
		max_mismatch_permille: 10,
	};
	pallet_models::GenesisConfig::<Test> {
		models: vec![
			(b"model-a".to_vec(), [1; 32], 2048, 256, rule, Default::default()),
			(b"model-b".to_vec(), [2; 32], 2048, 256, rule, Default::default()),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_models::Models::<Test>::mutate(1, |m| {
			if let Some(m) = m {
				m.active = false
			}
		});
	});
	ext
}

/// Runs `test` and then checks the pallet's storage invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Providers::do_try_state().expect("try_state holds after the test");
	});
}
