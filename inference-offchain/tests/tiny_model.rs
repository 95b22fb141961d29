//! End-to-end tests on a tiny seeded random llama written as a real GGUF file.

mod common;

use std::time::{Duration, Instant};

use attesta_inference::{
	generate, verify, CheckPlan, Engine, GenParams, Input, LoadedModel, Outcome, Reason, Request,
	TaskStatus, Tolerance,
};
use candle_core::quantized::GgmlDType;

fn chat(m: &LoadedModel, p: &str) -> Vec<u32> {
	m.tokenizer.encode_chat(None, p)
}

fn check(
	m: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	out: &[u32],
) -> attesta_inference::Verdict {
	verify(m, input, params, out, &Tolerance::default(), &CheckPlan::All).expect("verify runs")
}

fn job(i: usize) -> GenParams {
	if i.is_multiple_of(2) {
		GenParams::greedy(24)
	} else {
		GenParams::sampled(24, 800, 900, 1000 + i as u64)
	}
}

#[test]
fn tokenizer_round_trips_on_tiny_vocab() {
	let m = common::base();
	for s in ["Hello, world! It's 2024.", "tabs\tand\nnewlines", "ünïcödé ✓"] {
		assert_eq!(m.tokenizer.decode(&m.tokenizer.encode(s, false), false), s);
	}
	let ids = chat(&m, "hi");
	assert_eq!(ids.first(), Some(&1));
	assert!(m.tokenizer.decode(&ids, false).ends_with("<|im_start|>assistant\n"));
}

#[test]
fn generation_is_deterministic_across_runs_and_workers() {
	let m = common::base();
	for (i, p) in common::PROMPTS.iter().enumerate() {
		let input = chat(&m, p);
		let a = generate(&m, &input, &job(i)).unwrap();
		let b = generate(&m, &input, &job(i)).unwrap();
		assert_eq!(a.output_tokens, b.output_tokens);
		let eos = m.tokenizer.eos_id();
		assert!(a.output_tokens.len() == 24 || a.output_tokens.last() == Some(&eos));
	}
	// Two workers running jobs concurrently give the same tokens as one worker.
	let one = Engine::with_model(m.clone(), 1).unwrap();
	let two = Engine::with_model(m.clone(), 2).unwrap();
	let run = |e: &Engine| -> Vec<Vec<u32>> {
		let ids: Vec<_> = (0..6)
			.map(|i| {
				e.submit(Request::Generate {
					input: Input::Chat { system: String::new(), user: common::PROMPTS[i].into() },
					params: job(i),
				})
			})
			.collect();
		ids.iter()
			.map(|&id| match e.wait(id, Duration::from_secs(60)) {
				Some(Outcome::Generated(g)) => g.output_tokens,
				other => panic!("unexpected outcome {other:?}"),
			})
			.collect()
	};
	assert_eq!(run(&one), run(&two));
}

#[test]
fn generation_is_identical_with_one_and_two_compute_threads() {
	// candle's compute pool is process-wide, so each thread count runs in its own process.
	let exe = env!("CARGO_BIN_EXE_attesta-infer");
	let model = common::base_path();
	let run = |threads: &str, extra: &[&str]| -> String {
		let out = std::process::Command::new(exe)
			.args(["run", "--model"])
			.arg(&model)
			.args([
				"--prompt",
				"the cat sat on the mat",
				"--max-tokens",
				"32",
				"--threads",
				threads,
			])
			.args(extra)
			.output()
			.expect("spawn cli");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		let s = String::from_utf8_lossy(&out.stdout).into_owned();
		s.lines()
			.filter(|l| l.starts_with("output_tokens") || l.starts_with("commitment"))
			.collect()
	};
	assert_eq!(run("1", &[]), run("2", &[]));
	let sampled = ["--temperature", "0.9", "--top-p", "0.95", "--seed", "5"];
	assert_eq!(run("1", &sampled), run("2", &sampled));
}

#[test]
fn honest_claims_are_accepted_and_commitments_match() {
	let m = common::base();
	for (i, p) in common::PROMPTS.iter().enumerate() {
		let input = chat(&m, p);
		let params = job(i);
		let g = generate(&m, &input, &params).unwrap();
		let v = check(&m, &input, &params, &g.output_tokens);
		assert!(v.accepted, "prompt {i}: {v:?}");
		assert_eq!(v.reason, Reason::Consistent);
		assert_eq!(v.checked_positions, g.output_tokens.len() as u32);
		assert!(v.min_margin > 0.0);
		// The work witness: the runner-up at every position, never the claimed token, and the
		// same on a second pass.
		assert_eq!(v.runner_ups.len(), g.output_tokens.len());
		for (runner, claimed) in v.runner_ups.iter().zip(&g.output_tokens) {
			assert_ne!(runner, claimed);
		}
		assert_eq!(v.runner_ups, check(&m, &input, &params, &g.output_tokens).runner_ups);
		let sampled = CheckPlan::Sample { count: 5, seed: 3 };
		let vs =
			verify(&m, &input, &params, &g.output_tokens, &Tolerance::default(), &sampled).unwrap();
		assert!(vs.accepted && vs.checked_positions == 5);
	}
}

#[test]
fn honest_claim_accepted_by_checker_with_other_thread_count() {
	let m = common::base();
	let input = m.tokenizer.encode("the cat sat on the mat", false);
	let g = generate(&m, &input, &GenParams::greedy(32)).unwrap();
	let toks: Vec<String> = g.output_tokens.iter().map(u32::to_string).collect();
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_attesta-infer"))
		.args(["verify", "--raw", "--threads", "1", "--max-tokens", "32", "--model"])
		.arg(common::base_path())
		.args(["--prompt", "the cat sat on the mat", "--output-tokens", &toks.join(",")])
		.output()
		.expect("spawn cli");
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
	assert!(stdout.contains("accepted: true"));
}

/// Claims produced by `cheat` that differ from the honest output must all be rejected, and at
/// least `min_differing` of them must differ.
fn assert_cheater_rejected(cheat: &LoadedModel, min_differing: usize) {
	let m = common::base();
	let mut differing = 0;
	for (i, p) in common::PROMPTS.iter().enumerate() {
		let input = chat(&m, p);
		let params = job(i);
		let honest = generate(&m, &input, &params).unwrap().output_tokens;
		let claim = generate(cheat, &input, &params).unwrap().output_tokens;
		if claim == honest {
			continue;
		}
		differing += 1;
		let v = check(&m, &input, &params, &claim);
		assert!(!v.accepted, "prompt {i} accepted a cheater's output: {v:?}");
		assert_eq!(v.reason, Reason::Inconsistent);
		let first = v.first_divergence.unwrap() as usize;
		let diverged = honest.iter().zip(&claim).position(|(a, b)| a != b).unwrap();
		assert!(first >= diverged, "flagged {first} before the real divergence {diverged}");
		assert!(!v.evidence.is_empty());
	}
	assert!(differing >= min_differing, "only {differing} cheater outputs differed");
}

#[test]
fn perturbed_weights_are_rejected() {
	assert_cheater_rejected(&common::perturbed(0.05), 4);
}

#[test]
fn other_quantizations_are_rejected() {
	assert_cheater_rejected(&common::requantized(GgmlDType::Q4_0), 3);
	assert_cheater_rejected(&common::requantized(GgmlDType::Q8_0), 3);
}

#[test]
fn tampered_prompt_is_rejected() {
	let m = common::base();
	let inputs: Vec<Vec<u32>> = common::PROMPTS.iter().map(|p| chat(&m, p)).collect();
	let params = GenParams::greedy(24);
	let outs: Vec<Vec<u32>> =
		inputs.iter().map(|i| generate(&m, i, &params).unwrap().output_tokens).collect();
	let mut single_rejected = 0;
	for i in 0..inputs.len() {
		// The answer to another prompt.
		let j = (i + 1) % inputs.len();
		let v = check(&m, &inputs[i], &params, &outs[j]);
		assert!(!v.accepted, "prompt {i} accepted the answer to prompt {j}: {v:?}");
		// One prompt token changed: the output may still be what the model answers to the
		// changed prompt (within tolerance), but mostly not.
		let mut tampered = inputs[i].clone();
		let k = tampered.len() - 6;
		tampered[k] = tampered[k] % 200 + 41;
		assert_ne!(tampered, inputs[i]);
		let v = check(&m, &tampered, &params, &outs[i]);
		let real = generate(&m, &tampered, &params).unwrap().output_tokens;
		if real == outs[i] {
			assert!(v.accepted, "prompt {i}: identical answer rejected: {v:?}");
		}
		single_rejected += u32::from(!v.accepted);
	}
	assert!(single_rejected >= 4, "only {single_rejected} of 6 single-token tampers rejected");
}

#[test]
fn fabricated_tokens_are_rejected() {
	let m = common::base();
	let eos = m.tokenizer.eos_id();
	for (i, p) in common::PROMPTS.iter().enumerate() {
		let params = job(i);
		let input = chat(&m, p);
		let honest = generate(&m, &input, &params).unwrap().output_tokens;
		// One substituted token, at several positions.
		for j in [0, 7, honest.len() - 1].into_iter().filter(|&j| j < honest.len()) {
			let mut fab = honest.clone();
			fab[j] = (fab[j] + 97) % (m.tokenizer.vocab_size() as u32);
			if fab[j] == eos {
				fab[j] += 1;
			}
			let v = check(&m, &input, &params, &fab);
			assert!(!v.accepted, "prompt {i} pos {j}: {v:?}");
			if honest[j] == eos {
				// Replacing the final EOS leaves an output that stops without it.
				assert_eq!(v.reason, Reason::Truncated);
			} else {
				assert_eq!(v.first_divergence, Some(j as u32));
			}
		}
		// Entirely made-up text of the right length.
		let made_up: Vec<u32> = m.tokenizer.encode(&"lorem ipsum dolor sit amet ".repeat(6), false)
			[..honest.len()]
			.to_vec();
		assert!(!check(&m, &input, &params, &made_up).accepted);
	}
}

#[test]
fn termination_rules_are_enforced() {
	let m = common::base();
	let eos = m.tokenizer.eos_id();
	let input = chat(&m, "hello world");
	let params = GenParams::greedy(24);
	let honest = generate(&m, &input, &params).unwrap().output_tokens;
	assert_eq!(honest.len(), 24);
	// Truncated: stops early without EOS.
	let v = check(&m, &input, &params, &honest[..20]);
	assert_eq!((v.accepted, v.reason, v.first_divergence), (false, Reason::Truncated, Some(20)));
	assert!(!check(&m, &input, &params, &[]).accepted);
	// Claiming EOS where the model would continue.
	let mut early = honest[..20].to_vec();
	early.push(eos);
	let v = check(&m, &input, &params, &early);
	assert_eq!((v.accepted, v.reason, v.first_divergence), (false, Reason::Inconsistent, Some(20)));
	// Padded past EOS.
	let mut padded = honest.clone();
	padded[10] = eos;
	let v = check(&m, &input, &params, &padded);
	assert_eq!(
		(v.accepted, v.reason, v.first_divergence),
		(false, Reason::PaddedPastEos, Some(11))
	);
	// Longer than max_tokens.
	let long = generate(&m, &input, &GenParams::greedy(30)).unwrap().output_tokens;
	let v = check(&m, &input, &params, &long);
	assert_eq!((v.accepted, v.reason), (false, Reason::TooLong));
	// Token ids outside the vocabulary.
	let mut bad = honest.clone();
	bad[3] = 1_000_000;
	assert_eq!(check(&m, &input, &params, &bad).reason, Reason::TokenOutOfRange);
}

#[test]
fn invalid_jobs_return_errors() {
	let m = common::base();
	assert!(generate(&m, &[], &GenParams::greedy(4)).is_err());
	assert!(generate(&m, &[5, 1_000_000], &GenParams::greedy(4)).is_err());
	assert!(generate(&m, &[5], &GenParams::greedy(5000)).is_err());
	assert!(LoadedModel::load("/nonexistent/model.gguf").is_err());
	let g = generate(&m, &[5, 6], &GenParams::greedy(0)).unwrap();
	assert!(g.output_tokens.is_empty());
}

#[test]
fn engine_submit_returns_immediately_and_poll_collects() {
	let m = common::base();
	let e = Engine::with_model(m.clone(), 2).unwrap();
	let t = Instant::now();
	let gen = e.submit(Request::Generate {
		input: Input::Text("the cat sat".into()),
		params: GenParams::greedy(200),
	});
	let bad =
		e.submit(Request::Generate { input: Input::Tokens(vec![]), params: GenParams::greedy(4) });
	assert!(t.elapsed() < Duration::from_millis(50), "submit blocked");
	let outcome = loop {
		if let Some(o) = e.poll(gen) {
			break o;
		}
		assert!(t.elapsed() < Duration::from_secs(60), "job never finished");
		std::thread::sleep(Duration::from_millis(5));
	};
	let Outcome::Generated(g) = outcome else { panic!("{outcome:?}") };
	assert!(e.poll(gen).is_none(), "outcome is handed over once");
	assert!(matches!(e.wait(bad, Duration::from_secs(10)), Some(Outcome::Failed(_))));
	let v = e.submit(Request::Verify {
		input: Input::Text("the cat sat".into()),
		params: GenParams::greedy(200),
		output_tokens: g.output_tokens.clone(),
		sample_count: 0,
		sample_seed: 0,
		rule: Tolerance::default().to_rule(),
	});
	match e.wait(v, Duration::from_secs(60)) {
		Some(Outcome::Verified(v)) => assert!(v.accepted),
		other => panic!("{other:?}"),
	}
	assert_eq!(e.model_hash(), m.id.0);
}

/// Threat model (Trust II): outcomes nobody collects and tasks whose job left used to count
/// against the engine's task limit until the node restarted. A task can be cancelled, queued,
/// running or done.
#[test]
fn engine_tasks_can_be_cancelled_queued_running_or_done() {
	let m = common::base();
	let e = Engine::with_model(m.clone(), 1).unwrap();
	let long = || Request::Generate {
		input: Input::Text("the cat sat".into()),
		params: GenParams::greedy(200),
	};
	let running = e.submit(long());
	let queued = e.submit(long());
	while e.status(running) == TaskStatus::Queued {
		std::thread::sleep(Duration::from_millis(1));
	}
	assert_eq!(e.held(), 2);
	// One worker: the second task waits behind the first (or has just started).
	assert!(e.cancel(queued));
	assert_ne!(e.status(queued), TaskStatus::Queued);
	assert!(e.cancel(running));
	assert_eq!(e.held(), 0, "a cancelled running task no longer counts");
	let t = Instant::now();
	while e.status(running) == TaskStatus::Running {
		assert!(t.elapsed() < Duration::from_secs(60));
		std::thread::sleep(Duration::from_millis(5));
	}
	assert!(e.poll(running).is_none(), "its outcome was dropped");
	let done = e.submit(long());
	assert!(e.wait(done, Duration::from_secs(60)).is_some());
	let done = e.submit(long());
	while e.status(done) != TaskStatus::Done {
		std::thread::sleep(Duration::from_millis(5));
	}
	assert!(e.cancel(done));
	assert_eq!(e.held(), 0);
	assert!(!e.cancel(done), "nothing left to cancel");
}
