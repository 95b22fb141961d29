//! A provider's on-chain record.

use attesta_primitives::ModelId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;

/// Longest region label, in bytes (e.g. `eu-west`, `us-east`).
pub type MaxRegionLen = ConstU32<16>;
/// Where a provider serves from; dapps may ask for a region.
pub type Region = BoundedVec<u8, MaxRegionLen>;

/// Prices per token, in the smallest unit of the chain's currency.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Price<Balance> {
	/// Per prompt (input) token.
	pub input: Balance,
	/// Per generated (output) token.
	pub output: Balance,
}

impl<Balance: PartialOrd> Price<Balance> {
	/// Whether neither per-token price exceeds `max`'s.
	pub fn within(&self, max: &Price<Balance>) -> bool {
		self.input <= max.input && self.output <= max.output
	}
}

/// The kind of hardware a provider runs on: informs dapps, and lets checkers expect its numerics.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum HardwareClass {
	/// General-purpose CPU.
	Cpu,
	/// Consumer GPU.
	ConsumerGpu,
	/// Data-centre GPU.
	DatacenterGpu,
}

/// A provider's track record, kept by the chain.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Reputation {
	/// Jobs whose result was posted in time.
	pub jobs_completed: u32,
	/// Jobs it let pass their deadline.
	pub deadlines_missed: u32,
	/// Results that failed a check.
	pub checks_failed: u32,
	/// Results that passed a sampled check and were paid: what lowers its check rate (not
	/// completed jobs, which a dapp dealing with itself could pile up cheaply).
	pub checks_passed: u32,
	/// Deadlines missed since its last result in time.
	pub missed_in_a_row: u32,
	/// Sum over completed jobs of the blocks from assignment to result (mean = this / completed).
	pub total_latency_blocks: u64,
}

/// Stake on its way out: held until `unlock_at`, then withdrawable.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Unbonding<Balance, BlockNumber> {
	/// Amount still held.
	pub amount: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// Everything the chain knows of a provider.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxModels))]
pub struct ProviderInfo<Balance, BlockNumber, MaxModels: frame_support::traits::Get<u32>> {
	/// Bonded stake (held under `HoldReason::ProviderStake`); slashable.
	pub stake: Balance,
	/// Stake being unbonded (also held, still slashable until withdrawn).
	pub unbonding: Option<Unbonding<Balance, BlockNumber>>,
	/// Models it serves.
	pub models: BoundedVec<ModelId, MaxModels>,
	/// Its prices.
	pub price: Price<Balance>,
	/// Where it serves from.
	pub region: Region,
	/// Its hardware.
	pub hardware: HardwareClass,
	/// Most jobs it runs at once.
	pub capacity: u32,
	/// Jobs assigned to it and not yet finished.
	pub active_jobs: u32,
	/// Its track record.
	pub reputation: Reputation,
	/// A dispute found one of its results bad: it gets no new jobs until governance cancels
	/// the slash on appeal.
	pub suspended: bool,
	/// It missed too many deadlines in a row: no new jobs before this block.
	pub benched_until: BlockNumber,
}

/// A provider that can take a job now, as the jobs pallet draws among them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Candidate<AccountId, Balance> {
	/// The provider.
	pub who: AccountId,
	/// Its prices.
	pub price: Price<Balance>,
	/// Its bonded stake: what bounds the budgets it may hold open at once.
	pub stake: Balance,
}

/// How a provider's job ended, for its reputation and its capacity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum JobOutcome<BlockNumber> {
	/// Result posted in time, this many blocks after assignment.
	Completed {
		/// Blocks from assignment to result.
		latency: BlockNumber,
	},
	/// Deadline passed without a result.
	Missed,
	/// The dapp cancelled before the provider started.
	Cancelled,
}

/// A provider as dapps read it through the runtime API.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ProviderView<AccountId, Balance> {
	/// The provider's account.
	pub who: AccountId,
	/// Bonded stake.
	pub stake: Balance,
	/// Prices per token.
	pub price: Price<Balance>,
	/// Region label.
	pub region: alloc::vec::Vec<u8>,
	/// Hardware class.
	pub hardware: HardwareClass,
	/// Concurrent jobs it accepts.
	pub capacity: u32,
	/// Jobs it has now.
	pub active_jobs: u32,
	/// Track record.
	pub reputation: Reputation,
}
