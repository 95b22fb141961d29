//! Job market tests, by topic.

#![allow(clippy::arithmetic_side_effects)]

mod lifecycle;
mod offchain;
mod submit;

use crate::{mock::*, GenParams, JobStatus, Jobs as JobsMap};
use pallet_providers::Price;

/// The dapp's price ceiling in most tests: anything up to P3's prices.
pub fn max_price() -> Price<Balance> {
	Price { input: 10, output: 10 }
}

/// Submits a greedy job for `tokens` output tokens from `who` with `budget`, deadline in 10,
/// and moves to the next block, where it is assigned.
pub fn submit(who: u64, prompt: &[u8], tokens: u32, budget: Balance) -> sp_runtime::DispatchResult {
	queue(who, prompt, tokens, budget)?;
	run_to_block(System::block_number() + 1);
	Ok(())
}

/// [`submit`] without moving on: the job stays queued.
pub fn queue(who: u64, prompt: &[u8], tokens: u32, budget: Balance) -> sp_runtime::DispatchResult {
	send(who, prompt.to_vec(), tokens, budget).map(|_| ()).map_err(|e| e.error)
}

/// Calls `submit_job` (greedy, ten blocks to answer) and returns what it returns, weight
/// included.
pub fn send(
	who: u64,
	prompt: Vec<u8>,
	tokens: u32,
	budget: Balance,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	crate::Pallet::<Test>::submit_job(
		RuntimeOrigin::signed(who),
		MODEL,
		prompt,
		GenParams::greedy(tokens),
		max_price(),
		None,
		budget,
		System::block_number() + 10,
	)
}

/// The provider a job is assigned to (or that posted its result).
pub fn provider_of(job: u64) -> u64 {
	match JobsMap::<Test>::get(job).unwrap().status {
		JobStatus::Assigned { provider, .. } | JobStatus::ResultPosted { provider, .. } => provider,
		s => panic!("job {job} has no provider: {s:?}"),
	}
}

/// Posts a correct result for `job` with `output` tokens and `input` billed input tokens.
pub fn answer(job: u64, input: u32, output: Vec<u32>) -> sp_runtime::DispatchResult {
	let j = JobsMap::<Test>::get(job).unwrap();
	let commitment = attesta_primitives::commitment(&MODEL_HASH, &j.prompt, &j.params, &output);
	crate::Pallet::<Test>::submit_result(
		RuntimeOrigin::signed(provider_of(job)),
		job,
		input,
		output,
		b"hello".to_vec(),
		commitment,
	)
	.map(|_| ())
	.map_err(|e| e.error)
}
