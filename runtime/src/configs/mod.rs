//! Configuration of each pallet in the runtime.

use crate::{
	opaque, AccountId, Audits, Aura, Balance, Balances, Block, BlockNumber, Hash, Historical, Jobs,
	Models, Nonce, Offences, PalletInfo, Preimage, Providers, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, System, Validators, DAYS,
	EXISTENTIAL_DEPOSIT, HOURS, MINUTES, SLOT_DURATION, UNIT, VERSION,
};
use alloc::vec::Vec;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, EitherOfDiverse, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
	PalletId,
};
use frame_system::EnsureRoot;
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

mod offchain;

/// Share of a block's weight and length that ordinary (non-operational) extrinsics may use.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute in a six-second block: room to gossip and import in time.
	pub RuntimeBlockWeights: frame_system::limits::BlockWeights =
		frame_system::limits::BlockWeights::with_sensible_defaults(
			Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
			NORMAL_DISPATCH_RATIO,
		);
	/// 5 MiB blocks; ordinary extrinsics may fill 75 % of them.
	pub RuntimeBlockLength: frame_system::limits::BlockLength =
		frame_system::limits::BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
			.build();
	/// The generic Substrate address prefix.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDb, so its read/write costs are the ones that apply.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = sp_consensus_aura::sr25519::AuthorityId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

/// A session lasts an hour unless the validator set changes (then it rotates at once, twice):
/// each rotation takes its block whole (`pallet-session` weighs it as `max_block`).
pub const SESSION_LENGTH: BlockNumber = HOURS;

/// Rotates the validator set that `pallet_validators` keeps, each session.
impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Validators;
	type NextSessionRotation = Validators;
	type SessionManager =
		pallet_session::historical::NoteHistoricalRoot<Runtime, ValidatorSessions>;
	type SessionHandler =
		<opaque::SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = opaque::SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Registering keys holds nothing: only governance makes a validator.
	type KeyDeposit = ConstU128<0>;
}

/// Accounts that registered session keys: only they can be made validators.
pub struct HasSessionKeys;
impl frame_support::traits::Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_validators::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = RootOrTwoThirdsCouncil;
	type HasSessionKeys = HasSessionKeys;
	type MinValidators = ConstU32<1>;
	type MaxValidators = ConstU32<32>;
	type SessionPeriod = ConstU32<SESSION_LENGTH>;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem = pallet_validators::equivocation::EquivocationReportSystem<
		Self,
		Offences,
		Historical,
		ReportLongevity,
	>;
	type WeightInfo = pallet_validators::weights::SubstrateWeight<Runtime>;
}

/// Sessions whose validator sets stay provable (`pallet-session`'s `historical`), so that an
/// equivocation can be reported: a week of hour-long sessions. Older roots are pruned.
pub const PROVABLE_SESSIONS: u32 = 7 * 24;

/// The session manager `pallet-session` sees: [`Validators`]' sets, with each session's set
/// noted in `historical` (no identification beyond the account: validators hold no stake) and
/// roots older than [`PROVABLE_SESSIONS`] pruned.
pub struct ValidatorSessions;

impl pallet_session::SessionManager<AccountId> for ValidatorSessions {
	fn new_session(index: u32) -> Option<Vec<AccountId>> {
		<Validators as pallet_session::SessionManager<_>>::new_session(index)
	}
	fn new_session_genesis(index: u32) -> Option<Vec<AccountId>> {
		<Validators as pallet_session::SessionManager<_>>::new_session_genesis(index)
	}
	fn end_session(index: u32) {
		<Validators as pallet_session::SessionManager<_>>::end_session(index)
	}
	fn start_session(index: u32) {
		<Validators as pallet_session::SessionManager<_>>::start_session(index)
	}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for ValidatorSessions {
	fn new_session(index: u32) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(index)
			.map(|set| set.into_iter().map(|v| (v, ())).collect())
	}
	fn new_session_genesis(index: u32) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(index)
			.map(|set| set.into_iter().map(|v| (v, ())).collect())
	}
	fn start_session(index: u32) {
		pallet_session::historical::Pallet::<Runtime>::prune_up_to(
			index.saturating_sub(PROVABLE_SESSIONS),
		);
		<Self as pallet_session::SessionManager<_>>::start_session(index)
	}
	fn end_session(index: u32) {
		<Self as pallet_session::SessionManager<_>>::end_session(index)
	}
}

/// Every validator's full identification is its account alone.
pub struct AccountOnly;
impl sp_runtime::traits::Convert<AccountId, Option<()>> for AccountOnly {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = AccountOnly;
}

/// The block author, from Aura's digest: GRANDPA names it as the reporter of an equivocation
/// that a block carries.
impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = ();
}

/// Proven offences (GRANDPA and Aura equivocations) go to [`Validators`], which removes the
/// offender.
impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = Validators;
}

parameter_types! {
	/// Blocks an unsigned equivocation report stays valid in the pool: one session.
	pub const ReportLongevity: u64 = SESSION_LENGTH as u64;
}

/// GRANDPA equivocations (two votes of one voter in one round) are reported by the voters that
/// see them, as unsigned transactions with a `historical` proof that the key was a validator's,
/// and punished through [`pallet_offences`].
impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<{ PROVABLE_SESSIONS as u64 }>;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// How long a council motion stays open for votes.
	pub const CouncilMotionDuration: BlockNumber = 5 * MINUTES;
	/// A council motion may dispatch at most half a block's weight.
	pub MaxCouncilProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// The council's own instance of `pallet-collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// Root, or two thirds of the council: the origin that governs market settings and membership.
pub type RootOrTwoThirdsCouncil = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>,
>;

/// Root, or three quarters of the council: the origin that may dispatch a whitelisted call as
/// Root (with the genesis council of three, all three members).
pub type RootOrThreeQuartersCouncil = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 3, 4>,
>;

parameter_types! {
	/// A deferred dispatch (approved before its call was whitelisted) lapses after a day.
	pub const DeferredDispatchExpiration: BlockNumber = DAYS;
	/// What noting a preimage holds from a signed account: 1 ATT, plus 0.1 mATT a byte.
	pub const PreimageBaseDeposit: Balance = UNIT;
	pub const PreimageByteDeposit: Balance = UNIT / 10_000;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

/// Root through the council, in two motions: one whitelists a call's hash (two thirds), which
/// publishes exactly what will run; one dispatches it as Root (three quarters). Either may pass
/// first: a dispatch approved before the whitelist waits for it for a day, and then anyone may
/// relay it. Runtime upgrades go this way: Root calls `System.authorize_upgrade(code_hash)`, and
/// anyone then applies the code (`System.apply_authorized_upgrade`).
impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = RootOrTwoThirdsCouncil;
	type DispatchWhitelistedOrigin = RootOrThreeQuartersCouncil;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}

/// Stores the calls (and code) that governance refers to by hash.
impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = RootOrTwoThirdsCouncil;
	type Consideration = frame_support::traits::fungible::HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		frame_support::traits::LinearStoragePrice<
			PreimageBaseDeposit,
			PreimageByteDeposit,
			Balance,
		>,
	>;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<100>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = RootOrTwoThirdsCouncil;
	type MaxProposalWeight = MaxCouncilProposalWeight;
	type DisapproveOrigin = RootOrTwoThirdsCouncil;
	type KillOrigin = RootOrTwoThirdsCouncil;
	/// Proposing is limited to members; no deposit is needed on top.
	type Consideration = ();
}

impl pallet_models::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = RootOrTwoThirdsCouncil;
	type MaxModels = ConstU32<64>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}

impl pallet_providers::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	/// Governed: the market settings' `minimum_stake`.
	type MinimumStake = pallet_audits::MinimumStake<Runtime>;
	/// A day: long enough for a late-found fault to be slashed before the stake leaves.
	type UnbondingPeriod = ConstU32<DAYS>;
	type MaxModelsPerProvider = ConstU32<16>;
	type MaxProvidersPerModel = ConstU32<128>;
	type MaxCapacity = ConstU32<64>;
	/// Three missed deadlines in a row bench a provider for ten minutes.
	type MaxMissesInARow = ConstU32<3>;
	type BenchPeriod = ConstU32<{ 10 * MINUTES }>;
	type WeightInfo = pallet_providers::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const MissSlash: Perbill = Perbill::from_percent(1);
	/// Derives the checkers' pool account, which collects verification fees.
	pub const JobsPalletId: PalletId = PalletId(*b"att/jobs");
}

impl pallet_jobs::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Providers = Providers;
	/// The audits pallet holds the governed terms of jobs and their settlement.
	type Audit = Audits;
	type PalletId = JobsPalletId;
	type MaxPromptLen = ConstU32<8_192>;
	type MaxOutputTokens = ConstU32<2_048>;
	type MaxOutputLen = ConstU32<16_384>;
	/// SmolLM2's ChatML template adds well under 32 tokens around a prompt.
	type PromptOverheadTokens = ConstU32<32>;
	type MaxJobsPerBlock = ConstU32<128>;
	/// 3 × 2,048 agenda entries fit the 128 × 64 blocks the agenda searches.
	type MaxOpenJobs = ConstU32<2_048>;
	/// A sixteenth of the chain-wide limit: no one account fills it.
	type MaxOpenJobsPerAccount = ConstU32<128>;
	/// One percent of the stake for every bench.
	type MissSlash = MissSlash;
	type MaxAttempts = ConstU32<4>;
	type MaxResponseWindow = ConstU32<HOURS>;
	type RetentionPeriod = ConstU32<DAYS>;
	/// A job's record and result, kept a day after it ends, cost their dapp a deposit until
	/// pruned: 0.01 ATT plus 10 µATT a byte (0.34 ATT for the largest job, 0.17 ATT for a
	/// short prompt), returned in full when the record goes.
	type DepositBase = ConstU128<{ UNIT / 100 }>;
	type DepositPerByte = ConstU128<{ UNIT / 100_000 }>;
	type ProviderSigner = pallet_jobs::ProviderSigner;
	type WeightInfo = pallet_jobs::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The market's settings until governance changes them. Cheating does not pay under them:
	/// a result is checked with probability at least 4.875 % (floor 5 %), and a caught cheater
	/// loses the job's pay and 25 % of at least 1,000 UNIT of stake, so its expected loss on the
	/// largest job (10 UNIT) is 0.04875 × 260 = 12.7 UNIT, above the 10 UNIT it could save.
	pub DefaultMarketSettings: pallet_audits::MarketSettings<Balance, BlockNumber> =
		pallet_audits::MarketSettings {
			// Half of a new provider's jobs are checked; the rate halves after 50 clean jobs
			// and never drops below one in twenty.
			initial_rate: Perbill::from_percent(50),
			floor_rate: Perbill::from_percent(5),
			half_rate_after: 50,
			committee_size: 3,
			supermajority: Perbill::from_percent(67),
			max_rounds: 3,
			// A minute per round: ample for a teacher-forced check of the longest output.
			round_length: 10,
			provider_slash: Perbill::from_percent(25),
			checker_slash: Perbill::from_percent(10),
			whistleblower_share: Perbill::from_percent(50),
			checker_bond: 100 * UNIT,
			challenge_bond: 10 * UNIT,
			check_price: UNIT,
			checker_reward: UNIT / 100,
			// Ten minutes for the council to cancel a wrong slash.
			slash_delay: 10 * MINUTES,
			minimum_stake: 1_000 * UNIT,
			max_job_budget: 10 * UNIT,
			// A minute of blocks to check and dispute a result before it is paid.
			challenge_window: 10,
			// 5 % of each payment funds the checkers.
			verification_fee_share: Perbill::from_percent(5),
		};
}

impl pallet_audits::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Jobs = Jobs;
	type Providers = Providers;
	type AdminOrigin = RootOrTwoThirdsCouncil;
	type CheckerSigner = pallet_audits::CheckerSigner;
	type DefaultSettings = DefaultMarketSettings;
	type MaxCheckers = ConstU32<256>;
	/// Sample checks plus three rounds of a three-member committee, with room to spare.
	type MaxVerdictsPerJob = ConstU32<32>;
	/// Deciding a dispute with a full verdict store weighs ~0.1 s on the benchmark machine's
	/// debug node: eight per block stay well inside the block.
	type MaxDuePerBlock = ConstU32<8>;
	/// A dapp's bond grows with each open challenge; sixteen at once is the most.
	type MaxOpenChallenges = ConstU32<16>;
	/// An hour, far below the day a finished job is kept (`RetentionPeriod` of `Jobs`).
	type MaxChallengeWindow = ConstU32<HOURS>;
	/// Two minutes: a checker's node reveals at the next block; the rest is for a node that
	/// restarts meanwhile.
	type RevealWindow = ConstU32<{ 2 * MINUTES }>;
	type WeightInfo = pallet_audits::weights::SubstrateWeight<Runtime>;
}
