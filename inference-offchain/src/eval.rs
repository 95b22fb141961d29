//! Detection sweeps: how often honest claims are rejected and dishonest ones accepted.
//!
//! Used by the real-model test and the `attesta-infer sweep` command. Dishonest claims are
//! built from honest ones: a fabricated token substituted at a random position, an answer to a
//! different prompt (tampered prompt), and the output of a different model (re-quantized or
//! perturbed weights). A dishonest claim whose tokens equal the honest output is counted as
//! indistinguishable, not as a false accept, since it is exactly what the model produces.

use std::{
	fs::File,
	io::{BufReader, BufWriter},
	path::Path,
};

use candle_core::{
	quantized::{gguf_file, GgmlDType, QTensor},
	Device, Tensor,
};

use attesta_primitives::GenParams;

use crate::{
	error::{Error, Result},
	generate::generate,
	load::LoadedModel,
	model::logits_rows,
	sampling::SplitMix64,
	verify::{verify, CheckPlan, Tolerance},
};

/// Writes a copy of a GGUF file whose matrices are re-quantized to `dtype` (when given) after
/// adding seeded noise of relative std-dev `noise`; 1-D tensors are copied unchanged.
pub fn rewrite_gguf(
	src: &Path,
	dst: &Path,
	dtype: Option<GgmlDType>,
	noise: f32,
	seed: u64,
) -> Result<()> {
	let mut r = BufReader::new(File::open(src).map_err(|e| io_err(src, e))?);
	let ct = gguf_file::Content::read(&mut r)?;
	let mut rng = SplitMix64::new(seed);
	let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
	names.sort();
	let mut tensors = Vec::with_capacity(names.len());
	for name in names {
		let qt = ct.tensor(&mut r, name, &Device::Cpu)?;
		if qt.shape().rank() < 2 {
			tensors.push((name.clone(), qt));
			continue;
		}
		let target = dtype.unwrap_or(qt.dtype());
		let w = qt.dequantize(&Device::Cpu)?;
		let w = if noise > 0.0 {
			let std = w.sqr()?.mean_all()?.sqrt()?.to_scalar::<f32>()?;
			let n: Vec<f32> =
				(0..w.elem_count()).map(|_| rng.next_normal() as f32 * noise * std).collect();
			(w.clone() + Tensor::from_vec(n, w.shape(), &Device::Cpu)?)?
		} else {
			w
		};
		tensors.push((name.clone(), QTensor::quantize(&w, target)?));
	}
	let md: Vec<(&str, &gguf_file::Value)> =
		ct.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
	let ts: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
	let mut w = BufWriter::new(File::create(dst).map_err(|e| io_err(dst, e))?);
	gguf_file::write(&mut w, &md, &ts)?;
	std::io::Write::flush(&mut w).map_err(|e| io_err(dst, e))?;
	Ok(())
}

/// Negative log-likelihood (natural log, summed) of `tokens` under the model, scoring every token
/// after the first of each window of `window` tokens (windows do not overlap; each starts with
/// an empty cache). Returns `(nll, scored tokens)`.
pub fn perplexity(model: &LoadedModel, tokens: &[u32], window: usize) -> Result<(f64, usize)> {
	let window = window.clamp(2, model.max_seq_len());
	let (mut nll, mut n) = (0.0f64, 0usize);
	for chunk in tokens.chunks(window) {
		if chunk.len() < 2 {
			continue;
		}
		let mut cache = model.llama.new_cache();
		let hidden = model.llama.forward_hidden(&chunk[..chunk.len() - 1], &mut cache)?;
		let logits = logits_rows(&model.llama.logits(&hidden)?)?;
		for (row, &next) in logits.iter().zip(&chunk[1..]) {
			let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
			let lse: f64 =
				row.iter().map(|&v| f64::from(v - max).exp()).sum::<f64>().ln() + f64::from(max);
			nll += lse - f64::from(row[next as usize]);
			n += 1;
		}
	}
	Ok((nll, n))
}

fn io_err(p: &Path, source: std::io::Error) -> Error {
	Error::Io { path: p.display().to_string(), source }
}

/// Deterministic, varied English prompts for sweeps.
pub fn sweep_prompts(n: usize) -> Vec<String> {
	const TASKS: [&str; 10] = [
		"Explain in two sentences what {} is.",
		"Write a short poem about {}.",
		"Give three facts about {}.",
		"What is the history of {}?",
		"Describe {} to a child.",
		"List some uses of {}.",
		"Why do people care about {}?",
		"Summarize the main idea of {} in one sentence.",
		"What are common misconceptions about {}?",
		"Compare {} with something similar.",
	];
	const TOPICS: [&str; 24] = [
		"the moon",
		"photosynthesis",
		"bicycles",
		"the ocean",
		"coffee",
		"volcanoes",
		"music",
		"gravity",
		"bread",
		"the internet",
		"honeybees",
		"rain",
		"chess",
		"electricity",
		"trees",
		"mathematics",
		"the Roman empire",
		"sleep",
		"glass",
		"clouds",
		"money",
		"friendship",
		"a lighthouse",
		"winter",
	];
	(0..n)
		.map(|i| TASKS[i % TASKS.len()].replace("{}", TOPICS[(i / TASKS.len() + i) % TOPICS.len()]))
		.collect()
}

/// Counts for one kind of claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
	/// Claims accepted by the checker.
	pub accepted: u32,
	/// Claims rejected by the checker.
	pub rejected: u32,
	/// Dishonest claims identical to the honest output (neither accept nor reject counts).
	pub indistinguishable: u32,
}

/// Result of a detection sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
	/// Number of prompts.
	pub prompts: u32,
	/// Honest claims (rejections are false rejects).
	pub honest: Tally,
	/// One substituted token (acceptances are false accepts).
	pub fabricated: Tally,
	/// The honest answer of another prompt.
	pub tampered_prompt: Tally,
	/// The output of the other model.
	pub other_model: Tally,
}

impl SweepReport {
	/// Honest claims rejected.
	pub fn false_rejects(&self) -> u32 {
		self.honest.rejected
	}

	/// Dishonest, distinguishable claims accepted.
	pub fn false_accepts(&self) -> u32 {
		self.fabricated.accepted + self.tampered_prompt.accepted + self.other_model.accepted
	}
}

fn tally(t: &mut Tally, accepted: bool) {
	if accepted {
		t.accepted += 1;
	} else {
		t.rejected += 1;
	}
}

/// Runs honest and dishonest claims for every prompt; `params_for(i)` gives prompt `i`'s job.
pub fn sweep(
	model: &LoadedModel,
	other: &LoadedModel,
	prompts: &[Vec<u32>],
	params_for: &dyn Fn(usize) -> GenParams,
	tol: &Tolerance,
	mut progress: impl FnMut(usize, &SweepReport),
) -> Result<SweepReport> {
	let mut rep = SweepReport { prompts: prompts.len() as u32, ..Default::default() };
	let vocab = model.llama.config().vocab_size as u64;
	let eos = model.tokenizer.eos_id();
	let mut rng = SplitMix64::new(0xFAB1_CA7E);
	let honest: Vec<Vec<u32>> = prompts
		.iter()
		.enumerate()
		.map(|(i, p)| generate(model, p, &params_for(i)).map(|g| g.output_tokens))
		.collect::<Result<_>>()?;
	for (i, prompt) in prompts.iter().enumerate() {
		let params = params_for(i);
		let out = &honest[i];
		let check = |claim: &[u32]| -> Result<bool> {
			Ok(verify(model, prompt, &params, claim, tol, &CheckPlan::All)?.accepted)
		};
		tally(&mut rep.honest, check(out)?);
		if !out.is_empty() {
			let mut fab = out.clone();
			let j = (rng.next_u64() % fab.len() as u64) as usize;
			let mut t = (rng.next_u64() % vocab) as u32;
			while t == fab[j] || t == eos {
				t = (rng.next_u64() % vocab) as u32;
			}
			fab[j] = t;
			tally(&mut rep.fabricated, check(&fab)?);
		}
		let swapped = &honest[(i + 1) % honest.len()];
		if swapped == out {
			rep.tampered_prompt.indistinguishable += 1;
		} else {
			tally(&mut rep.tampered_prompt, check(swapped)?);
		}
		let cheat = generate(other, prompt, &params)?.output_tokens;
		if &cheat == out {
			rep.other_model.indistinguishable += 1;
		} else {
			tally(&mut rep.other_model, check(&cheat)?);
		}
		progress(i, &rep);
	}
	Ok(rep)
}
