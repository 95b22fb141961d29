//! The forward pass of [`ComputePath::BlockF32`](crate::model::ComputePath::BlockF32): weights
//! kept in their GGUF blocks, f32 activations, one fixed order for every sum.
//!
//! Q/K/V and gate/up are each one fused matrix; RoPE is applied in place; the KV cache is
//! appended where it lies and attention reads it with grouped-query indexing. Every operation is
//! either a [`kernels`] product (fixed lane order with FMA) or plain IEEE arithmetic in a fixed
//! order (norms, RoPE, softmax with the crate's own `exp`, SiLU), so the hidden states are the
//! same bits for any thread count, any batch split of the sequence and any x86-64 CPU.

use std::io::{Read, Seek, SeekFrom};

use candle_core::{
	quantized::{gguf_file::Content, GgmlDType},
	Device,
};
use rayon::prelude::*;

use crate::{
	error::{Error, Result},
	kernels::{self, QMatrix},
	model::Config,
	steps::Steps,
};

#[derive(Debug)]
struct Block {
	attn_norm: Vec<f32>,
	/// Rows: query heads, then key heads, then value heads.
	qkv: QMatrix,
	wo: QMatrix,
	ffn_norm: Vec<f32>,
	/// Rows: gate, then up.
	gate_up: QMatrix,
	down: QMatrix,
}

/// Weights of the block-kernel path.
#[derive(Debug)]
pub struct Native {
	cfg: Config,
	embed: QMatrix,
	/// Output head; `None` when tied to the embedding.
	head: Option<QMatrix>,
	blocks: Vec<Block>,
	norm: Vec<f32>,
	/// RoPE tables `(max_seq_len, head_dim / 2)`.
	cos: Vec<f32>,
	sin: Vec<f32>,
}

/// Per-sequence KV cache of the block-kernel path, appended in place: per layer, keys stored
/// transposed (`kv_dim × cap`, so scores vectorise across positions) and values as
/// `positions × kv_dim`. The capacity grows by doubling (one copy per doubling).
#[derive(Clone, Debug, Default)]
pub struct NativeKv {
	kt: Vec<Vec<f32>>,
	v: Vec<Vec<f32>>,
	cap: usize,
}

impl NativeKv {
	/// Makes room for `need` positions, `pos` of which are filled.
	pub(crate) fn reserve(&mut self, need: usize, pos: usize, kvd: usize) {
		if need <= self.cap {
			return;
		}
		let cap = key_capacity(need.max(2 * self.cap));
		for kt in &mut self.kt {
			let mut grown = vec![0.0f32; kvd * cap];
			for i in 0..kvd {
				grown[i * cap..i * cap + pos]
					.copy_from_slice(&kt[i * self.cap..i * self.cap + pos]);
			}
			*kt = grown;
		}
		for v in &mut self.v {
			v.reserve_exact(kvd * cap - v.len());
		}
		self.cap = cap;
	}
}

struct Tensors<'a, R> {
	ct: &'a Content,
	reader: &'a mut R,
}

impl<R: Read + Seek> Tensors<'_, R> {
	fn raw(&mut self, name: &str) -> Result<(GgmlDType, Vec<usize>, Vec<u8>)> {
		let info = self
			.ct
			.tensor_infos
			.get(name)
			.ok_or_else(|| Error::Unsupported(format!("tensor `{name}` is missing")))?;
		let dims = info.shape.dims().to_vec();
		let elems: usize = dims.iter().product();
		let (bs, ts) = (info.ggml_dtype.block_size(), info.ggml_dtype.type_size());
		if !elems.is_multiple_of(bs) {
			return Err(Error::Unsupported(format!("tensor `{name}` is not whole blocks")));
		}
		let mut buf = vec![0u8; elems / bs * ts];
		let at = self.ct.tensor_data_offset + info.offset;
		self.reader
			.seek(SeekFrom::Start(at))
			.and_then(|_| self.reader.read_exact(&mut buf))
			.map_err(|e| Error::Unsupported(format!("cannot read tensor `{name}`: {e}")))?;
		Ok((info.ggml_dtype, dims, buf))
	}

	fn matrix(&mut self, name: &str) -> Result<QMatrix> {
		let (dtype, dims, raw) = self.raw(name)?;
		let [rows, cols] = dims[..] else {
			return Err(Error::Unsupported(format!("tensor `{name}` is not a matrix")));
		};
		if let Some(m) = QMatrix::from_gguf(dtype, rows, cols, &raw)? {
			return Ok(m);
		}
		// A block format without a kernel here: dequantize it to f32 (larger, still exact).
		let qt = self.ct.tensor(self.reader, name, &Device::Cpu)?;
		let f = qt.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
		QMatrix::from_f32(rows, cols, f)
	}

	fn vector(&mut self, name: &str) -> Result<Vec<f32>> {
		let qt = self.ct.tensor(self.reader, name, &Device::Cpu)?;
		Ok(qt.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?)
	}
}

fn fuse(parts: Vec<QMatrix>) -> QMatrix {
	match QMatrix::concat_rows(&parts) {
		Some(m) => m,
		None => {
			let f: Vec<QMatrix> = parts.iter().map(QMatrix::to_f32).collect();
			QMatrix::concat_rows(&f).expect("same width f32 matrices stack")
		},
	}
}

impl Native {
	/// Loads the weights named in `ct` (llama layout) in block form.
	pub fn load<R: Read + Seek>(cfg: &Config, ct: &Content, reader: &mut R) -> Result<Self> {
		if !cfg.head_dim.is_multiple_of(kernels::LANES) ||
			!cfg.hidden_size.is_multiple_of(kernels::LANES)
		{
			return Err(Error::Unsupported(format!(
				"head dim {} / hidden size {} not a multiple of {}",
				cfg.head_dim,
				cfg.hidden_size,
				kernels::LANES
			)));
		}
		let mut t = Tensors { ct, reader };
		let embed = t.matrix("token_embd.weight")?;
		let head = if ct.tensor_infos.contains_key("output.weight") {
			Some(t.matrix("output.weight")?)
		} else {
			None
		};
		let norm = t.vector("output_norm.weight")?;
		let mut blocks = Vec::with_capacity(cfg.num_layers);
		for l in 0..cfg.num_layers {
			let n = |s: &str| format!("blk.{l}.{s}.weight");
			let qkv = fuse(vec![
				t.matrix(&n("attn_q"))?,
				t.matrix(&n("attn_k"))?,
				t.matrix(&n("attn_v"))?,
			]);
			let gate_up = fuse(vec![t.matrix(&n("ffn_gate"))?, t.matrix(&n("ffn_up"))?]);
			blocks.push(Block {
				attn_norm: t.vector(&n("attn_norm"))?,
				qkv,
				wo: t.matrix(&n("attn_output"))?,
				ffn_norm: t.vector(&n("ffn_norm"))?,
				gate_up,
				down: t.matrix(&n("ffn_down"))?,
			});
		}
		let (cos, sin) = rope_tables(cfg);
		let native = Self { cfg: cfg.clone(), embed, head, blocks, norm, cos, sin };
		native.check_shapes()?;
		Ok(native)
	}

	fn check_shapes(&self) -> Result<()> {
		let c = &self.cfg;
		let (h, kvd) = (c.hidden_size, c.num_kv_heads * c.head_dim);
		let bad = |what: &str| Err(Error::Unsupported(format!("unexpected shape of {what}")));
		if self.embed.cols() != h || self.embed.rows() != c.vocab_size || self.norm.len() != h {
			return bad("embedding or output norm");
		}
		if let Some(hd) = &self.head {
			if hd.cols() != h || hd.rows() != c.vocab_size {
				return bad("output head");
			}
		}
		for b in &self.blocks {
			if b.qkv.rows() != h + 2 * kvd ||
				b.qkv.cols() != h ||
				b.wo.rows() != h ||
				b.wo.cols() != h ||
				b.gate_up.rows() != 2 * c.intermediate_size ||
				b.gate_up.cols() != h ||
				b.down.rows() != h ||
				b.down.cols() != c.intermediate_size ||
				b.attn_norm.len() != h ||
				b.ffn_norm.len() != h
			{
				return bad("a decoder block");
			}
		}
		Ok(())
	}

	/// Bytes of weights held in memory.
	pub fn weight_bytes(&self) -> usize {
		let b: usize = self
			.blocks
			.iter()
			.map(|b| b.qkv.bytes() + b.wo.bytes() + b.gate_up.bytes() + b.down.bytes())
			.sum();
		b + self.embed.bytes() + self.head.as_ref().map_or(0, QMatrix::bytes)
	}

	/// Width of one position's keys (or values).
	pub fn kv_dim(&self) -> usize {
		self.cfg.num_kv_heads * self.cfg.head_dim
	}

	/// An empty cache.
	pub fn new_kv(&self) -> NativeKv {
		NativeKv {
			kt: vec![Vec::new(); self.cfg.num_layers],
			v: vec![Vec::new(); self.cfg.num_layers],
			cap: 0,
		}
	}

	/// Runs `tokens` at positions `pos..` after the cache and returns the final-normed hidden
	/// states, `tokens.len() × hidden`, row-major. Tokens must be in range (checked by caller).
	pub fn forward_hidden(&self, tokens: &[u32], kv: &mut NativeKv, pos: usize) -> Vec<f32> {
		if let [tok] = tokens {
			return self.decode(*tok, kv, pos, false).0;
		}
		// Run on a worker of the compute pool so that the kernels' splits are cheap. Long
		// sequences go in chunks, which bounds the scratch memory and changes no bit (every
		// output is computed the same way whatever the batch); the chunks share one scratch.
		rayon::scope(|_| {
			let (h, kvd) = (self.cfg.hidden_size, self.kv_dim());
			kv.reserve(pos + tokens.len(), pos, kvd);
			let cap = kv.cap;
			let n0 = tokens.len().min(MAX_BATCH);
			let mut s = Scratch::new(&self.cfg, n0);
			let (mut x, mut o) = (vec![0.0f32; n0 * h], vec![0.0f32; n0 * h]);
			let mut out = vec![0.0f32; tokens.len() * h];
			for (i, (chunk, hid)) in
				tokens.chunks(MAX_BATCH).zip(out.chunks_mut(MAX_BATCH * h)).enumerate()
			{
				let (n, p) = (chunk.len(), pos + i * MAX_BATCH);
				let (x, o) = (&mut x[..n * h], &mut o[..n * h]);
				self.embed_rows(chunk, x);
				for (l, (kt, vc)) in kv.kt.iter_mut().zip(&mut kv.v).enumerate() {
					self.block(l, x, o, p, kt, cap, vc, &mut s);
				}
				// The last residual, then the final norm.
				res_norm(n, h, self.cfg.rms_norm_eps as f32, x, Some(o), &self.norm, hid);
			}
			out
		})
	}

	/// The logits of one decode step: `tok` at position `pos` after the cache (the bits of
	/// [`Self::forward_hidden`] then [`Self::logits`]).
	pub fn decode_logits(&self, tok: u32, kv: &mut NativeKv, pos: usize) -> Vec<f32> {
		self.decode(tok, kv, pos, true).1
	}

	/// One decode step: token `tok` at position `pos`, appended to the cache; returns the
	/// final-normed hidden state and, if `with_logits`, the output head's logits.
	///
	/// The whole step is one parallel region on the compute threads instead of a fork-join
	/// per product (which put the helper threads to sleep and woke them again ~150 times a
	/// token): a sequence of [`Steps`] (per layer: q/k/v with RoPE and the cache append, the
	/// attention heads, the output projection, gate/up with SwiGLU, down; then the output
	/// head), each cut into chunks of output rows or heads that the threads taking part claim
	/// as they go. The serial work between products (residual adds, norms: a few hundred
	/// floats) is the epilogue of the step before, run by the thread that finishes it. The
	/// caller's thread runs every step; the other threads join when the pool gives them the
	/// task, so a preempted thread holds up no one. Every output element is computed by one
	/// thread with the operations the batched pass performs for it, hence the same bits for
	/// any number of threads and any chunking.
	fn decode(
		&self,
		tok: u32,
		kv: &mut NativeKv,
		pos: usize,
		with_logits: bool,
	) -> (Vec<f32>, Vec<f32>) {
		let c = &self.cfg;
		let (h, hd, ff, kvd) = (c.hidden_size, c.head_dim, c.intermediate_size, self.kv_dim());
		let (nh, nkv, layers) = (c.num_heads, c.num_kv_heads, self.blocks.len());
		let (qw, rep, eps) = (h + 2 * kvd, nh / nkv, c.rms_norm_eps as f32);
		let scale = (1.0 / (hd as f64).sqrt()) as f32;
		let head = self.head.as_ref().unwrap_or(&self.embed);
		kv.reserve(pos + 1, pos, kvd);
		let cap = kv.cap;
		// This position's values, filled in by the chunks of the value heads.
		for v in &mut kv.v {
			debug_assert_eq!(v.len(), pos * kvd);
			v.resize((pos + 1) * kvd, 0.0);
		}
		let mut x = vec![0.0f32; h];
		self.embed_rows(&[tok], &mut x);
		let (mut hb, mut hidden) = (vec![0.0f32; h], vec![0.0f32; h]);
		match self.blocks.first() {
			Some(b) => kernels::rms_norm(&x, &b.attn_norm, eps, &mut hb),
			None => {
				// No block: the batched pass's last residual adds zeros, then the final norm.
				x.iter_mut().for_each(|v| *v += 0.0);
				kernels::rms_norm(&x, &self.norm, eps, &mut hidden);
			},
		}
		let (mut qkv, mut att, mut o) = (vec![0.0f32; qw], vec![0.0f32; h], vec![0.0f32; h]);
		let (mut gu, mut act) = (vec![0.0f32; 2 * ff], vec![0.0f32; ff]);
		let mut logits = vec![0.0f32; if with_logits { head.rows() } else { 0 }];
		let p = Shared {
			x: x.as_mut_ptr(),
			hb: hb.as_mut_ptr(),
			qkv: qkv.as_mut_ptr(),
			att: att.as_mut_ptr(),
			o: o.as_mut_ptr(),
			gu: gu.as_mut_ptr(),
			act: act.as_mut_ptr(),
			hidden: hidden.as_mut_ptr(),
			logits: logits.as_mut_ptr(),
			kt: kv.kt.iter_mut().map(|k| k.as_mut_ptr()).collect(),
			vc: kv.v.iter_mut().map(|v| v.as_mut_ptr()).collect(),
		};
		let isa = kernels::isa();
		let threads = kernels::threads();
		// Chunks: ~4 per thread (a thread that runs ahead takes more); one thread: one each.
		let tasks = if threads == 1 { 1 } else { 4 * threads };
		let rows = |n: usize, unit: usize| n.div_ceil(tasks).next_multiple_of(unit);
		let units = qw / hd;
		let unit_chunk = units.div_ceil(tasks);
		// Attention: one query head per chunk on several threads (more to share out), else
		// the heads of one kv head together (each key and value read once for all of them).
		let per = if threads > 1 && nkv < 4 * threads { 1 } else { rep };
		let (wo_chunk, ff_chunk) = (rows(h, GROUP_ROWS), rows(ff, 2 * GROUP_ROWS));
		let head_chunk = rows(head.rows(), GROUP_ROWS);
		let total = (5 * layers + usize::from(with_logits)) as u32;
		let steps = Steps::new();
		// SAFETY (all the raw accesses below): the chunks of a step write disjoint rows of
		// the shared buffers and read only what earlier steps completed; an epilogue runs
		// alone between two steps; the buffers outlive the region.
		let run = || unsafe {
			// The whole `Shared` (a closure would capture its raw pointer fields one by one).
			let p = &p;
			let mut scores = Vec::new();
			let slice = |ptr: *mut f32, n: usize| std::slice::from_raw_parts(ptr, n);
			let slice_mut = |ptr: *mut f32, n: usize| std::slice::from_raw_parts_mut(ptr, n);
			// x += o, then the norm with weights `w` into `out`.
			let res_norm = |w: &[f32], out: *mut f32| {
				let x = slice_mut(p.x, h);
				for (xv, ov) in x.iter_mut().zip(slice(p.o, h)) {
					*xv += *ov;
				}
				kernels::rms_norm(x, w, eps, slice_mut(out, h));
			};
			let gemv = |w: &QMatrix, x: *mut f32, n: usize, r0: usize, chunk: usize, y| {
				let r1 = (r0 + chunk).min(w.rows());
				kernels::gemv_rows(w, slice(x, n), r0, r1, y);
			};
			for (l, b) in self.blocks.iter().enumerate() {
				let s = 5 * l as u32;
				if steps.current() >= total {
					break;
				}
				steps.run(
					s,
					units.div_ceil(unit_chunk),
					|i| {
						let (u0, u1) = (i * unit_chunk, ((i + 1) * unit_chunk).min(units));
						gemv(&b.qkv, p.hb, h, u0 * hd, (u1 - u0) * hd, p.qkv);
						for u in u0..u1 {
							let row = slice_mut(p.qkv.add(u * hd), hd);
							if u < nh + nkv {
								self.rope(row, pos);
							}
							if (nh..nh + nkv).contains(&u) {
								let kt = p.kt[l].add((u - nh) * hd * cap + pos);
								for (i, &k) in row.iter().enumerate() {
									*kt.add(i * cap) = k;
								}
							} else if u >= nh + nkv {
								let at = pos * kvd + (u - nh - nkv) * hd;
								slice_mut(p.vc[l].add(at), hd).copy_from_slice(row);
							}
						}
					},
					|| {},
				);
				steps.run(
					s + 1,
					nh / per,
					|i| {
						let qh = i * per;
						let g = qh / rep;
						let a = Attend {
							q: slice(p.qkv.add(qh * hd), per * hd),
							hd,
							kt: slice(p.kt[l], kvd * cap),
							cap,
							vc: slice(p.vc[l], (pos + 1) * kvd),
							len: pos + 1,
							kvd,
							off: g * hd,
							scale,
						};
						attend_on(isa, &a, &mut scores, slice_mut(p.att.add(qh * hd), per * hd));
					},
					|| {},
				);
				steps.run(
					s + 2,
					h.div_ceil(wo_chunk),
					|i| gemv(&b.wo, p.att, h, i * wo_chunk, wo_chunk, p.o),
					|| res_norm(&b.ffn_norm, p.hb),
				);
				steps.run(
					s + 3,
					ff.div_ceil(ff_chunk),
					|i| {
						let (f0, f1) = (i * ff_chunk, ((i + 1) * ff_chunk).min(ff));
						gemv(&b.gate_up, p.hb, h, f0, f1 - f0, p.gu);
						gemv(&b.gate_up, p.hb, h, ff + f0, f1 - f0, p.gu);
						kernels::swiglu(
							slice(p.gu.add(f0), f1 - f0),
							slice(p.gu.add(ff + f0), f1 - f0),
							slice_mut(p.act.add(f0), f1 - f0),
						);
					},
					|| {},
				);
				steps.run(
					s + 4,
					h.div_ceil(wo_chunk),
					|i| gemv(&b.down, p.act, ff, i * wo_chunk, wo_chunk, p.o),
					// The residual, then the next block's norm or the final one.
					|| match self.blocks.get(l + 1) {
						Some(next) => res_norm(&next.attn_norm, p.hb),
						None => res_norm(&self.norm, p.hidden),
					},
				);
			}
			if with_logits {
				steps.run(
					total - 1,
					head.rows().div_ceil(head_chunk),
					|i| gemv(head, p.hidden, h, i * head_chunk, head_chunk, p.logits),
					|| {},
				);
			}
		};
		if threads == 1 {
			run();
		} else {
			rayon::scope(|sc| {
				for _ in 1..threads {
					sc.spawn(|_| run());
				}
				run();
				steps.wait_for(total);
			});
		}
		drop(p);
		(hidden, logits)
	}

	/// [`Self::forward_hidden`] of `tokens` from position 0 on an empty cache (the same bits),
	/// keeping no cache: the layers run one at a time over the whole sequence (in chunks of
	/// [`MAX_BATCH`] tokens), so only one layer's keys and values are held (a teacher-forced
	/// check of 640 positions holds 1 MB of them instead of 30 MB on the reference model).
	pub fn forward_hidden_once(&self, tokens: &[u32]) -> Vec<f32> {
		rayon::scope(|_| {
			let (len, h, kvd) = (tokens.len(), self.cfg.hidden_size, self.kv_dim());
			let mut s = Scratch::new(&self.cfg, len.min(MAX_BATCH));
			let mut x = vec![0.0f32; len * h];
			self.embed_rows(tokens, &mut x);
			let mut o = vec![0.0f32; len * h];
			let cap = key_capacity(len);
			let mut kt = vec![0.0f32; kvd * cap];
			let mut vc = Vec::with_capacity(kvd * len);
			for l in 0..self.blocks.len() {
				// Positions 0.. again: the previous layer's keys are overwritten, its values
				// dropped (capacity slack is never read as a key of a live position).
				vc.clear();
				for (i, (x, o)) in
					x.chunks_mut(MAX_BATCH * h).zip(o.chunks_mut(MAX_BATCH * h)).enumerate()
				{
					self.block(l, x, o, i * MAX_BATCH, &mut kt, cap, &mut vc, &mut s);
				}
			}
			drop((kt, vc, s));
			let mut out = vec![0.0f32; len * h];
			let eps = self.cfg.rms_norm_eps as f32;
			for ((x, o), hid) in x
				.chunks_mut(MAX_BATCH * h)
				.zip(o.chunks(MAX_BATCH * h))
				.zip(out.chunks_mut(MAX_BATCH * h))
			{
				res_norm(x.len() / h, h, eps, x, Some(o), &self.norm, hid);
			}
			out
		})
	}

	/// The embeddings of `tokens` into `x` (`tokens.len() × hidden`).
	fn embed_rows(&self, tokens: &[u32], x: &mut [f32]) {
		for (&tok, row) in tokens.iter().zip(x.chunks_exact_mut(self.cfg.hidden_size)) {
			self.embed.dequant_row(tok as usize, row);
		}
	}

	/// Decoder block `l` on the token rows of `x` (`n × hidden`) at positions `pos..`. On entry
	/// `o` holds the previous block's feed-forward output for these rows (ignored for block 0):
	/// its residual add is fused with this block's norm. On return `o` holds this block's
	/// feed-forward output, not yet added to `x`. The rows' keys go into `kt` (transposed,
	/// capacity `cap`) and their values are appended to `vc`, which holds exactly the
	/// positions before `pos`.
	#[allow(clippy::too_many_arguments)]
	fn block(
		&self,
		l: usize,
		x: &mut [f32],
		o: &mut [f32],
		pos: usize,
		kt: &mut [f32],
		cap: usize,
		vc: &mut Vec<f32>,
		s: &mut Scratch,
	) {
		let c = &self.cfg;
		let b = &self.blocks[l];
		let (h, hd, ff, kvd) = (c.hidden_size, c.head_dim, c.intermediate_size, self.kv_dim());
		let qw = h + 2 * kvd;
		let n = x.len() / h;
		let eps = c.rms_norm_eps as f32;
		let par = parallel_rows(n);
		let (hb, qkv, att) = (&mut s.hb[..n * h], &mut s.qkv[..n * qw], &mut s.att[..n * h]);
		let (gu, act) = (&mut s.gu[..n * 2 * ff], &mut s.act[..n * ff]);
		// The residual of the previous block's feed-forward, then this block's norm.
		res_norm(n, h, eps, x, (l > 0).then_some(&*o), &b.attn_norm, hb);
		kernels::matmul(&b.qkv, hb, n, qkv);
		let rope_row = |(t, row): (usize, &mut [f32])| {
			for head in row[..h + kvd].chunks_exact_mut(hd) {
				self.rope(head, pos + t);
			}
		};
		if par {
			qkv.par_chunks_mut(qw)
				.enumerate()
				.with_min_len(ROWS_PER_TASK)
				.for_each(rope_row);
		} else {
			qkv.chunks_mut(qw).enumerate().for_each(rope_row);
		}
		for (t, row) in qkv.chunks_exact(qw).enumerate() {
			let p = pos + t;
			for (i, &k) in row[h..h + kvd].iter().enumerate() {
				kt[i * cap + p] = k;
			}
			vc.extend_from_slice(&row[h + kvd..]);
		}
		attention(c, qkv, n, kt, cap, vc, pos, att);
		kernels::matmul(&b.wo, att, n, o);
		res_norm(n, h, eps, x, Some(&*o), &b.ffn_norm, hb);
		kernels::matmul(&b.gate_up, hb, n, gu);
		let swiglu_row = |(a, g): (&mut [f32], &[f32])| {
			kernels::swiglu(&g[..ff], &g[ff..], a);
		};
		if par {
			act.par_chunks_mut(ff)
				.zip(gu.par_chunks(2 * ff))
				.with_min_len(ROWS_PER_TASK)
				.for_each(swiglu_row);
		} else {
			act.chunks_mut(ff).zip(gu.chunks(2 * ff)).for_each(swiglu_row);
		}
		kernels::matmul(&b.down, act, n, o);
	}

	/// Output head over `n` hidden rows, giving `n × vocab` logits.
	pub fn logits(&self, hidden: &[f32], n: usize) -> Vec<f32> {
		let mut y = Vec::new();
		self.logits_into(hidden, n, &mut y);
		y
	}

	/// [`Self::logits`] into `y` (resized to `n × vocab`; every value is overwritten), so that
	/// a caller applying the head chunk by chunk reuses one buffer.
	pub fn logits_into(&self, hidden: &[f32], n: usize, y: &mut Vec<f32>) {
		let head = self.head.as_ref().unwrap_or(&self.embed);
		y.resize(n * head.rows(), 0.0);
		rayon::scope(|_| kernels::matmul(head, hidden, n, y));
	}

	/// Interleaved RoPE of one head at position `p`, in place.
	fn rope(&self, head: &mut [f32], p: usize) {
		let half = self.cfg.head_dim / 2;
		let (cos, sin) = (&self.cos[p * half..(p + 1) * half], &self.sin[p * half..(p + 1) * half]);
		for i in 0..half {
			let (x0, x1) = (head[2 * i], head[2 * i + 1]);
			head[2 * i] = x0 * cos[i] - x1 * sin[i];
			head[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
		}
	}
}

/// Activations of one batch of token rows inside a decoder block, sized for the largest batch
/// of a pass and reused by its chunks and layers.
struct Scratch {
	hb: Vec<f32>,
	qkv: Vec<f32>,
	att: Vec<f32>,
	gu: Vec<f32>,
	act: Vec<f32>,
}

impl Scratch {
	fn new(c: &Config, n: usize) -> Self {
		let (h, ff) = (c.hidden_size, c.intermediate_size);
		let qw = h + 2 * c.num_kv_heads * c.head_dim;
		Self {
			hb: vec![0.0; n * h],
			qkv: vec![0.0; n * qw],
			att: vec![0.0; n * h],
			gu: vec![0.0; n * 2 * ff],
			act: vec![0.0; n * ff],
		}
	}
}

/// Whether the per-token work of a batch of `n` rows runs on the compute threads.
fn parallel_rows(n: usize) -> bool {
	kernels::threads() > 1 && n >= 2 * ROWS_PER_TASK
}

/// For each of the `n` rows (width `h`) of `x`: adds the row of `o` if given (a residual), then
/// RMS-norms it with weights `w` into `out`. Per-token work runs on the compute threads when
/// the batch is large ([`parallel_rows`]); each row is computed the same way wherever it runs.
fn res_norm(
	n: usize,
	h: usize,
	eps: f32,
	x: &mut [f32],
	o: Option<&[f32]>,
	w: &[f32],
	out: &mut [f32],
) {
	let one = |(xr, hr): (&mut [f32], &mut [f32]), or: Option<&[f32]>| {
		if let Some(or) = or {
			for (xv, ov) in xr.iter_mut().zip(or) {
				*xv += *ov;
			}
		}
		kernels::rms_norm(xr, w, eps, hr);
	};
	let (x, out) = (&mut x[..n * h], &mut out[..n * h]);
	match (parallel_rows(n), o) {
		(true, Some(o)) => x
			.par_chunks_mut(h)
			.zip(out.par_chunks_mut(h))
			.zip(o[..n * h].par_chunks(h))
			.with_min_len(ROWS_PER_TASK)
			.for_each(|(r, or)| one(r, Some(or))),
		(true, None) => x
			.par_chunks_mut(h)
			.zip(out.par_chunks_mut(h))
			.with_min_len(ROWS_PER_TASK)
			.for_each(|r| one(r, None)),
		(false, Some(o)) => x
			.chunks_mut(h)
			.zip(out.chunks_mut(h))
			.zip(o[..n * h].chunks(h))
			.for_each(|(r, or)| one(r, Some(or))),
		(false, None) => x.chunks_mut(h).zip(out.chunks_mut(h)).for_each(|r| one(r, None)),
	}
}

/// Key cache capacity for `need` positions: whole [`KEY_BLOCK`]s, an odd number of them (the
/// rows of a block of transposed keys then spread over all the L1 sets; a power-of-two stride
/// would put them in a few and evict them).
fn key_capacity(need: usize) -> usize {
	let cap = need.next_multiple_of(KEY_BLOCK);
	if (cap / KEY_BLOCK).is_multiple_of(2) {
		cap + KEY_BLOCK
	} else {
		cap
	}
}

/// Causal grouped-query attention of `n` new query rows (inside `qkv`) over the cache, which
/// already holds their keys (transposed, capacity `cap`) and values; writes `n × hidden`.
///
/// The query heads of one token that share a kv head run together ([`attend_group`]), so each
/// key and value is read once for all of them; every score, sum and output is computed with
/// the same operations in the same order as for a lone query ([`attend`]).
#[allow(clippy::too_many_arguments)]
fn attention(
	c: &Config,
	qkv: &[f32],
	n: usize,
	kt: &[f32],
	cap: usize,
	vc: &[f32],
	pos: usize,
	out: &mut [f32],
) {
	let (h, hd, nh, nkv) = (c.hidden_size, c.head_dim, c.num_heads, c.num_kv_heads);
	let (kvd, rep) = (nkv * hd, nh / nkv);
	let qw = h + 2 * kvd;
	let scale = (1.0 / (hd as f64).sqrt()) as f32;
	let isa = kernels::isa();
	// Work units: `per` consecutive query heads of one token, all of one kv head.
	let grouped = GROUP_WIDTHS.contains(&hd);
	let threads = kernels::threads();
	// A decode step on several threads keeps one head per unit (more units to share out).
	let per = if !grouped || (threads > 1 && n * nkv < 4 * threads) { 1 } else { rep };
	let one = |scores: &mut Vec<f32>, i: usize, o: &mut [f32]| {
		let (t, head) = ((i * per) / nh, (i * per) % nh);
		let g = head / rep;
		let q = &qkv[t * qw + head * hd..t * qw + (head + per) * hd];
		let a = Attend { q, hd, kt, cap, vc, len: pos + t + 1, kvd, off: g * hd, scale };
		attend_on(isa, &a, scores, o);
	};
	let out = &mut out[..n * h];
	if n * nh == per || threads == 1 {
		let mut s = Vec::new();
		for (i, o) in out.chunks_exact_mut(per * hd).enumerate() {
			one(&mut s, i, o);
		}
	} else {
		out.par_chunks_mut(per * hd)
			.enumerate()
			.for_each_init(Vec::new, |s, (i, o)| one(s, i, o));
	}
}

/// [`attend`] compiled for `isa` (the same results on every one).
fn attend_on(isa: kernels::Isa, a: &Attend<'_>, scores: &mut Vec<f32>, o: &mut [f32]) {
	match isa {
		#[cfg(target_arch = "x86_64")]
		// SAFETY: the kernel ISA is only chosen when the CPU has it.
		kernels::Isa::Avx512 => unsafe { attend_avx512(a, scores, o) },
		#[cfg(target_arch = "x86_64")]
		// SAFETY: as above.
		kernels::Isa::Avx2 => unsafe { attend_avx2(a, scores, o) },
		_ => attend::<false>(a, scores, o),
	}
}

/// Raw pointers to the buffers a decode step's threads share (see [`Native::decode`]).
struct Shared {
	x: *mut f32,
	hb: *mut f32,
	qkv: *mut f32,
	att: *mut f32,
	o: *mut f32,
	gu: *mut f32,
	act: *mut f32,
	hidden: *mut f32,
	logits: *mut f32,
	/// Per layer: the transposed keys and the values of the cache.
	kt: Vec<*mut f32>,
	vc: Vec<*mut f32>,
}

// SAFETY: the threads of a decode step write disjoint parts of these buffers between barriers
// (`Native::decode`), and the buffers outlive the parallel region.
unsafe impl Sync for Shared {}

/// Rows of output a group of the block layout holds: a thread's share starts on a group.
const GROUP_ROWS: usize = kernels::GROUP;

/// Head widths with a grouped kernel ([`attend_group`]); others run one query at a time.
const GROUP_WIDTHS: [usize; 3] = [16, 32, 64];

/// Query rows of one token (one or more heads of width `hd`, consecutive in `q`) against the
/// cached keys/values of their common kv head.
#[derive(Clone, Copy)]
struct Attend<'a> {
	q: &'a [f32],
	hd: usize,
	kt: &'a [f32],
	cap: usize,
	vc: &'a [f32],
	len: usize,
	kvd: usize,
	off: usize,
	scale: f32,
}

/// Softmax attention of each query in `a.q` into the same place of `o`, in plain IEEE
/// operations (no FMA) in a fixed order, compiled for several instruction sets with the same
/// results: each score is `Σ_d q[d]·k[d]` in increasing `d` (vectorised across positions),
/// times the scale; the softmax sum runs in 16 lanes by position then the fixed tree; the
/// output is `Σ_j e_j·v_j` in increasing `j` (vectorised across dimensions), divided by the
/// sum. Queries of the widths in [`GROUP_WIDTHS`] go through [`attend_group`] together (each
/// block of keys and values read from memory once for all of them, then from L1; the same
/// operations per query), others one by one. `WIDE`: the AVX-512 loops of [`attend_group`]
/// (only where the CPU has AVX-512F).
#[inline(always)]
fn attend<const WIDE: bool>(a: &Attend<'_>, scores: &mut Vec<f32>, o: &mut [f32]) {
	match a.hd {
		64 => attend_group::<64, WIDE>(a, scores, o),
		32 => attend_group::<32, WIDE>(a, scores, o),
		16 => attend_group::<16, WIDE>(a, scores, o),
		_ =>
			for (i, o) in o.chunks_exact_mut(a.hd).enumerate() {
				let q = &a.q[i * a.hd..(i + 1) * a.hd];
				attend_hd::<0>(&Attend { q, ..*a }, scores, o);
			},
	}
}

/// The queries of width `HD` in `a.q` (of one token, one kv head): for each query exactly the
/// operations of [`attend_hd`], in blocks of [`KEY_BLOCK`] positions that all the queries use
/// while the block is in L1 (the partial sums are kept between blocks bit for bit). With
/// `WIDE` the scores and outputs come from [`wide::scores`] and [`wide::values`] (the same
/// operations, several queries interleaved).
#[inline(always)]
fn attend_group<const HD: usize, const WIDE: bool>(
	a: &Attend<'_>,
	scores: &mut Vec<f32>,
	o: &mut [f32],
) {
	let nq = a.q.len() / HD;
	let len = a.len;
	let padded = len.next_multiple_of(KEY_BLOCK);
	scores.clear();
	scores.resize(nq * padded, 0.0);
	// Scores: four independent 16-lane chains per query over a block of 64 positions;
	// positions past `len` read capacity slack and are dropped.
	if WIDE {
		wide::scores::<HD>(a, padded, scores);
	} else {
		for jb in 0..padded / KEY_BLOCK {
			for (q, sq) in a.q.chunks_exact(HD).zip(scores.chunks_exact_mut(padded)) {
				let mut acc = [[0.0f32; 16]; KEY_BLOCK / 16];
				for (d, &qd) in q[..HD].iter().enumerate() {
					let row = &a.kt[(a.off + d) * a.cap + jb * KEY_BLOCK..][..KEY_BLOCK];
					for (b, ab) in acc.iter_mut().enumerate() {
						for l in 0..16 {
							ab[l] += qd * row[b * 16 + l];
						}
					}
				}
				let sb = &mut sq[jb * KEY_BLOCK..(jb + 1) * KEY_BLOCK];
				for (b, ab) in acc.iter().enumerate() {
					for l in 0..16 {
						sb[b * 16 + l] = ab[l] * a.scale;
					}
				}
			}
		}
	}
	let mut sums = vec![0.0f32; nq];
	for (sq, sum) in scores.chunks_exact_mut(padded).zip(sums.iter_mut()) {
		let s = &mut sq[..len];
		let max = max_of(s);
		for v in s.iter_mut() {
			*v = kernels::exp(*v - max);
		}
		let mut lanes = [0.0f32; 16];
		for chunk in s.chunks(16) {
			for (l, &e) in chunk.iter().enumerate() {
				lanes[l] += e;
			}
		}
		*sum = kernels::reduce16(&lanes);
	}
	// Outputs: each query's running sums over a block of positions, then the next query's.
	o.fill(0.0);
	if WIDE {
		wide::values::<HD>(a, padded, scores, o);
	} else {
		for j0 in (0..len).step_by(KEY_BLOCK) {
			let j1 = (j0 + KEY_BLOCK).min(len);
			for (sq, oq) in scores.chunks_exact(padded).zip(o.chunks_exact_mut(HD)) {
				let mut acc = [0.0f32; HD];
				acc.copy_from_slice(oq);
				for (j, &e) in sq[j0..j1].iter().enumerate() {
					let v = &a.vc[(j0 + j) * a.kvd + a.off..][..HD];
					for d in 0..HD {
						acc[d] += e * v[d];
					}
				}
				oq.copy_from_slice(&acc);
			}
		}
	}
	for (oq, &sum) in o.chunks_exact_mut(HD).zip(&sums) {
		for v in oq.iter_mut() {
			*v /= sum;
		}
	}
}

/// The AVX-512 loops of [`attend_group`]: the same operations per score and output (a plain
/// multiply, then a plain add; never a fused one), with up to [`wide::QUERIES`] queries
/// interleaved so that their sums, independent chains, overlap their add latencies (the
/// portable loops leave four chains, half the adder throughput, to the compiler).
mod wide {
	use super::{Attend, KEY_BLOCK};
	#[cfg(target_arch = "x86_64")]
	use std::arch::x86_64::*;

	/// Queries interleaved: four queries' score sums (16 registers) or outputs (up to 16).
	pub(super) const QUERIES: usize = 4;

	/// The scaled scores of every query of `a` (rows of `padded` in `scores`): per query and
	/// position, `Σ_d q[d]·k[d]` in increasing `d` from +0, then times the scale.
	#[inline(always)]
	pub(super) fn scores<const HD: usize>(a: &Attend<'_>, padded: usize, scores: &mut [f32]) {
		let nq = a.q.len() / HD;
		assert!(
			a.q.len() == nq * HD &&
				scores.len() >= nq * padded &&
				padded.is_multiple_of(KEY_BLOCK) &&
				padded <= a.cap &&
				(a.off + HD) * a.cap <= a.kt.len(),
			"attention shapes"
		);
		#[cfg(target_arch = "x86_64")]
		// SAFETY: only `attend_avx512` sets `WIDE`, where the CPU has AVX-512F; every index
		// is within the bounds asserted above.
		unsafe {
			let mut q0 = 0;
			while q0 < nq {
				match (nq - q0).min(QUERIES) {
					4 => scores_x::<HD, 4>(a, q0, padded, scores),
					3 => scores_x::<HD, 3>(a, q0, padded, scores),
					2 => scores_x::<HD, 2>(a, q0, padded, scores),
					_ => scores_x::<HD, 1>(a, q0, padded, scores),
				}
				q0 += (nq - q0).min(QUERIES);
			}
		}
		#[cfg(not(target_arch = "x86_64"))]
		unreachable!("AVX-512 loops off x86-64");
	}

	/// The unnormalised outputs of every query of `a` into `o`: `Σ_j e_j·v_j` in increasing
	/// `j` from +0, the weights `e` being the query's row of `scores`.
	#[inline(always)]
	pub(super) fn values<const HD: usize>(
		a: &Attend<'_>,
		padded: usize,
		scores: &[f32],
		o: &mut [f32],
	) {
		let nq = a.q.len() / HD;
		assert!(
			HD.is_multiple_of(16) &&
				HD <= 64 && o.len() == nq * HD &&
				scores.len() >= nq * padded &&
				a.len <= padded &&
				(a.len - 1) * a.kvd + a.off + HD <= a.vc.len(),
			"attention shapes"
		);
		#[cfg(target_arch = "x86_64")]
		// SAFETY: as in `scores`.
		unsafe {
			let mut q0 = 0;
			while q0 < nq {
				match (nq - q0).min(QUERIES) {
					4 => values_x::<HD, 4>(a, q0, padded, scores, o),
					3 => values_x::<HD, 3>(a, q0, padded, scores, o),
					2 => values_x::<HD, 2>(a, q0, padded, scores, o),
					_ => values_x::<HD, 1>(a, q0, padded, scores, o),
				}
				q0 += (nq - q0).min(QUERIES);
			}
		}
		#[cfg(not(target_arch = "x86_64"))]
		unreachable!("AVX-512 loops off x86-64");
	}

	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx512f")]
	unsafe fn scores_x<const HD: usize, const NQ: usize>(
		a: &Attend<'_>,
		q0: usize,
		padded: usize,
		scores: &mut [f32],
	) {
		let (q, kt) = (a.q.as_ptr().add(q0 * HD), a.kt.as_ptr().add(a.off * a.cap));
		let scale = _mm512_set1_ps(a.scale);
		for jb in 0..padded / KEY_BLOCK {
			let mut acc = [[_mm512_setzero_ps(); KEY_BLOCK / 16]; NQ];
			for d in 0..HD {
				let row = kt.add(d * a.cap + jb * KEY_BLOCK);
				let k: [__m512; KEY_BLOCK / 16] =
					std::array::from_fn(|b| _mm512_loadu_ps(row.add(16 * b)));
				for (qi, aq) in acc.iter_mut().enumerate() {
					let qd = _mm512_set1_ps(*q.add(qi * HD + d));
					for (ab, kb) in aq.iter_mut().zip(&k) {
						*ab = _mm512_add_ps(*ab, _mm512_mul_ps(qd, *kb));
					}
				}
			}
			for (qi, aq) in acc.iter().enumerate() {
				let sb = scores.as_mut_ptr().add((q0 + qi) * padded + jb * KEY_BLOCK);
				for (b, ab) in aq.iter().enumerate() {
					_mm512_storeu_ps(sb.add(16 * b), _mm512_mul_ps(*ab, scale));
				}
			}
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx512f")]
	unsafe fn values_x<const HD: usize, const NQ: usize>(
		a: &Attend<'_>,
		q0: usize,
		padded: usize,
		scores: &[f32],
		o: &mut [f32],
	) {
		let w = HD / 16;
		let mut acc = [[_mm512_setzero_ps(); 4]; NQ];
		let vc = a.vc.as_ptr().add(a.off);
		let e = scores.as_ptr().add(q0 * padded);
		for j in 0..a.len {
			let v = vc.add(j * a.kvd);
			let mut vv = [_mm512_setzero_ps(); 4];
			for (c, vc) in vv.iter_mut().enumerate().take(w) {
				*vc = _mm512_loadu_ps(v.add(16 * c));
			}
			for (qi, aq) in acc.iter_mut().enumerate() {
				let ej = _mm512_set1_ps(*e.add(qi * padded + j));
				for (ac, vc) in aq.iter_mut().zip(&vv).take(w) {
					*ac = _mm512_add_ps(*ac, _mm512_mul_ps(ej, *vc));
				}
			}
		}
		for (qi, aq) in acc.iter().enumerate() {
			let out = o.as_mut_ptr().add((q0 + qi) * HD);
			for (c, ac) in aq.iter().enumerate().take(w) {
				_mm512_storeu_ps(out.add(16 * c), *ac);
			}
		}
	}
}

/// The largest of `s` (NaNs ignored), in 16 lanes: the same value as a sequential fold, up to
/// the sign of a zero maximum, which changes no `exp(s - max)`.
#[inline(always)]
fn max_of(s: &[f32]) -> f32 {
	let mut lanes = [f32::NEG_INFINITY; 16];
	let mut chunks = s.chunks_exact(16);
	for c in &mut chunks {
		for l in 0..16 {
			lanes[l] = lanes[l].max(c[l]);
		}
	}
	let m = chunks.remainder().iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
	lanes.iter().fold(m, |m, &v| m.max(v))
}

/// One query of width `HD` (0: any width, read from the query): the reference order, and
/// the kernel for head widths without a grouped one.
#[inline(always)]
fn attend_hd<const HD: usize>(a: &Attend<'_>, scores: &mut Vec<f32>, o: &mut [f32]) {
	let hd = if HD == 0 { a.q.len() } else { HD };
	let len = a.len;
	scores.clear();
	scores.resize(len.next_multiple_of(KEY_BLOCK), 0.0);
	// Blocks of 64 positions (four independent 16-lane chains); positions past `len` read
	// capacity slack and are dropped.
	for (jb, sb) in scores.chunks_exact_mut(KEY_BLOCK).enumerate() {
		let mut acc = [[0.0f32; 16]; KEY_BLOCK / 16];
		for d in 0..hd {
			let qd = a.q[d];
			let row = &a.kt[(a.off + d) * a.cap + jb * KEY_BLOCK..][..KEY_BLOCK];
			for (b, ab) in acc.iter_mut().enumerate() {
				for l in 0..16 {
					ab[l] += qd * row[b * 16 + l];
				}
			}
		}
		for (b, ab) in acc.iter().enumerate() {
			for l in 0..16 {
				sb[b * 16 + l] = ab[l] * a.scale;
			}
		}
	}
	scores.truncate(len);
	let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
	for s in scores.iter_mut() {
		*s = kernels::exp(*s - max);
	}
	let mut lanes = [0.0f32; 16];
	for chunk in scores.chunks(16) {
		for (l, &e) in chunk.iter().enumerate() {
			lanes[l] += e;
		}
	}
	let sum = kernels::reduce16(&lanes);
	if HD == 0 {
		o.fill(0.0);
		for (j, &e) in scores.iter().enumerate() {
			let v = &a.vc[j * a.kvd + a.off..j * a.kvd + a.off + hd];
			for (ov, &vv) in o.iter_mut().zip(v) {
				*ov += e * vv;
			}
		}
		for ov in o.iter_mut() {
			*ov /= sum;
		}
	} else {
		let mut acc = [0.0f32; HD];
		for (j, &e) in scores.iter().enumerate() {
			let v = &a.vc[j * a.kvd + a.off..][..HD];
			for d in 0..HD {
				acc[d] += e * v[d];
			}
		}
		for d in 0..HD {
			o[d] = acc[d] / sum;
		}
	}
}

/// Token rows per task of the per-token work of a batch on several threads.
const ROWS_PER_TASK: usize = 16;

/// Most tokens one forward pass processes at once (longer inputs go in chunks).
const MAX_BATCH: usize = 256;

/// Positions per block of attention scores (the key cache capacity is a multiple of it).
const KEY_BLOCK: usize = 64;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn attend_avx512(a: &Attend<'_>, scores: &mut Vec<f32>, o: &mut [f32]) {
	attend::<true>(a, scores, o)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn attend_avx2(a: &Attend<'_>, scores: &mut Vec<f32>, o: &mut [f32]) {
	attend::<false>(a, scores, o)
}

/// RoPE tables for the interleaved (GGUF llama) layout, the same bits on every platform: the
/// frequencies are rounded to f32 (the platform's `powf` would have to err by a whole f32 ulp
/// to change one), so each angle `p·f` is exact in f64, and sine and cosine come from
/// [`sin_cos`], which uses IEEE f64 arithmetic only, rounded once to f32.
fn rope_tables(cfg: &Config) -> (Vec<f32>, Vec<f32>) {
	let half = cfg.head_dim / 2;
	let theta = f64::from(cfg.rope_theta);
	let inv: Vec<f64> = (0..half)
		.map(|i| f64::from((1.0 / theta.powf((2 * i) as f64 / cfg.head_dim as f64)) as f32))
		.collect();
	let mut cos = Vec::with_capacity(cfg.max_seq_len * half);
	let mut sin = Vec::with_capacity(cfg.max_seq_len * half);
	for p in 0..cfg.max_seq_len {
		for &f in &inv {
			let (s, c) = sin_cos(p as f64 * f);
			cos.push(c as f32);
			sin.push(s as f32);
		}
	}
	(cos, sin)
}

/// `(sin a, cos a)` for `0 ≤ a < 2^20` from f64 additions and multiplications only: reduction
/// by π/2 in three exact-product parts (Cody–Waite, fdlibm's constants), then Taylor
/// polynomials on `|r| ≤ π/4` (truncation below 1e-19). Deterministic on every IEEE platform.
pub fn sin_cos(a: f64) -> (f64, f64) {
	const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;
	// π/2 in three 33-bit parts (exact products with k < 2^20).
	const PIO2_1: f64 = f64::from_bits(0x3FF9_21FB_5440_0000);
	const PIO2_2: f64 = f64::from_bits(0x3DD0_B461_1A60_0000);
	const PIO2_3: f64 = f64::from_bits(0x3BA3_198A_2E00_0000);
	// Round to nearest by adding and subtracting 1.5·2^52.
	const ROUND: f64 = 6_755_399_441_055_744.0;
	let k = (a * TWO_OVER_PI + ROUND) - ROUND;
	let r = ((a - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
	let r2 = r * r;
	// sin r = r·(1 - r²/3! + r⁴/5! - …), cos r = 1 - r²/2! + r⁴/4! - … (to r^17, r^18).
	let mut sp = 0.0f64;
	let mut cp = 0.0f64;
	let mut fs = [0.0f64; 9];
	let mut fc = [0.0f64; 10];
	let mut f = 1.0f64;
	for n in 1..=18u32 {
		f *= f64::from(n);
		if n % 2 == 1 {
			fs[(n as usize - 1) / 2] = 1.0 / f;
		} else {
			fc[n as usize / 2] = 1.0 / f;
		}
	}
	fc[0] = 1.0;
	for i in (0..9).rev() {
		let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
		sp = sp * r2 + sign * fs[i];
	}
	for i in (0..10).rev() {
		let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
		cp = cp * r2 + sign * fc[i];
	}
	let (s, c) = (r * sp, cp);
	match (k as i64).rem_euclid(4) {
		0 => (s, c),
		1 => (c, -s),
		2 => (-s, -c),
		_ => (-c, s),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sampling::SplitMix64;

	#[test]
	fn own_sine_and_cosine_are_accurate() {
		let mut a = 0.0f64;
		while a < 9000.0 {
			let (s, c) = sin_cos(a);
			assert!((s - a.sin()).abs() < 1e-12 && (c - a.cos()).abs() < 1e-12, "{a}");
			a += 0.731;
		}
		assert_eq!(sin_cos(0.0), (0.0, 1.0));
	}

	#[test]
	#[ignore = "benchmark"]
	fn attention_throughput() {
		let mut rng = SplitMix64::new(4);
		let mut r = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.next_normal() as f32).collect() };
		let (hd, nkv, len) = (64, 3, 512);
		let cap = key_capacity(len);
		let kvd = nkv * hd;
		let (kt, vc) = (r(kvd * cap), r(kvd * len));
		for nq in [1, 3] {
			let q = r(nq * hd);
			let a = Attend { q: &q, hd, kt: &kt, cap, vc: &vc, len, kvd, off: hd, scale: 0.125 };
			let (mut s, mut o) = (Vec::new(), vec![0.0; nq * hd]);
			let mut best = f64::INFINITY;
			for _ in 0..2000 {
				let t = std::time::Instant::now();
				attend_on(kernels::isa(), &a, &mut s, &mut o);
				best = best.min(t.elapsed().as_secs_f64());
			}
			// Multiply-adds: scores and outputs, `hd` each per query and position.
			let madds = 2 * nq * hd * len;
			eprintln!(
				"attention hd {hd} nq {nq} len {len}: {:.2} us, {:.2} G multiply-adds/s",
				best * 1e6,
				madds as f64 / best / 1e9
			);
		}
	}

	#[test]
	fn grouped_attention_equals_one_query_at_a_time_on_every_isa() {
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		let mut rng = SplitMix64::new(4);
		let mut r = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.next_normal() as f32).collect() };
		for (hd, len) in [(64, 203), (64, 64), (64, 1), (32, 130), (16, 77), (24, 70)] {
			let (nkv, cap) = (3, 256);
			let kvd = nkv * hd;
			let (kt, vc) = (r(kvd * cap), r(kvd * len));
			for nq in [1, 2, 3, 4, 5, 7] {
				let q = r(nq * hd);
				for off in [0, hd, 2 * hd] {
					let a =
						Attend { q: &q, hd, kt: &kt, cap, vc: &vc, len, kvd, off, scale: 0.125 };
					let mut s = Vec::new();
					// Reference: each query alone, through the generic-width code.
					let mut want = vec![0.0; nq * hd];
					for (i, o) in want.chunks_exact_mut(hd).enumerate() {
						let q = &q[i * hd..(i + 1) * hd];
						attend_hd::<0>(&Attend { q, ..a }, &mut s, o);
					}
					if hd == 64 {
						let mut o1 = vec![0.0; hd];
						attend_hd::<64>(&Attend { q: &q[..hd], ..a }, &mut s, &mut o1);
						assert_eq!(bits(&o1), bits(&want[..hd]));
					}
					let mut got = vec![f32::NAN; nq * hd];
					attend::<false>(&a, &mut s, &mut got);
					assert_eq!(bits(&got), bits(&want), "hd {hd} len {len} nq {nq} off {off}");
					#[cfg(target_arch = "x86_64")]
					for isa in kernels::Isa::all_available() {
						let mut o3 = vec![f32::NAN; nq * hd];
						match isa {
							// SAFETY: only instruction sets this CPU has.
							kernels::Isa::Avx512 => unsafe { attend_avx512(&a, &mut s, &mut o3) },
							// SAFETY: as above.
							kernels::Isa::Avx2 => unsafe { attend_avx2(&a, &mut s, &mut o3) },
							kernels::Isa::Scalar => attend::<false>(&a, &mut s, &mut o3),
						}
						assert_eq!(bits(&o3), bits(&want), "{isa:?} hd {hd} nq {nq}");
					}
				}
			}
		}
	}
}
