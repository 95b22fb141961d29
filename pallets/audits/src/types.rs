//! Stored types of the audits pallet.

use attesta_primitives::offchain::{Probe, MAX_WITNESS_PROBES};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// The market's checking and slashing settings: one value, changed only by `AdminOrigin`.
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
pub struct AuditSettings<Balance, BlockNumber> {
	/// Chance that a new provider's job is checked (expected checks per job).
	pub initial_rate: Perbill,
	/// The lowest chance any job is checked, however long the provider's clean record.
	pub floor_rate: Perbill,
	/// Completed jobs after which a provider's rate has halved: the rate is
	/// `max(floor, initial × h / (h + completed))`.
	pub half_rate_after: u32,
	/// Members a dispute committee round draws, in expectation.
	pub committee_size: u32,
	/// Share of a dispute's votes that decides it.
	pub supermajority: Perbill,
	/// Committee rounds before an undecided dispute is dismissed.
	pub max_rounds: u32,
	/// Blocks a committee round lasts.
	pub round_length: BlockNumber,
	/// Share of a provider's stake slashed for a bad result.
	pub provider_slash: Perbill,
	/// Share of a checker's bond slashed for a false alarm or for vouching for a bad result.
	pub checker_slash: Perbill,
	/// Share of a slash paid to whoever was wronged or exposed it; the rest goes to the
	/// checkers' pool.
	pub whistleblower_share: Perbill,
	/// Least bond a checker holds while registered.
	pub checker_bond: Balance,
	/// Bond a dapp puts up to challenge a result.
	pub challenge_bond: Balance,
	/// Price of raising a job's check probability by 100 % (pro rata), paid to the pool.
	pub check_price: Balance,
	/// Paid from the checkers' pool to each checker whose verdict stood.
	pub checker_reward: Balance,
	/// Blocks a decided slash waits, during which governance can cancel it.
	pub slash_delay: BlockNumber,
}

/// A registered checker.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct CheckerInfo<Balance> {
	/// Its sr25519 `chck` key: signs its verdict transactions' VRFs.
	pub key: [u8; 32],
	/// Bond held under `HoldReason::CheckerBond`.
	pub bond: Balance,
	/// Disputes it raised that are open, plus slashes against it that are pending: while
	/// any is, it cannot leave.
	pub open_cases: u32,
}

/// A result under check, from its posting to its settlement.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Checkable<AccountId, BlockNumber> {
	/// The provider that posted it.
	pub provider: AccountId,
	/// Its commitment: part of every checker's VRF input.
	pub commitment: [u8; 32],
	/// When it settles unless disputed.
	pub settle_at: BlockNumber,
	/// Chance it is checked, in parts per billion (the provider's rate, or what the dapp
	/// bought).
	pub rate: Perbill,
}

/// Who raised a dispute.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum Accuser<AccountId> {
	/// A sampled checker whose re-execution disagreed.
	Checker(AccountId),
	/// The dapp, with a bond.
	Dapp(AccountId),
}

impl<AccountId> Accuser<AccountId> {
	/// The accusing account.
	pub fn account(&self) -> &AccountId {
		match self {
			Self::Checker(a) | Self::Dapp(a) => a,
		}
	}
}

/// An open dispute over a result.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Dispute<AccountId, BlockNumber> {
	/// Who raised it.
	pub accuser: Accuser<AccountId>,
	/// Current committee round (from 1).
	pub round: u32,
	/// Last block of the current round.
	pub round_ends: BlockNumber,
	/// Committee votes so far that the result is bad.
	pub guilty: u32,
	/// Committee votes so far that the result is what the model produces.
	pub innocent: u32,
}

/// A checker's verdict on a result, kept until the job closes so a dispute can test it.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Verdict {
	/// Round it was given in: 0 for the sample check, then the dispute's rounds.
	pub round: u32,
	/// Whether the checker found the result to be what the model produces.
	pub accepted: bool,
	/// Its work witness (see `attesta_primitives::offchain::Probe`).
	pub probes: BoundedVec<Probe, ConstU32<{ MAX_WITNESS_PROBES as u32 }>>,
}

/// Whose funds a slash takes.
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
pub enum SlashFrom {
	/// A provider's stake.
	ProviderStake,
	/// A checker's bond.
	CheckerBond,
}

/// A decided slash, waiting out the appeal delay.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct PendingSlash<AccountId, BlockNumber> {
	/// Who loses funds.
	pub offender: AccountId,
	/// From which hold.
	pub from: SlashFrom,
	/// Share of that hold.
	pub fraction: Perbill,
	/// Who gets the whistleblower share, if anyone.
	pub beneficiary: Option<AccountId>,
	/// The job it is about.
	pub job: u64,
	/// When it executes unless cancelled.
	pub execute_at: BlockNumber,
}

/// A slash's identifier, in order of decision.
pub type SlashId = u32;
