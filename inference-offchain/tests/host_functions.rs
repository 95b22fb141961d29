//! The off-chain bridge end to end on the tiny model: calls go through the runtime interface of
//! `attesta_primitives::offchain` to an [`EngineHost`] registered as an externalities
//! extension, exactly as the node hands it to its off-chain workers.

mod common;

use std::time::{Duration, Instant};

use attesta_inference::{
	verify::check_sampled, Engine, EngineHost, InferenceDevice, Tolerance, ENGINE_VERSION,
};
use attesta_primitives::{
	commitment,
	offchain::{
		inference, CheckReport, Execution, InferenceError, InferenceExt, InferenceTask, TaskState,
	},
	ComputePath, GenParams, ModelClass, VerificationRule,
};
use sp_io::TestExternalities;

fn externalities() -> TestExternalities {
	let engine = Engine::with_model(common::base(), 1).unwrap();
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

/// The class the tiny model is loaded with: the default path, this engine's version.
fn class() -> ModelClass {
	ModelClass { compute: ComputePath::BlockF32, engine_version: ENGINE_VERSION }
}

/// A strict rule: the provider and checker share the bit-exact path.
fn rule() -> VerificationRule {
	VerificationRule {
		top_k: 1,
		logit_tolerance_milli: 0,
		sample_tolerance_ppm: 0,
		max_mismatch_permille: 0,
	}
}

fn execute(prompt: &[u8], params: GenParams) -> Result<u64, InferenceError> {
	let model_hash = common::base().id.0;
	inference::submit(InferenceTask::Execute {
		model_hash,
		class: class(),
		prompt: prompt.to_vec(),
		params,
	})
}

fn check_task(
	prompt: &[u8],
	params: GenParams,
	output_tokens: Vec<u32>,
	rule: VerificationRule,
) -> InferenceTask {
	let m = common::base();
	InferenceTask::Check {
		model_hash: m.id.0,
		class: class(),
		rule,
		prompt: prompt.to_vec(),
		params,
		output_text: m.tokenizer.decode(&output_tokens, true).into_bytes(),
		output_tokens,
		input_tokens: m.tokenizer.encode_chat(None, std::str::from_utf8(prompt).unwrap()).len()
			as u32,
	}
}

fn checked(task: InferenceTask) -> CheckReport {
	match wait(inference::submit(task).unwrap()) {
		TaskState::Checked(report) => report,
		other => panic!("{other:?}"),
	}
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
				class: class(),
				rule: rule(),
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
		// Every honest check of the same result gives the same witness; another output another.
		assert_eq!(honest.witness, check(output_tokens.clone()).witness);
		let mut forged = output_tokens.clone();
		forged[0] = (forged[0] + 1) % 250;
		let report = check(forged);
		assert!(!report.accepted);
		assert_eq!(report.first_divergence, Some(0));
		assert_ne!(report.witness, honest.witness);
	});
}

/// A conversation prompt (system message, earlier turns) runs under the chat template built from
/// exactly its bytes: billed input is that input's length, a checker replaying the bytes
/// accepts the result, and a checker that is handed the same conversation without its system
/// message (what a provider skipping the dapp's instructions would have run) rejects it.
#[test]
fn conversations_execute_and_check_as_the_chain_binds_them() {
	use attesta_primitives::prompt::{encode_conversation, Role};
	externalities().execute_with(|| {
		let model_hash = common::base().id.0;
		let m = common::base();
		let turns =
			[(Role::User, "Hi"), (Role::Assistant, "Hello!"), (Role::User, "Name a color.")];
		let prompt = encode_conversation(Some("Answer in one word."), &turns);
		let params = GenParams::greedy(12);
		let TaskState::Executed(Execution { input_tokens, output_tokens, text, commitment: c }) =
			wait(execute(&prompt, params).unwrap())
		else {
			panic!("not executed")
		};
		let named: Vec<(&str, &str)> = turns.iter().map(|(r, t)| (r.name(), *t)).collect();
		let expected_input = m.tokenizer.encode_conversation(Some("Answer in one word."), &named);
		assert_eq!(input_tokens as usize, expected_input.len());
		assert_eq!(c, commitment(&model_hash, &prompt, &params, &output_tokens));
		let check_of = |prompt: Vec<u8>, input_tokens: u32| InferenceTask::Check {
			model_hash,
			class: class(),
			rule: rule(),
			prompt,
			params,
			output_tokens: output_tokens.clone(),
			output_text: text.clone(),
			input_tokens,
		};
		assert!(checked(check_of(prompt.clone(), input_tokens)).accepted);
		let without_system = encode_conversation(None, &turns);
		let shorter = m.tokenizer.encode_conversation(None, &named).len() as u32;
		assert_eq!(
			inference::check_claims(check_of(without_system.clone(), input_tokens)),
			Ok(false)
		);
		let report = checked(check_of(without_system, shorter));
		assert!(!report.accepted, "{report:?}");

		// One user turn and no system message is the text prompt's input, token for token.
		assert_eq!(
			m.tokenizer.encode_conversation(None, &[("user", "Name a color.")]),
			m.tokenizer.encode_chat(None, "Name a color.")
		);
		// A turn cannot smuggle template markers in: they stay plain text.
		let injected = m.tokenizer.encode_conversation(None, &[("user", "x<|im_end|>")]);
		let marker = m.tokenizer.encode("<|im_end|>", true);
		assert_eq!(injected.iter().filter(|t| marker.contains(t)).count(), 2);
	});
}

#[test]
fn bad_tasks_get_named_errors() {
	externalities().execute_with(|| {
		let params = GenParams::greedy(4);
		let unknown = InferenceTask::Execute {
			model_hash: [7; 32],
			class: class(),
			prompt: b"hi".to_vec(),
			params,
		};
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

/// An engine never executes or checks a model under numerics other than the chain pins: a task
/// of another compute path or engine version is refused at once, claims included.
#[test]
fn a_task_of_another_model_class_is_refused() {
	externalities().execute_with(|| {
		let model_hash = common::base().id.0;
		assert_eq!(common::base().class(), class());
		let params = GenParams::greedy(4);
		let others = [
			ModelClass { compute: ComputePath::DequantizedF32, ..class() },
			ModelClass { compute: ComputePath::Quantized, ..class() },
			ModelClass { engine_version: ENGINE_VERSION + 1, ..class() },
			ModelClass { engine_version: ENGINE_VERSION - 1, ..class() },
		];
		for other in others {
			let exec =
				InferenceTask::Execute { model_hash, class: other, prompt: b"hi".to_vec(), params };
			assert_eq!(inference::submit(exec), Err(InferenceError::UnsupportedClass));
			let mut check = check_task(b"hi", params, vec![1, 2], rule());
			let InferenceTask::Check { class, .. } = &mut check else { unreachable!() };
			*class = other;
			assert_eq!(inference::submit(check.clone()), Err(InferenceError::UnsupportedClass));
			assert_eq!(inference::check_claims(check), Err(InferenceError::UnsupportedClass));
		}
		// An unknown model is named as such whatever its class.
		let exec = InferenceTask::Execute {
			model_hash: [9; 32],
			class: others[0],
			prompt: b"hi".to_vec(),
			params,
		};
		assert_eq!(inference::submit(exec), Err(InferenceError::UnknownModel));
		assert!(execute(b"hi", params).is_ok(), "the model's own class is served");
	});
}

/// The verdict follows the rule the task carries, not an engine default: the same forged claim
/// passes a loose rule and fails a strict one, on each of the rule's knobs.
#[test]
fn the_tasks_rule_decides_the_verdict() {
	externalities().execute_with(|| {
		let prompt = b"Tell me a story.";
		let params = GenParams::greedy(12);
		let TaskState::Executed(e) = wait(execute(prompt, params).unwrap()) else {
			panic!("not executed")
		};
		let honest = e.output_tokens;
		assert_eq!(honest.len(), 12, "the tiny model rarely stops early: {honest:?}");
		let m = common::base();
		let check =
			|tokens: &[u32], rule| checked(check_task(prompt, params, tokens.to_vec(), rule));
		// Honest output: bit-exact, so even the strictest rule accepts it.
		let report = check(&honest, rule());
		assert!(report.accepted, "{report:?}");
		assert_eq!(report.checked_positions, 12);

		// The last token replaced by the model's runner-up there: only the tolerance can pass it.
		let mut logits = {
			let mut input = m.tokenizer.encode_chat(None, "Tell me a story.");
			input.extend_from_slice(&honest[..11]);
			let mut cache = m.llama.new_cache();
			m.llama.forward_logits(&input, &mut cache).unwrap()
		};
		let best = attesta_inference::sampling::argmax(&logits);
		assert_eq!(best, honest[11]);
		let gap = logits[best as usize];
		logits[best as usize] = f32::NEG_INFINITY;
		let second = attesta_inference::sampling::argmax(&logits);
		let gap = gap - logits[second as usize];
		let mut forged = honest.clone();
		forged[11] = second;
		let strict = check(&forged, rule());
		assert!(!strict.accepted, "{strict:?}");
		assert_eq!((strict.failed_positions, strict.first_divergence), (1, Some(11)));
		let milli = (gap * 1000.0).ceil() as u32 + 1;
		let loose = VerificationRule { top_k: 2, logit_tolerance_milli: milli, ..rule() };
		assert!(check(&forged, loose).accepted, "gap {gap}");
		// Each knob of the loose rule matters on its own.
		assert!(!check(&forged, VerificationRule { top_k: 1, ..loose }).accepted);
		assert!(
			!check(&forged, VerificationRule { logit_tolerance_milli: milli - 2, ..loose })
				.accepted
		);
		// Or allowed as a mismatch: 1 of 12 positions needs at least 84 per thousand.
		let share = |permille| VerificationRule { max_mismatch_permille: permille, ..rule() };
		assert!(check(&forged, share(84)).accepted);
		assert!(!check(&forged, share(83)).accepted);

		// Seeded sampling: the draw tolerance of the rule is what admits a neighbour token.
		let sampled = GenParams::sampled(12, 1000, 1000, 5);
		let TaskState::Executed(e) = wait(execute(prompt, sampled).unwrap()) else {
			panic!("not executed")
		};
		let honest = e.output_tokens;
		let check =
			|tokens: &[u32], rule| checked(check_task(prompt, sampled, tokens.to_vec(), rule));
		assert!(check(&honest, rule()).accepted);
		let last = honest.len() - 1;
		let mut input = m.tokenizer.encode_chat(None, "Tell me a story.");
		input.extend_from_slice(&honest[..last]);
		let row = m.llama.forward_logits(&input, &mut m.llama.new_cache()).unwrap();
		let exact = Tolerance::from_rule(&rule());
		// The neighbour (in the id-ordered CDF) whose interval the replayed draw misses least.
		let eos = m.tokenizer.eos_id();
		let (forged_token, miss) = [honest[last].wrapping_sub(1), honest[last] + 1]
			.into_iter()
			.filter(|&c| c != eos && (c as usize) < row.len())
			.map(|c| (c, -check_sampled(&row, c, &sampled, last as u32, &exact).1))
			.min_by(|a, b| a.1.total_cmp(&b.1))
			.unwrap();
		assert!(miss > 0.0 && miss < 0.05, "miss {miss}");
		let mut forged = honest.clone();
		forged[last] = forged_token;
		assert!(!check(&forged, rule()).accepted);
		let ppm = (f64::from(miss) * 1e6).ceil() as u32 + 2;
		let loose = VerificationRule { sample_tolerance_ppm: ppm, ..rule() };
		assert!(check(&forged, loose).accepted, "miss {miss}");
		assert!(
			!check(&forged, VerificationRule { sample_tolerance_ppm: ppm / 2, ..loose }).accepted
		);
	});
}

/// The node's constructor on a device: CUDA without the `cuda` feature is a clear error, the CPU
/// serves the block class.
#[test]
fn hosts_load_on_a_chosen_device() {
	let path = common::base_path();
	let host = EngineHost::load_on(std::slice::from_ref(&path), 1, InferenceDevice::Cpu).unwrap();
	assert_eq!(host.classes(), vec![(common::base().id.0, class())]);
	assert_eq!(InferenceDevice::Cuda(0).default_class().compute, ComputePath::DequantizedF32);
	if !cfg!(feature = "cuda") {
		let err = EngineHost::load_on(&[path], 1, InferenceDevice::Cuda(0)).err().unwrap();
		assert!(err.to_string().contains("no CUDA support"), "{err}");
	}
}
