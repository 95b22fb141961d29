//! Benchmarks of the job calls and the agenda hook, each at its worst case (the most providers
//! a model can have: assignment scans them all) or over what the call carries (prompt length,
//! providers scanned, output tokens).

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks};
use frame_system::RawOrigin;
use pallet_models::ModelRegistry;
use pallet_providers::{Price, ProviderRegistry};
use sp_runtime::{traits::Bounded, Saturating};

fn dapp<T: Config>(i: u32) -> T::AccountId {
	let who: T::AccountId = account("dapp", i, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// A model served by as many providers as the bounds allow (assignment scans them all).
fn market<T: Config>() -> ModelId {
	let model = T::Models::benchmark_models(1).first().copied().unwrap_or_default();
	T::Providers::benchmark_providers(model, T::Providers::max_per_model());
	model
}

fn max_price<T: Config>() -> Price<BalanceOf<T>> {
	Price { input: 10u32.into(), output: 10u32.into() }
}

/// A budget that covers every benchmarked job, within the governed maximum.
fn budget<T: Config>() -> BalanceOf<T> {
	T::Audit::max_budget().min(1_000_000_000u32.into())
}

/// Submits a job for `who`, `tokens` output tokens, a prompt of `len` bytes, and starts the next
/// block, where it is assigned; returns its id.
fn submitted<T: Config>(who: &T::AccountId, model: ModelId, len: u32, tokens: u32) -> JobId {
	let id = NextJobId::<T>::get();
	let now = frame_system::Pallet::<T>::block_number();
	let deadline = now.saturating_add(10u32.into());
	let _ = Pallet::<T>::submit_job(
		RawOrigin::Signed(who.clone()).into(),
		model,
		alloc::vec![b'a'; len as usize],
		GenParams::greedy(tokens),
		max_price::<T>(),
		None,
		budget::<T>(),
		deadline,
	);
	let next = now.saturating_add(1u32.into());
	frame_system::Pallet::<T>::set_block_number(next);
	Pallet::<T>::on_initialize(next);
	id
}

fn provider_of<T: Config>(id: JobId) -> Option<T::AccountId> {
	match Jobs::<T>::get(id)?.status {
		JobStatus::Assigned { provider, .. } => Some(provider),
		_ => None,
	}
}

/// A correct result of `tokens` output tokens for job `id`.
fn answer<T: Config>(id: JobId, tokens: u32) -> Option<(Vec<TokenId>, [u8; 32])> {
	let job = Jobs::<T>::get(id)?;
	let hash = T::Models::limits(job.model)?.weights_hash;
	let output: Vec<TokenId> = (0..tokens).collect();
	let c = attesta_primitives::commitment(&hash, &job.prompt, &job.params, &output);
	Some((output, c))
}

/// A job of `owner` (funded here) on a fresh market, with a correct 16-token result posted when
/// `answered`: the audits pallet's benchmark set-up.
pub(crate) fn job_for<T: Config>(owner: &T::AccountId, answered: bool) -> Option<JobId> {
	let _ = T::Currency::set_balance(owner, BalanceOf::<T>::max_value() / 1024u32.into());
	// A model with free providers from an earlier call, else a fresh market.
	let served =
		|m: &ModelId| !T::Providers::candidates(*m, &max_price::<T>(), None, &[]).is_empty();
	let model = match (0..64).find(served) {
		Some(model) => model,
		None => {
			let model = T::Models::benchmark_models(1).first().copied()?;
			T::Providers::benchmark_providers(model, 4);
			model
		},
	};
	let id = submitted::<T>(owner, model, 64, 16);
	if answered {
		let provider = provider_of::<T>(id)?;
		let (output, commitment) = answer::<T>(id, 16)?;
		Pallet::<T>::submit_result(
			frame_system::RawOrigin::Signed(provider).into(),
			id,
			16,
			output,
			alloc::vec![b'x'; 64],
			commitment,
		)
		.ok()?;
	}
	Jobs::<T>::contains_key(id).then_some(id)
}

#[benchmarks]
mod benches {
	use super::*;

	/// A prompt of `p` bytes for a model of `n` providers, which the call scans for one that
	/// could take the job: at worst, as here, only the last one can (every other one holds as
	/// many open budgets as its stake covers), so all `n` records and exposures are read.
	#[benchmark]
	fn submit_job(
		p: Linear<1, { T::MaxPromptLen::get() }>,
		n: Linear<1, { T::Providers::max_per_model() }>,
	) -> Result<(), BenchmarkError> {
		let model = T::Models::benchmark_models(1).first().copied().unwrap_or_default();
		let providers = T::Providers::benchmark_providers(model, n);
		for full in providers.iter().take(providers.len().saturating_sub(1)) {
			Exposure::<T>::insert(full, BalanceOf::<T>::max_value());
		}
		let who = dapp::<T>(0);
		let tokens = T::Models::limits(model)
			.map(|l| l.max_output_tokens.min(T::MaxOutputTokens::get()))
			.unwrap_or(1);
		let deadline = frame_system::Pallet::<T>::block_number().saturating_add(10u32.into());
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			model,
			alloc::vec![b'a'; p as usize],
			GenParams::greedy(tokens),
			max_price::<T>(),
			None,
			budget::<T>(),
			deadline,
		);
		assert_eq!(NextJobId::<T>::get(), 1);
		Ok(())
	}

	#[benchmark]
	fn accept_job() -> Result<(), BenchmarkError> {
		let model = market::<T>();
		let id = submitted::<T>(&dapp::<T>(0), model, 16, 4);
		let provider = provider_of::<T>(id).ok_or(BenchmarkError::Stop("not assigned"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id);
		Ok(())
	}

	#[benchmark]
	fn submit_result(o: Linear<1, { T::MaxOutputTokens::get() }>) -> Result<(), BenchmarkError> {
		let model = market::<T>();
		let max = T::Models::limits(model).map(|l| l.max_output_tokens).unwrap_or(1);
		let o = o.min(max);
		let id = submitted::<T>(&dapp::<T>(0), model, T::MaxPromptLen::get().min(256), o);
		let provider = provider_of::<T>(id).ok_or(BenchmarkError::Stop("not assigned"))?;
		let (output, c) = answer::<T>(id, o).ok_or(BenchmarkError::Stop("no job"))?;
		let text = alloc::vec![b'x'; T::MaxOutputLen::get() as usize];
		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, 1, output, text, c);
		assert!(Results::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn cancel_job() -> Result<(), BenchmarkError> {
		let model = market::<T>();
		let who = dapp::<T>(0);
		let id = submitted::<T>(&who, model, 16, 4);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		Ok(())
	}

	/// `n` jobs due in one block, each at its costliest: a missed deadline with a failover that
	/// scans every provider of the model.
	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxJobsPerBlock::get() }>) -> Result<(), BenchmarkError> {
		let model = market::<T>();
		for i in 0..n {
			submitted::<T>(&dapp::<T>(i), model, 16, 4);
		}
		// Past every deadline.
		let due = frame_system::Pallet::<T>::block_number().saturating_add(11u32.into());
		// Whatever the search put elsewhere, gather the jobs on the one block measured.
		let ids: Vec<JobId> = (0..n as u64).collect();
		let _ = Agenda::<T>::clear(u32::MAX, None);
		Agenda::<T>::insert(due, frame_support::BoundedVec::truncate_from(ids));
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
