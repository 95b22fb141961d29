//! Teacher-forced verification of a claimed output.
//!
//! The checker runs ONE forward pass over `input ++ output[..n-1]`, takes the final hidden state
//! at the positions that predict the checked output tokens, applies the output head only there,
//! and decides per position whether the claimed token is what this model would emit under the
//! job's parameters, within a [`Tolerance`] that absorbs floating-point differences between the
//! provider's incremental decode and the checker's batched pass (and between machines):
//!
//! * greedy: the claimed token must rank within `top_k` and its logit must be within `logit_gap` of
//!   the maximum;
//! * seeded sampling: replaying the job's draw `u_t`, `u_t` must fall within `draw_mass` of the
//!   claimed token's interval in the id-ordered CDF of the nucleus; nuclei whose cut lies within
//!   `nucleus_mass` of `top_p` are all tried, since the cut is discontinuous.
//!
//! Termination is checked structurally first: the output must not exceed `max_tokens`, must
//! not continue past an EOS, and must end with EOS when shorter than `max_tokens`.

use std::time::Instant;

use attesta_primitives::{GenParams, VerificationRule};

use crate::{
	error::Result,
	generate::check_job,
	load::LoadedModel,
	sampling::{self, Dist},
};

/// Acceptance tolerances: the engine's form of the chain's governed [`VerificationRule`]
/// (see [`Tolerance::from_rule`]); the host judges every check with the rule its task carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
	/// Greedy: the claimed token must be among the `top_k` highest logits.
	pub top_k: u32,
	/// Greedy: the claimed token's logit may trail the maximum by at most this much.
	pub logit_gap: f32,
	/// Sampling: the draw may miss the claimed token's CDF interval by at most this much mass.
	pub draw_mass: f64,
	/// Sampling: nucleus cuts whose boundary is within this mass of `top_p` are also accepted.
	pub nucleus_mass: f64,
	/// Positions allowed to fail, per thousand positions checked, rounded down (0 = every
	/// checked position must pass).
	pub max_mismatch_permille: u32,
}

/// The rule recommended for a block-kernel (`BlockF32`) model's genesis, calibrated on the
/// reference model with `attesta-infer calibrate` (crate README, "Verification rule").
///
/// Honest providers and checkers of the class compute bit-identical logits, so an honest claim
/// passes with zero tolerance; the small margins absorb a provider on another compute path
/// (10x what candle's f32 path needed against the block path) and cost no measured detection.
/// No position may fail: one allowed mismatch would let a provider stop early or substitute a
/// token in every long output.
pub const RECOMMENDED_RULE: VerificationRule = VerificationRule {
	top_k: 2,
	logit_tolerance_milli: 10,
	sample_tolerance_ppm: 100,
	max_mismatch_permille: 0,
};

impl Tolerance {
	/// Setting for small 4/8-bit quantized GGUF models on the CPU block path: the
	/// [`RECOMMENDED_RULE`]; what the CLI and the evaluation use when no rule is given.
	pub fn quantized_cpu() -> Self {
		Self::from_rule(&RECOMMENDED_RULE)
	}

	/// The chain's rule in engine units: `logit_gap = logit_tolerance_milli / 1000`,
	/// `draw_mass = nucleus_mass = sample_tolerance_ppm / 10^6`, failures allowed per thousand
	/// positions checked.
	pub fn from_rule(rule: &VerificationRule) -> Self {
		Self {
			top_k: rule.top_k,
			logit_gap: rule.logit_tolerance_milli as f32 / 1000.0,
			draw_mass: f64::from(rule.sample_tolerance_ppm) / 1e6,
			nucleus_mass: f64::from(rule.sample_tolerance_ppm) / 1e6,
			max_mismatch_permille: rule.max_mismatch_permille,
		}
	}

	/// The rule this tolerance corresponds to (logit and mass tolerances rounded to the rule's
	/// units; the sampling tolerance is `draw_mass`).
	pub fn to_rule(&self) -> VerificationRule {
		VerificationRule {
			top_k: self.top_k,
			logit_tolerance_milli: (f64::from(self.logit_gap) * 1000.0).round().max(0.0) as u32,
			sample_tolerance_ppm: (self.draw_mass * 1e6).round().max(0.0) as u32,
			max_mismatch_permille: self.max_mismatch_permille,
		}
	}

	/// Failed positions allowed out of `checked` (the chain's
	/// [`VerificationRule::allowed_failures`]).
	pub fn allowed_failures(&self, checked: u32) -> u32 {
		let rule = VerificationRule {
			max_mismatch_permille: self.max_mismatch_permille,
			..VerificationRule::default()
		};
		rule.allowed_failures(checked)
	}
}

impl From<VerificationRule> for Tolerance {
	fn from(rule: VerificationRule) -> Self {
		Self::from_rule(&rule)
	}
}

impl Default for Tolerance {
	fn default() -> Self {
		Self::quantized_cpu()
	}
}

/// Which output positions the checker evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckPlan {
	/// Every output position.
	All,
	/// `count` distinct positions chosen by a seeded draw (the validator's random sample).
	Sample {
		/// How many positions to check (all when larger than the output).
		count: u32,
		/// Seed of the position draw, e.g. from on-chain randomness.
		seed: u64,
	},
}

/// Why a claim was accepted or rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
	/// Every checked position is consistent with the model.
	Consistent,
	/// The output is longer than `max_tokens`.
	TooLong,
	/// The output continues after an EOS token.
	PaddedPastEos,
	/// The output stops before `max_tokens` without an EOS.
	Truncated,
	/// An output token id is outside the vocabulary.
	TokenOutOfRange,
	/// Some checked position is inconsistent with the model.
	Inconsistent,
}

/// What the checker saw at one failed position.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionEvidence {
	/// Output index of the position.
	pub position: u32,
	/// Token the provider claimed.
	pub claimed: u32,
	/// Token the checker's model would have chosen there.
	pub expected: u32,
	/// Signed margin (negative = outside tolerance); logits for greedy, mass for sampling.
	pub margin: f32,
}

/// The checker's decision with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
	/// Whether the claim is accepted.
	pub accepted: bool,
	/// Why.
	pub reason: Reason,
	/// First output index found inconsistent (or where a structural rule broke).
	pub first_divergence: Option<u32>,
	/// Number of checked positions that failed.
	pub failed_positions: u32,
	/// Number of positions evaluated by the model.
	pub checked_positions: u32,
	/// Smallest margin over checked positions (positive = inside tolerance).
	pub min_margin: f32,
	/// Up to [`MAX_EVIDENCE`] failed positions, earliest first.
	pub evidence: Vec<PositionEvidence>,
	/// Work witness: the best token other than the claimed one at every checked position, in
	/// order; only a forward pass yields it (see `attesta_primitives::witness`).
	pub runner_ups: Vec<u32>,
	/// Wall time of the check in microseconds (informational).
	pub micros: u64,
}

/// Most failed positions reported in a verdict.
pub const MAX_EVIDENCE: usize = 16;

impl Verdict {
	fn structural(reason: Reason, at: usize) -> Self {
		Self {
			accepted: false,
			reason,
			first_divergence: Some(at as u32),
			failed_positions: 1,
			checked_positions: 0,
			min_margin: f32::NEG_INFINITY,
			evidence: Vec::new(),
			runner_ups: Vec::new(),
			micros: 0,
		}
	}
}

/// Positions whose logits the checker computes together, into one reused buffer (12.6 MB on
/// the reference model, less than the KV cache a generation holds, which the check does not;
/// each chunk dequantizes the head once, so fewer rows cost more dequantization).
const VERIFY_HEAD_ROWS: usize = 64;

/// Output positions selected by a plan, ascending.
pub fn plan_positions(plan: &CheckPlan, n: usize) -> Vec<usize> {
	match *plan {
		CheckPlan::All => (0..n).collect(),
		CheckPlan::Sample { count, seed } => {
			let count = (count as usize).min(n);
			let mut idx: Vec<usize> = (0..n).collect();
			let mut rng = sampling::SplitMix64::new(seed ^ 0x5EED_C4EC_0000_0001);
			for i in 0..count {
				let j = i + (rng.next_u64() % (n - i) as u64) as usize;
				idx.swap(i, j);
			}
			idx.truncate(count);
			idx.sort_unstable();
			idx
		},
	}
}

/// Verifies a claimed `output` for (`input`, `params`) on `model` with one teacher-forced pass.
pub fn verify(
	model: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	output: &[u32],
	tol: &Tolerance,
	plan: &CheckPlan,
) -> Result<Verdict> {
	let mut verdicts = verify_each(model, input, params, output, std::slice::from_ref(tol), plan)?;
	Ok(verdicts.remove(0))
}

/// [`verify`] under each of `tols` at the cost of one forward pass (the same positions, logits
/// and runner-ups for all): one verdict per tolerance, in order. Used to calibrate rules.
pub fn verify_each(
	model: &LoadedModel,
	input: &[u32],
	params: &GenParams,
	output: &[u32],
	tols: &[Tolerance],
	plan: &CheckPlan,
) -> Result<Vec<Verdict>> {
	let t0 = Instant::now();
	check_job(model, input, params)?;
	let eos = model.tokenizer.eos_id();
	let vocab = model.llama.config().vocab_size as u32;
	let n = output.len();
	let structural = |reason, at| Ok(vec![Verdict::structural(reason, at); tols.len()]);
	if let Some(i) = output.iter().position(|&t| t >= vocab) {
		return structural(Reason::TokenOutOfRange, i);
	}
	if n > params.max_tokens as usize {
		return structural(Reason::TooLong, params.max_tokens as usize);
	}
	if let Some(i) = output.iter().position(|&t| t == eos) {
		if i + 1 < n {
			return structural(Reason::PaddedPastEos, i + 1);
		}
	}
	if n < params.max_tokens as usize && output.last() != Some(&eos) {
		return structural(Reason::Truncated, n);
	}
	let positions = plan_positions(plan, n);
	let mut verdicts = vec![
		Verdict {
			accepted: true,
			reason: Reason::Consistent,
			first_divergence: None,
			failed_positions: 0,
			checked_positions: positions.len() as u32,
			min_margin: f32::INFINITY,
			evidence: Vec::new(),
			runner_ups: Vec::new(),
			micros: 0,
		};
		tols.len()
	];
	let Some(&last) = positions.last() else {
		let micros = t0.elapsed().as_micros() as u64;
		verdicts.iter_mut().for_each(|v| v.micros = micros);
		return Ok(verdicts);
	};
	// Output token j is predicted by the hidden state at sequence index input.len() - 1 + j, so
	// the pass needs the input and output[..last] only.
	let mut seq = Vec::with_capacity(input.len() + last);
	seq.extend_from_slice(input);
	seq.extend_from_slice(&output[..last]);
	// No KV cache outlives the pass (only one layer's keys and values are held at a time).
	let hidden = model.llama.hidden_states(&seq)?;
	let (h, vocab) = (model.llama.config().hidden_size, vocab as usize);
	// The output head runs on a few positions at a time, so a long check never holds every
	// position's logits at once (49k floats each on the reference model); each chunk is one
	// batched product, so the head's weights are dequantized once per chunk.
	let mut logits = Vec::new();
	let mut rows = Vec::with_capacity(VERIFY_HEAD_ROWS * h);
	for (k, &j) in positions.iter().enumerate() {
		if k % VERIFY_HEAD_ROWS == 0 {
			let chunk = &positions[k..(k + VERIFY_HEAD_ROWS).min(positions.len())];
			rows.clear();
			for &j in chunk {
				let at = (input.len() - 1 + j) * h;
				rows.extend_from_slice(&hidden[at..at + h]);
			}
			model.llama.logits_into(&rows, chunk.len(), &mut logits)?;
		}
		let at = (k % VERIFY_HEAD_ROWS) * vocab;
		let row = &logits[at..at + vocab];
		let claimed = output[j];
		let runner = runner_up(row, claimed);
		for (verdict, tol) in verdicts.iter_mut().zip(tols) {
			verdict.runner_ups.push(runner);
			let (expected, margin) = if params.is_greedy() {
				check_greedy(row, claimed, tol)
			} else {
				check_sampled(row, claimed, params, j as u32, tol)
			};
			verdict.min_margin = verdict.min_margin.min(margin);
			if margin < 0.0 {
				verdict.failed_positions += 1;
				verdict.first_divergence.get_or_insert(j as u32);
				if verdict.evidence.len() < MAX_EVIDENCE {
					verdict.evidence.push(PositionEvidence {
						position: j as u32,
						claimed,
						expected,
						margin,
					});
				}
			}
		}
	}
	drop((logits, hidden));
	crate::kernels::release_memory();
	let micros = t0.elapsed().as_micros() as u64;
	for (verdict, tol) in verdicts.iter_mut().zip(tols) {
		if verdict.failed_positions > tol.allowed_failures(verdict.checked_positions) {
			verdict.accepted = false;
			verdict.reason = Reason::Inconsistent;
		}
		verdict.micros = micros;
	}
	Ok(verdicts)
}

/// The highest-scoring token other than `claimed` (ties go to the lower id).
pub fn runner_up(logits: &[f32], claimed: u32) -> u32 {
	let mut best: Option<(u32, f32)> = None;
	for (i, &v) in logits.iter().enumerate() {
		if i as u32 == claimed || v.is_nan() {
			continue;
		}
		if best.is_none_or(|(_, b)| v > b) {
			best = Some((i as u32, v));
		}
	}
	best.map_or(0, |(i, _)| i)
}

/// Greedy check of one position: returns (model's argmax, margin in logits).
pub fn check_greedy(logits: &[f32], claimed: u32, tol: &Tolerance) -> (u32, f32) {
	let best = sampling::argmax(logits);
	let (Some(&c), Some(&b)) = (logits.get(claimed as usize), logits.get(best as usize)) else {
		return (best, f32::NEG_INFINITY);
	};
	if c.is_nan() {
		return (best, f32::NEG_INFINITY);
	}
	let rank = logits.iter().filter(|&&v| v > c).count() as u32;
	let margin = tol.logit_gap - (b - c);
	if rank >= tol.top_k {
		// Outside the top-k: report how far, never a positive margin.
		return (best, margin.min(-1e-6));
	}
	(best, margin)
}

/// Seeded-sampling check of one position: returns (checker's own draw, margin in mass).
pub fn check_sampled(
	logits: &[f32],
	claimed: u32,
	params: &GenParams,
	step: u32,
	tol: &Tolerance,
) -> (u32, f32) {
	let top_p = sampling::top_p(params);
	let d = sampling::dist(logits, sampling::temperature(params), top_p);
	let u = sampling::step_draw(params.seed, step);
	let expected = d.pick(u);
	let c = claimed as usize;
	let inside = |(lo, hi): (f64, f64)| (u - lo).min(hi - u);
	let best = match d.cut {
		None => d.interval(None, c).map(inside),
		Some(_) => cuts_to_try(&d, c, top_p, tol.nucleus_mass)
			.into_iter()
			.filter_map(|k| d.interval(Some(&d.members(k)), c).map(inside))
			.fold(None, |acc: Option<f64>, m| Some(acc.map_or(m, |a| a.max(m)))),
	};
	let margin = match best {
		Some(m) => (m + tol.draw_mass) as f32,
		None => f32::NEG_INFINITY,
	};
	(expected, margin)
}

/// Nucleus sizes a slightly perturbed model could have produced that contain token `c`.
fn cuts_to_try(d: &Dist, c: usize, top_p: f64, tol: f64) -> Vec<usize> {
	let Some(pos) = d.order.iter().position(|&i| i == c) else {
		return Vec::new();
	};
	let mut cum = Vec::with_capacity(d.order.len() + 1);
	let mut acc = 0.0;
	cum.push(0.0);
	for &i in &d.order {
		acc += d.weights[i] / d.total;
		cum.push(acc);
	}
	// Cut k (1-based count) is plausible if cum[k-1] < top_p + tol and cum[k] >= top_p - tol.
	let plausible: Vec<usize> = (pos + 1..=d.order.len())
		.take_while(|&k| cum[k - 1] < top_p + tol)
		.filter(|&k| cum[k] >= top_p - tol)
		.collect();
	let mut out: Vec<usize> = plausible.iter().take(4).copied().collect();
	out.extend(plausible.iter().rev().take(4).copied());
	if let Some(actual) = d.cut {
		if plausible.contains(&actual) {
			out.push(actual);
		}
	}
	out.sort_unstable();
	out.dedup();
	out
}
