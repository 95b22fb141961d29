//! Benchmarks of the audit calls and hook, each at its worst case: a verdict that opens a
//! dispute (VRF verification included), disputes decided with a full verdict store, slashes
//! executing against a provider's stake.

use super::*;
use attesta_primitives::{
	keys::CHECKER_KEY_TYPE,
	selection::{checker_vrf, VrfProof},
	witness, JobId,
};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get, Hooks};
use frame_system::RawOrigin;
use pallet_jobs::AuditedJobs;
use sp_runtime::{
	traits::{Bounded, Hash, Zero},
	Perbill, Saturating,
};

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// Every checker drawn for every job, so set-ups need not search for a selecting key.
fn draw_all<T: Config>() {
	Settings::<T>::mutate(|s| {
		s.initial_rate = Perbill::one();
		s.floor_rate = Perbill::one();
	});
}

/// A fresh checker key in the keystore and its proof of possession for `who`.
fn key_for<T: Config>(who: &T::AccountId) -> Result<([u8; 32], VrfProof), BenchmarkError> {
	let key = sp_io::crypto::sr25519_generate(CHECKER_KEY_TYPE, None).0;
	let proof = checker_vrf::prove_key(key, &who.encode()).ok_or(BenchmarkError::Stop("key"))?;
	Ok((key, proof))
}

fn checker<T: Config>(i: u32) -> Result<(T::AccountId, [u8; 32]), BenchmarkError> {
	let who = funded::<T>("checker", i);
	let (key, proof) = key_for::<T>(&who)?;
	Pallet::<T>::register_checker(
		RawOrigin::Signed(who.clone()).into(),
		key,
		Settings::<T>::get().checker_bond,
		proof,
	)?;
	Ok((who, key))
}

/// A job of `owner` with its result posted (`answered`) or still awaited.
fn job<T: Config>(owner: &T::AccountId, answered: bool) -> Result<JobId, BenchmarkError> {
	T::Jobs::benchmark_job(owner, answered).ok_or(BenchmarkError::Stop("cannot set up a job"))
}

/// A checker's commitment to a witness digest.
fn committed<T: Config>(who: &T::AccountId, id: JobId, digest: &[u8; 32]) -> [u8; 32] {
	witness::commitment(&who.encode(), id, digest)
}

#[benchmarks]
mod benches {
	use super::*;

	/// The worst case: the checker set is full and the newcomer evicts the smallest bond.
	#[benchmark]
	fn register_checker() -> Result<(), BenchmarkError> {
		for i in 0..T::MaxCheckers::get() {
			checker::<T>(i)?;
		}
		let who = funded::<T>("newcomer", 0);
		let (key, proof) = key_for::<T>(&who)?;
		let bond = Settings::<T>::get().checker_bond.saturating_add(1u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key, bond, proof);
		assert!(Checkers::<T>::contains_key(&who));
		Ok(())
	}

	/// The worst case: a rotation of both the operator and the key.
	#[benchmark]
	fn set_operator() -> Result<(), BenchmarkError> {
		let (who, _) = checker::<T>(0)?;
		let (old_key, old_proof) = key_for::<T>(&who)?;
		let old: T::AccountId = account("operator", 0, 0);
		Pallet::<T>::set_operator(
			RawOrigin::Signed(who.clone()).into(),
			Some(old),
			old_key,
			old_proof,
		)?;
		let (key, proof) = key_for::<T>(&who)?;
		let new: T::AccountId = account("operator", 1, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Some(new.clone()), key, proof);
		assert_eq!(OperatorOf::<T>::get(&new), Some(who));
		Ok(())
	}

	/// A checker that answered none of a hundred expected draws.
	#[benchmark]
	fn report_silent() -> Result<(), BenchmarkError> {
		let (who, _) = checker::<T>(0)?;
		Draws::<T>::put(DrawLedger { counted: 100_000_000_000, in_flight: 0 });
		let reporter = funded::<T>("reporter", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), who.clone());
		assert_eq!(Checkers::<T>::get(&who).map(|c| c.draws.silences), Some(1));
		Ok(())
	}

	#[benchmark]
	fn deregister_checker() -> Result<(), BenchmarkError> {
		let (who, _) = checker::<T>(0)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Checkers::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn submit_verdict() -> Result<(), BenchmarkError> {
		draw_all::<T>();
		let (who, key) = checker::<T>(0)?;
		// The checker registered before the block that posts the result.
		let registered = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(registered.saturating_add(1u32.into()));
		let dapp = funded::<T>("dapp", 0);
		let id = job::<T>(&dapp, true)?;
		let posted_at =
			Checkables::<T>::get(id).ok_or(BenchmarkError::Stop("checkable"))?.posted_at;
		// The seed is known from the next block on.
		frame_system::BlockHash::<T>::insert(posted_at, T::Hashing::hash(b"posting block"));
		frame_system::Pallet::<T>::set_block_number(posted_at.saturating_add(1u32.into()));
		let seed = Pallet::<T>::seed(posted_at).ok_or(BenchmarkError::Stop("seed"))?;
		let proof = checker_vrf::sign(key, &who.encode(), id, 0, seed)
			.ok_or(BenchmarkError::Stop("vrf"))?;
		// A disagreeing verdict: verifies the VRF, records the verdict and opens a dispute.
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, 0, proof, false, committed::<T>(&who, id, &[1; 32]));
		assert!(Disputes::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn reveal_witness() -> Result<(), BenchmarkError> {
		let who = funded::<T>("checker", 0);
		let id: JobId = 7;
		let digest = [3u8; 32];
		Verdicts::<T>::insert(
			id,
			&who,
			Verdict {
				round: 0,
				accepted: true,
				witness: committed::<T>(&who, id, &digest),
				revealed: None,
				slashed: false,
			},
		);
		VerdictCount::<T>::insert(id, 1);
		let due = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		Reveals::<T>::insert(id, Reveal { due, earners: Earners::Accepters });
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, digest);
		assert_eq!(Verdicts::<T>::get(id, &who).and_then(|v| v.revealed), Some(digest));
		Ok(())
	}

	#[benchmark]
	fn challenge() -> Result<(), BenchmarkError> {
		let dapp = funded::<T>("dapp", 0);
		let id = job::<T>(&dapp, true)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(dapp), id);
		assert!(Disputes::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn buy_checks() -> Result<(), BenchmarkError> {
		// A provider rate below what is bought (only the difference is sold).
		Settings::<T>::mutate(|s| {
			s.initial_rate = Perbill::from_percent(10);
			s.floor_rate = Perbill::from_percent(10);
		});
		let dapp = funded::<T>("dapp", 0);
		let id = job::<T>(&dapp, false)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(dapp), id, Perbill::from_percent(90));
		assert!(BoughtRates::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn set_settings() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut new = Settings::<T>::get();
		new.committee_size = 1;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, new);
		assert_eq!(Settings::<T>::get().committee_size, 1);
		Ok(())
	}

	#[benchmark]
	fn cancel_slash() -> Result<(), BenchmarkError> {
		let (who, _) = checker::<T>(0)?;
		let now = frame_system::Pallet::<T>::block_number();
		Pallet::<T>::schedule_slash(
			who,
			SlashFrom::CheckerBond,
			Perbill::one(),
			None,
			Some(0),
			now,
		);
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);
		assert!(!PendingSlashes::<T>::contains_key(0));
		Ok(())
	}

	/// `r` disputes found bad at the end of their round, each with a full store of vouching
	/// verdicts to slash; `s` slashes of provider stake executing.
	#[benchmark]
	fn on_initialize(
		r: Linear<0, { T::MaxDuePerBlock::get() }>,
		s: Linear<0, { T::MaxDuePerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let now = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		let vouchers = T::MaxVerdictsPerJob::get().saturating_sub(1);
		for i in 0..r {
			let dapp = funded::<T>("dapp", i);
			let id = job::<T>(&dapp, true)?;
			let accuser = funded::<T>("accuser", i);
			Disputes::<T>::insert(
				id,
				Dispute {
					accuser: Accuser::Checker(accuser),
					bond: Zero::zero(),
					round: 1,
					round_started: now,
					chance: 1_000_000_000,
					round_ends: now,
					quorum: 1,
					guilty: 1,
					innocent: 0,
				},
			);
			RoundEnds::<T>::try_mutate(now, |v| v.try_push(id))
				.map_err(|_| BenchmarkError::Stop("round agenda"))?;
			for k in 0..vouchers {
				let voucher: T::AccountId = account("voucher", k, i);
				Verdicts::<T>::insert(
					id,
					voucher,
					Verdict {
						round: 0,
						accepted: true,
						witness: [0; 32],
						revealed: None,
						slashed: false,
					},
				);
			}
			VerdictCount::<T>::insert(id, vouchers);
		}
		for i in 0..s {
			let dapp = funded::<T>("slash-dapp", i);
			let id = job::<T>(&dapp, true)?;
			let provider =
				Checkables::<T>::get(id).ok_or(BenchmarkError::Stop("checkable"))?.provider;
			let slash = NextSlashId::<T>::get();
			NextSlashId::<T>::put(slash.saturating_add(1));
			PendingSlashes::<T>::insert(
				slash,
				PendingSlash {
					offender: provider,
					from: SlashFrom::ProviderStake,
					fraction: Perbill::from_percent(10),
					beneficiary: Some(dapp),
					job: Some(id),
					execute_at: now,
				},
			);
		}
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
		assert!(RoundEnds::<T>::get(now).is_empty());
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
