//! Deterministic token selection: greedy argmax and seeded temperature/top-p sampling.
//!
//! Randomness comes from a counter-based SplitMix64 stream keyed by the job seed: the draw for
//! output step `t` is a pure function of `(seed, t)`, so a checker can replay any single step
//! without replaying the ones before it. Probabilities are computed in `f64` and the sampling
//! CDF runs over tokens in ascending id order (not probability order), so a tiny perturbation of
//! the logits moves every interval boundary only a tiny amount; this is what makes a tolerance
//! check on the draw meaningful.

use attesta_primitives::GenParams;

/// SplitMix64 increment (the 64-bit golden ratio).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output mix: a bijective avalanche of one 64-bit word.
pub const fn splitmix64_mix(mut z: u64) -> u64 {
	z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
	z ^ (z >> 31)
}

/// Sequential SplitMix64 generator, used where a plain seeded stream is enough (test weights).
#[derive(Clone, Debug)]
pub struct SplitMix64 {
	state: u64,
}

impl SplitMix64 {
	/// Starts a stream from `seed`.
	pub const fn new(seed: u64) -> Self {
		Self { state: seed }
	}

	/// Next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.state = self.state.wrapping_add(GOLDEN_GAMMA);
		splitmix64_mix(self.state)
	}

	/// Next uniform draw in `[0, 1)` with 53 bits of precision.
	pub fn next_f64(&mut self) -> f64 {
		to_unit(self.next_u64())
	}

	/// Next approximately standard-normal draw (Box-Muller), for seeded test weights.
	pub fn next_normal(&mut self) -> f64 {
		let u1 = 1.0 - self.next_f64();
		let u2 = self.next_f64();
		(-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
	}
}

fn to_unit(x: u64) -> f64 {
	(x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The job's uniform draw in `[0, 1)` for output step `step`; identical on every machine.
pub fn step_draw(seed: u64, step: u32) -> f64 {
	let counter = u64::from(step).wrapping_add(1).wrapping_mul(GOLDEN_GAMMA);
	to_unit(splitmix64_mix(seed.wrapping_add(counter)))
}

/// Index of the largest logit, lowest id on ties; NaN never wins.
pub fn argmax(logits: &[f32]) -> u32 {
	let mut best = 0usize;
	let mut best_v = f32::NEG_INFINITY;
	for (i, &v) in logits.iter().enumerate() {
		if v > best_v {
			best = i;
			best_v = v;
		}
	}
	best as u32
}

/// Tempered softmax weights of one step and the top-p nucleus cut over them.
#[derive(Clone, Debug)]
pub struct Dist {
	/// `exp((logit - max) / T)` for every token (NaN logits get 0).
	pub weights: Vec<f64>,
	/// Sum of `weights`.
	pub total: f64,
	/// Token ids by (weight desc, id asc); only tokens that could enter the nucleus, empty when
	/// there is no cut.
	pub order: Vec<usize>,
	/// Number of leading `order` entries in the nucleus; `None` when top-p is off.
	pub cut: Option<usize>,
}

/// Temperature as `f64` from thousandths.
pub fn temperature(params: &GenParams) -> f64 {
	f64::from(params.temperature_milli) / 1000.0
}

/// Nucleus mass as `f64` from thousandths; 1.0 means no cut.
pub fn top_p(params: &GenParams) -> f64 {
	if params.top_p_milli == 0 || params.top_p_milli >= 1000 {
		1.0
	} else {
		f64::from(params.top_p_milli) / 1000.0
	}
}

/// Computes the tempered softmax weights and the top-p nucleus.
///
/// The nucleus is the shortest prefix of tokens sorted by (probability desc, id asc) whose mass
/// reaches `top_p`. `temperature` must be positive.
pub fn dist(logits: &[f32], temperature: f64, top_p: f64) -> Dist {
	let inv_t = 1.0 / temperature;
	let max = logits.iter().copied().filter(|v| !v.is_nan()).fold(f32::NEG_INFINITY, f32::max);
	let weights: Vec<f64> = logits
		.iter()
		.map(|&l| {
			if l.is_nan() || !max.is_finite() {
				0.0
			} else {
				((f64::from(l) - f64::from(max)) * inv_t).exp()
			}
		})
		.collect();
	let total: f64 = weights.iter().sum();
	if top_p >= 1.0 || total <= 0.0 {
		return Dist { weights, total, order: Vec::new(), cut: None };
	}
	let order = sorted_candidates(&weights, total, top_p);
	let target = top_p * total;
	let mut mass = 0.0;
	let mut cut = order.len();
	for (k, &i) in order.iter().enumerate() {
		mass += weights[i];
		if mass >= target {
			cut = k + 1;
			break;
		}
	}
	Dist { weights, total, order, cut: Some(cut) }
}

/// Token ids sorted by (weight desc, id asc), restricted to the ones that can be in the nucleus.
fn sorted_candidates(w: &[f64], total: f64, top_p: f64) -> Vec<usize> {
	// Tokens below `thr` together hold less than half of (1 - top_p) of the mass, so the
	// nucleus (and a checker's tolerance band around it) never needs them; fall back to a full
	// sort if that bound does not hold numerically.
	let thr = (1.0 - top_p) * total / (2.0 * w.len().max(1) as f64);
	let mut cand: Vec<usize> = (0..w.len()).filter(|&i| w[i] >= thr).collect();
	let cand_mass: f64 = cand.iter().map(|&i| w[i]).sum();
	if cand_mass < top_p * total {
		cand = (0..w.len()).collect();
	}
	cand.sort_by(|&a, &b| w[b].total_cmp(&w[a]).then(a.cmp(&b)));
	cand
}

impl Dist {
	/// Ascending ids of the first `cut` tokens of `order` (the nucleus for that cut).
	pub fn members(&self, cut: usize) -> Vec<usize> {
		let mut m: Vec<usize> = self.order.iter().take(cut).copied().collect();
		m.sort_unstable();
		m
	}

	/// Picks the token whose id-ordered CDF interval (within the nucleus) contains `u`.
	pub fn pick(&self, u: f64) -> u32 {
		match self.cut {
			None => pick_in(
				&self.weights,
				(0..self.weights.len()).filter(|&i| self.weights[i] > 0.0),
				u,
			),
			Some(cut) => pick_in(&self.weights, self.members(cut).into_iter(), u),
		}
	}

	/// The `[lo, hi)` interval of `token` in the normalised id-ordered CDF over `members`
	/// (all tokens when `None`), or `None` when `token` is not a member.
	pub fn interval(&self, members: Option<&[usize]>, token: usize) -> Option<(f64, f64)> {
		let w = self.weights.get(token).copied()?;
		let (lo, mass) = match members {
			None => (self.weights.iter().take(token).sum::<f64>(), self.total),
			Some(m) => {
				if m.binary_search(&token).is_err() {
					return None;
				}
				let lo = m.iter().take_while(|&&i| i < token).map(|&i| self.weights[i]).sum();
				(lo, m.iter().map(|&i| self.weights[i]).sum::<f64>())
			},
		};
		if mass <= 0.0 {
			return None;
		}
		Some((lo / mass, (lo + w) / mass))
	}
}

fn pick_in(w: &[f64], members: impl Iterator<Item = usize> + Clone, u: f64) -> u32 {
	let mass: f64 = members.clone().map(|i| w[i]).sum();
	let target = u * mass;
	let mut cum = 0.0;
	let mut last = 0usize;
	for i in members {
		cum += w[i];
		last = i;
		if target < cum {
			return i as u32;
		}
	}
	last as u32
}

/// Chooses the next token for output step `step` exactly as a provider must.
pub fn select(logits: &[f32], params: &GenParams, step: u32) -> u32 {
	if params.is_greedy() {
		return argmax(logits);
	}
	dist(logits, temperature(params), top_p(params)).pick(step_draw(params.seed, step))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn draws_are_uniform_and_stable() {
		let a: Vec<f64> = (0..1000).map(|t| step_draw(42, t)).collect();
		let b: Vec<f64> = (0..1000).map(|t| step_draw(42, t)).collect();
		assert_eq!(a, b);
		assert!(a.iter().all(|&u| (0.0..1.0).contains(&u)));
		let mean = a.iter().sum::<f64>() / a.len() as f64;
		assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
		assert_ne!(step_draw(42, 0), step_draw(43, 0));
	}

	#[test]
	fn argmax_prefers_lowest_id_on_ties_and_ignores_nan() {
		assert_eq!(argmax(&[1.0, 3.0, 3.0, f32::NAN]), 1);
		assert_eq!(argmax(&[f32::NAN, 0.5]), 1);
	}

	#[test]
	fn nucleus_cuts_to_top_p() {
		let logits = [0.0f32, 10.0, 9.0, -5.0];
		let n = dist(&logits, 1.0, 0.5);
		assert_eq!(n.cut, Some(1));
		assert_eq!(n.members(1), vec![1]);
		assert_eq!(n.pick(0.99), 1);
		let all = dist(&logits, 1.0, 1.0);
		assert_eq!(all.cut, None);
		let (lo, hi) = all.interval(None, 3).unwrap();
		assert!(hi > lo && (hi - 1.0).abs() < 1e-12);
	}

	#[test]
	fn pick_follows_id_ordered_cdf() {
		let logits = [0.0f32, 0.0, 0.0, 0.0];
		let n = dist(&logits, 1.0, 1.0);
		assert_eq!(n.pick(0.1), 0);
		assert_eq!(n.pick(0.3), 1);
		assert_eq!(n.pick(0.6), 2);
		assert_eq!(n.pick(0.9), 3);
		let (lo, hi) = n.interval(None, 2).unwrap();
		assert!((lo - 0.5).abs() < 1e-12 && (hi - 0.75).abs() < 1e-12);
		assert_eq!(n.interval(Some(&[0, 1]), 2), None);
	}
}
