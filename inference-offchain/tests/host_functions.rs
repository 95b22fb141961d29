//! The off-chain bridge end to end on the tiny model: calls go through the runtime interface of
//! `attesta_primitives::offchain` to an [`EngineHost`] registered as an externalities
//! extension, exactly as the node hands it to its off-chain workers.

mod common;

use std::time::{Duration, Instant};

use attesta_inference::{Engine, EngineHost, Tolerance};
use attesta_primitives::{
	commitment,
	offchain::{inference, Execution, InferenceError, InferenceExt, InferenceTask, TaskState},
	GenParams,
};
use sp_io::TestExternalities;

fn externalities() -> TestExternalities {
	let engine = Engine::with_model(common::base(), 1, Tolerance::default()).unwrap();
	let mut ext = TestExternalities::default();
	ext.register_extension(InferenceExt(EngineHost::new(vec![engine]).into_shared()));
	ext
}

/// Polls like an off-chain worker does on successive blocks until the task is done.
fn wait(ticket: u64) -> TaskState {
	let t = Instant::now();
	loop {
		match inference::poll(ticket) {
			TaskState::Pending => {
				assert!(t.elapsed() < Duration::from_secs(60), "task never finished");
				std::thread::sleep(Duration::from_millis(5));
			},
			done => return done,
		}
	}
}

fn execute(prompt: &[u8], params: GenParams) -> Result<u64, InferenceError> {
	let model_hash = common::base().id.0;
	inference::submit(InferenceTask::Execute { model_hash, prompt: prompt.to_vec(), params })
}

#[test]
fn execution_carries_the_chains_commitment_and_checks_back() {
	externalities().execute_with(|| {
		let model_hash = common::base().id.0;
		assert_eq!(inference::models(), vec![model_hash]);
		let params = GenParams::sampled(16, 800, 900, 11);
		let prompt = b"What is a blockchain?".to_vec();
		let t = Instant::now();
		let ticket = execute(&prompt, params).unwrap();
		assert!(t.elapsed() < Duration::from_millis(50), "submit waited for inference");
		let TaskState::Executed(Execution { input_tokens, output_tokens, text, commitment: c }) =
			wait(ticket)
		else {
			panic!("not executed")
		};
		let m = common::base();
		assert_eq!(
			input_tokens as usize,
			m.tokenizer.encode_chat(None, "What is a blockchain?").len()
		);
		assert_eq!(c, commitment(&model_hash, &prompt, &params, &output_tokens));
		assert_eq!(text, m.tokenizer.decode(&output_tokens, true).into_bytes());
		assert_eq!(inference::poll(ticket), TaskState::Unknown, "results are handed over once");

		let claims = |output_tokens: Vec<u32>, output_text: Vec<u8>, input_tokens: u32| {
			InferenceTask::Check {
				model_hash,
				prompt: prompt.clone(),
				params,
				output_tokens,
				output_text,
				input_tokens,
			}
		};
		let honest_text = text.clone();
		let check = |output_tokens: Vec<u32>| match wait(
			inference::submit(claims(output_tokens, honest_text.clone(), input_tokens)).unwrap(),
		) {
			TaskState::Checked(report) => report,
			other => panic!("{other:?}"),
		};
		// Threat model (Trust II): the right tokens with a false text, or an inflated input
		// count, used to pass every check. The claims are checked on their own, at once, and
		// they fail the full check too.
		assert_eq!(
			inference::check_claims(claims(output_tokens.clone(), text.clone(), input_tokens)),
			Ok(true)
		);
		assert_eq!(
			inference::check_claims(claims(output_tokens.clone(), b"Lies.".to_vec(), input_tokens)),
			Ok(false)
		);
		assert_eq!(
			inference::check_claims(claims(output_tokens.clone(), text.clone(), input_tokens + 25)),
			Ok(false)
		);
		match wait(
			inference::submit(claims(output_tokens.clone(), b"Lies.".to_vec(), input_tokens))
				.unwrap(),
		) {
			TaskState::Checked(report) => assert!(!report.accepted, "{report:?}"),
			other => panic!("{other:?}"),
		}
		let honest = check(output_tokens.clone());
		assert!(honest.accepted, "{honest:?}");
		assert!(!honest.probes.is_empty());
		let mut forged = output_tokens.clone();
		forged[0] = (forged[0] + 1) % 250;
		let report = check(forged);
		assert!(!report.accepted);
		assert_eq!(report.first_divergence, Some(0));
	});
}

#[test]
fn bad_tasks_get_named_errors() {
	externalities().execute_with(|| {
		let params = GenParams::greedy(4);
		let unknown =
			InferenceTask::Execute { model_hash: [7; 32], prompt: b"hi".to_vec(), params };
		assert_eq!(inference::submit(unknown), Err(InferenceError::UnknownModel));
		assert_eq!(execute(&[0xff, 0xfe], params), Err(InferenceError::InvalidPrompt));
		// Does not fit the context: accepted, then failed with the engine's reason.
		let ticket = execute(b"hi", GenParams::greedy(u32::MAX)).unwrap();
		assert!(matches!(wait(ticket), TaskState::Failed(InferenceError::Failed(_))));
		assert_eq!(inference::poll(12345), TaskState::Unknown);
	});
}

#[test]
fn a_full_queue_answers_busy() {
	externalities().execute_with(|| {
		let mut tickets = Vec::new();
		let busy = loop {
			match execute(b"Count to ten.", GenParams::greedy(8)) {
				Ok(t) => tickets.push(t),
				Err(e) => break e,
			}
			assert!(tickets.len() <= attesta_inference::host::MAX_TASKS_PER_MODEL);
		};
		assert_eq!(busy, InferenceError::Busy);
		assert_eq!(tickets.len(), attesta_inference::host::MAX_TASKS_PER_MODEL);
		for t in tickets {
			assert!(matches!(wait(t), TaskState::Executed(_)));
		}
		assert!(execute(b"Count to ten.", GenParams::greedy(8)).is_ok(), "room again");
	});
}

#[test]
fn without_an_engine_every_call_is_unavailable() {
	TestExternalities::default().execute_with(|| {
		assert_eq!(execute(b"hi", GenParams::greedy(4)), Err(InferenceError::Unavailable));
		assert_eq!(inference::poll(1), TaskState::Failed(InferenceError::Unavailable));
		assert!(inference::models().is_empty());
	});
}
