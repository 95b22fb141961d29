//! The Attesta runtime: a FRAME solochain (Aura blocks, GRANDPA finality) for a decentralized AI
//! inference market. Pallet configuration lives in [`configs`], the runtime APIs the node and
//! dapps call in [`apis`], and the genesis presets that chain specs are made from in
//! [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`/`impl_runtime_apis` expand to code these lints flag; the runtime's own
// logic lives in the pallets, where they are enforced.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

extern crate alloc;

// Before `apis`: `define_benchmarks!` declares the `list_benchmarks!`/`add_benchmarks!` macros
// that the benchmark API uses, and macros are in scope only after their definition.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;

use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account: the public key of the signature scheme that signed for it.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A token amount, in the smallest unit (see [`UNIT`]).
pub type Balance = u128;
/// A transaction counter of an account.
pub type Nonce = u32;
/// A block or state hash.
pub type Hash = sp_core::H256;

/// One token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// One thousandth of a token.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// An account holding less than this is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Target block time. Aura slots and GRANDPA rounds follow it; it cannot change after genesis.
pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
/// Aura slot length, equal to the block time.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks in one minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks in one hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks in one day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Block id.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a validator registers: Aura for authoring, GRANDPA for finality.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime's identity and version; `spec_version` goes up with every runtime upgrade.
#[cfg(not(feature = "next-spec"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("attesta"),
	impl_name: alloc::borrow::Cow::Borrowed("attesta"),
	authoring_version: 1,
	spec_version: 103,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The same runtime claiming the next spec version (feature `next-spec`): the code a runtime
/// upgrade is rehearsed with on a live chain (`scripts/build-next-runtime.sh`,
/// `tests/tests/e2e/governance.rs`). `#[runtime_version]` reads literals only, hence two copies.
#[cfg(feature = "next-spec")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("attesta"),
	impl_name: alloc::borrow::Cow::Borrowed("attesta"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The address format of extrinsics: a plain account id (no indices pallet).
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction goes through, in order.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The extensions of a signed transaction valid over `era`, with `nonce` and no tip: what
/// wallets, the off-chain workers and the `attesta` client all send. `metadata_hash`: the
/// signer commits to the runtime's metadata hash (hardware wallets, RFC 78).
pub fn tx_extension(era: generic::Era, nonce: Nonce, metadata_hash: bool) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(metadata_hash),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// An extrinsic as it arrives from outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a transaction's signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// `Pallet.Variant` from the `Debug` text of a runtime-level enum value (an event, a call, an
/// error), as the metadata names them: `Jobs(Event::JobSettled { .. })` gives
/// `Jobs.JobSettled`, `Jobs(Call::submit_job { .. })` gives `Jobs.submit_job`. For clients,
/// the node's RPC and metrics, and the fuzzer's reports.
#[cfg(feature = "std")]
pub fn variant_name(value: &impl core::fmt::Debug) -> String {
	let debug = format!("{value:?}");
	let mut parts = debug.split(['(', ')', ' ', '{', ',']).filter(|p| !p.is_empty());
	let pallet = parts.next().unwrap_or_default();
	let variant = parts.next().unwrap_or_default();
	let variant = variant.rsplit("::").next().unwrap_or_default();
	format!("{pallet}.{variant}")
}

/// A dispatch error by its name in the metadata (`Jobs.NoEligibleProvider`), or its `Debug`
/// text when it is not a pallet's error.
#[cfg(feature = "std")]
pub fn error_name(error: sp_runtime::DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(e) => variant_name(&e),
		None => format!("{error:?}"),
	}
}

/// Storage migrations run at the next runtime upgrade, beside those of the pallets.
type Migrations = ();

/// Dispatches extrinsics to the pallets and runs their hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The Attesta runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	// Declared before Aura and GRANDPA: the validator set is planned, and a session rotated,
	// before the consensus pallets' hooks of the same block.
	#[runtime::pallet_index(14)]
	pub type Validators = pallet_validators;

	#[runtime::pallet_index(15)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(16)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(17)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(18)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(8)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(9)]
	pub type Whitelist = pallet_whitelist;

	#[runtime::pallet_index(10)]
	pub type Models = pallet_models;

	#[runtime::pallet_index(11)]
	pub type Providers = pallet_providers;

	#[runtime::pallet_index(12)]
	pub type Jobs = pallet_jobs;
	#[runtime::pallet_index(13)]
	pub type Audits = pallet_audits;
}
