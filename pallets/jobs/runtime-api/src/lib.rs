//! The market's read API for dapps, served by the runtime and reached with `state_call`
//! (`JobsApi_quote`, `JobsApi_providers`, `JobsApi_job`, and since version 2 `JobsApi_models`,
//! `JobsApi_settings`, `JobsApi_audit`), or as JSON through the node's `attesta_*` RPC.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
pub use pallet_audits::{Accuser, Dispute, MarketSettings};
pub use pallet_jobs::{JobId, JobView, ModelId, ResultView};
pub use pallet_models::ModelInfo;
pub use pallet_providers::{Price, ProviderView};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// A quote: how many providers can take the job now, and the cheapest worst-case cost.
pub type Quote<Balance> = (u32, Balance);

/// Where the audit of a posted result stands, while it can still be challenged.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct AuditView<AccountId, Balance, BlockNumber> {
	/// Chance the result is re-executed by a sampled checker.
	pub rate: Perbill,
	/// Sample checks that re-executed it and agreed, so far.
	pub accepts: u32,
	/// When it settles unless disputed.
	pub settle_at: BlockNumber,
	/// The open dispute over it, if any.
	pub dispute: Option<Dispute<AccountId, Balance, BlockNumber>>,
}

sp_api::decl_runtime_apis! {
	/// Quotes, provider listings, models, settings and job status for dapps.
	#[api_version(2)]
	pub trait JobsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// What a job would cost now: eligible providers and the cheapest worst-case cost
		/// (`prompt_len` bytes, `max_tokens` output tokens, prices at most `max_price`), or
		/// the error `submit_job` would fail with.
		fn quote(
			model: ModelId,
			prompt_len: u32,
			max_tokens: u32,
			max_price: Price<Balance>,
			region: Option<Vec<u8>>,
		) -> Result<Quote<Balance>, sp_runtime::DispatchError>;

		/// The providers serving `model`: prices, region, stake, capacity and reputation.
		fn providers(model: ModelId) -> Vec<ProviderView<AccountId, Balance>>;

		/// A job, its status and its result, until it is pruned.
		fn job(job_id: JobId) -> Option<JobView<AccountId, Balance, BlockNumber>>;

		/// Every registered model, retired ones included.
		#[api_version(2)]
		fn models() -> Vec<(ModelId, ModelInfo)>;

		/// The governed market settings.
		#[api_version(2)]
		fn settings() -> MarketSettings<Balance, BlockNumber>;

		/// The audit of a job's posted result, until it settles or is rejected.
		#[api_version(2)]
		fn audit(job_id: JobId) -> Option<AuditView<AccountId, Balance, BlockNumber>>;
	}
}
