//! A job's on-chain record and its result.

use attesta_primitives::{GenParams, ModelId, TokenId};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec};
use pallet_providers::{Price, Region};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// The governed terms a job runs under, fixed when it is submitted: a settings change applies
/// to jobs submitted after it, never to one already running.
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
pub struct JobTerms<BlockNumber> {
	/// Blocks between the result and its payment, during which it can be checked and disputed.
	pub challenge_window: BlockNumber,
	/// Share of the provider's pay that goes to the checkers' pool.
	pub verification_fee_share: Perbill,
	/// Chance a result of a provider without record is checked.
	pub initial_check_rate: Perbill,
	/// Least chance a result is checked, however long the provider's clean record.
	pub floor_check_rate: Perbill,
	/// Completed jobs after which a provider's check rate has halved.
	pub half_rate_after: u32,
	/// Share of the provider's stake slashed if the result is found bad.
	pub provider_slash: Perbill,
}

/// Where a job is in its life.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum JobStatus<AccountId, Balance, BlockNumber> {
	/// A provider has the job and owes a result by `deadline`.
	Assigned {
		/// The provider.
		provider: AccountId,
		/// When it got the job.
		assigned_at: BlockNumber,
		/// Last block at which its result is accepted.
		deadline: BlockNumber,
		/// Whether it said it started (then the dapp can no longer cancel).
		started: bool,
	},
	/// The result is posted; it can be challenged until `settle_at`.
	ResultPosted {
		/// The provider.
		provider: AccountId,
		/// When the provider got the job.
		assigned_at: BlockNumber,
		/// When the result was posted.
		posted_at: BlockNumber,
		/// When the job settles if nobody disputes it.
		settle_at: BlockNumber,
	},
	/// Paid out: the provider was paid, the pool got its fee, the dapp the rest.
	Settled {
		/// The provider paid.
		provider: AccountId,
		/// When.
		at: BlockNumber,
		/// Paid to the provider.
		paid: Balance,
		/// Paid to the verification pool.
		fee: Balance,
		/// Returned to the dapp.
		refunded: Balance,
	},
	/// A dispute found the result bad: the provider was not paid, the dapp got everything back.
	Rejected {
		/// The provider whose result was rejected.
		provider: AccountId,
		/// When.
		at: BlockNumber,
	},
	/// No provider delivered and none was left to try: the dapp got everything back.
	Expired {
		/// When.
		at: BlockNumber,
	},
	/// The dapp cancelled before a provider started: it got everything back.
	Cancelled {
		/// When.
		at: BlockNumber,
	},
	/// Submitted, not yet assigned: the provider is drawn at the start of the next block with
	/// room on the agenda, from the hash of a block that did not exist when the dapp signed, so
	/// neither the dapp nor a provider front-running with `update` can steer the draw.
	Queued {
		/// Last block at which the provider's result is accepted.
		deadline: BlockNumber,
	},
}

impl<AccountId, Balance, BlockNumber: Copy> JobStatus<AccountId, Balance, BlockNumber> {
	/// The block at which a finished job ended, or `None` while it is open.
	pub fn ended_at(&self) -> Option<BlockNumber> {
		match self {
			Self::Settled { at, .. } |
			Self::Rejected { at, .. } |
			Self::Expired { at } |
			Self::Cancelled { at } => Some(*at),
			Self::Queued { .. } | Self::Assigned { .. } | Self::ResultPosted { .. } => None,
		}
	}

	/// Whether the escrow is still held (the job has not ended).
	pub fn is_open(&self) -> bool {
		self.ended_at().is_none()
	}
}

/// An inference order.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxPrompt, MaxAttempts))]
pub struct Job<AccountId, Balance, BlockNumber, MaxPrompt: Get<u32>, MaxAttempts: Get<u32>> {
	/// The dapp account that pays.
	pub owner: AccountId,
	/// The model to run.
	pub model: ModelId,
	/// The prompt, exactly as the dapp sent it (UTF-8 text).
	pub prompt: BoundedVec<u8, MaxPrompt>,
	/// How to generate.
	pub params: GenParams,
	/// The most the dapp pays per token.
	pub max_price: Price<Balance>,
	/// Region the dapp asked for, if any.
	pub region: Option<Region>,
	/// Escrow held from the dapp until the job ends.
	pub budget: Balance,
	/// Held from the dapp for the storage the job and its result take, until the record is
	/// pruned ([`crate::Pallet::storage_deposit`]).
	pub deposit: Balance,
	/// Blocks each provider gets to answer (from the dapp's deadline at submission).
	pub response_window: BlockNumber,
	/// When the dapp submitted it.
	pub submitted_at: BlockNumber,
	/// The governed terms it runs under, as they were at submission.
	pub terms: JobTerms<BlockNumber>,
	/// Price locked with the current provider.
	pub price: Price<Balance>,
	/// Providers assigned so far, the current one last.
	pub attempts: BoundedVec<AccountId, MaxAttempts>,
	/// Where it stands.
	pub status: JobStatus<AccountId, Balance, BlockNumber>,
}

/// A provider's result.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxTokens, MaxText))]
pub struct JobResult<MaxTokens: Get<u32>, MaxText: Get<u32>> {
	/// Prompt tokens the provider counted (chat template included); billed at the input price.
	pub input_tokens: u32,
	/// The generated token ids: what checkers verify and the commitment binds.
	pub output_tokens: BoundedVec<TokenId, MaxTokens>,
	/// The decoded text, for the dapp.
	pub output_text: BoundedVec<u8, MaxText>,
	/// `attesta_primitives::commitment` over model, prompt, parameters and output tokens.
	pub commitment: [u8; 32],
}

/// The cost of a job under given prices: every prompt token plus up to `max_tokens` outputs.
pub fn job_cost<Balance>(
	price: &Price<Balance>,
	input_tokens: u32,
	output_tokens: u32,
) -> Option<Balance>
where
	Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
{
	let input = price.input.checked_mul(&Balance::from(input_tokens))?;
	let output = price.output.checked_mul(&Balance::from(output_tokens))?;
	input.checked_add(&output)
}

/// A provider's result as dapps read it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ResultView {
	/// Input tokens billed.
	pub input_tokens: u32,
	/// The generated token ids.
	pub output_tokens: alloc::vec::Vec<TokenId>,
	/// The decoded text.
	pub output_text: alloc::vec::Vec<u8>,
	/// The commitment.
	pub commitment: [u8; 32],
}

/// A job as dapps read it through the runtime API.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct JobView<AccountId, Balance, BlockNumber> {
	/// The dapp.
	pub owner: AccountId,
	/// The model.
	pub model: ModelId,
	/// The prompt.
	pub prompt: alloc::vec::Vec<u8>,
	/// Generation parameters.
	pub params: GenParams,
	/// Escrowed budget.
	pub budget: Balance,
	/// Held for the record's storage until it is pruned.
	pub deposit: Balance,
	/// Price locked with the current (or last) provider.
	pub price: Price<Balance>,
	/// Providers tried, the current one last.
	pub attempts: alloc::vec::Vec<AccountId>,
	/// The governed terms it runs under, as they were at submission.
	pub terms: JobTerms<BlockNumber>,
	/// Where it stands.
	pub status: JobStatus<AccountId, Balance, BlockNumber>,
	/// The result, once posted.
	pub result: Option<ResultView>,
}
