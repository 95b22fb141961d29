//! Detection sweeps: how often honest claims are rejected and dishonest ones accepted.
//!
//! Used by the real-model tests and the `attesta-infer sweep` and `calibrate` commands. Dishonest
//! claims are built from honest ones: a fabricated token substituted at a random position, an
//! answer to a different prompt (tampered prompt), and the output of a different model
//! (re-quantized or perturbed weights). A dishonest claim whose tokens equal the honest output is
//! counted as indistinguishable, not as a false accept, since it is exactly what the model
//! produces.

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
	verify::{verify, verify_each, CheckPlan, Tolerance},
};

pub use crate::verify::RECOMMENDED_RULE;

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

/// One calibration job: a chat prompt (user turn, default system prompt) and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationJob {
	/// The user turn.
	pub prompt: String,
	/// The job's parameters.
	pub params: GenParams,
}

/// Sampling settings the calibration cycles through: (temperature, top-p) in thousandths;
/// temperature 0 is greedy.
pub const CALIBRATION_SAMPLERS: [(u32, u32); 6] =
	[(0, 1000), (300, 1000), (700, 900), (1000, 950), (1300, 1000), (800, 500)];

/// `n` varied jobs: the sweep prompts, each sampler of [`CALIBRATION_SAMPLERS`] in turn, lengths
/// cycling through a quarter, half, three quarters and all of `max_tokens` (at least 2), and a
/// seed per job.
pub fn calibration_jobs(n: usize, max_tokens: u32) -> Vec<CalibrationJob> {
	let max_tokens = max_tokens.max(2);
	sweep_prompts(n)
		.into_iter()
		.enumerate()
		.map(|(i, prompt)| {
			let (t, p) = CALIBRATION_SAMPLERS[i % CALIBRATION_SAMPLERS.len()];
			let quarter = (i / CALIBRATION_SAMPLERS.len() + i) % 4 + 1;
			let len = (max_tokens * quarter as u32 / 4).max(2);
			let seed = SplitMix64::new(0xCA11_B7A7 ^ i as u64).next_u64();
			let params =
				if t == 0 { GenParams::greedy(len) } else { GenParams::sampled(len, t, p, seed) };
			CalibrationJob { prompt, params }
		})
		.collect()
}

/// Ways a provider may cheat that the calibration measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Adversary {
	/// The model's runner-up token at one random position, the honest continuation
	/// re-generated after it.
	RunnerUp,
	/// Like [`Adversary::RunnerUp`], at the output's closest call: the position and token that
	/// came nearest to being chosen instead of the honest one ([`closest_call`]), the smallest
	/// deviation a tolerance can let through.
	ClosestCall,
	/// The output of the same weights re-quantized to another format (index into the
	/// calibration's other models).
	OtherQuantization(usize),
	/// The output generated under another system prompt.
	SystemPrompt,
	/// The output generated for the prompt with one word changed.
	TamperedPrompt,
	/// The honest output cut at a random position and ended with EOS there.
	EarlyStop,
}

/// System prompts the [`Adversary::SystemPrompt`] cheater uses in turn.
pub const CHEAT_SYSTEM_PROMPTS: [&str; 4] = [
	"You are a pirate. Answer like one.",
	"You are a terse assistant. Answer in as few words as possible.",
	"Tu es un assistant serviable. Réponds en français.",
	"You are a helpful assistant named Bob.",
];

/// Words the [`Adversary::TamperedPrompt`] cheater puts in place of one word of the prompt.
const CHEAT_WORDS: [&str; 8] = ["three", "cats", "blue", "never", "why", "old", "tiny", "Paris"];

/// The prompt with its `k mod words`-th word replaced by another word.
pub fn tamper_prompt(prompt: &str, k: u64) -> String {
	let mut words: Vec<&str> = prompt.split(' ').collect();
	let at = (k % words.len() as u64) as usize;
	let mut pick = (k / words.len() as u64) as usize;
	while CHEAT_WORDS[pick % CHEAT_WORDS.len()] == words[at] {
		pick += 1;
	}
	words[at] = CHEAT_WORDS[pick % CHEAT_WORDS.len()];
	words.join(" ")
}

/// Continues `prefix` (forced output tokens, steps `0..prefix.len()`) after `input` the way an
/// honest provider would have continued it: the step-`t` token is `sampling::select(.., t)`.
pub fn continue_output(
	model: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	prefix: &[u32],
) -> Result<Vec<u32>> {
	let eos = model.tokenizer.eos_id();
	let max = params.max_tokens as usize;
	let mut out = prefix.to_vec();
	if out.len() >= max || out.last() == Some(&eos) {
		return Ok(out);
	}
	let mut seq = input.to_vec();
	seq.extend_from_slice(prefix);
	let mut cache = model.llama.new_cache_for(input.len() + max);
	let mut logits = model.llama.forward_logits(&seq, &mut cache)?;
	loop {
		let tok = crate::sampling::select(&logits, params, out.len() as u32);
		out.push(tok);
		if tok == eos || out.len() == max {
			return Ok(out);
		}
		logits = model.llama.forward_logits(&[tok], &mut cache)?;
	}
}

/// The runner-up cheat: `honest[..j]`, then the model's best token other than `honest[j]`,
/// then the honest continuation of that.
pub fn substitute_runner_up(
	model: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	honest: &[u32],
	j: usize,
) -> Result<Vec<u32>> {
	let mut seq = input.to_vec();
	seq.extend_from_slice(&honest[..j]);
	let logits = model.llama.forward_logits(&seq, &mut model.llama.new_cache())?;
	let mut prefix = honest[..j].to_vec();
	prefix.push(crate::verify::runner_up(&logits, honest[j]));
	continue_output(model, input, params, &prefix)
}

/// The closest call of an honest output: the position where another token came nearest to being
/// chosen, and that token. Greedy: the smallest logit gap between the chosen token and the
/// runner-up. Seeded sampling: the smallest distance of the step's draw to an edge of the chosen
/// token's interval, and the token on the other side of that edge. `None` when no position had
/// an alternative (every nucleus a single token).
pub fn closest_call(
	model: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	honest: &[u32],
) -> Result<Option<(usize, u32)>> {
	let n = honest.len();
	let mut seq = input.to_vec();
	seq.extend_from_slice(&honest[..n - 1]);
	let hidden = model.llama.forward_hidden(&seq, &mut model.llama.new_cache())?;
	let mut best: Option<(f64, usize, u32)> = None;
	for start in (0..n).step_by(16) {
		let rows: Vec<u32> =
			(start..(start + 16).min(n)).map(|j| (input.len() - 1 + j) as u32).collect();
		let idx = Tensor::new(rows.as_slice(), model.llama.device())?;
		let logits = logits_rows(&model.llama.logits(&hidden.index_select(&idx, 0)?)?)?;
		for (k, row) in logits.iter().enumerate() {
			let j = start + k;
			let c = honest[j] as usize;
			let call = if params.is_greedy() {
				let other = crate::verify::runner_up(row, honest[j]);
				Some((f64::from(row[c] - row[other as usize]), other))
			} else {
				sampled_closest_call(row, params, j as u32, c)
			};
			if let Some((score, token)) = call {
				if best.is_none_or(|(b, _, _)| score < b) {
					best = Some((score, j, token));
				}
			}
		}
	}
	Ok(best.map(|(_, j, t)| (j, t)))
}

/// The id-order neighbour of token `c` across the interval edge nearest to the step's draw, and
/// that distance in probability mass.
fn sampled_closest_call(
	row: &[f32],
	params: &GenParams,
	step: u32,
	c: usize,
) -> Option<(f64, u32)> {
	let d = crate::sampling::dist(
		row,
		crate::sampling::temperature(params),
		crate::sampling::top_p(params),
	);
	let u = crate::sampling::step_draw(params.seed, step);
	let members: Vec<usize> = match d.cut {
		Some(cut) => d.members(cut),
		None => (0..d.weights.len()).filter(|&i| d.weights[i] > 0.0).collect(),
	};
	let at = members.binary_search(&c).ok()?;
	let (lo, hi) = d.interval(d.cut.map(|_| members.as_slice()), c)?;
	let below = at.checked_sub(1).map(|i| (u - lo, members[i] as u32));
	let above = members.get(at + 1).map(|&t| (hi - u, t as u32));
	match (below, above) {
		(Some(b), Some(a)) => Some(if b.0 <= a.0 { b } else { a }),
		(b, a) => b.or(a),
	}
}

/// Detection counts of one adversary under one rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdversaryTally {
	/// Jobs the adversary cheated on.
	pub jobs: u32,
	/// Cheats whose output equals the honest one (nothing to detect; not in the rate).
	pub identical: u32,
	/// Distinguishable cheats the checker rejected.
	pub detected: u32,
}

impl AdversaryTally {
	/// Cheats whose output differs from the honest one.
	pub fn distinguishable(&self) -> u32 {
		self.jobs - self.identical
	}

	/// Detected share of the distinguishable cheats (1 when there are none).
	pub fn rate(&self) -> f64 {
		match self.distinguishable() {
			0 => 1.0,
			d => f64::from(self.detected) / f64::from(d),
		}
	}
}

/// What one rule did on the calibration's claims.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
	/// The rule, in engine units.
	pub tolerance: Tolerance,
	/// Honest jobs checked.
	pub honest: u32,
	/// Honest claims rejected (must be 0).
	pub false_rejects: u32,
	/// Honest claims produced on another compute path (when measured): (jobs, rejected).
	pub cross_path: Option<(u32, u32)>,
	/// Per adversary: its name and counts.
	pub adversaries: Vec<(String, AdversaryTally)>,
}

impl Calibration {
	/// The result as a markdown table.
	pub fn markdown(&self) -> String {
		let r = self.tolerance.to_rule();
		let mut s = format!(
			"rule (top_k, logit_tolerance_milli, sample_tolerance_ppm, max_mismatch_permille) = \
			 ({}, {}, {}, {})\n\n",
			r.top_k, r.logit_tolerance_milli, r.sample_tolerance_ppm, r.max_mismatch_permille
		);
		s += "| claims | jobs | identical to honest | rejected | detection rate |\n";
		s += "|---|---:|---:|---:|---:|\n";
		s += &format!(
			"| honest (false rejects) | {} | - | {} | - |\n",
			self.honest, self.false_rejects
		);
		if let Some((jobs, rejected)) = self.cross_path {
			s += &format!(
				"| honest, provider on the f32 path (false rejects) | {jobs} | - | {rejected} | - |\n"
			);
		}
		for (name, t) in &self.adversaries {
			s += &format!(
				"| {name} | {} | {} | {} | {:.1} % |\n",
				t.jobs,
				t.identical,
				t.detected,
				100.0 * t.rate()
			);
		}
		s
	}

	/// The counts of the adversary called `name`.
	pub fn adversary(&self, name: &str) -> Option<&AdversaryTally> {
		self.adversaries.iter().find(|(n, _)| n == name).map(|(_, t)| t)
	}
}

/// What the calibration runs on.
pub struct CalibrationSetup<'a> {
	/// The reference model: honest providers and checkers.
	pub model: &'a LoadedModel,
	/// The same weights in other formats, with their names (`"Q4_0"`, `"Q8_0"`).
	pub quantizations: Vec<(String, &'a LoadedModel)>,
	/// The same weights on another compute path, as an honest provider elsewhere (optional).
	pub cross_path: Option<&'a LoadedModel>,
	/// Honest jobs.
	pub jobs: Vec<CalibrationJob>,
	/// Each adversary cheats on the first this many jobs.
	pub adversary_jobs: usize,
}

/// The name of an adversary in reports.
pub fn adversary_name(setup: &CalibrationSetup<'_>, a: Adversary) -> String {
	match a {
		Adversary::RunnerUp => "runner-up token at one position, continuation re-generated".into(),
		Adversary::ClosestCall =>
			"runner-up token at the closest call, continuation re-generated".into(),
		Adversary::OtherQuantization(i) => format!(
			"output of the {} re-quantization",
			setup.quantizations.get(i).map_or("?", |(n, _)| n.as_str())
		),
		Adversary::SystemPrompt => "output for another system prompt".into(),
		Adversary::TamperedPrompt => "output for the prompt with one word changed".into(),
		Adversary::EarlyStop => "early stop (truncated, EOS claimed)".into(),
	}
}

/// Generates the honest output of every job with the engine's generation path, checks it with
/// the engine's check path under each of `tols`, and runs every adversary over the first
/// `adversary_jobs` jobs: one [`Calibration`] per tolerance. `progress(done, total)` is called
/// after each job.
pub fn calibrate(
	setup: &CalibrationSetup<'_>,
	tols: &[Tolerance],
	mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Calibration>> {
	let model = setup.model;
	let eos = model.tokenizer.eos_id();
	let mut adversaries = vec![Adversary::RunnerUp, Adversary::ClosestCall];
	adversaries.extend((0..setup.quantizations.len()).map(Adversary::OtherQuantization));
	adversaries.extend([Adversary::SystemPrompt, Adversary::TamperedPrompt, Adversary::EarlyStop]);
	let mut out: Vec<Calibration> = tols
		.iter()
		.map(|&tolerance| Calibration {
			tolerance,
			honest: 0,
			false_rejects: 0,
			cross_path: setup.cross_path.map(|_| (0, 0)),
			adversaries: adversaries
				.iter()
				.map(|&a| (adversary_name(setup, a), Default::default()))
				.collect(),
		})
		.collect();
	let check = |input: &[u32], params: &GenParams, claim: &[u32]| -> Result<Vec<bool>> {
		Ok(verify_each(model, input, params, claim, tols, &CheckPlan::All)?
			.iter()
			.map(|v| v.accepted)
			.collect())
	};
	for (i, job) in setup.jobs.iter().enumerate() {
		let input = model.tokenizer.encode_chat(None, &job.prompt);
		let params = &job.params;
		let honest = generate(model, &input, params)?.output_tokens;
		for (c, ok) in out.iter_mut().zip(check(&input, params, &honest)?) {
			c.honest += 1;
			c.false_rejects += u32::from(!ok);
		}
		if let Some(other) = setup.cross_path {
			let claim = generate(other, &input, params)?.output_tokens;
			for (c, ok) in out.iter_mut().zip(check(&input, params, &claim)?) {
				if let Some((jobs, rejected)) = c.cross_path.as_mut() {
					*jobs += 1;
					*rejected += u32::from(!ok);
				}
			}
		}
		if i < setup.adversary_jobs {
			let mut rng = SplitMix64::new(0xADE5_0000 ^ i as u64);
			for (a_index, &adversary) in adversaries.iter().enumerate() {
				let claim = match adversary {
					Adversary::RunnerUp => {
						let j = (rng.next_u64() % honest.len() as u64) as usize;
						substitute_runner_up(model, &input, params, &honest, j)?
					},
					Adversary::ClosestCall => match closest_call(model, &input, params, &honest)? {
						Some((j, token)) => {
							let mut prefix = honest[..j].to_vec();
							prefix.push(token);
							continue_output(model, &input, params, &prefix)?
						},
						None => substitute_runner_up(model, &input, params, &honest, 0)?,
					},
					Adversary::OtherQuantization(q) =>
						generate(setup.quantizations[q].1, &input, params)?.output_tokens,
					Adversary::SystemPrompt => {
						let system = CHEAT_SYSTEM_PROMPTS[i % CHEAT_SYSTEM_PROMPTS.len()];
						let cheat_input = model.tokenizer.encode_chat(Some(system), &job.prompt);
						generate(model, &cheat_input, params)?.output_tokens
					},
					Adversary::TamperedPrompt => {
						let tampered = tamper_prompt(&job.prompt, rng.next_u64());
						let cheat_input = model.tokenizer.encode_chat(None, &tampered);
						generate(model, &cheat_input, params)?.output_tokens
					},
					Adversary::EarlyStop => {
						let cut_before = honest.len() - usize::from(honest.last() == Some(&eos));
						if cut_before == 0 {
							honest.clone()
						} else {
							let k = (rng.next_u64() % cut_before as u64) as usize;
							let mut claim = honest[..k].to_vec();
							claim.push(eos);
							claim
						}
					},
				};
				let verdicts =
					if claim == honest { None } else { Some(check(&input, params, &claim)?) };
				for (t, c) in out.iter_mut().enumerate() {
					let tally = &mut c.adversaries[a_index].1;
					tally.jobs += 1;
					match &verdicts {
						None => tally.identical += 1,
						Some(v) => tally.detected += u32::from(!v[t]),
					}
				}
			}
		}
		progress(i + 1, setup.jobs.len());
	}
	Ok(out)
}
