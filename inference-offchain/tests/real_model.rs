//! Tests on the real reference model (SmolLM2-135M-Instruct Q4_1).
//!
//! They run only when `ATTESTA_MODEL` points to the GGUF file (see `scripts/fetch-model.sh`)
//! and pass as skipped otherwise. The detection sweep is `#[ignore]`d because it takes minutes:
//! `ATTESTA_MODEL=... cargo test --release --test real_model -- --ignored --nocapture`.

use attesta_inference::{
	eval, generate, verify, CheckPlan, GenParams, LoadedModel, Tolerance, VerificationRule,
	RECOMMENDED_RULE,
};
use candle_core::quantized::GgmlDType;

/// sha256 of the reference weights file.
const REFERENCE_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

fn model() -> Option<LoadedModel> {
	let Ok(path) = std::env::var("ATTESTA_MODEL") else {
		eprintln!("skipped: set ATTESTA_MODEL to the SmolLM2-135M-Instruct Q4_1 GGUF path");
		return None;
	};
	Some(LoadedModel::load(path).expect("ATTESTA_MODEL must be a loadable GGUF"))
}

#[test]
fn real_tokenizer_round_trips() {
	let Some(m) = model() else { return };
	assert_eq!(m.id.to_hex(), REFERENCE_SHA256);
	let t = &m.tokenizer;
	for s in [
		"Hello, world! How are you doing today?",
		"The quick brown fox jumps over the lazy dog 1234567890 times.",
		"  leading spaces, trailing spaces  ",
		"Multi\nline\n\ntext with\ttabs and ünïcödé — “quotes” and emoji 😀.",
		"fn main() { println!(\"{}\", 42); }",
		"It's, they're, we've, I'm, you'll, he'd",
	] {
		let ids = t.encode(s, false);
		assert_eq!(t.decode(&ids, false), s, "ids {ids:?}");
	}
	// Chat template: ChatML with control tokens.
	let ids = t.encode_chat(Some("sys"), "hi");
	assert_eq!(ids[0], 1, "<|im_start|>");
	assert!(ids.contains(&2), "<|im_end|>");
	assert_eq!(t.eos_id(), 2);
	assert_eq!(t.encode("Hello world", false).len(), 2);
}

/// Threat model (Trust II): the textbook BPE loop is quadratic in a pre-token's length, and an
/// 8 KiB prompt without spaces is one pre-token, checked by every checker. The heap-based BPE
/// must give exactly the textbook's ids, on varied text and on long runs.
#[test]
fn real_tokenizer_bpe_equals_the_textbook_loop_and_is_fast_on_long_runs() {
	let Some(m) = model() else { return };
	let t = &m.tokenizer;
	let mut texts: Vec<String> = [
		"Hello, world! How are you doing today?",
		"The quick brown fox jumps over the lazy dog 1234567890 times.",
		"Multi\nline\n\ntext with\ttabs and ünïcödé — “quotes” and emoji 😀.",
		"fn main() { println!(\"{}\", 42); } // code, with_snake_case and CamelCase",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"abababababababababababababababab ababab 0000000000 !!!!!!!!!!",
		"https://example.com/a/b?c=d&e=f#g %20%21 λόγος 漢字かなカナ 한국어",
	]
	.iter()
	.map(|s| s.to_string())
	.collect();
	// Pseudo-random byte soup over a small alphabet, many lengths.
	let alphabet: Vec<char> = "ab cdeé1 2.,'\n😀xyzthe".chars().collect();
	let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
	for len in [1usize, 2, 3, 7, 31, 200, 1_000] {
		for _ in 0..20 {
			let s: String = (0..len)
				.map(|_| {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					alphabet[(x % alphabet.len() as u64) as usize]
				})
				.collect();
			texts.push(s);
		}
	}
	for s in &texts {
		assert_eq!(t.encode(s, false), t.encode_reference(s), "{s:?}");
	}
	// 8 KiB without a space: one pre-token, and still quick.
	let long: String = "Supercalifragilistic".repeat(410);
	let start = std::time::Instant::now();
	let ids = t.encode(&long, false);
	let took = start.elapsed();
	assert_eq!(t.decode(&ids, false), long);
	eprintln!("8 KiB pre-token encoded in {took:?}");
}

#[test]
fn real_chat_generation_is_sensible_and_verifies() {
	let Some(m) = model() else { return };
	let input = m.tokenizer.encode_chat(None, "What is the capital of France?");
	let params = GenParams::greedy(48);
	let g = generate(&m, &input, &params).unwrap();
	eprintln!("output: {:?}", g.text);
	assert!(g.text.contains("Paris"), "unexpected answer: {:?}", g.text);
	let v = verify(&m, &input, &params, &g.output_tokens, &Tolerance::default(), &CheckPlan::All)
		.unwrap();
	assert!(v.accepted, "{v:?}");
	// Block kernels: the checker's batched pass reproduces the decode logits bit for bit.
	assert_eq!(v.min_margin, Tolerance::default().logit_gap, "{v:?}");
	let sampled = GenParams::sampled(48, 700, 900, 42);
	let g = generate(&m, &input, &sampled).unwrap();
	eprintln!("sampled: {:?}", g.text);
	let v = verify(&m, &input, &sampled, &g.output_tokens, &Tolerance::default(), &CheckPlan::All)
		.unwrap();
	assert!(v.accepted, "{v:?}");
}

#[test]
#[ignore = "minutes long; needs ATTESTA_MODEL"]
fn real_detection_sweep() {
	let Some(m) = model() else { return };
	let n: usize = std::env::var("ATTESTA_SWEEP_PROMPTS")
		.ok()
		.and_then(|s| s.parse().ok())
		.unwrap_or(200);
	let other_path = std::env::temp_dir().join(format!("attesta-q4_0-{}.gguf", std::process::id()));
	eval::rewrite_gguf(&m.path, &other_path, Some(GgmlDType::Q4_0), 0.0, 1).unwrap();
	let other = LoadedModel::load(&other_path).unwrap();
	let _ = std::fs::remove_file(&other_path);
	let prompts: Vec<Vec<u32>> = eval::sweep_prompts(n)
		.iter()
		.map(|p| m.tokenizer.encode_chat(None, p))
		.collect();
	let params_for = |i: usize| {
		if i.is_multiple_of(2) {
			GenParams::greedy(32)
		} else {
			GenParams::sampled(32, 700, 900, i as u64)
		}
	};
	let rep = eval::sweep(&m, &other, &prompts, &params_for, &Tolerance::default(), |i, r| {
		if (i + 1) % 20 == 0 {
			eprintln!("{} prompts: {r:?}", i + 1);
		}
	})
	.unwrap();
	eprintln!("{rep:#?}");
	eprintln!(
		"false rejects {} / {}, false accepts {}",
		rep.false_rejects(),
		rep.prompts,
		rep.false_accepts()
	);
	assert_eq!(rep.false_rejects(), 0);
	assert_eq!(rep.fabricated.accepted, 0);
}

/// Token ids of varied strings under llama.cpp's tokenizer (`scripts/golden-tokens.py`, run
/// with llama-cpp-python on the same GGUF), stored as a fixture: ours must give exactly the
/// same ids, without Python at test time.
const GOLDEN_TOKENS: &str = include_str!("fixtures/tokenizer_golden.tsv");

fn unhex(s: &str) -> Vec<u8> {
	(0..s.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
		.collect()
}

#[test]
fn real_tokenizer_matches_llama_cpp_golden_ids() {
	let Some(m) = model() else { return };
	let t = &m.tokenizer;
	let sha = GOLDEN_TOKENS
		.lines()
		.find_map(|l| l.strip_prefix("# model_sha256\t"))
		.expect("fixture names its model");
	assert_eq!(sha, m.id.to_hex(), "the fixture was made for another model file");
	let (mut cases, mut kinds, mut mismatches) = (0, std::collections::BTreeSet::new(), Vec::new());
	for line in GOLDEN_TOKENS.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
		let [kind, text, ids] = line.split('\t').collect::<Vec<_>>()[..] else {
			panic!("malformed fixture line {line:?}")
		};
		let text = String::from_utf8(unhex(text)).expect("fixture text is UTF-8");
		let want: Vec<u32> =
			ids.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
		let ours = match kind {
			"plain" => t.encode(&text, false),
			"special" => t.encode(&text, true),
			"chat" => t.encode_chat(None, &text),
			other => panic!("unknown fixture kind {other}"),
		};
		if ours != want {
			mismatches.push(format!("{kind} {text:?}:\n  ours  {ours:?}\n  llama {want:?}"));
		}
		cases += 1;
		kinds.insert(kind);
	}
	assert!(cases >= 50 && kinds.len() == 3, "{cases} cases of {kinds:?}");
	assert!(
		mismatches.is_empty(),
		"{} of {cases} differ:\n{}",
		mismatches.len(),
		mismatches.join("\n")
	);
}

/// Writes the reference weights re-quantized to `dtype` and loads them.
fn requantized(m: &LoadedModel, dtype: GgmlDType) -> LoadedModel {
	let path = std::env::temp_dir().join(format!("attesta-{dtype:?}-{}.gguf", std::process::id()));
	eval::rewrite_gguf(&m.path, &path, Some(dtype), 0.0, 1).unwrap();
	let other = LoadedModel::load(&path).unwrap();
	let _ = std::fs::remove_file(&path);
	other
}

/// The genesis rule, calibrated: no honest job of 200 (greedy and seeded sampling at several
/// temperatures and top-p, several lengths) is rejected, and each adversary is caught as often
/// as measured with `attesta-infer calibrate` (outputs kept short here for time; the command
/// runs long ones): every cheat, except a few substitutions at the output's closest call (a
/// near-tie within the rule's margins, which only a full forward pass finds). The previous
/// genesis rule is run alongside for comparison.
#[test]
fn real_calibration_of_the_recommended_rule() {
	let Some(m) = model() else { return };
	let (q4_0, q8_0) = (requantized(&m, GgmlDType::Q4_0), requantized(&m, GgmlDType::Q8_0));
	let setup = eval::CalibrationSetup {
		model: &m,
		quantizations: vec![("Q4_0".into(), &q4_0), ("Q8_0".into(), &q8_0)],
		cross_path: None,
		jobs: eval::calibration_jobs(200, 6),
		adversary_jobs: 16,
	};
	let old = VerificationRule {
		top_k: 8,
		logit_tolerance_milli: 2_000,
		sample_tolerance_ppm: 5_000,
		max_mismatch_permille: 20,
	};
	let tols = [Tolerance::from_rule(&RECOMMENDED_RULE), Tolerance::from_rule(&old)];
	let t = std::time::Instant::now();
	let reports = eval::calibrate(&setup, &tols, |_, _| {}).unwrap();
	eprintln!("calibrated in {:.0} s", t.elapsed().as_secs_f64());
	for r in &reports {
		eprintln!("{}", r.markdown());
		assert_eq!(r.honest, 200);
		assert_eq!(r.false_rejects, 0, "honest jobs rejected");
	}
	let report = &reports[0];
	// (adversary, least distinguishable cheats, least detection rate)
	let floors: [(&str, u32, f64); 7] = [
		("runner-up token at one position, continuation re-generated", 16, 1.0),
		("runner-up token at the closest call, continuation re-generated", 16, 0.8),
		("output of the Q4_0 re-quantization", 12, 1.0),
		("output of the Q8_0 re-quantization", 2, 1.0),
		("output for another system prompt", 9, 1.0),
		("output for the prompt with one word changed", 10, 1.0),
		("early stop (truncated, EOS claimed)", 14, 1.0),
	];
	for (name, least, floor) in floors {
		let t = report.adversary(name).unwrap_or_else(|| panic!("no adversary {name}"));
		assert!(t.distinguishable() >= least, "{name}: {t:?}");
		assert!(t.rate() >= floor, "{name}: detection {:.3} < {floor}: {t:?}", t.rate());
	}
}

/// sha256 of the bits of every hidden state and of the logits at every 5th position (and at each
/// decode step) of a 600-token input, on the reference weights: the engine's numerics
/// ([`attesta_inference::ENGINE_VERSION`] 1) pinned across kernel changes.
const REFERENCE_BITS_SHA256: &str =
	"527cca0c8331be76bc42b98dba4306e50a56cf062212b8605c9fe31b0e222b3c";

#[test]
fn real_model_bits_are_pinned_across_threads_batches_and_kernels() {
	use sha2::{Digest, Sha256};
	let Some(m) = model() else { return };
	let base = "Verification replays the model over the claimed output, one position at a time. ";
	let mut input = m.tokenizer.encode(&base.repeat(48), false);
	input.truncate(600);
	assert_eq!(input.len(), 600);
	let h = m.llama.config().hidden_size;
	let digest = |threads: usize| -> String {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		pool.install(|| {
			let mut sha = Sha256::new();
			let mut put = |v: &[f32]| v.iter().for_each(|x| sha.update(x.to_bits().to_le_bytes()));
			// The whole input in one call (chunked inside the engine), then 3 decode steps.
			let mut c = m.llama.new_cache();
			let hid = attesta_inference::model::logits_rows(
				&m.llama.forward_hidden(&input[..597], &mut c).unwrap(),
			)
			.unwrap();
			let mut all: Vec<Vec<f32>> = hid.clone();
			for &t in &input[597..] {
				let x = m.llama.forward_hidden(&[t], &mut c).unwrap();
				all.extend(attesta_inference::model::logits_rows(&x).unwrap());
			}
			// The same positions in uneven pieces: identical hidden states.
			let mut c2 = m.llama.new_cache();
			let mut pieces = Vec::new();
			for r in [0..1, 1..70, 70..71, 71..333, 333..600] {
				let x = m.llama.forward_hidden(&input[r], &mut c2).unwrap();
				pieces.extend(attesta_inference::model::logits_rows(&x).unwrap());
			}
			let bits =
				|v: &[Vec<f32>]| -> Vec<u32> { v.iter().flatten().map(|x| x.to_bits()).collect() };
			assert!(bits(&pieces) == bits(&all), "{threads} threads: split pieces differ");
			for row in &all {
				assert_eq!(row.len(), h);
				put(row);
			}
			let picked: Vec<f32> = all
				.iter()
				.enumerate()
				.filter(|(i, _)| i % 5 == 0 || *i >= 597)
				.flat_map(|(_, r)| r.clone())
				.collect();
			let rows = picked.len() / h;
			let t = candle_core::Tensor::from_vec(picked, (rows, h), &candle_core::Device::Cpu)
				.unwrap();
			for l in attesta_inference::model::logits_rows(&m.llama.logits(&t).unwrap()).unwrap() {
				put(&l);
			}
			format!("{:x}", sha.finalize())
		})
	};
	let one = digest(1);
	eprintln!("real model bits sha256: {one}");
	assert_eq!(digest(2), one, "2 threads");
	assert_eq!(one, REFERENCE_BITS_SHA256, "the numerics changed (a new engine_version)");
}

/// The checker's pass without a KV cache (`hidden_states`: layer by layer over the whole
/// input) gives the bits of the cached pass that the pin above covers, at 1 and 2 threads.
#[test]
fn real_cacheless_check_pass_equals_the_cached_one() {
	let Some(m) = model() else { return };
	let base = "Verification replays the model over the claimed output, one position at a time. ";
	let mut input = m.tokenizer.encode(&base.repeat(48), false);
	input.truncate(600);
	for threads in [1, 2] {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		pool.install(|| {
			let cached = m.llama.forward_hidden_vec(&input, &mut m.llama.new_cache()).unwrap();
			let once = m.llama.hidden_states(&input).unwrap();
			let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
			assert!(bits(&once) == bits(&cached), "{threads} threads: the passes differ");
		});
	}
}
