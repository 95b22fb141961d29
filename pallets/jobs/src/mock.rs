//! A runtime with balances, models, providers and jobs, plus a switchable dispute flag, for this
//! pallet's tests.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_jobs;
pub use crate::testing::MockPublic;
use codec::Encode;
use frame_support::{
	derive_impl, ord_parameter_types, parameter_types,
	traits::{fungible::InspectHold, ConstU128, ConstU32, ConstU64, Hooks},
	PalletId,
};
use frame_system::EnsureSignedBy;
use pallet_models::VerificationRule;
use pallet_providers::{HardwareClass, Price};
use sp_core::sr25519;
use sp_runtime::{BuildStorage, Perbill};
use std::{cell::RefCell, collections::BTreeSet};

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
	#[runtime::pallet_index(4)]
	pub type Jobs = pallet_jobs;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// The runtime's database costs, so that weights which count reads can be tested.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ExistentialDeposit = ConstU128<ED>;
}

/// Account 1 plays the council.
pub const ADMIN: u64 = 1;
/// A dapp.
pub const DAPP: u64 = 2;
/// Another dapp.
pub const DAPP2: u64 = 3;
/// Providers.
pub const P1: u64 = 10;
/// Providers.
pub const P2: u64 = 11;
/// Providers.
pub const P3: u64 = 12;
/// The model.
pub const MODEL: u32 = 0;
/// Its weights hash.
pub const MODEL_HASH: [u8; 32] = [7; 32];
/// Existential deposit.
pub const ED: Balance = 10;
/// Provider stake.
pub const STAKE: Balance = 10_000;
/// Blocks of the challenge window.
pub const WINDOW: u64 = 5;
/// Blocks finished jobs are kept.
pub const RETENTION: u64 = 20;
/// Template tokens billed beyond the prompt bytes.
pub const OVERHEAD: u32 = 8;

ord_parameter_types! {
	pub const MissSlash: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(1);
	pub const Admin: u64 = ADMIN;
}
/// Largest budget the mock's settings allow.
pub const MAX_BUDGET: Balance = 100_000;

parameter_types! {
	pub const JobsPalletId: PalletId = PalletId(*b"att/jobs");
	/// The governed settings the mock audit hands out; tests change them.
	pub storage Window: u64 = WINDOW;
	pub storage FeeShare: Perbill = Perbill::from_percent(10);
	pub storage MaxBudget: Balance = MAX_BUDGET;
	/// The governed minimum stake.
	pub storage MinimumStake: Balance = 1_000;
	/// Storage deposits: none unless a test sets them.
	pub storage DepositBase: Balance = 0;
	pub storage DepositPerByte: Balance = 0;
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
	type UnbondingPeriod = ConstU64<10>;
	type MaxModelsPerProvider = ConstU32<4>;
	type MaxProvidersPerModel = ConstU32<8>;
	type MaxCapacity = ConstU32<16>;
	type MaxMissesInARow = ConstU32<3>;
	type BenchPeriod = ConstU64<20>;
	type WeightInfo = ();
}

thread_local! {
	/// Jobs the mock audit reports as disputed.
	pub static DISPUTED: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
}

/// The audit stand-in: disputes are whatever the test puts in [`DISPUTED`].
pub struct MockAudit;
impl crate::JobAudit<u64, Balance, u64> for MockAudit {
	fn max_budget() -> Balance {
		MaxBudget::get()
	}
	// The bound itself is the audits pallet's; its tests cover it.
	fn may_expose(_: Balance, _: Balance) -> bool {
		true
	}
	fn terms() -> crate::JobTerms<u64> {
		crate::JobTerms {
			challenge_window: Window::get(),
			verification_fee_share: FeeShare::get(),
			..Default::default()
		}
	}
	fn is_disputed(job: u64) -> bool {
		DISPUTED.with(|d| d.borrow().contains(&job))
	}
	fn result_posted(_: u64, _: &u64, _: [u8; 32], _: u64, _: &crate::JobTerms<u64>) {}
	fn job_closed(_: u64, _: bool) {}
}

impl pallet_jobs::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Providers = Providers;
	type Audit = MockAudit;
	type PalletId = JobsPalletId;
	type MaxPromptLen = ConstU32<256>;
	type MaxOutputTokens = ConstU32<64>;
	type MaxOutputLen = ConstU32<512>;
	type PromptOverheadTokens = ConstU32<OVERHEAD>;
	type MaxJobsPerBlock = ConstU32<4>;
	type MaxOpenJobs = ConstU32<16>;
	type MaxOpenJobsPerAccount = ConstU32<12>;
	type MissSlash = MissSlash;
	type MaxAttempts = ConstU32<3>;
	type MaxResponseWindow = ConstU64<50>;
	type RetentionPeriod = ConstU64<RETENTION>;
	type DepositBase = DepositBase;
	type DepositPerByte = DepositPerByte;
	type ProviderSigner = crate::ProviderSigner;
	type WeightInfo = ();
}

/// A signed mock transaction: sender account, sr25519 signature over the encoded call.
pub type MockXt = sp_runtime::generic::UncheckedExtrinsic<u64, RuntimeCall, sr25519::Signature, ()>;

impl frame_system::offchain::SigningTypes for Test {
	type Public = MockPublic;
	type Signature = sr25519::Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = MockXt;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<MockPublic, sr25519::Signature>,
	>(
		call: RuntimeCall,
		public: MockPublic,
		account: u64,
		_nonce: <Test as frame_system::Config>::Nonce,
	) -> Option<MockXt> {
		let signature = A::sign(&call.encode(), public)?;
		Some(MockXt::new_signed(call, account, signature, ()))
	}
}

/// Prices of provider `P1`; `P2` asks 2×, `P3` 3×.
pub fn price_of(p: u64) -> Price<Balance> {
	let k = (p - P1 + 1) as Balance;
	Price { input: k, output: 2 * k }
}

/// One model; three providers (P1 in `eu`, P2 and P3 in `us`), capacity 2 each; funded dapps;
/// the pool account pre-funded with its existential deposit. Block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let pool = crate::Pallet::<Test>::pool_account();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(DAPP, 1_000_000),
			(DAPP2, 1_000_000),
			(P1, 100_000),
			(P2, 100_000),
			(P3, 100_000),
			(pool, ED),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let rule = VerificationRule {
		top_k: 5,
		logit_tolerance_milli: 1_500,
		sample_tolerance_ppm: 5_000,
		max_mismatch_permille: 10,
	};
	pallet_models::GenesisConfig::<Test> {
		models: vec![(b"model".to_vec(), MODEL_HASH, 512, 64, rule, Default::default())],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		for (p, region) in [(P1, &b"eu"[..]), (P2, b"us"), (P3, b"us")] {
			Providers::register(
				RuntimeOrigin::signed(p),
				STAKE,
				vec![MODEL],
				price_of(p),
				region.to_vec(),
				HardwareClass::Cpu,
				2,
			)
			.unwrap();
		}
		DISPUTED.with(|d| d.borrow_mut().clear());
	});
	ext
}

/// Runs `test`, then checks every pallet's invariants and that no money appeared or vanished.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		crate::Pallet::<Test>::do_try_state().expect("jobs try_state");
		Providers::do_try_state().expect("providers try_state");
		Models::do_try_state().expect("models try_state");
		assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance, "issuance changed");
		// No escrow left behind on accounts without open jobs.
		let reason: RuntimeHoldReason = crate::HoldReason::JobEscrow.into();
		for who in [DAPP, DAPP2] {
			let open: Balance = crate::Jobs::<Test>::iter_values()
				.filter(|j| j.owner == who && j.status.is_open())
				.map(|j| j.budget)
				.sum();
			assert_eq!(Balances::balance_on_hold(&reason, &who), open, "escrow of {who}");
		}
	});
}

/// Advances to block `n`, running the jobs hook at each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Jobs::on_initialize(next);
	}
}
