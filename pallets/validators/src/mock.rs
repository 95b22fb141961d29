//! A runtime with the validators pallet alone: accounts 1 to 9 have session keys, account 1
//! is the admin, and 10, 11 and 12 validate at genesis.

use crate as pallet_validators;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, Contains},
};
use frame_system::EnsureSignedBy;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Validators: pallet_validators,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const Admin: u64 = 1;
}

/// Accounts below 20 have set session keys.
pub struct KeysSet;
impl Contains<u64> for KeysSet {
	fn contains(who: &u64) -> bool {
		*who < 20
	}
}

impl pallet_validators::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = EnsureSignedBy<Admins, u64>;
	type HasSessionKeys = KeysSet;
	type MinValidators = ConstU32<2>;
	type MaxValidators = ConstU32<4>;
	type SessionPeriod = frame_support::traits::ConstU64<10>;
	type KeyOwnerProof = sp_session::MembershipProof;
	// The proofs themselves are tested here; reporting them, in the runtime's tests.
	type EquivocationReportSystem = ();
	type WeightInfo = ();
}

/// The admin account, as `EnsureSignedBy` wants it.
pub struct Admins;
impl frame_support::traits::SortedMembers<u64> for Admins {
	fn sorted_members() -> Vec<u64> {
		vec![Admin::get()]
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_validators::GenesisConfig::<Test> { validators: vec![10, 11, 12] }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
