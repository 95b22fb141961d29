//! The block-kernel compute path on the tiny model: close to the candle f32 reference, and bit
//! for bit the same across thread counts, batch splits (prefill vs decode) and instruction sets.

mod common;

use attesta_inference::{model::logits_rows, ComputePath, LoadedModel};
use candle_core::{quantized::GgmlDType, Device};

fn load(dtype: GgmlDType, path: ComputePath) -> LoadedModel {
	let spec = attesta_inference::tiny::TinySpec {
		dtype,
		..attesta_inference::tiny::TinySpec::new(common::SEED)
	};
	let p = common::path(&format!("{dtype:?}"), spec);
	LoadedModel::load_with(p, &Device::Cpu, path).expect("load tiny")
}

fn prompt(m: &LoadedModel) -> Vec<u32> {
	// Long enough (> 64 positions) that the KV cache grows during token-by-token decode.
	let p = m
		.tokenizer
		.encode_chat(None, &"the quick brown fox jumps over the lazy dog. ".repeat(3));
	assert!(p.len() > 80, "{}", p.len());
	p
}

fn hidden_bits(m: &LoadedModel, chunks: &[&[u32]]) -> Vec<u32> {
	let mut cache = m.llama.new_cache();
	let (mut hidden, mut logits) = (Vec::new(), Vec::new());
	for c in chunks {
		let h = m.llama.forward_hidden(c, &mut cache).unwrap();
		let l = logits_rows(&m.llama.logits(&h).unwrap()).unwrap();
		hidden.extend(logits_rows(&h).unwrap().iter().flatten().map(|v| v.to_bits()));
		logits.extend(l.iter().flatten().map(|v| v.to_bits()));
	}
	hidden.extend(logits);
	hidden
}

/// Asserts equality without printing thousands of numbers.
fn same(a: &[u32], b: &[u32], what: &str) {
	assert_eq!(a.len(), b.len(), "{what}: lengths");
	if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
		panic!(
			"{what}: first difference at {i}: {} vs {}",
			f32::from_bits(a[i]),
			f32::from_bits(b[i])
		);
	}
}

#[test]
fn block_path_is_close_to_candle_f32_reference() {
	for dtype in [GgmlDType::Q4_1, GgmlDType::Q4_0, GgmlDType::Q8_0, GgmlDType::F32] {
		let ours = load(dtype, ComputePath::BlockF32);
		let reference = load(dtype, ComputePath::DequantizedF32);
		let input = prompt(&ours);
		let a = logits_rows(
			&ours
				.llama
				.logits(&ours.llama.forward_hidden(&input, &mut ours.llama.new_cache()).unwrap())
				.unwrap(),
		)
		.unwrap();
		let b = logits_rows(
			&reference
				.llama
				.logits(
					&reference
						.llama
						.forward_hidden(&input, &mut reference.llama.new_cache())
						.unwrap(),
				)
				.unwrap(),
		)
		.unwrap();
		let mut worst = 0.0f32;
		for (ra, rb) in a.iter().zip(&b) {
			for (x, y) in ra.iter().zip(rb) {
				worst = worst.max((x - y).abs() / (1.0 + y.abs()));
			}
		}
		assert!(worst < 1e-4, "{dtype:?}: logits differ from the f32 reference by {worst}");
	}
}

#[test]
fn prefill_and_decode_give_identical_bits() {
	for dtype in [GgmlDType::Q4_1, GgmlDType::Q8_0] {
		let m = load(dtype, ComputePath::BlockF32);
		let input = prompt(&m);
		let whole = hidden_bits(&m, &[&input]);
		let singles: Vec<&[u32]> = input.chunks(1).collect();
		same(&hidden_bits(&m, &singles), &whole, &format!("{dtype:?}: token by token"));
		let uneven: Vec<&[u32]> = vec![&input[..5], &input[5..6], &input[6..]];
		same(&hidden_bits(&m, &uneven), &whole, &format!("{dtype:?}: uneven chunks"));
	}
}

#[test]
fn thread_counts_give_identical_bits() {
	let m = load(GgmlDType::Q4_1, ComputePath::BlockF32);
	let input = prompt(&m);
	let run = |threads: usize| {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		pool.install(|| {
			assert_eq!(attesta_inference::kernels::threads(), threads);
			let mut c = m.llama.new_cache();
			let mut bits = hidden_bits(&m, &[&input]);
			// And a decode step after the prompt.
			m.llama.forward_hidden(&input, &mut c).unwrap();
			let l = m.llama.forward_logits(&[5], &mut c).unwrap();
			bits.extend(l.iter().map(|v| v.to_bits()));
			bits
		})
	};
	let one = run(1);
	for t in [2, 3, 4] {
		same(&run(t), &one, &format!("{t} threads"));
	}
}

#[test]
fn instruction_sets_give_identical_tokens_and_logits() {
	// The kernel ISA is chosen once per process, so each runs in its own CLI process.
	let exe = env!("CARGO_BIN_EXE_attesta-infer");
	let model = common::base_path();
	let run = |isa: &str| -> String {
		let out = std::process::Command::new(exe)
			.env("ATTESTA_KERNEL", isa)
			.args(["run", "--model"])
			.arg(&model)
			.args(["--prompt", "the cat sat on the mat", "--max-tokens", "24", "--threads", "2"])
			.output()
			.expect("spawn cli");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		String::from_utf8_lossy(&out.stdout)
			.lines()
			.filter(|l| l.starts_with("output_tokens") || l.starts_with("commitment"))
			.collect()
	};
	let scalar = run("scalar");
	for isa in ["avx2", "avx512"] {
		assert_eq!(run(isa), scalar, "{isa}");
	}
	let ppl = |isa: &str| -> String {
		let out = std::process::Command::new(exe)
			.env("ATTESTA_KERNEL", isa)
			.args(["ppl", "--window", "64", "--model"])
			.arg(&model)
			.output()
			.expect("spawn cli");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		String::from_utf8_lossy(&out.stdout)
			.lines()
			.filter(|l| l.starts_with("perplexity"))
			.collect()
	};
	let p = ppl("scalar");
	assert!(p.starts_with("perplexity"));
	assert_eq!(ppl("avx2"), p);
	assert_eq!(ppl("avx512"), p);
}

#[test]
fn weights_stay_in_block_form() {
	let m = load(GgmlDType::Q4_1, ComputePath::BlockF32);
	let file = std::fs::metadata(&m.path).unwrap().len() as usize;
	let held = m.llama.native_weight_bytes().unwrap();
	assert!(held <= 2 * file, "{held} bytes of weights for a {file}-byte file");
	assert_eq!(m.llama.compute_path(), ComputePath::BlockF32);
}

#[test]
fn checker_reproduces_greedy_logits_exactly() {
	// The teacher-forced pass computes the provider's decode logits bit for bit, so every
	// greedy position's margin is exactly the tolerance's full gap.
	let m = common::base();
	let tol = attesta_inference::Tolerance::default();
	for p in common::PROMPTS {
		let input = m.tokenizer.encode_chat(None, p);
		let params = attesta_inference::GenParams::greedy(24);
		let g = attesta_inference::generate(&m, &input, &params).unwrap();
		let v = attesta_inference::verify(
			&m,
			&input,
			&params,
			&g.output_tokens,
			&tol,
			&attesta_inference::CheckPlan::All,
		)
		.unwrap();
		assert!(v.accepted);
		assert_eq!(v.min_margin, tol.logit_gap, "{p}");
	}
}

#[test]
fn long_inputs_chunked_internally_give_identical_bits() {
	let m = load(GgmlDType::Q4_1, ComputePath::BlockF32);
	let input = m
		.tokenizer
		.encode(&"a long prompt, chunked inside the engine. ".repeat(12), false);
	assert!(input.len() > 300, "{}", input.len());
	let whole = hidden_bits(&m, &[&input]);
	same(&hidden_bits(&m, &[&input[..100], &input[100..]]), &whole, "chunked");
}

#[test]
fn the_checkers_cacheless_pass_gives_identical_hidden_states() {
	// `hidden_states` runs the layers one at a time over the whole input (a teacher-forced
	// check keeps no KV cache): the same bits as the cached pass, on inputs of one position,
	// of one batch and of several batches (> 256 positions), at one and two threads.
	let m = load(GgmlDType::Q4_1, ComputePath::BlockF32);
	let input = m
		.tokenizer
		.encode(&"a long prompt, checked in one pass without a cache. ".repeat(12), false);
	assert!(input.len() > 300, "{}", input.len());
	for threads in [1, 2] {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		pool.install(|| {
			for len in [1, 77, 256, input.len()] {
				let tokens = &input[..len];
				let cached = m.llama.forward_hidden_vec(tokens, &mut m.llama.new_cache()).unwrap();
				let once = m.llama.hidden_states(tokens).unwrap();
				let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
				same(&bits(&once), &bits(&cached), &format!("{threads} threads, {len} positions"));
			}
		});
	}
}
