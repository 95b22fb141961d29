//! Registry tests, by call.

#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, Error, Event, ModelRegistry, Models, VerificationRule};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

const HASH: [u8; 32] = [0xab; 32];

fn rule() -> VerificationRule {
	VerificationRule {
		top_k: 5,
		logit_tolerance_milli: 1_500,
		sample_tolerance_ppm: 5_000,
		max_mismatch_permille: 10,
	}
}

fn class() -> crate::ModelClass {
	crate::ModelClass { compute: crate::ComputePath::BlockF32, engine_version: 3 }
}

fn register(hash: [u8; 32]) -> sp_runtime::DispatchResult {
	crate::Pallet::<Test>::register_model(
		RuntimeOrigin::signed(ADMIN),
		b"SmolLM2-135M-Instruct Q4_1".to_vec(),
		crate::Architecture::Llama,
		hash,
		crate::Tokenizer::GgufEmbedded,
		2048,
		256,
		class(),
		rule(),
	)
}

#[test]
fn register_model_works() {
	build_and_execute(|| {
		assert_ok!(register(HASH));
		System::assert_last_event(
			Event::ModelRegistered { model_id: 0, weights_hash: HASH }.into(),
		);
		let limits = crate::Pallet::<Test>::limits(0).unwrap();
		assert_eq!(limits.weights_hash, HASH);
		assert_eq!((limits.max_context_tokens, limits.max_output_tokens), (2048, 256));
		assert!(limits.active);
		// What checkers and providers read of the model: its class and governed rule.
		assert_eq!((limits.class, limits.verification), (class(), rule()));
		assert_ok!(register([1; 32]));
		assert_eq!(Models::<Test>::count(), 2);
	});
}

#[test]
fn register_model_rejects_bad_input() {
	build_and_execute(|| {
		let call = |origin, name: Vec<u8>, ctx, out, rule| {
			crate::Pallet::<Test>::register_model(
				origin,
				name,
				crate::Architecture::Llama,
				HASH,
				crate::Tokenizer::GgufEmbedded,
				ctx,
				out,
				Default::default(),
				rule,
			)
		};
		assert_noop!(
			call(RuntimeOrigin::signed(2), b"m".to_vec(), 2048, 256, rule()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			call(RuntimeOrigin::signed(ADMIN), vec![], 2048, 256, rule()),
			Error::<Test>::BadModelName
		);
		assert_noop!(
			call(RuntimeOrigin::signed(ADMIN), vec![b'x'; 65], 2048, 256, rule()),
			Error::<Test>::BadModelName
		);
		assert_noop!(
			call(RuntimeOrigin::signed(ADMIN), b"m".to_vec(), 256, 256, rule()),
			Error::<Test>::InvalidLimits
		);
		assert_noop!(
			call(RuntimeOrigin::signed(ADMIN), b"m".to_vec(), 2048, 0, rule()),
			Error::<Test>::InvalidLimits
		);
		assert_noop!(
			call(
				RuntimeOrigin::signed(ADMIN),
				b"m".to_vec(),
				2048,
				256,
				VerificationRule { top_k: 0, ..rule() }
			),
			Error::<Test>::InvalidVerificationRule
		);
		assert_noop!(
			call(
				RuntimeOrigin::signed(ADMIN),
				b"m".to_vec(),
				2048,
				256,
				VerificationRule { max_mismatch_permille: 1_001, ..rule() }
			),
			Error::<Test>::InvalidVerificationRule
		);
		assert_ok!(register(HASH));
		assert_noop!(register(HASH), Error::<Test>::DuplicateModel);
		for i in 1..4u8 {
			assert_ok!(register([i; 32]));
		}
		assert_noop!(register([9; 32]), Error::<Test>::TooManyModels);
	});
}

#[test]
fn set_limits_works_and_checks() {
	build_and_execute(|| {
		assert_ok!(register(HASH));
		assert_ok!(crate::Pallet::<Test>::set_limits(RuntimeOrigin::signed(ADMIN), 0, 4096, 1024));
		System::assert_last_event(
			Event::ModelLimitsUpdated {
				model_id: 0,
				old_max_context_tokens: 2048,
				new_max_context_tokens: 4096,
				old_max_output_tokens: 256,
				new_max_output_tokens: 1024,
			}
			.into(),
		);
		assert_noop!(
			crate::Pallet::<Test>::set_limits(RuntimeOrigin::signed(2), 0, 4096, 1024),
			DispatchError::BadOrigin
		);
		assert_noop!(
			crate::Pallet::<Test>::set_limits(RuntimeOrigin::signed(ADMIN), 1, 4096, 1024),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			crate::Pallet::<Test>::set_limits(RuntimeOrigin::signed(ADMIN), 0, 100, 1024),
			Error::<Test>::InvalidLimits
		);
	});
}

#[test]
fn set_verification_rule_works_and_checks() {
	build_and_execute(|| {
		assert_ok!(register(HASH));
		let new = VerificationRule { top_k: 8, ..rule() };
		assert_ok!(crate::Pallet::<Test>::set_verification_rule(
			RuntimeOrigin::signed(ADMIN),
			0,
			new
		));
		System::assert_last_event(
			Event::VerificationRuleUpdated { model_id: 0, old: rule(), new }.into(),
		);
		assert_noop!(
			crate::Pallet::<Test>::set_verification_rule(RuntimeOrigin::signed(2), 0, new),
			DispatchError::BadOrigin
		);
		assert_noop!(
			crate::Pallet::<Test>::set_verification_rule(RuntimeOrigin::signed(ADMIN), 3, new),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			crate::Pallet::<Test>::set_verification_rule(
				RuntimeOrigin::signed(ADMIN),
				0,
				VerificationRule { top_k: 5_000, ..rule() }
			),
			Error::<Test>::InvalidVerificationRule
		);
	});
}

#[test]
fn set_active_works_and_checks() {
	build_and_execute(|| {
		assert_ok!(register(HASH));
		assert_ok!(crate::Pallet::<Test>::set_active(RuntimeOrigin::signed(ADMIN), 0, false));
		System::assert_last_event(Event::ModelActiveSet { model_id: 0, active: false }.into());
		assert!(!crate::Pallet::<Test>::limits(0).unwrap().active);
		assert_noop!(
			crate::Pallet::<Test>::set_active(RuntimeOrigin::signed(2), 0, true),
			DispatchError::BadOrigin
		);
		assert_noop!(
			crate::Pallet::<Test>::set_active(RuntimeOrigin::signed(ADMIN), 7, true),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn every_call_weight_comes_from_weight_info() {
	use crate::WeightInfo;
	use frame_support::dispatch::GetDispatchInfo;
	let cases: Vec<(crate::Call<Test>, frame_support::weights::Weight)> = vec![
		(
			crate::Call::register_model {
				name: vec![],
				architecture: crate::Architecture::Llama,
				weights_hash: HASH,
				tokenizer: crate::Tokenizer::GgufEmbedded,
				max_context_tokens: 1,
				max_output_tokens: 1,
				class: Default::default(),
				verification: rule(),
			},
			<() as WeightInfo>::register_model(),
		),
		(
			crate::Call::set_limits { model_id: 0, max_context_tokens: 1, max_output_tokens: 1 },
			<() as WeightInfo>::set_limits(),
		),
		(
			crate::Call::set_verification_rule { model_id: 0, rule: rule() },
			<() as WeightInfo>::set_verification_rule(),
		),
		(crate::Call::set_active { model_id: 0, active: true }, <() as WeightInfo>::set_active()),
	];
	for (call, weight) in cases {
		let info = call.get_dispatch_info();
		assert_eq!(info.call_weight, weight, "{call:?}");
		assert!(weight.ref_time() > 0);
	}
}
