//! Operator (hot) keys of checkers: the node signs and draws with a key that cannot touch the
//! bond, rotated in one call, and never usable against a seed it could have known.

use super::*;
use attesta_primitives::{
	selection::{is_selected, verified_draw, VrfProof},
	JobId,
};
use codec::Encode;

/// The operator account, whose key (`pair_of(HOT)`) is also the new VRF key.
const HOT: u64 = 50;
const HOT2: u64 = 51;

/// `checker` hands its work to `operator`, whose key becomes its VRF key.
fn set(checker: u64, operator: Option<u64>, key_of: u64) -> sp_runtime::DispatchResult {
	Audits::set_operator(
		RuntimeOrigin::signed(checker),
		operator,
		pair_of(key_of).public().0,
		key_proof(key_of, checker),
	)
}

/// A posted job whose draw with `key_of`'s key selects `checker`, and that proof.
fn job_drawing(checker: u64, key_of: u64) -> (JobId, VrfProof) {
	(0..40)
		.find_map(|_| {
			let job = posted_job();
			let p = proof_as(key_of, checker, job, 0);
			let c = Checkables::<Test>::get(job).unwrap();
			let draw = verified_draw(
				&pair_of(key_of).public().0,
				&checker.encode(),
				job,
				0,
				&Audits::seed(c.posted_at).unwrap(),
				&p,
			)
			.unwrap();
			is_selected(draw, c.chance).then_some((job, p))
		})
		.expect("a job drawing the checker in forty tries")
}

fn verdict_by(
	origin: u64,
	checker: u64,
	job: JobId,
	proof: VrfProof,
) -> sp_runtime::DispatchResult {
	Audits::submit_verdict(
		RuntimeOrigin::signed(origin),
		job,
		0,
		proof,
		true,
		committed(checker, job, HONEST),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

#[test]
fn an_operator_answers_draws_for_its_checker_and_reveals() {
	build_and_execute(|| {
		let c = CHECKERS[0];
		assert_ok!(set(c, Some(HOT), HOT));
		System::assert_last_event(
			Event::OperatorSet { who: c, operator: Some(HOT), key: pair_of(HOT).public().0 }.into(),
		);
		run_to_block(System::block_number() + 1);
		let (job, p) = job_drawing(c, HOT);
		assert_ok!(verdict_by(HOT, c, job, p));
		assert!(Verdicts::<Test>::contains_key(job, c), "the verdict is the checker's");
		assert_eq!(Checkers::<Test>::get(c).unwrap().open_cases, 1);
		run_to_block(System::block_number() + WINDOW);
		assert_ok!(Audits::reveal_witness(RuntimeOrigin::signed(HOT), job, HONEST));
		assert!(Verdicts::<Test>::get(job, c).unwrap().revealed.is_some());
	});
}

#[test]
fn a_rotated_key_answers_only_seeds_fixed_after_the_rotation() {
	build_and_execute(|| {
		let c = CHECKERS[0];
		// A draw of the old key, seeded before the rotation.
		let (job, old_proof) = job_drawing(c, c);
		assert_ok!(set(c, Some(HOT), HOT));
		// Neither key answers a seed fixed before the rotation (the new one could have been
		// ground against it) ...
		assert_noop!(verdict_by(HOT, c, job, old_proof), Error::<Test>::RegisteredTooLate);
		let new_proof = proof_as(HOT, c, job, 0);
		assert_noop!(verdict_by(HOT, c, job, new_proof), Error::<Test>::RegisteredTooLate);
		assert_noop!(
			verdict_by(c, c, job, proof_as(HOT, c, job, 0)),
			Error::<Test>::RegisteredTooLate
		);
		// ... and on later seeds the old key no longer draws.
		run_to_block(System::block_number() + 1);
		let later = posted_job();
		assert_noop!(
			verdict_by(HOT, c, later, proof_as(c, c, later, 0)),
			Error::<Test>::BadVrfProof
		);
		// Rotating again frees the first key and makes the old operator a stranger.
		assert_ok!(set(c, Some(HOT2), HOT2));
		assert!(!CheckerKeys::<Test>::contains_key(pair_of(HOT).public().0));
		assert_eq!(Audits::acting_checker(HOT), HOT);
		assert_eq!(Audits::acting_checker(HOT2), c);
		// Back to signing itself, keeping the key.
		assert_ok!(set(c, None, HOT2));
		assert_eq!(Audits::acting_checker(HOT2), HOT2);
	});
}

#[test]
fn an_operator_cannot_touch_the_bond_or_be_taken_or_report_its_checker() {
	build_and_execute(|| {
		let (c, other) = (CHECKERS[0], CHECKERS[1]);
		assert_ok!(set(c, Some(HOT), HOT));
		let op = RuntimeOrigin::signed(HOT);
		assert_noop!(Audits::deregister_checker(op.clone()), Error::<Test>::NotChecker);
		assert_noop!(set(HOT, Some(HOT2), HOT2), Error::<Test>::NotChecker);
		assert_noop!(register(HOT, BOND), Error::<Test>::IsOperator);
		assert_noop!(Audits::report_silent(op, c), Error::<Test>::Conflicted);
		// Another checker cannot take this operator or this key, name a checker or itself.
		assert_noop!(set(other, Some(HOT), other), Error::<Test>::IsOperator);
		assert_noop!(set(other, Some(HOT2), HOT), Error::<Test>::KeyInUse);
		assert_noop!(set(other, Some(c), other), Error::<Test>::BadOperator);
		assert_noop!(set(other, Some(other), other), Error::<Test>::BadOperator);
		// A key it does not hold: the proof is the key's signature over another account.
		assert_noop!(
			Audits::set_operator(
				RuntimeOrigin::signed(other),
				Some(HOT2),
				pair_of(HOT2).public().0,
				key_proof(HOT2, c),
			),
			Error::<Test>::BadKeyProof
		);
		// Leaving frees operator and key.
		assert_ok!(Audits::deregister_checker(RuntimeOrigin::signed(c)));
		assert_eq!(Audits::acting_checker(HOT), HOT);
		assert!(Operators::<Test>::iter().next().is_none());
		assert_ok!(set(other, Some(HOT), HOT));
	});
}
