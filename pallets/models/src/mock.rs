//! A minimal runtime for the registry's tests.

use crate as pallet_models;
use frame_support::{derive_impl, ord_parameter_types, traits::ConstU32};
use frame_system::EnsureSignedBy;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Models = pallet_models;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// Account 1 plays the council.
pub const ADMIN: u64 = 1;
ord_parameter_types! {
	pub const Admin: u64 = ADMIN;
}

impl pallet_models::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = EnsureSignedBy<Admin, u64>;
	type MaxModels = ConstU32<4>;
	type WeightInfo = ();
}

/// Empty registry at block 1, with `try_state` checked after the test body.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let t = frame_system::GenesisConfig::<Test>::default()
		.build_storage()
		.unwrap_or_default();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` on a fresh registry and checks storage invariants afterwards.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Models::do_try_state().expect("try_state holds after the test");
	});
}
