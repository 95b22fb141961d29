//! Benchmarks of the registry's calls, worst case: the registry nearly full, so the duplicate
//! check scans every entry.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};

fn rule() -> VerificationRule {
	VerificationRule {
		top_k: 5,
		logit_tolerance_milli: 1_500,
		sample_tolerance_ppm: 5_000,
		max_mismatch_permille: 10,
	}
}

fn fill<T: Config>(n: u32) -> Result<(), BenchmarkError> {
	for i in 0..n {
		let mut hash = [0u8; 32];
		hash[..4].copy_from_slice(&i.to_le_bytes());
		hash[31] = 0xff;
		Pallet::<T>::do_register(
			b"bench".to_vec().try_into().map_err(|_| BenchmarkError::Stop("name"))?,
			Architecture::Llama,
			hash,
			Tokenizer::GgufEmbedded,
			2048,
			256,
			Default::default(),
			rule(),
		)
		.map_err(|_| BenchmarkError::Stop("fill"))?;
	}
	Ok(())
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn register_model() -> Result<(), BenchmarkError> {
		// Up to one short of full, counting models the genesis already registered.
		fill::<T>(T::MaxModels::get().saturating_sub(1).saturating_sub(Models::<T>::count()))?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let name = vec![b'm'; <MaxModelNameLen as Get<u32>>::get() as usize];
		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			name,
			Architecture::Llama,
			[7u8; 32],
			Tokenizer::GgufEmbedded,
			2048,
			256,
			Default::default(),
			rule(),
		);
		assert_eq!(Models::<T>::count(), T::MaxModels::get());
		Ok(())
	}

	#[benchmark]
	fn set_limits() -> Result<(), BenchmarkError> {
		fill::<T>(1)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0, 4096, 512);
		assert_eq!(Models::<T>::get(0).map(|m| m.max_output_tokens), Some(512));
		Ok(())
	}

	#[benchmark]
	fn set_verification_rule() -> Result<(), BenchmarkError> {
		fill::<T>(1)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let new = VerificationRule { top_k: 8, ..rule() };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0, new);
		assert_eq!(Models::<T>::get(0).map(|m| m.verification.top_k), Some(8));
		Ok(())
	}

	#[benchmark]
	fn set_active() -> Result<(), BenchmarkError> {
		fill::<T>(1)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0, false);
		assert_eq!(Models::<T>::get(0).map(|m| m.active), Some(false));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
