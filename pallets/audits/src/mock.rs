//! A runtime with balances, models, providers, jobs and audits for this pallet's tests.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_audits;
use crate::{CheckerSigner, MarketSettings};
use attesta_primitives::{
	selection::{key_proof_data, sign_data, VrfProof},
	GenParams, JobId,
};
use codec::{Decode, Encode};
use frame_support::{
	assert_ok, derive_impl, ord_parameter_types, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Hooks},
	PalletId,
};
use frame_system::EnsureSignedBy;
use pallet_jobs::testing::MockPublic;
use pallet_models::VerificationRule;
use pallet_providers::{HardwareClass, Price};
use sp_core::{crypto::VrfSecret, sr25519, Pair};
use sp_runtime::{BuildStorage, Perbill};

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
	#[runtime::pallet_index(5)]
	pub type Audits = pallet_audits;
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
	type ExistentialDeposit = ConstU128<ED>;
}

/// Account 1 plays the council.
pub const ADMIN: u64 = 1;
/// The dapp.
pub const DAPP: u64 = 2;
/// The provider.
pub const PROVIDER: u64 = 10;
/// The model's weights hash.
pub const MODEL_HASH: [u8; 32] = [7; 32];
/// Existential deposit.
pub const ED: Balance = 10;
/// The providers' minimum stake.
pub const MIN_STAKE: Balance = 100_000;
/// The provider's stake: enough for about a hundred open jobs of the largest budget (1,000)
/// under the cheating rule (`0.5 × (100,000 + E) > E`).
pub const STAKE: Balance = 10 * MIN_STAKE;
/// Checker bond.
pub const BOND: Balance = 10_000;
/// Challenge window of the jobs pallet.
pub const WINDOW: u64 = 5;
/// Blocks after a job closes for its checkers to reveal their witnesses.
pub const REVEAL_WINDOW: u64 = 3;
/// Checkers 20..=24; their VRF keys come from `//Checker<n>`.
pub const CHECKERS: [u64; 5] = [20, 21, 22, 23, 24];
/// Funded accounts that are not checkers at first: attackers and latecomers.
pub const OUTSIDERS: [u64; 6] = [40, 41, 42, 43, 44, 45];

ord_parameter_types! {
	pub const MissSlash: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(1);
	pub const Admin: u64 = ADMIN;
}
parameter_types! {
	pub const JobsPalletId: PalletId = PalletId(*b"att/jobs");
	pub Defaults: MarketSettings<Balance, u64> = settings();
}

/// The mock's settings: every job checked and every checker drawn, so tests are
/// deterministic; tests lower the rates where the draw matters.
pub fn settings() -> MarketSettings<Balance, u64> {
	MarketSettings {
		initial_rate: Perbill::one(),
		floor_rate: Perbill::one(),
		half_rate_after: 10,
		committee_size: 5,
		supermajority: Perbill::from_percent(67),
		max_rounds: 3,
		round_length: 4,
		provider_slash: Perbill::from_percent(10),
		checker_slash: Perbill::from_percent(20),
		whistleblower_share: Perbill::from_percent(50),
		checker_bond: BOND,
		challenge_bond: 500,
		check_price: 1_000,
		checker_reward: 7,
		slash_delay: 3,
		minimum_stake: MIN_STAKE,
		max_job_budget: 1_000,
		challenge_window: WINDOW,
		verification_fee_share: Perbill::from_percent(10),
	}
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
	type MinimumStake = pallet_audits::MinimumStake<Test>;
	type UnbondingPeriod = ConstU64<10>;
	type MaxModelsPerProvider = ConstU32<4>;
	type MaxProvidersPerModel = ConstU32<8>;
	type MaxCapacity = ConstU32<16>;
	type MaxMissesInARow = ConstU32<3>;
	type BenchPeriod = ConstU64<20>;
	type WeightInfo = ();
}

impl pallet_jobs::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Providers = Providers;
	type Audit = Audits;
	type PalletId = JobsPalletId;
	type MaxPromptLen = ConstU32<256>;
	type MaxOutputTokens = ConstU32<64>;
	type MaxOutputLen = ConstU32<512>;
	type PromptOverheadTokens = ConstU32<8>;
	type MaxJobsPerBlock = ConstU32<8>;
	type MaxOpenJobs = ConstU32<100>;
	type MaxOpenJobsPerAccount = ConstU32<100>;
	type MissSlash = MissSlash;
	type MaxAttempts = ConstU32<3>;
	type MaxResponseWindow = ConstU64<50>;
	type RetentionPeriod = ConstU64<40>;
	type DepositBase = ConstU128<0>;
	type DepositPerByte = ConstU128<0>;
	type ProviderSigner = pallet_jobs::ProviderSigner;
	type WeightInfo = ();
}

impl pallet_audits::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Jobs = Jobs;
	type Providers = Providers;
	type AdminOrigin = EnsureSignedBy<Admin, u64>;
	type CheckerSigner = CheckerSigner;
	type DefaultSettings = Defaults;
	type MaxCheckers = ConstU32<8>;
	type MaxVerdictsPerJob = ConstU32<32>;
	type MaxChallengeWindow = ConstU64<30>;
	type RevealWindow = ConstU64<REVEAL_WINDOW>;
	type MaxDuePerBlock = ConstU32<4>;
	type MaxOpenChallenges = ConstU32<3>;
	type WeightInfo = ();
}

impl frame_system::offchain::AppCrypto<MockPublic, sr25519::Signature> for CheckerSigner {
	type RuntimeAppPublic = attesta_primitives::keys::checker::Public;
	type GenericPublic = sr25519::Public;
	type GenericSignature = sr25519::Signature;
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

/// The VRF key pair of checker `who`.
pub fn pair_of(who: u64) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//Checker{who}"), None).unwrap()
}

/// The proof that account `who` holds the VRF key of `holder`.
pub fn key_proof(holder: u64, who: u64) -> VrfProof {
	VrfProof::from_signature(&pair_of(holder).vrf_sign(&key_proof_data(&who.encode()))).unwrap()
}

/// Registers `who` as a checker with its own key and `bond`.
pub fn register(who: u64, bond: Balance) -> sp_runtime::DispatchResult {
	Audits::register_checker(
		RuntimeOrigin::signed(who),
		pair_of(who).public().0,
		bond,
		key_proof(who, who),
	)
}

/// `who`'s VRF proof for `job` in `round`. The draw's seed is the hash of the block that fixed
/// it: when that is the current block, this first moves on one block, as a checker waits.
pub fn proof(who: u64, job: JobId, round: u32) -> VrfProof {
	proof_as(who, who, job, round)
}

/// The VRF proof `holder`'s key makes for account `who` (a replay when they differ).
pub fn proof_as(holder: u64, who: u64, job: JobId, round: u32) -> VrfProof {
	let checkable = crate::Checkables::<Test>::get(job).expect("checkable");
	let (at, _) = Audits::draw_terms(job, &checkable, round).unwrap_or((checkable.posted_at, 0));
	if Audits::seed(at).is_none() {
		run_to_block(System::block_number() + 1);
	}
	let seed = Audits::seed(at).expect("seed known a block later");
	let signature = pair_of(holder).vrf_sign(&sign_data(&who.encode(), job, round, &seed));
	VrfProof::decode(&mut &signature.encode()[..]).unwrap()
}

/// One model, one provider with stake, a funded dapp, five registered checkers with bonds, the
/// pool pre-funded. Block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut ext = market_ext();
	ext.execute_with(|| {
		for c in CHECKERS {
			assert_ok!(register(c, BOND));
		}
		// Checkers are drawn only against seeds fixed after they registered.
		run_to_block(2);
	});
	ext
}

/// The market of [`new_test_ext`] without checkers.
fn market_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let pool = pallet_jobs::Pallet::<Test>::pool_account();
	let mut balances = vec![(DAPP, 1_000_000), (PROVIDER, 2 * STAKE), (pool, 1_000)];
	balances.extend(CHECKERS.iter().chain(&OUTSIDERS).map(|c| (*c, 100_000)));
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
		models: vec![(b"model".to_vec(), MODEL_HASH, 512, 64, rule, Default::default())],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(PROVIDER),
			STAKE,
			vec![0],
			Price { input: 1, output: 2 },
			b"eu".to_vec(),
			HardwareClass::Cpu,
			4,
		));
	});
	ext
}

#[cfg(feature = "runtime-benchmarks")]
/// The market without checkers, with a keystore: the benchmarks make their VRF keys in it.
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut ext = market_ext();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// The parameters of every mock job: greedy, four tokens.
pub fn job_params() -> GenParams {
	GenParams::greedy(4)
}

/// Submits a job (prompt "hi") from the dapp and moves to the next block, where the job is
/// assigned; returns its id.
pub fn submitted_job() -> JobId {
	let job = queued_job();
	run_to_block(System::block_number() + 1);
	job
}

/// Submits a job (prompt "hi") from the dapp, to be assigned next block; returns its id.
pub fn queued_job() -> JobId {
	let job = pallet_jobs::NextJobId::<Test>::get();
	assert_ok!(Jobs::submit_job(
		RuntimeOrigin::signed(DAPP),
		0,
		b"hi".to_vec(),
		job_params(),
		Price { input: 10, output: 10 },
		None,
		1_000,
		System::block_number() + 10,
	));
	job
}

/// The provider posts `output` as the result of `job`, with its correct commitment.
pub fn post_result(job: JobId, output: Vec<u32>) {
	post_result_as(PROVIDER, job, output);
}

/// Provider `who` posts `output` as the result of its `job` (prompt "hi"), with its correct
/// commitment.
pub fn post_result_as(who: u64, job: JobId, output: Vec<u32>) {
	let commitment = attesta_primitives::commitment(&MODEL_HASH, b"hi", &job_params(), &output);
	assert_ok!(Jobs::submit_result(
		RuntimeOrigin::signed(who),
		job,
		3,
		output,
		b"one two three".to_vec(),
		commitment
	));
}

/// Submits a job from the dapp and posts the provider's result; returns the job id. The next
/// block has begun, so the result's draw seed is known.
pub fn posted_job() -> JobId {
	let job = submitted_job();
	post_result(job, vec![1, 2, 3]);
	run_to_block(System::block_number() + 1);
	job
}

/// [`posted_job`] for `n` jobs at once: submitted in one block, answered in the next.
pub fn posted_jobs(n: usize) -> Vec<JobId> {
	let jobs: Vec<JobId> = (0..n).map(|_| queued_job()).collect();
	run_to_block(System::block_number() + 1);
	for job in &jobs {
		post_result(*job, vec![1, 2, 3]);
	}
	run_to_block(System::block_number() + 1);
	jobs
}

/// Runs `test`, then checks every pallet's invariants and that no money appeared or vanished.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		test();
		crate::Pallet::<Test>::do_try_state().expect("audits try_state");
		pallet_jobs::Pallet::<Test>::do_try_state().expect("jobs try_state");
		Providers::do_try_state().expect("providers try_state");
		assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance, "issuance changed");
	});
}

/// Advances to block `n`, running the jobs and audits hooks at each block. Each block's hash
/// (a hash of its number) is recorded as `frame_system` does when the next block starts.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let now = System::block_number();
		frame_system::BlockHash::<Test>::insert(
			now,
			sp_core::H256(sp_io::hashing::blake2_256(&now.to_le_bytes())),
		);
		let next = now + 1;
		System::set_block_number(next);
		Jobs::on_initialize(next);
		Audits::on_initialize(next);
	}
}

/// The checkers whose draw selects them for `job` in `round`, in order.
pub fn drawn(job: JobId, round: u32) -> Vec<u64> {
	let checkable = crate::Checkables::<Test>::get(job).expect("checkable");
	CHECKERS
		.into_iter()
		.filter(|c| {
			let p = proof(*c, job, round);
			let (at, chance) = Audits::draw_terms(job, &checkable, round).unwrap();
			let draw = attesta_primitives::selection::verified_draw(
				&pair_of(*c).public().0,
				&c.encode(),
				job,
				round,
				&Audits::seed(at).unwrap(),
				&p,
			)
			.unwrap();
			attesta_primitives::selection::is_selected(draw, chance)
		})
		.collect()
}

/// A posted job that at least two checkers are drawn to check, with those checkers.
pub fn checked_job() -> (JobId, Vec<u64>) {
	for _ in 0..8 {
		let job = posted_job();
		let d = drawn(job, 0);
		if d.len() >= 2 {
			return (job, d);
		}
	}
	panic!("no job drew two checkers in eight tries")
}

/// A posted job that at least one checker is drawn to check (at low rates), with those checkers.
pub fn job_with_a_drawn_checker() -> (JobId, Vec<u64>) {
	(0..20)
		.find_map(|_| {
			let job = posted_job();
			let d = drawn(job, 0);
			(!d.is_empty()).then_some((job, d))
		})
		.expect("a job with a drawn checker in twenty tries")
}

/// The checkers other than `except`.
pub fn others(except: &[u64]) -> Vec<u64> {
	CHECKERS.into_iter().filter(|c| !except.contains(c)).collect()
}
