//! # Attesta client
//!
//! A dapp's way into the Attesta inference market: submit a job, get the provider's answer as
//! soon as it is posted, then its settlement (what was paid and refunded, whether it was
//! checked and how that came out). The `attesta` command line is built on it.
//!
//! ```no_run
//! # async fn run() -> attesta_client::Result<()> {
//! use attesta_client::{chain::signer, JobRequest, Market, RetryPolicy};
//! let market = Market::connect(&["ws://127.0.0.1:9944".into()], RetryPolicy::default()).await?;
//! let job = market.submit_job(&signer("//Alice")?, JobRequest::new(0, "What is 2+2?", 32)).await?;
//! let done = market.follow(&job, std::time::Duration::from_secs(300), |a| println!("{}", a.text)).await?;
//! println!("paid {} refunded {} {:?}", done.paid, done.refunded, done.verdict);
//! # Ok(()) }
//! ```
//!
//! Types come from the runtime crate itself (calls, events, storage and runtime API types), so
//! the client cannot drift from the chain it was built with. Requests survive a flaky node: they
//! are retried with exponential backoff and jitter and fail over to the next endpoint given
//! ([`rpc`]); a transaction is re-sent through the new endpoint and found in its block either way
//! ([`chain::submit`]).

pub mod amount;
pub mod chain;
pub mod market;
pub mod rpc;

pub use market::{Answer, Job, JobRequest, Market, Provider, Settlement, Submitted, Verdict};
pub use rpc::RetryPolicy;

/// What can go wrong, by whose fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
	/// No endpoint answered (last error given).
	Unreachable(String),
	/// A node answered the request with an error.
	Rpc(String),
	/// The input or the transaction was refused before it reached a block.
	Invalid(String),
	/// The transaction failed in its block, with the runtime's named error
	/// (`Jobs.NoEligibleProvider`, …).
	Failed(String),
	/// The job ended without an answer; `refunded` went back to the dapp.
	JobFailed {
		/// The job.
		job_id: u64,
		/// Why.
		reason: String,
		/// Returned to the dapp.
		refunded: u128,
	},
	/// Nothing happened in time.
	Timeout(String),
	/// The node's answer did not decode as this runtime's types.
	Decode(String),
}

/// For callers whose errors are text (scripts, tests): the message [`Error`] displays.
impl From<Error> for String {
	fn from(e: Error) -> Self {
		e.to_string()
	}
}

impl core::fmt::Display for Error {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Unreachable(e) => write!(f, "no node reachable: {e}"),
			Self::Rpc(e) => write!(f, "node error: {e}"),
			Self::Invalid(e) => write!(f, "refused: {e}"),
			Self::Failed(e) => write!(f, "failed on chain: {e}"),
			Self::JobFailed { job_id, reason, refunded } =>
				write!(f, "job {job_id} failed: {reason}; {refunded} refunded"),
			Self::Timeout(e) => write!(f, "timed out: {e}"),
			Self::Decode(e) => write!(f, "unexpected answer: {e}"),
		}
	}
}

impl std::error::Error for Error {}

/// Result of the client's calls.
pub type Result<T> = core::result::Result<T, Error>;
