//! The market's read API for dapps, served by the runtime and reached with `state_call`
//! (`JobsApi_quote`, `JobsApi_providers`, `JobsApi_job`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_jobs::{JobId, JobView, ModelId, ResultView};
pub use pallet_providers::{Price, ProviderView};

/// A quote: how many providers can take the job now, and the cheapest worst-case cost.
pub type Quote<Balance> = (u32, Balance);

sp_api::decl_runtime_apis! {
	/// Quotes, provider listings and job status for dapps.
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
	}
}
