//! Matrix kernels on GGUF block-quantized weights with f32 activations, in one fixed order.
//!
//! The weights stay in their blocks (Q4_0, Q4_1, Q8_0; F32/F16 for small or odd tensors) and are
//! dequantized inside the kernel. A dequantized weight is *exact*: `d·q` has at most 19
//! significant bits (an f16 scale times a 4- or 8-bit integer), so `d·q + m` is rounded once,
//! whether computed fused or not, and equals candle's dequantized value (Q4_0 writes `+0` where
//! candle has `-0`, which changes no sum).
//!
//! Every output `y[t][r] = Σ_k w[r][k]·x[t][k]` is computed in the same order on every path:
//! sixteen lane accumulators, lane `l` taking `k ≡ l (mod 16)` in increasing `k`, each step a
//! fused multiply-add `acc[l] = fma(w, x, acc[l])` starting from `+0`; then the lanes are summed
//! by the fixed tree `((l, l+8), then (l, l+4), then (l, l+2), then (0, 1))`. The portable path
//! (`f32::mul_add`), the AVX2+FMA path (two 8-wide registers per accumulator) and the AVX-512 path
//! (one 16-wide register) all perform exactly these operations, so results are bit-identical
//! across CPUs, thread counts (each output is computed by one thread) and batch sizes (a batched
//! prefill computes each output with the same operations as a one-token decode).

// Lane-indexed loops mirror the SIMD code they must match operation for operation.
#![allow(clippy::needless_range_loop)]

use std::sync::OnceLock;

use candle_core::quantized::GgmlDType;

use crate::error::{Error, Result};

/// Lanes of the fixed summation order.
pub const LANES: usize = 16;
/// Elements per quantization block (Q4_0, Q4_1, Q8_0).
pub const BLOCK: usize = 32;

/// Instruction set a kernel runs with; every choice gives bit-identical results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
	/// Portable Rust (`f32::mul_add`); slow where the CPU lacks FMA, but exact everywhere.
	Scalar,
	/// x86-64 AVX2 + FMA.
	Avx2,
	/// x86-64 AVX-512F.
	Avx512,
}

impl Isa {
	/// Whether this CPU can run the instruction set.
	pub fn available(self) -> bool {
		match self {
			Isa::Scalar => true,
			#[cfg(target_arch = "x86_64")]
			Isa::Avx2 =>
				is_x86_feature_detected!("avx2") &&
					is_x86_feature_detected!("fma") &&
					is_x86_feature_detected!("f16c"),
			#[cfg(target_arch = "x86_64")]
			Isa::Avx512 => is_x86_feature_detected!("avx512f"),
			#[cfg(not(target_arch = "x86_64"))]
			_ => false,
		}
	}

	/// The instruction sets this CPU can run, slowest first.
	pub fn all_available() -> Vec<Isa> {
		[Isa::Scalar, Isa::Avx2, Isa::Avx512]
			.into_iter()
			.filter(|i| i.available())
			.collect()
	}
}

/// The instruction set the kernels use: the best available, or a slower one named by
/// `ATTESTA_KERNEL=scalar|avx2|avx512` (results are the same; this is for tests and benches).
pub fn isa() -> Isa {
	static ISA: OnceLock<Isa> = OnceLock::new();
	*ISA.get_or_init(|| {
		let best = [Isa::Avx512, Isa::Avx2, Isa::Scalar]
			.into_iter()
			.find(|i| i.available())
			.unwrap_or(Isa::Scalar);
		let asked = match std::env::var("ATTESTA_KERNEL").ok().as_deref() {
			Some("scalar") => Isa::Scalar,
			Some("avx2") => Isa::Avx2,
			Some("avx512") => Isa::Avx512,
			_ => best,
		};
		if asked.available() {
			asked
		} else {
			best
		}
	})
}

/// How a matrix stores its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
	/// Plain f32 rows.
	F32,
	/// 4-bit blocks: `w = d·q + m`, `q ∈ 0..16` (Q4_1; Q4_0 as `m = -8d`).
	Q4,
	/// 8-bit blocks: `w = d·q`, `q ∈ -128..128` (Q8_0).
	Q8,
}

/// Rows interleaved per group in the block layout (a decode kernel streams one group).
pub const GROUP: usize = 8;

impl Format {
	/// Bytes of one record: block `b` of the [`GROUP`] rows of a group.
	const fn record(self) -> usize {
		match self {
			// d × 8 (f16), m × 8 (f16), 16 nibble bytes × 8
			Format::Q4 => GROUP * (2 + 2 + 16),
			// d × 8 (f16), 32 bytes × 8
			Format::Q8 => GROUP * (2 + 32),
			Format::F32 => 0,
		}
	}

	/// Offset of the quantized bytes of row `i` of the group within a record.
	const fn qs_at(self, i: usize) -> usize {
		match self {
			Format::Q4 => 4 * GROUP + 16 * i,
			_ => 2 * GROUP + 32 * i,
		}
	}
}

/// A weight matrix `(rows, cols)`, rows being output features, in block form.
///
/// The GGUF blocks are repacked at load, byte for byte (f16 scales kept, so the matrix takes
/// what the file does): for each group of [`GROUP`] rows and each block column `b`, one record
/// holds the 8 scales, the 8 offsets (Q4) and the 8 rows' quantized bytes, so a decode kernel
/// reads one sequential stream per group. Rows are padded with zero blocks to a whole group.
#[derive(Clone)]
pub struct QMatrix {
	rows: usize,
	cols: usize,
	format: Format,
	/// Q4/Q8 records, group-major then block.
	data: Vec<u8>,
	/// F32 weights, row-major.
	f: Vec<f32>,
}

impl std::fmt::Debug for QMatrix {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "QMatrix({}x{} {:?})", self.rows, self.cols, self.format)
	}
}

/// Exact IEEE half to single conversion.
pub fn f16_to_f32(h: u16) -> f32 {
	let sign = u32::from(h >> 15) << 31;
	let exp = u32::from((h >> 10) & 0x1f);
	let man = u32::from(h & 0x3ff);
	let bits = match (exp, man) {
		(0, 0) => sign,
		(0, _) => {
			// Subnormal half: normalise.
			let mut e = 127 - 15 + 1;
			let mut m = man;
			while m & 0x400 == 0 {
				m <<= 1;
				e -= 1;
			}
			sign | (e << 23) | ((m & 0x3ff) << 13)
		},
		(0x1f, 0) => sign | 0x7f80_0000,
		(0x1f, _) => sign | 0x7fc0_0000 | (man << 13),
		_ => sign | ((exp + 127 - 15) << 23) | (man << 13),
	};
	f32::from_bits(bits)
}

/// The half with exactly the value `v`, if there is one.
pub fn f32_to_f16_exact(v: f32) -> Option<u16> {
	let sign = ((v.to_bits() >> 16) & 0x8000) as u16;
	let a = v.abs();
	if a == 0.0 {
		return Some(sign);
	}
	if !a.is_finite() {
		return None;
	}
	let e = ((a.to_bits() >> 23) & 0xff) as i32 - 127;
	let h = if (-14..=15).contains(&e) {
		let man = a.to_bits() & 0x7f_ffff;
		sign | (((e + 15) as u16) << 10) | (man >> 13) as u16
	} else if e < -14 {
		let k = a * 16_777_216.0; // a / 2^-24
		if k >= 1024.0 {
			return None;
		}
		sign | k as u16
	} else {
		return None;
	};
	(f16_to_f32(h).to_bits() == v.to_bits()).then_some(h)
}

fn rd16(b: &[u8], at: usize) -> u16 {
	u16::from_le_bytes([b[at], b[at + 1]])
}

impl QMatrix {
	/// Number of rows (output features).
	pub fn rows(&self) -> usize {
		self.rows
	}

	/// Number of columns (input features).
	pub fn cols(&self) -> usize {
		self.cols
	}

	/// Storage format.
	pub fn format(&self) -> Format {
		self.format
	}

	/// Bytes held in memory.
	pub fn bytes(&self) -> usize {
		self.data.len() + 4 * self.f.len()
	}

	fn nb(&self) -> usize {
		self.cols / BLOCK
	}

	/// Byte offset of the record holding block `b` of group `g`.
	#[inline(always)]
	fn rec(&self, g: usize, b: usize) -> usize {
		(g * self.nb() + b) * self.format.record()
	}

	/// Scale, offset and quantized bytes of block `b` of row `r`.
	fn block(&self, r: usize, b: usize) -> (f32, f32, &[u8]) {
		let (at, i) = (self.rec(r / GROUP, b), r % GROUP);
		let rec = &self.data[at..at + self.format.record()];
		let d = f16_to_f32(rd16(rec, 2 * i));
		match self.format {
			Format::Q4 =>
				(d, f16_to_f32(rd16(rec, 2 * GROUP + 2 * i)), &rec[self.format.qs_at(i)..][..16]),
			_ => (d, 0.0, &rec[self.format.qs_at(i)..][..32]),
		}
	}

	/// An all-zero block matrix to fill with [`Self::set_block`].
	fn zeroed(rows: usize, cols: usize, format: Format) -> Self {
		let groups = rows.div_ceil(GROUP);
		let data = vec![0; groups * (cols / BLOCK) * format.record()];
		Self { rows, cols, format, data, f: vec![] }
	}

	fn set_block(&mut self, r: usize, b: usize, d: u16, m: u16, q: &[u8]) {
		let (at, i) = (self.rec(r / GROUP, b), r % GROUP);
		let f = self.format;
		let rec = &mut self.data[at..at + f.record()];
		rec[2 * i..2 * i + 2].copy_from_slice(&d.to_le_bytes());
		if f == Format::Q4 {
			rec[2 * GROUP + 2 * i..2 * GROUP + 2 * i + 2].copy_from_slice(&m.to_le_bytes());
		}
		rec[f.qs_at(i)..f.qs_at(i) + q.len()].copy_from_slice(q);
	}

	/// A plain f32 matrix from row-major values.
	pub fn from_f32(rows: usize, cols: usize, f: Vec<f32>) -> Result<Self> {
		if !cols.is_multiple_of(LANES) || f.len() != rows * cols {
			return Err(Error::Unsupported(format!(
				"f32 matrix {rows}x{cols}: width must be a multiple of {LANES}"
			)));
		}
		Ok(Self { rows, cols, format: Format::F32, data: vec![], f })
	}

	/// Builds a matrix from the raw bytes of a GGUF tensor of `(rows, cols)`; `None` when the
	/// block format has no kernel here (the caller dequantizes it to f32 instead).
	pub fn from_gguf(
		dtype: GgmlDType,
		rows: usize,
		cols: usize,
		raw: &[u8],
	) -> Result<Option<Self>> {
		let bad =
			|what: &str| Error::Unsupported(format!("{dtype:?} tensor {rows}x{cols}: {what}"));
		match dtype {
			GgmlDType::F32 | GgmlDType::F16 => {
				let esz = if dtype == GgmlDType::F32 { 4 } else { 2 };
				if raw.len() != rows * cols * esz {
					return Err(bad("wrong byte length"));
				}
				let f = if esz == 4 {
					raw.chunks_exact(4)
						.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
						.collect()
				} else {
					raw.chunks_exact(2)
						.map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
						.collect()
				};
				if !cols.is_multiple_of(LANES) {
					return Ok(None);
				}
				Self::from_f32(rows, cols, f).map(Some)
			},
			GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q8_0 => {
				if !cols.is_multiple_of(BLOCK) {
					return Err(bad("width is not a whole number of blocks"));
				}
				let nblocks = rows * cols / BLOCK;
				let (bsz, format) = match dtype {
					GgmlDType::Q4_0 => (18, Format::Q4),
					GgmlDType::Q4_1 => (20, Format::Q4),
					_ => (34, Format::Q8),
				};
				if raw.len() != nblocks * bsz {
					return Err(bad("wrong byte length"));
				}
				let mut out = Self::zeroed(rows, cols, format);
				let nb = cols / BLOCK;
				for (i, b) in raw.chunks_exact(bsz).enumerate() {
					let d = rd16(b, 0);
					let (r, k) = (i / nb, i % nb);
					match dtype {
						GgmlDType::Q4_0 => {
							// w = d·(q - 8) = d·q + (-8d), exactly; -8d is a half unless it
							// overflows, where this matrix is kept in f32 instead.
							let Some(m) = f32_to_f16_exact(-8.0 * f16_to_f32(d)) else {
								return Ok(None);
							};
							out.set_block(r, k, d, m, &b[2..18]);
						},
						GgmlDType::Q4_1 => out.set_block(r, k, d, rd16(b, 2), &b[4..20]),
						_ => out.set_block(r, k, d, 0, &b[2..34]),
					}
				}
				Ok(Some(out))
			},
			_ => Ok(None),
		}
	}

	/// Stacks matrices of equal width and format row-wise (fused QKV, gate/up); `None` when
	/// their formats differ.
	pub fn concat_rows(parts: &[QMatrix]) -> Option<Self> {
		let first = parts.first()?;
		if parts.iter().any(|p| p.format != first.format || p.cols != first.cols) {
			return None;
		}
		let rows = parts.iter().map(|p| p.rows).sum();
		if first.format == Format::F32 {
			let f = parts.iter().flat_map(|p| p.f.iter().copied()).collect();
			return Self::from_f32(rows, first.cols, f).ok();
		}
		let mut out = Self::zeroed(rows, first.cols, first.format);
		let nb = first.nb();
		let mut off = 0;
		for p in parts {
			for r in 0..p.rows {
				for b in 0..nb {
					let (at, i) = (p.rec(r / GROUP, b), r % GROUP);
					let rec = &p.data[at..at + p.format.record()];
					let d = rd16(rec, 2 * i);
					let m = if p.format == Format::Q4 { rd16(rec, 2 * GROUP + 2 * i) } else { 0 };
					let ql = if p.format == Format::Q4 { 16 } else { 32 };
					let q = &rec[p.format.qs_at(i)..p.format.qs_at(i) + ql];
					out.set_block(off + r, b, d, m, q);
				}
			}
			off += p.rows;
		}
		Some(out)
	}

	/// Converts to plain f32 (for stacking matrices of mixed formats).
	pub fn to_f32(&self) -> Self {
		let mut f = vec![0.0; self.rows * self.cols];
		for (r, row) in f.chunks_exact_mut(self.cols).enumerate() {
			self.dequant_row(r, row);
		}
		Self { rows: self.rows, cols: self.cols, format: Format::F32, data: vec![], f }
	}

	/// Writes the exact dequantized row `r` into `out` (`cols` values).
	pub fn dequant_row(&self, r: usize, out: &mut [f32]) {
		let cols = self.cols;
		let out = &mut out[..cols];
		match self.format {
			Format::F32 => out.copy_from_slice(&self.f[r * cols..(r + 1) * cols]),
			Format::Q4 => {
				for b in 0..self.nb() {
					let (d, m, q) = self.block(r, b);
					let o = &mut out[b * BLOCK..(b + 1) * BLOCK];
					for j in 0..16 {
						// d·q is exact, so this is rounded once, like a fused multiply-add.
						o[j] = f32::from(q[j] & 15) * d + m;
						o[j + 16] = f32::from(q[j] >> 4) * d + m;
					}
				}
			},
			Format::Q8 =>
				for b in 0..self.nb() {
					let (d, _, q) = self.block(r, b);
					let o = &mut out[b * BLOCK..(b + 1) * BLOCK];
					for j in 0..32 {
						o[j] = f32::from(q[j] as i8) * d;
					}
				},
		}
	}
}

/// The fixed lane-sum tree of the summation order.
#[inline(always)]
pub fn reduce16(a: &[f32; LANES]) -> f32 {
	let mut b = [0.0f32; 8];
	for l in 0..8 {
		b[l] = a[l] + a[l + 8];
	}
	let c = [b[0] + b[4], b[1] + b[5], b[2] + b[6], b[3] + b[7]];
	let d = [c[0] + c[2], c[1] + c[3]];
	d[0] + d[1]
}

/// Reference dot product in the fixed order (`w.len() == x.len()`, a multiple of 16).
pub fn dot_fma_scalar(w: &[f32], x: &[f32]) -> f32 {
	let mut acc = [0.0f32; LANES];
	for (wc, xc) in w.chunks_exact(LANES).zip(x.chunks_exact(LANES)) {
		for l in 0..LANES {
			acc[l] = wc[l].mul_add(xc[l], acc[l]);
		}
	}
	reduce16(&acc)
}

/// Dot product in the same lane order with separate multiply and add (no FMA): used for
/// attention, where it vectorises on every CPU and gives the same bits everywhere.
#[inline(always)]
pub fn dot_plain(a: &[f32], b: &[f32]) -> f32 {
	let mut acc = [0.0f32; LANES];
	for (ac, bc) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
		for l in 0..LANES {
			acc[l] += ac[l] * bc[l];
		}
	}
	reduce16(&acc)
}

/// Shares a raw output pointer between the threads that write disjoint parts of it.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: every task writes a disjoint set of indices and the owner waits for all tasks.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

/// Hands freed heap memory back to the OS (glibc keeps the buffers of a finished job in its
/// per-thread arenas otherwise, so the resident set creeps up by the largest job's scratch).
/// Called when a job ends; a no-op off Linux/glibc.
pub fn release_memory() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		extern "C" {
			fn malloc_trim(pad: usize) -> i32;
		}
		// SAFETY: glibc's malloc_trim only returns unused pages of the allocator's own arenas.
		unsafe {
			malloc_trim(0);
		}
	}
}

/// Makes glibc serve every allocation of 256 KiB or more (the engine's KV caches, batch
/// scratch, logits) with its own mapping, returned to the OS when freed. glibc otherwise raises
/// that threshold to the largest block freed so far (up to 32 MiB), after which such buffers
/// come from its per-thread arenas, whose free tops (up to twice the threshold each) neither
/// `free` nor [`release_memory`] hands back: the resident set then carries a previous job's
/// buffers on top of the current job's (~35 MB more at the peak of `attesta-infer bench`).
/// Called once when a model is loaded; a fixed threshold costs a few page faults per batch,
/// nothing measurable. A no-op off Linux/glibc.
pub fn tune_allocator() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	{
		static ONCE: std::sync::Once = std::sync::Once::new();
		extern "C" {
			fn mallopt(param: i32, value: i32) -> i32;
		}
		/// glibc's `M_MMAP_THRESHOLD` (malloc.h); setting it also turns the dynamic one off.
		const M_MMAP_THRESHOLD: i32 = -3;
		// SAFETY: mallopt only changes a tuning parameter of glibc's allocator.
		ONCE.call_once(|| unsafe {
			mallopt(M_MMAP_THRESHOLD, 256 << 10);
		});
	}
}

/// Number of compute threads (the rayon pool, sized by `RAYON_NUM_THREADS`).
pub fn threads() -> usize {
	rayon::current_num_threads().max(1)
}

/// `y[t][r] = Σ_k w[r][k]·x[t][k]` for `n` rows of `x` (`n × cols`, row-major), giving
/// `y` (`n × rows`); output rows are split across the compute threads.
pub fn matmul(w: &QMatrix, x: &[f32], n: usize, y: &mut [f32]) {
	matmul_with(isa(), threads(), w, x, n, y)
}

/// [`matmul`] with an explicit instruction set and number of tasks (tests, benches).
pub fn matmul_with(isa: Isa, tasks: usize, w: &QMatrix, x: &[f32], n: usize, y: &mut [f32]) {
	let (rows, cols) = (w.rows, w.cols);
	assert!(x.len() >= n * cols && y.len() >= n * rows, "matmul shapes");
	let isa = if isa.available() { isa } else { Isa::Scalar };
	// Row ranges in multiples of 8, four per thread: a thread that runs ahead (or one the OS
	// preempts) leaves its share to be stolen. One thread: no split at all.
	let tasks = if tasks <= 1 { 1 } else { tasks * 4 };
	let per = rows.div_ceil(tasks).div_ceil(8).max(if n > 1 { 1 } else { 8 }) * 8;
	let out = OutPtr(y.as_mut_ptr());
	let run = |r0: usize| {
		let r1 = (r0 + per).min(rows);
		// SAFETY: rows r0..r1 of every output row are written by this task only.
		unsafe { rows_kernel(isa, w, x, n, r0, r1, out) }
	};
	if tasks == 1 || per >= rows {
		run(0);
	} else {
		use rayon::prelude::*;
		(0..rows.div_ceil(per)).into_par_iter().for_each(|i| run(i * per));
	}
}

/// Output rows `r0..r1` of `w·x` for one token (`x`: `w.cols` floats), written at their own
/// indices of `y`: the operations [`matmul`] performs for those rows, however it splits them.
///
/// # Safety
/// `y` must point to `w.rows` writable floats of which no other thread reads or writes rows
/// `r0..r1` during the call.
pub(crate) unsafe fn gemv_rows(w: &QMatrix, x: &[f32], r0: usize, r1: usize, y: *mut f32) {
	assert!(x.len() >= w.cols && r0 <= r1 && r1 <= w.rows, "gemv shapes");
	if r0 < r1 {
		rows_kernel(isa(), w, x, 1, r0, r1, OutPtr(y));
	}
}

/// Bytes of activations per token panel of a batched product (they stay in L2 while a panel
/// of weight rows is dequantized once for all of them).
const TOKEN_PANEL_BYTES: usize = 768 << 10;

/// Computes output rows `r0..r1` for all `n` tokens.
///
/// # Safety
/// `out` must point to `n × w.rows` floats of which no other thread writes rows `r0..r1`.
unsafe fn rows_kernel(
	isa: Isa,
	w: &QMatrix,
	x: &[f32],
	n: usize,
	r0: usize,
	r1: usize,
	out: OutPtr,
) {
	let (rows, cols) = (w.rows, w.cols);
	if n == 1 {
		match isa {
			#[cfg(target_arch = "x86_64")]
			Isa::Avx512 => return x86::gemv_avx512(w, x, r0, r1, out.0),
			#[cfg(target_arch = "x86_64")]
			Isa::Avx2 => return x86::gemv_avx2(w, x, r0, r1, out.0),
			_ => {},
		}
	}
	// Batched: dequantize a few rows into a panel, then run a register-tiled kernel over the
	// tokens. The panel holds the exact weights, so the order of operations is unchanged.
	// 16 rows: each token's 16 outputs fill one cache line of `y`, written once.
	const PR: usize = 16;
	let mut panel = vec![0.0f32; PR * cols];
	let token_panel = (TOKEN_PANEL_BYTES / (4 * cols)).max(16);
	let mut t0 = 0;
	while t0 < n {
		let t1 = (t0 + token_panel).min(n);
		let mut r = r0;
		while r < r1 {
			let pr = PR.min(r1 - r);
			for i in 0..pr {
				let row = &mut panel[i * cols..(i + 1) * cols];
				match isa {
					#[cfg(target_arch = "x86_64")]
					Isa::Avx512 => x86::dequant_row_avx512(w, r + i, row),
					#[cfg(target_arch = "x86_64")]
					Isa::Avx2 => x86::dequant_row_avx2(w, r + i, row),
					_ => w.dequant_row(r + i, row),
				}
			}
			match isa {
				#[cfg(target_arch = "x86_64")]
				Isa::Avx512 => x86::panel_avx512(&panel, pr, cols, x, t0, t1, r, rows, out.0),
				#[cfg(target_arch = "x86_64")]
				Isa::Avx2 => x86::panel_avx2(&panel, pr, cols, x, t0, t1, r, rows, out.0),
				_ =>
					for i in 0..pr {
						let wr = &panel[i * cols..(i + 1) * cols];
						for t in t0..t1 {
							let v = dot_fma_scalar(wr, &x[t * cols..(t + 1) * cols]);
							*out.0.add(t * rows + r + i) = v;
						}
					},
			}
			r += pr;
		}
		t0 = t1;
	}
}

#[cfg(target_arch = "x86_64")]
mod x86 {
	use std::arch::x86_64::*;

	use super::{Format, QMatrix, BLOCK, GROUP};

	/// The fixed tree over lanes `lo = 0..8` and `hi = 8..16`.
	#[inline(always)]
	unsafe fn reduce_2x8(lo: __m256, hi: __m256) -> f32 {
		let b = _mm256_add_ps(lo, hi);
		let c = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps::<1>(b));
		let d = _mm_add_ps(c, _mm_movehl_ps(c, c));
		let e = _mm_add_ss(d, _mm_shuffle_ps::<0b01>(d, d));
		_mm_cvtss_f32(e)
	}

	#[inline(always)]
	unsafe fn reduce_16(a: __m512) -> f32 {
		let lo = _mm512_castps512_ps256(a);
		let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a)));
		reduce_2x8(lo, hi)
	}

	/// `*p` in all 8 lanes, loaded by a memory broadcast (no shuffle-port work; the compiler
	/// would otherwise extract lanes from the register the scales were converted in).
	#[inline]
	#[target_feature(enable = "avx")]
	unsafe fn bcast8(p: &f32) -> __m256 {
		let r: __m256;
		std::arch::asm!("vbroadcastss {r}, dword ptr [{p}]", p = in(reg) p, r = out(ymm_reg) r,
			options(pure, readonly, nostack, preserves_flags));
		r
	}

	/// `*p` in all 16 lanes, by a memory broadcast.
	#[inline]
	#[target_feature(enable = "avx512f")]
	unsafe fn bcast16(p: &f32) -> __m512 {
		let r: __m512;
		std::arch::asm!("vbroadcastss {r}, dword ptr [{p}]", p = in(reg) p, r = out(zmm_reg) r,
			options(pure, readonly, nostack, preserves_flags));
		r
	}

	/// The scales (and offsets) of one record as f32: `[d0..d8, m0..m8]` (F16C).
	#[inline(always)]
	unsafe fn scales_avx2(rec: *const u8, q4: bool) -> [f32; 16] {
		let mut dm = [0.0f32; 16];
		_mm256_storeu_ps(dm.as_mut_ptr(), _mm256_cvtph_ps(_mm_loadu_si128(rec as *const __m128i)));
		if q4 {
			_mm256_storeu_ps(
				dm.as_mut_ptr().add(8),
				_mm256_cvtph_ps(_mm_loadu_si128(rec.add(16) as *const __m128i)),
			);
		}
		dm
	}

	/// Output rows of group `g` that exist and lie in `r0..r1`.
	#[inline(always)]
	fn group_rows(g: usize, r0: usize, r1: usize) -> std::ops::Range<usize> {
		(g * GROUP).max(r0)..((g + 1) * GROUP).min(r1)
	}

	// ---- AVX2 + FMA + F16C ---------------------------------------------------------------

	#[target_feature(enable = "avx2,fma,f16c")]
	pub(super) unsafe fn gemv_avx2(w: &QMatrix, x: &[f32], r0: usize, r1: usize, out: *mut f32) {
		if w.format == Format::F32 {
			for r in r0..r1 {
				gemv_f32_avx2(w, x, r, out);
			}
			return;
		}
		// Row ranges start on a group boundary; padded rows compute zeros and are not stored.
		for g in r0 / GROUP..r1.div_ceil(GROUP) {
			let rows = group_rows(g, r0, r1);
			let mut i = 0;
			while i < GROUP {
				let mut acc = [[_mm256_setzero_ps(); 2]; 2];
				group_pair_avx2(w, x, g, i, &mut acc);
				for k in 0..2 {
					let r = g * GROUP + i + k;
					if rows.contains(&r) {
						*out.add(r) = reduce_2x8(acc[k][0], acc[k][1]);
					}
				}
				i += 2;
			}
		}
	}

	#[inline(always)]
	unsafe fn gemv_f32_avx2(w: &QMatrix, x: &[f32], r: usize, out: *mut f32) {
		let (cols, xp, f) = (w.cols, x.as_ptr(), w.f.as_ptr().add(r * w.cols));
		let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
		for k in (0..cols).step_by(16) {
			lo = _mm256_fmadd_ps(_mm256_loadu_ps(f.add(k)), _mm256_loadu_ps(xp.add(k)), lo);
			hi = _mm256_fmadd_ps(_mm256_loadu_ps(f.add(k + 8)), _mm256_loadu_ps(xp.add(k + 8)), hi);
		}
		*out.add(r) = reduce_2x8(lo, hi);
	}

	/// Rows `i, i+1` of group `g` against `x`: lanes 0..8 in `acc[k][0]`, 8..16 in `acc[k][1]`.
	#[inline(always)]
	unsafe fn group_pair_avx2(
		w: &QMatrix,
		x: &[f32],
		g: usize,
		i: usize,
		acc: &mut [[__m256; 2]; 2],
	) {
		let nb = w.cols / BLOCK;
		let xp = x.as_ptr();
		let q4 = w.format == Format::Q4;
		for b in 0..nb {
			let rec = w.data.as_ptr().add(w.rec(g, b));
			let dm = scales_avx2(rec, q4);
			let xb = xp.add(b * BLOCK);
			let xv = [
				_mm256_loadu_ps(xb),
				_mm256_loadu_ps(xb.add(8)),
				_mm256_loadu_ps(xb.add(16)),
				_mm256_loadu_ps(xb.add(24)),
			];
			for k in 0..2 {
				let d = bcast8(&dm[i + k]);
				let q = rec.add(w.format.qs_at(i + k));
				let ws = if q4 { q4_avx2(q, d, bcast8(&dm[8 + i + k])) } else { q8_avx2(q, d) };
				acc[k][0] = _mm256_fmadd_ps(ws[0], xv[0], acc[k][0]);
				acc[k][1] = _mm256_fmadd_ps(ws[1], xv[1], acc[k][1]);
				acc[k][0] = _mm256_fmadd_ps(ws[2], xv[2], acc[k][0]);
				acc[k][1] = _mm256_fmadd_ps(ws[3], xv[3], acc[k][1]);
			}
		}
	}

	/// The 32 weights of a Q4 block, as four runs of 8.
	#[inline(always)]
	unsafe fn q4_avx2(q: *const u8, d: __m256, m: __m256) -> [__m256; 4] {
		let mask = _mm256_set1_epi32(15);
		let v0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(q as *const __m128i));
		let v1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(q.add(8) as *const __m128i));
		[
			_mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v0, mask)), d, m),
			_mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v1, mask)), d, m),
			_mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32::<4>(v0)), d, m),
			_mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32::<4>(v1)), d, m),
		]
	}

	/// The 32 weights `d·q` of a Q8 block, as four runs of 8.
	#[inline(always)]
	unsafe fn q8_avx2(q: *const u8, d: __m256) -> [__m256; 4] {
		[
			q8_run_avx2(q, d),
			q8_run_avx2(q.add(8), d),
			q8_run_avx2(q.add(16), d),
			q8_run_avx2(q.add(24), d),
		]
	}

	#[inline(always)]
	unsafe fn q8_run_avx2(q: *const u8, d: __m256) -> __m256 {
		_mm256_mul_ps(
			_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(q as *const __m128i))),
			d,
		)
	}

	/// Dequantizes row `r` into `out` (exact values, as [`QMatrix::dequant_row`]).
	#[target_feature(enable = "avx2,fma,f16c")]
	pub(super) unsafe fn dequant_row_avx2(w: &QMatrix, r: usize, out: &mut [f32]) {
		if w.format == Format::F32 {
			return w.dequant_row(r, out);
		}
		let (g, i) = (r / GROUP, r % GROUP);
		let q4 = w.format == Format::Q4;
		let o = out.as_mut_ptr();
		for b in 0..w.cols / BLOCK {
			let rec = w.data.as_ptr().add(w.rec(g, b));
			let dm = scales_avx2(rec, q4);
			let d = bcast8(&dm[i]);
			let q = rec.add(w.format.qs_at(i));
			let ws = if q4 { q4_avx2(q, d, bcast8(&dm[8 + i])) } else { q8_avx2(q, d) };
			for (c, v) in ws.iter().enumerate() {
				_mm256_storeu_ps(o.add(b * BLOCK + 8 * c), *v);
			}
		}
	}

	/// Register tile of `R` panel rows × `C` tokens over the whole width.
	#[inline(always)]
	unsafe fn tile_avx2<const R: usize, const C: usize>(
		panel: *const f32,
		cols: usize,
		x: *const f32,
		t: usize,
		r: usize,
		rows: usize,
		out: *mut f32,
	) {
		let mut lo = [[_mm256_setzero_ps(); C]; R];
		let mut hi = [[_mm256_setzero_ps(); C]; R];
		for k in (0..cols).step_by(16) {
			let mut wl = [_mm256_setzero_ps(); R];
			for i in 0..R {
				wl[i] = _mm256_loadu_ps(panel.add(i * cols + k));
			}
			for c in 0..C {
				let xv = _mm256_loadu_ps(x.add((t + c) * cols + k));
				for i in 0..R {
					lo[i][c] = _mm256_fmadd_ps(wl[i], xv, lo[i][c]);
				}
			}
			for i in 0..R {
				wl[i] = _mm256_loadu_ps(panel.add(i * cols + k + 8));
			}
			for c in 0..C {
				let xv = _mm256_loadu_ps(x.add((t + c) * cols + k + 8));
				for i in 0..R {
					hi[i][c] = _mm256_fmadd_ps(wl[i], xv, hi[i][c]);
				}
			}
		}
		for i in 0..R {
			for c in 0..C {
				*out.add((t + c) * rows + r + i) = reduce_2x8(lo[i][c], hi[i][c]);
			}
		}
	}

	#[target_feature(enable = "avx2,fma,f16c")]
	#[allow(clippy::too_many_arguments)]
	pub(super) unsafe fn panel_avx2(
		panel: &[f32],
		pr: usize,
		cols: usize,
		x: &[f32],
		t0: usize,
		t1: usize,
		r: usize,
		rows: usize,
		out: *mut f32,
	) {
		let (p, xp) = (panel.as_ptr(), x.as_ptr());
		// Tokens in the outer loop: a tile's activations stay in L1 across the panel's rows.
		let mut t = t0;
		while t < t1 {
			let c = if t + 3 <= t1 { 3 } else { 1 };
			let mut i = 0;
			while i < pr {
				let (rr, pp) = (r + i, p.add(i * cols));
				if pr - i >= 2 {
					if c == 3 {
						tile_avx2::<2, 3>(pp, cols, xp, t, rr, rows, out);
					} else {
						tile_avx2::<2, 1>(pp, cols, xp, t, rr, rows, out);
					}
					i += 2;
				} else {
					if c == 3 {
						tile_avx2::<1, 3>(pp, cols, xp, t, rr, rows, out);
					} else {
						tile_avx2::<1, 1>(pp, cols, xp, t, rr, rows, out);
					}
					i += 1;
				}
			}
			t += c;
		}
	}

	// ---- AVX-512F --------------------------------------------------------------------------

	#[inline(always)]
	unsafe fn iota16() -> __m512 {
		_mm512_setr_ps(0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12., 13., 14., 15.)
	}

	/// The scales (and offsets) of one record as f32: `[d0..d8, m0..m8]`.
	#[inline(always)]
	unsafe fn scales_avx512(rec: *const u8) -> [f32; 16] {
		let mut dm = [0.0f32; 16];
		_mm512_storeu_ps(
			dm.as_mut_ptr(),
			_mm512_cvtph_ps(_mm256_loadu_si256(rec as *const __m256i)),
		);
		dm
	}

	/// The 32 weights of a Q4 block: a 16-entry table `fma(q, d, m)` for `q = 0..16`, looked up
	/// by each nibble (the same values as converting each nibble and applying the fma).
	#[inline(always)]
	unsafe fn q4_avx512(q: *const u8, d: &f32, m: &f32, iota: __m512) -> (__m512, __m512) {
		let tab = _mm512_fmadd_ps(iota, bcast16(d), bcast16(m));
		let v = _mm512_cvtepu8_epi32(_mm_loadu_si128(q as *const __m128i));
		// The permute reads the low 4 bits of each index: the low nibble as is.
		(_mm512_permutexvar_ps(v, tab), _mm512_permutexvar_ps(_mm512_srli_epi32::<4>(v), tab))
	}

	/// The 32 weights `q·d` of a Q8 block.
	#[inline(always)]
	unsafe fn q8_avx512(q: *const u8, d: &f32) -> (__m512, __m512) {
		let d = bcast16(d);
		let lo = _mm512_cvtepi8_epi32(_mm_loadu_si128(q as *const __m128i));
		let hi = _mm512_cvtepi8_epi32(_mm_loadu_si128(q.add(16) as *const __m128i));
		(_mm512_mul_ps(_mm512_cvtepi32_ps(lo), d), _mm512_mul_ps(_mm512_cvtepi32_ps(hi), d))
	}

	#[target_feature(enable = "avx512f")]
	pub(super) unsafe fn gemv_avx512(w: &QMatrix, x: &[f32], r0: usize, r1: usize, out: *mut f32) {
		let (cols, xp) = (w.cols, x.as_ptr());
		if w.format == Format::F32 {
			for r in r0..r1 {
				let f = w.f.as_ptr().add(r * cols);
				let mut acc = _mm512_setzero_ps();
				for k in (0..cols).step_by(16) {
					acc =
						_mm512_fmadd_ps(_mm512_loadu_ps(f.add(k)), _mm512_loadu_ps(xp.add(k)), acc);
				}
				*out.add(r) = reduce_16(acc);
			}
			return;
		}
		let nb = cols / BLOCK;
		let iota = iota16();
		let q4 = w.format == Format::Q4;
		for g in r0 / GROUP..r1.div_ceil(GROUP) {
			let mut acc = [_mm512_setzero_ps(); GROUP];
			for b in 0..nb {
				let rec = w.data.as_ptr().add(w.rec(g, b));
				let dm = scales_avx512(rec);
				let x0 = _mm512_loadu_ps(xp.add(b * BLOCK));
				let x1 = _mm512_loadu_ps(xp.add(b * BLOCK + 16));
				for i in 0..GROUP {
					let q = rec.add(w.format.qs_at(i));
					let (w0, w1) = if q4 {
						q4_avx512(q, &dm[i], &dm[8 + i], iota)
					} else {
						q8_avx512(q, &dm[i])
					};
					acc[i] = _mm512_fmadd_ps(w0, x0, acc[i]);
					acc[i] = _mm512_fmadd_ps(w1, x1, acc[i]);
				}
			}
			for r in group_rows(g, r0, r1) {
				*out.add(r) = reduce_16(acc[r % GROUP]);
			}
		}
	}

	/// Dequantizes row `r` into `out` (exact values, as [`QMatrix::dequant_row`]).
	#[target_feature(enable = "avx512f")]
	pub(super) unsafe fn dequant_row_avx512(w: &QMatrix, r: usize, out: &mut [f32]) {
		if w.format == Format::F32 {
			return w.dequant_row(r, out);
		}
		let (g, i) = (r / GROUP, r % GROUP);
		let iota = iota16();
		let o = out.as_mut_ptr();
		for b in 0..w.cols / BLOCK {
			let rec = w.data.as_ptr().add(w.rec(g, b));
			let dm = scales_avx512(rec);
			let q = rec.add(w.format.qs_at(i));
			let (w0, w1) = if w.format == Format::Q4 {
				q4_avx512(q, &dm[i], &dm[8 + i], iota)
			} else {
				q8_avx512(q, &dm[i])
			};
			_mm512_storeu_ps(o.add(b * BLOCK), w0);
			_mm512_storeu_ps(o.add(b * BLOCK + 16), w1);
		}
	}

	#[inline(always)]
	unsafe fn tile_avx512<const R: usize, const C: usize>(
		panel: *const f32,
		cols: usize,
		x: *const f32,
		t: usize,
		r: usize,
		rows: usize,
		out: *mut f32,
	) {
		let mut acc = [[_mm512_setzero_ps(); C]; R];
		for k in (0..cols).step_by(16) {
			let mut wv = [_mm512_setzero_ps(); R];
			for i in 0..R {
				wv[i] = _mm512_loadu_ps(panel.add(i * cols + k));
			}
			for c in 0..C {
				let xv = _mm512_loadu_ps(x.add((t + c) * cols + k));
				for i in 0..R {
					acc[i][c] = _mm512_fmadd_ps(wv[i], xv, acc[i][c]);
				}
			}
		}
		if R == 4 && C == 4 {
			// All 16 sums at once, by the same tree: rows r..r+4 of token t+c in lane group c.
			let mut v = [_mm512_setzero_ps(); 16];
			for k in 0..16 {
				v[k] = acc[k / 4][k % 4];
			}
			let f = reduce_16x16(&v);
			let o = out.add(t * rows + r);
			_mm_storeu_ps(o, _mm512_extractf32x4_ps::<0>(f));
			_mm_storeu_ps(o.add(rows), _mm512_extractf32x4_ps::<1>(f));
			_mm_storeu_ps(o.add(2 * rows), _mm512_extractf32x4_ps::<2>(f));
			_mm_storeu_ps(o.add(3 * rows), _mm512_extractf32x4_ps::<3>(f));
			return;
		}
		for i in 0..R {
			for c in 0..C {
				*out.add((t + c) * rows + r + i) = reduce_16(acc[i][c]);
			}
		}
	}

	/// The fixed lane tree of 16 accumulators at once: lane `4j + m` of the result is the
	/// sum of `v[4m + j]`, with exactly the pairs of [`super::reduce16`] (a transposing
	/// reduction: ~3 operations per sum instead of ~10).
	#[inline(always)]
	unsafe fn reduce_16x16(v: &[__m512; 16]) -> __m512 {
		// (l, l+8): pairs of vectors into halves.
		let mut w = [_mm512_setzero_ps(); 8];
		for p in 0..8 {
			let (x, y) = (v[2 * p], v[2 * p + 1]);
			w[p] = _mm512_add_ps(
				_mm512_shuffle_f32x4::<0x44>(x, y),
				_mm512_shuffle_f32x4::<0xEE>(x, y),
			);
		}
		// (l, l+4): 128-bit quarters.
		let mut z = [_mm512_setzero_ps(); 4];
		for p in 0..4 {
			let (x, y) = (w[2 * p], w[2 * p + 1]);
			z[p] = _mm512_add_ps(
				_mm512_shuffle_f32x4::<0x88>(x, y),
				_mm512_shuffle_f32x4::<0xDD>(x, y),
			);
		}
		// (l, l+2) within quarters.
		let mut u = [_mm512_setzero_ps(); 2];
		for p in 0..2 {
			let (x, y) = (z[2 * p], z[2 * p + 1]);
			u[p] = _mm512_add_ps(_mm512_shuffle_ps::<0x44>(x, y), _mm512_shuffle_ps::<0xEE>(x, y));
		}
		// (0, 1).
		_mm512_add_ps(_mm512_shuffle_ps::<0x88>(u[0], u[1]), _mm512_shuffle_ps::<0xDD>(u[0], u[1]))
	}

	#[target_feature(enable = "avx512f")]
	#[allow(clippy::too_many_arguments)]
	pub(super) unsafe fn panel_avx512(
		panel: &[f32],
		pr: usize,
		cols: usize,
		x: &[f32],
		t0: usize,
		t1: usize,
		r: usize,
		rows: usize,
		out: *mut f32,
	) {
		let (p, xp) = (panel.as_ptr(), x.as_ptr());
		// Tokens in the outer loop: a tile's activations stay in L1 across the panel's rows.
		let mut t = t0;
		while t < t1 {
			let c = if t + 4 <= t1 { 4 } else { 1 };
			let mut i = 0;
			while i < pr {
				let (rr, pp) = (r + i, p.add(i * cols));
				if pr - i >= 4 {
					if c == 4 {
						tile_avx512::<4, 4>(pp, cols, xp, t, rr, rows, out);
					} else {
						tile_avx512::<4, 1>(pp, cols, xp, t, rr, rows, out);
					}
					i += 4;
				} else {
					if c == 4 {
						tile_avx512::<1, 4>(pp, cols, xp, t, rr, rows, out);
					} else {
						tile_avx512::<1, 1>(pp, cols, xp, t, rr, rows, out);
					}
					i += 1;
				}
			}
			t += c;
		}
	}
}

// ---- elementwise and small ops (plain IEEE operations, same bits on every CPU) ----------------

/// `e^x` from additions, multiplications and an exact power of two only (no libm, no branch),
/// so the result is the same on every platform and the function vectorises; relative error
/// below 2 ulp. Arguments are clamped to `[-104, 88.5]` (below: 0 or the least subnormal;
/// above: `e^88.5`); NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
	const LOG2E: f32 = std::f32::consts::LOG2_E;
	const LN2_HI: f32 = 0.693_145_75;
	const LN2_LO: f32 = 1.428_606_8e-6;
	// 1.5·2^23: adding and subtracting it rounds to the nearest integer (ties to even).
	const ROUND: f32 = 12_582_912.0;
	let x = x.clamp(-104.0, 88.5);
	let k = (x * LOG2E + ROUND) - ROUND;
	let r = (x - k * LN2_HI) - k * LN2_LO;
	// Degree-7 Taylor polynomial on |r| ≤ ln2/2 (truncation error < 2e-8 relative).
	let mut p = 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	let k = k as i32;
	// Scale by 2^k in two exact steps so subnormal results stay correct.
	let (k1, k2) = (k >> 1, k - (k >> 1));
	let s1 = f32::from_bits(((k1 + 127) as u32) << 23);
	let s2 = f32::from_bits(((k2 + 127) as u32) << 23);
	p * s1 * s2
}

/// `x·σ(x)`.
#[inline(always)]
pub fn silu(x: f32) -> f32 {
	x / (1.0 + exp(-x))
}

/// `out[i] = silu(g[i])·u[i]`, elementwise (vectorised where the CPU allows, same bits).
pub fn swiglu(g: &[f32], u: &[f32], out: &mut [f32]) {
	#[inline(always)]
	fn body(g: &[f32], u: &[f32], out: &mut [f32]) {
		for ((o, &gv), &uv) in out.iter_mut().zip(g).zip(u) {
			*o = silu(gv) * uv;
		}
	}
	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx512f")]
	unsafe fn body_avx512(g: &[f32], u: &[f32], out: &mut [f32]) {
		body(g, u, out)
	}
	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx2")]
	unsafe fn body_avx2(g: &[f32], u: &[f32], out: &mut [f32]) {
		body(g, u, out)
	}
	match isa() {
		#[cfg(target_arch = "x86_64")]
		// SAFETY: the kernel ISA is only chosen when the CPU has it.
		Isa::Avx512 => unsafe { body_avx512(g, u, out) },
		#[cfg(target_arch = "x86_64")]
		// SAFETY: as above.
		Isa::Avx2 => unsafe { body_avx2(g, u, out) },
		_ => body(g, u, out),
	}
}

/// RMS norm of one row into `out`: `x·(1/√(mean(x²) + eps))·w`, squares summed in the fixed
/// lane order without FMA.
pub fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
	let ss = dot_plain(x, x);
	let scale = 1.0 / (ss / x.len() as f32 + eps).sqrt();
	for ((o, &v), &g) in out.iter_mut().zip(x).zip(w) {
		*o = v * scale * g;
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sampling::SplitMix64;

	fn rand_f32(rng: &mut SplitMix64, n: usize, scale: f32) -> Vec<f32> {
		(0..n).map(|_| (rng.next_normal() as f32) * scale).collect()
	}

	/// A random matrix in each format, as GGUF bytes.
	fn rand_matrix(dtype: GgmlDType, rows: usize, cols: usize, seed: u64) -> QMatrix {
		let mut rng = SplitMix64::new(seed);
		let vals = rand_f32(&mut rng, rows * cols, 0.5);
		let t =
			candle_core::Tensor::from_vec(vals, (rows, cols), &candle_core::Device::Cpu).unwrap();
		let q = candle_core::quantized::QTensor::quantize(&t, dtype).unwrap();
		let raw = q.data().unwrap();
		QMatrix::from_gguf(dtype, rows, cols, &raw).unwrap().unwrap()
	}

	#[test]
	fn f16_conversion_is_exact() {
		for h in [0u16, 0x3c00, 0xbc00, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x3555, 0x8001] {
			let ours = f16_to_f32(h);
			// Round trip through the candle half type for the reference.
			let r = candle_core::Tensor::from_vec(vec![ours], 1, &candle_core::Device::Cpu)
				.unwrap()
				.to_dtype(candle_core::DType::F16)
				.unwrap()
				.to_dtype(candle_core::DType::F32)
				.unwrap()
				.to_vec1::<f32>()
				.unwrap()[0];
			assert_eq!(ours.to_bits(), r.to_bits(), "half {h:#x}");
		}
	}

	#[test]
	fn dequantized_rows_equal_candle_bit_for_bit() {
		for dtype in [GgmlDType::Q4_0, GgmlDType::Q4_1, GgmlDType::Q8_0] {
			let (rows, cols) = (8, 96);
			let mut rng = SplitMix64::new(3);
			let vals = rand_f32(&mut rng, rows * cols, 0.5);
			let t = candle_core::Tensor::from_vec(vals, (rows, cols), &candle_core::Device::Cpu)
				.unwrap();
			let q = candle_core::quantized::QTensor::quantize(&t, dtype).unwrap();
			let want = q.dequantize(&candle_core::Device::Cpu).unwrap().to_vec2::<f32>().unwrap();
			let m = QMatrix::from_gguf(dtype, rows, cols, &q.data().unwrap()).unwrap().unwrap();
			let mut row = vec![0.0; cols];
			for (r, want) in want.iter().enumerate() {
				m.dequant_row(r, &mut row);
				// Equal values; Q4_0's zero weights may be +0 here where candle has -0, which
				// changes no sum (accumulators start at +0).
				assert_eq!(&row, want, "{dtype:?} row {r}");
			}
		}
	}

	/// Straightforward reference: dequantize, then the fixed-order dot with `mul_add`.
	fn reference(w: &QMatrix, x: &[f32], n: usize) -> Vec<f32> {
		let (rows, cols) = (w.rows(), w.cols());
		let mut row = vec![0.0; cols];
		let mut y = vec![0.0; n * rows];
		for r in 0..rows {
			w.dequant_row(r, &mut row);
			for t in 0..n {
				y[t * rows + r] = dot_fma_scalar(&row, &x[t * cols..(t + 1) * cols]);
			}
		}
		y
	}

	fn bits(v: &[f32]) -> Vec<u32> {
		v.iter().map(|f| f.to_bits()).collect()
	}

	#[test]
	fn kernels_are_bit_identical_across_isas_threads_and_batches() {
		let shapes = [(37, 64), (64, 96), (19, 160), (128, 576)];
		for dtype in [GgmlDType::Q4_1, GgmlDType::Q4_0, GgmlDType::Q8_0, GgmlDType::F32] {
			for (si, &(rows, cols)) in shapes.iter().enumerate() {
				let w = rand_matrix(dtype, rows, cols, 10 + si as u64);
				let mut rng = SplitMix64::new(99 + si as u64);
				for n in [1usize, 2, 5, 13] {
					let x = rand_f32(&mut rng, n * cols, 1.0);
					let want = reference(&w, &x, n);
					for isa in Isa::all_available() {
						for tasks in [1, 2, 3, 8] {
							let mut y = vec![f32::NAN; n * rows];
							matmul_with(isa, tasks, &w, &x, n, &mut y);
							assert_eq!(
								bits(&y),
								bits(&want),
								"{dtype:?} {rows}x{cols} n={n} {isa:?} tasks={tasks}"
							);
							// Token by token (decode) equals the batch (prefill).
							for t in 0..n {
								let mut y1 = vec![f32::NAN; rows];
								matmul_with(
									isa,
									tasks,
									&w,
									&x[t * cols..(t + 1) * cols],
									1,
									&mut y1,
								);
								assert_eq!(bits(&y1), bits(&want[t * rows..(t + 1) * rows]));
							}
						}
					}
				}
			}
		}
	}

	#[test]
	fn kernel_is_close_to_f64_dot() {
		let w = rand_matrix(GgmlDType::Q4_1, 16, 576, 5);
		let mut rng = SplitMix64::new(6);
		let x = rand_f32(&mut rng, 576, 1.0);
		let mut y = vec![0.0; 16];
		matmul(&w, &x, 1, &mut y);
		let mut row = vec![0.0; 576];
		for r in 0..16 {
			w.dequant_row(r, &mut row);
			let exact: f64 = row.iter().zip(&x).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
			assert!(
				(f64::from(y[r]) - exact).abs() < 1e-4 * (1.0 + exact.abs()),
				"{} {exact}",
				y[r]
			);
		}
	}

	/// `cargo test --release -p attesta-inference kernel_throughput -- --ignored --nocapture`
	#[test]
	#[ignore = "benchmark"]
	fn kernel_throughput() {
		let shapes = [
			(GgmlDType::Q4_1, 576, 576),
			(GgmlDType::Q4_1, 3072, 576),
			(GgmlDType::Q4_1, 576, 1536),
			(GgmlDType::Q8_0, 49152, 576),
			(GgmlDType::Q4_1, 49152, 576),
		];
		for (dtype, rows, cols) in shapes {
			let w = rand_matrix(dtype, rows, cols, 1);
			let mut rng = SplitMix64::new(2);
			for n in [1usize, 128] {
				let x = rand_f32(&mut rng, n * cols, 1.0);
				let mut y = vec![0.0; n * rows];
				for isa in Isa::all_available() {
					if isa == Isa::Scalar {
						continue;
					}
					// The fastest of many runs: robust on a shared machine.
					let reps = (200_000_000 / (rows * cols * n)).clamp(3, 300);
					let mut s = f64::INFINITY;
					for _ in 0..reps {
						let t = std::time::Instant::now();
						matmul_with(isa, 1, &w, &x, n, &mut y);
						s = s.min(t.elapsed().as_secs_f64());
					}
					eprintln!(
						"{dtype:?} {rows}x{cols} n={n} {isa:?}: {:.1} us, {:.2} GMAC/s, {:.2} GB/s of weights",
						s * 1e6,
						(rows * cols * n) as f64 / s / 1e9,
						w.bytes() as f64 / s / 1e9
					);
				}
			}
		}
	}

	#[test]
	#[ignore = "benchmark"]
	fn fork_join_overhead() {
		let w = rand_matrix(GgmlDType::Q4_1, 576, 576, 1);
		let mut rng = SplitMix64::new(2);
		let x = rand_f32(&mut rng, 576, 1.0);
		let mut y = vec![0.0; 576];
		let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
		pool.install(|| {
			for tasks in [1, 2] {
				let reps = 20_000;
				let t = std::time::Instant::now();
				for _ in 0..reps {
					matmul_with(isa(), tasks, &w, &x, 1, &mut y);
				}
				let s = t.elapsed().as_secs_f64() / reps as f64;
				eprintln!("576x576 GEMV, {tasks} tasks on 2 threads: {:.2} us", s * 1e6);
			}
		});
	}

	#[test]
	#[ignore = "benchmark"]
	fn kernel_throughput_from_memory() {
		// 40 matrices of 3072x576 (~53 MB): each call streams its weights from memory.
		let ws: Vec<QMatrix> =
			(0..40).map(|i| rand_matrix(GgmlDType::Q4_1, 3072, 576, i)).collect();
		let mut rng = SplitMix64::new(2);
		let x = rand_f32(&mut rng, 576, 1.0);
		let mut y = vec![0.0; 3072];
		for isa in Isa::all_available().into_iter().filter(|&i| i != Isa::Scalar) {
			for tasks in [1, 2] {
				let t = std::time::Instant::now();
				for _ in 0..5 {
					for w in &ws {
						matmul_with(isa, tasks, w, &x, 1, &mut y);
					}
				}
				let s = t.elapsed().as_secs_f64() / 200.0;
				eprintln!(
					"from memory {isa:?} tasks={tasks}: {:.1} us per 3072x576, {:.2} GB/s",
					s * 1e6,
					ws[0].bytes() as f64 / s / 1e9
				);
			}
		}
	}

	#[test]
	fn exp_is_accurate() {
		let mut x = -100.0f32;
		while x < 88.4 {
			let (ours, std) = (exp(x), x.exp());
			let rel = ((ours - std) / std).abs();
			assert!(
				rel < 4e-7 || (std < 1e-37 && (ours - std).abs() < 1e-44),
				"exp({x}) {ours} vs {std}"
			);
			x += 0.0137;
		}
		assert_eq!(exp(f32::NEG_INFINITY), 0.0);
		assert_eq!(exp(0.0), 1.0);
		assert!(exp(f32::NAN).is_nan());
	}
}
