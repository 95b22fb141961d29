//! A small seeded generator: every run is reproducible from its seed alone.

/// SplitMix64: fast, and good enough to pick calls and arguments.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
	/// The generator of run `seed`.
	pub fn new(seed: u64) -> Self {
		Self(seed)
	}

	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	/// Uniform in `0..n` (0 when `n` is 0).
	pub fn below(&mut self, n: u64) -> u64 {
		if n == 0 {
			0
		} else {
			self.next_u64() % n
		}
	}

	/// Uniform in `lo..=hi`.
	pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
		lo.saturating_add(self.below(hi.saturating_sub(lo).saturating_add(1)))
	}

	/// True with probability `percent` / 100.
	pub fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	/// One element of a non-empty slice.
	pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
		&items[self.below(items.len() as u64) as usize]
	}

	/// `len` random bytes.
	pub fn bytes(&mut self, len: usize) -> Vec<u8> {
		(0..len).map(|_| self.next_u64() as u8).collect()
	}

	/// A balance around `typical`: mostly near it, sometimes zero, tiny or huge.
	pub fn amount(&mut self, typical: u128) -> u128 {
		match self.below(10) {
			0 => 0,
			1 => self.below(1_000) as u128,
			2 => u128::MAX >> self.below(64),
			3 => typical.saturating_mul(self.range(2, 1_000) as u128),
			_ => typical / 4 + (typical / 100).saturating_mul(self.below(200) as u128),
		}
	}
}
