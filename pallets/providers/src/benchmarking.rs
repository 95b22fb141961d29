//! Benchmarks of the provider calls, each at its worst case (most models per provider, the
//! per-model index nearly full).

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use pallet_models::ModelRegistry;
use sp_runtime::{traits::Bounded, Saturating};

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	let amount = BalanceOf::<T>::max_value() / 1024u32.into();
	let _ = T::Currency::set_balance(&who, amount);
	who
}

fn stake<T: Config>() -> BalanceOf<T> {
	T::MinimumStake::get().saturating_mul(4u32.into())
}

/// Fills each model's provider index to one below its bound, so a new entry hits the worst case.
fn crowd<T: Config>(models: &[ModelId]) -> Result<(), BenchmarkError> {
	for i in 0..T::MaxProvidersPerModel::get().saturating_sub(1) {
		let other = funded::<T>("other", i);
		Pallet::<T>::register(
			RawOrigin::Signed(other).into(),
			stake::<T>(),
			models.to_vec(),
			Price::default(),
			b"eu".to_vec(),
			HardwareClass::Cpu,
			1,
		)?;
	}
	Ok(())
}

fn registered<T: Config>(m: u32) -> Result<(T::AccountId, Vec<ModelId>), BenchmarkError> {
	let models = T::Models::benchmark_models(m);
	crowd::<T>(&models)?;
	let who = funded::<T>("provider", 0);
	Pallet::<T>::register(
		RawOrigin::Signed(who.clone()).into(),
		stake::<T>(),
		models.clone(),
		Price::default(),
		b"eu".to_vec(),
		HardwareClass::Cpu,
		4,
	)?;
	Ok((who, models))
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn register(m: Linear<1, { T::MaxModelsPerProvider::get() }>) -> Result<(), BenchmarkError> {
		let models = T::Models::benchmark_models(m);
		crowd::<T>(&models)?;
		let who = funded::<T>("provider", 0);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			stake::<T>(),
			models,
			Price::default(),
			vec![b'r'; 16],
			HardwareClass::DatacenterGpu,
			T::MaxCapacity::get(),
		);
		assert!(Providers::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn update(m: Linear<1, { T::MaxModelsPerProvider::get() }>) -> Result<(), BenchmarkError> {
		// Worst case: every old model dropped, every new one added.
		let (who, _) = registered::<T>(m)?;
		let fresh = T::Models::benchmark_models(m.saturating_mul(2));
		let new: Vec<ModelId> = fresh.into_iter().rev().take(m as usize).collect();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			new,
			Price::default(),
			vec![b'u'; 16],
			HardwareClass::Cpu,
			1,
		);
		assert_eq!(Providers::<T>::get(&who).map(|i| i.capacity), Some(1));
		Ok(())
	}

	#[benchmark]
	fn bond_extra() -> Result<(), BenchmarkError> {
		let (who, _) = registered::<T>(1)?;
		let amount = T::MinimumStake::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		Ok(())
	}

	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		let (who, _) = registered::<T>(1)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinimumStake::get());
		assert!(Providers::<T>::get(&who).is_some_and(|i| i.unbonding.is_some()));
		Ok(())
	}

	#[benchmark]
	fn withdraw_unbonded() -> Result<(), BenchmarkError> {
		let (who, _) = registered::<T>(1)?;
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), T::MinimumStake::get())?;
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Providers::<T>::get(&who).is_some_and(|i| i.unbonding.is_none()));
		Ok(())
	}

	#[benchmark]
	fn deregister(m: Linear<1, { T::MaxModelsPerProvider::get() }>) -> Result<(), BenchmarkError> {
		let (who, _) = registered::<T>(m)?;
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), stake::<T>())?;
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		frame_system::Pallet::<T>::set_block_number(later);
		Pallet::<T>::withdraw_unbonded(RawOrigin::Signed(who.clone()).into())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Providers::<T>::contains_key(&who));
		Ok(())
	}

	/// The worst case: a rotation, which removes the old operator's index entry.
	#[benchmark]
	fn set_operator() -> Result<(), BenchmarkError> {
		let (who, _) = registered::<T>(1)?;
		let old: T::AccountId = account("operator", 0, 0);
		let new: T::AccountId = account("operator", 1, 0);
		Pallet::<T>::set_operator(RawOrigin::Signed(who.clone()).into(), Some(old))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Some(new.clone()));
		assert_eq!(OperatorOf::<T>::get(&new), Some(who));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
