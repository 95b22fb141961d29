//! Quantized llama decoder (GGUF), written in candle-transformers style: `Config`, `new`,
//! `forward`.
//!
//! Unlike `candle_transformers::models::quantized_llama`, the weights are immutable and the
//! KV cache lives in a separate [`Cache`], so one loaded model serves many jobs on many threads;
//! and [`Llama::forward_hidden`] exposes the final hidden state of every position so the
//! verifier can apply the output head only where it checks.

use candle_core::{
	quantized::{gguf_file::Content, QMatMul, QTensor},
	DType, Device, Module, Tensor,
};
use candle_nn::{kv_cache::KvCache, Embedding};
use candle_transformers::quantized_nn::RmsNorm;

use std::sync::Arc;

use crate::{
	error::{Error, Result},
	native::{Native, NativeKv},
};

/// Shape and numeric hyper-parameters of a llama model, read from GGUF metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
	/// Vocabulary size (rows of the embedding).
	pub vocab_size: usize,
	/// Width of the residual stream.
	pub hidden_size: usize,
	/// Width of the feed-forward block.
	pub intermediate_size: usize,
	/// Number of decoder blocks.
	pub num_layers: usize,
	/// Number of query heads.
	pub num_heads: usize,
	/// Number of key/value heads (grouped-query attention).
	pub num_kv_heads: usize,
	/// Width of one head.
	pub head_dim: usize,
	/// RoPE base frequency.
	pub rope_theta: f32,
	/// RMS-norm epsilon.
	pub rms_norm_eps: f64,
	/// Context window: the most positions one sequence may use.
	pub max_seq_len: usize,
}

/// How the matrices are multiplied; part of a model class, since it changes the numerics.
///
/// The chain's own type (`attesta_primitives::ComputePath`), re-exported so the engine and the
/// chain never disagree on a path's encoding. `BlockF32` (the default) runs the engine's own
/// block kernels ([`crate::kernels`], [`crate::native`]): bit-identical across thread counts,
/// between batched prefill and token-by-token decode, and across x86-64 CPUs with and without
/// AVX2/AVX-512; CPU only. `DequantizedF32` dequantizes at load and uses candle's f32 GEMM
/// (the reference the block kernels are tested against; ~6x the memory). `Quantized` is
/// candle's block-quantized path (activations quantized to 8 bits).
pub use attesta_primitives::ComputePath;

/// Longest context the engine allocates RoPE tables for, whatever the file claims.
pub const MAX_CONTEXT: usize = 8192;

fn md_u32(ct: &Content, key: &str) -> Result<usize> {
	ct.metadata
		.get(key)
		.and_then(|v| v.to_u32().ok())
		.map(|v| v as usize)
		.ok_or_else(|| Error::Metadata(key.to_string()))
}

fn md_f32(ct: &Content, key: &str) -> Result<f32> {
	ct.metadata
		.get(key)
		.and_then(|v| v.to_f32().ok())
		.ok_or_else(|| Error::Metadata(key.to_string()))
}

impl Config {
	/// Reads the llama hyper-parameters from GGUF metadata and checks they are consistent.
	pub fn from_gguf(ct: &Content) -> Result<Self> {
		let arch = ct
			.metadata
			.get("general.architecture")
			.and_then(|v| v.to_string().ok())
			.cloned()
			.unwrap_or_default();
		if arch != "llama" {
			return Err(Error::Unsupported(format!(
				"architecture `{arch}`; only `llama` GGUF files are supported"
			)));
		}
		let hidden_size = md_u32(ct, "llama.embedding_length")?;
		let num_heads = md_u32(ct, "llama.attention.head_count")?;
		let num_kv_heads = md_u32(ct, "llama.attention.head_count_kv").unwrap_or(num_heads);
		if num_heads == 0 || num_kv_heads == 0 || hidden_size % num_heads != 0 {
			return Err(Error::Unsupported(format!(
				"{num_heads} heads do not divide hidden size {hidden_size}"
			)));
		}
		if num_heads % num_kv_heads != 0 {
			return Err(Error::Unsupported(format!(
				"{num_kv_heads} kv heads do not divide {num_heads} heads"
			)));
		}
		let head_dim = hidden_size / num_heads;
		let rope_dim = md_u32(ct, "llama.rope.dimension_count").unwrap_or(head_dim);
		if rope_dim != head_dim || head_dim % 2 != 0 {
			return Err(Error::Unsupported(format!(
				"partial or odd RoPE ({rope_dim} of head dim {head_dim})"
			)));
		}
		let vocab_size = match ct.tensor_infos.get("token_embd.weight") {
			Some(info) => info.shape.dims().first().copied().unwrap_or(0),
			None => return Err(Error::Metadata("tensor token_embd.weight".into())),
		};
		Ok(Self {
			vocab_size,
			hidden_size,
			intermediate_size: md_u32(ct, "llama.feed_forward_length")?,
			num_layers: md_u32(ct, "llama.block_count")?,
			num_heads,
			num_kv_heads,
			head_dim,
			rope_theta: md_f32(ct, "llama.rope.freq_base").unwrap_or(10_000.0),
			rms_norm_eps: f64::from(md_f32(ct, "llama.attention.layer_norm_rms_epsilon")?),
			max_seq_len: md_u32(ct, "llama.context_length").unwrap_or(MAX_CONTEXT).min(MAX_CONTEXT),
		})
	}
}

#[derive(Debug, Clone)]
struct Block {
	attn_norm: RmsNorm,
	wq: QMatMul,
	wk: QMatMul,
	wv: QMatMul,
	wo: QMatMul,
	ffn_norm: RmsNorm,
	gate: QMatMul,
	up: QMatMul,
	down: QMatMul,
}

/// Per-sequence attention state; one per job, so the model itself stays shareable.
#[derive(Debug, Clone)]
pub struct Cache {
	kv: Vec<KvCache>,
	native: NativeKv,
	pos: usize,
}

impl Cache {
	/// Number of positions already processed into the cache.
	pub fn position(&self) -> usize {
		self.pos
	}
}

/// The candle implementation's weights.
#[derive(Debug, Clone)]
struct CandleWeights {
	embed: Embedding,
	blocks: Vec<Block>,
	norm: RmsNorm,
	head: QMatMul,
	cos: Tensor,
	sin: Tensor,
}

#[derive(Debug, Clone)]
enum Imp {
	Candle(CandleWeights),
	Native(Arc<Native>),
}

/// A loaded quantized llama model; immutable, `Send + Sync`, cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Llama {
	cfg: Config,
	imp: Imp,
	device: Device,
}

impl Llama {
	/// Loads the weights named in `ct` from `reader` (GGUF tensor names, llama layout).
	pub fn new<R: std::io::Read + std::io::Seek>(
		cfg: &Config,
		ct: &Content,
		reader: &mut R,
		device: &Device,
		path: ComputePath,
	) -> Result<Self> {
		if path == ComputePath::BlockF32 {
			if !matches!(device, Device::Cpu) {
				return Err(Error::Unsupported(
					"the block-kernel compute path runs on the CPU only; use the f32 path on a GPU"
						.into(),
				));
			}
			let native = Native::load(cfg, ct, reader)?;
			return Ok(Self {
				cfg: cfg.clone(),
				imp: Imp::Native(Arc::new(native)),
				device: device.clone(),
			});
		}
		let matmul = |qt: QTensor| -> Result<QMatMul> {
			Ok(match path {
				ComputePath::Quantized => QMatMul::from_qtensor(qt)?,
				_ => QMatMul::Tensor(qt.dequantize(device)?),
			})
		};
		let mut get = |name: &str| -> Result<QTensor> {
			ct.tensor(reader, name, device)
				.map_err(|e| Error::Unsupported(format!("cannot load tensor `{name}`: {e}")))
		};
		let embed_q = get("token_embd.weight")?;
		let embed = Embedding::new(embed_q.dequantize(device)?, cfg.hidden_size);
		let norm = RmsNorm::from_qtensor(get("output_norm.weight")?, cfg.rms_norm_eps)?;
		// Tied embeddings (SmolLM2): the output head reuses the quantized embedding.
		let head = if ct.tensor_infos.contains_key("output.weight") {
			matmul(get("output.weight")?)?
		} else {
			matmul(embed_q)?
		};
		let mut blocks = Vec::with_capacity(cfg.num_layers);
		for l in 0..cfg.num_layers {
			let mut q =
				|n: &str| -> Result<QMatMul> { matmul(get(&format!("blk.{l}.{n}.weight"))?) };
			let (wq, wk, wv, wo) = (q("attn_q")?, q("attn_k")?, q("attn_v")?, q("attn_output")?);
			let (gate, up, down) = (q("ffn_gate")?, q("ffn_up")?, q("ffn_down")?);
			let attn_norm = RmsNorm::from_qtensor(
				get(&format!("blk.{l}.attn_norm.weight"))?,
				cfg.rms_norm_eps,
			)?;
			let ffn_norm =
				RmsNorm::from_qtensor(get(&format!("blk.{l}.ffn_norm.weight"))?, cfg.rms_norm_eps)?;
			blocks.push(Block { attn_norm, wq, wk, wv, wo, ffn_norm, gate, up, down });
		}
		let (cos, sin) = rope_tables(cfg, device)?;
		let w = CandleWeights { embed, blocks, norm, head, cos, sin };
		Ok(Self { cfg: cfg.clone(), imp: Imp::Candle(w), device: device.clone() })
	}

	/// The model's hyper-parameters.
	pub fn config(&self) -> &Config {
		&self.cfg
	}

	/// The device the weights live on.
	pub fn device(&self) -> &Device {
		&self.device
	}

	/// The compute path the weights were loaded for.
	pub fn compute_path(&self) -> ComputePath {
		match &self.imp {
			Imp::Native(_) => ComputePath::BlockF32,
			Imp::Candle(w) => match w.head {
				QMatMul::QTensor(_) => ComputePath::Quantized,
				_ => ComputePath::DequantizedF32,
			},
		}
	}

	/// Bytes of weights held in memory by the block-kernel path (`None` for candle paths).
	pub fn native_weight_bytes(&self) -> Option<usize> {
		match &self.imp {
			Imp::Native(n) => Some(n.weight_bytes()),
			Imp::Candle(_) => None,
		}
	}

	/// A fresh, empty KV cache for one sequence.
	pub fn new_cache(&self) -> Cache {
		match &self.imp {
			Imp::Native(n) => Cache { kv: Vec::new(), native: n.new_kv(), pos: 0 },
			Imp::Candle(_) => {
				// Grow in chunks of 512 positions; the cache doubles only for long sequences.
				let chunk = self.cfg.max_seq_len.min(512);
				Cache {
					kv: (0..self.cfg.num_layers).map(|_| KvCache::new(2, chunk)).collect(),
					native: NativeKv::default(),
					pos: 0,
				}
			},
		}
	}

	/// A fresh KV cache with room for `positions` positions allocated up front (a job that
	/// knows its length avoids the copies and slack of growing by doubling).
	pub fn new_cache_for(&self, positions: usize) -> Cache {
		let mut cache = self.new_cache();
		if let Imp::Native(n) = &self.imp {
			cache.native.reserve(positions.min(self.cfg.max_seq_len), 0, n.kv_dim());
		}
		cache
	}

	fn check_tokens(&self, tokens: &[u32], cache: &Cache) -> Result<()> {
		let seq_len = tokens.len();
		if seq_len == 0 {
			return Err(Error::EmptyPrompt);
		}
		let needed = cache.pos + seq_len;
		if needed > self.cfg.max_seq_len {
			return Err(Error::ContextOverflow { needed, max: self.cfg.max_seq_len });
		}
		let vocab = self.cfg.vocab_size as u32;
		if let Some(&id) = tokens.iter().find(|&&t| t >= vocab) {
			return Err(Error::TokenOutOfRange { id, vocab });
		}
		Ok(())
	}

	/// Runs `tokens` after the cache and returns the logits of the last position as a vector
	/// (the decode step's fast path: no tensor round trip on the block-kernel path).
	pub fn forward_logits(&self, tokens: &[u32], cache: &mut Cache) -> Result<Vec<f32>> {
		match &self.imp {
			Imp::Native(n) => {
				self.check_tokens(tokens, cache)?;
				if let [tok] = tokens {
					let logits = n.decode_logits(*tok, &mut cache.native, cache.pos);
					cache.pos += 1;
					return Ok(logits);
				}
				let hidden = n.forward_hidden(tokens, &mut cache.native, cache.pos);
				cache.pos += tokens.len();
				let h = self.cfg.hidden_size;
				Ok(n.logits(&hidden[hidden.len() - h..], 1))
			},
			Imp::Candle(_) => logits_vec(&self.forward(tokens, cache)?),
		}
	}

	/// Runs `tokens` (appended after the cache) and returns the final-normed hidden states,
	/// shape `(tokens.len(), hidden)`.
	pub fn forward_hidden(&self, tokens: &[u32], cache: &mut Cache) -> Result<Tensor> {
		self.check_tokens(tokens, cache)?;
		let seq_len = tokens.len();
		let w = match &self.imp {
			Imp::Native(n) => {
				let hidden = n.forward_hidden(tokens, &mut cache.native, cache.pos);
				cache.pos += seq_len;
				return Ok(Tensor::from_vec(hidden, (seq_len, self.cfg.hidden_size), &Device::Cpu)?);
			},
			Imp::Candle(w) => w,
		};
		let input = Tensor::new(tokens, &self.device)?.unsqueeze(0)?;
		let mask =
			if seq_len > 1 { Some(causal_mask(seq_len, cache.pos, &self.device)?) } else { None };
		let mut x = w.embed.forward(&input)?;
		for (block, kv) in w.blocks.iter().zip(cache.kv.iter_mut()) {
			let h = block.attn_norm.forward(&x)?;
			let a = self.attention(w, block, &h, kv, cache.pos, mask.as_ref())?;
			x = (x + a)?;
			let h = block.ffn_norm.forward(&x)?;
			let g = candle_nn::ops::silu(&block.gate.forward(&h)?)?;
			let m = block.down.forward(&(g * block.up.forward(&h)?)?)?;
			x = (x + m)?;
		}
		cache.pos += seq_len;
		Ok(w.norm.forward(&x)?.squeeze(0)?)
	}

	/// [`Self::forward_hidden`] as a flat row-major vector `tokens.len() × hidden` (no tensor
	/// round trip on the block-kernel path).
	pub fn forward_hidden_vec(&self, tokens: &[u32], cache: &mut Cache) -> Result<Vec<f32>> {
		if let Imp::Native(n) = &self.imp {
			self.check_tokens(tokens, cache)?;
			let hidden = n.forward_hidden(tokens, &mut cache.native, cache.pos);
			cache.pos += tokens.len();
			return Ok(hidden);
		}
		Ok(self.forward_hidden(tokens, cache)?.flatten_all()?.to_vec1::<f32>()?)
	}

	/// The final-normed hidden states of `tokens` from position 0, as [`Self::forward_hidden_vec`]
	/// on a fresh cache gives them (the same bits), for a pass that keeps no cache (a
	/// teacher-forced check): the block-kernel path runs the layers one at a time over the
	/// whole sequence, holding one layer's keys and values instead of every layer's.
	pub fn hidden_states(&self, tokens: &[u32]) -> Result<Vec<f32>> {
		let mut cache = self.new_cache();
		if let Imp::Native(n) = &self.imp {
			self.check_tokens(tokens, &cache)?;
			return Ok(n.forward_hidden_once(tokens));
		}
		self.forward_hidden_vec(tokens, &mut cache)
	}

	/// Applies the output head to `n` flat hidden rows (`n × hidden`, row-major), giving the
	/// flat logits `n × vocab` (no tensor round trip on the block-kernel path).
	pub fn logits_vec_rows(&self, hidden: &[f32], n: usize) -> Result<Vec<f32>> {
		let mut y = Vec::new();
		self.logits_into(hidden, n, &mut y)?;
		Ok(y)
	}

	/// [`Self::logits_vec_rows`] into `y` (replacing its contents), so that a caller applying
	/// the head chunk by chunk reuses one buffer.
	pub fn logits_into(&self, hidden: &[f32], n: usize, y: &mut Vec<f32>) -> Result<()> {
		let h = self.cfg.hidden_size;
		if hidden.len() != n * h {
			return Err(Error::Unsupported(format!("{} values for {n} hidden rows", hidden.len())));
		}
		match &self.imp {
			Imp::Native(m) => m.logits_into(hidden, n, y),
			Imp::Candle(w) => {
				let t = Tensor::from_slice(hidden, (n, h), &self.device)?;
				*y = w.head.forward(&t)?.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
			},
		}
		Ok(())
	}

	/// Applies the output head to hidden rows `(n, hidden)`, giving logits `(n, vocab)`.
	pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
		match &self.imp {
			Imp::Native(n) => {
				let (rows, h) = hidden.dims2()?;
				let flat = hidden.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
				debug_assert_eq!(h, self.cfg.hidden_size);
				let y = n.logits(&flat, rows);
				Ok(Tensor::from_vec(y, (rows, self.cfg.vocab_size), &Device::Cpu)?)
			},
			Imp::Candle(w) => Ok(w.head.forward(hidden)?),
		}
	}

	/// Runs `tokens` after the cache and returns the logits of the last position, `(vocab,)`.
	pub fn forward(&self, tokens: &[u32], cache: &mut Cache) -> Result<Tensor> {
		let hidden = self.forward_hidden(tokens, cache)?;
		let last = hidden.narrow(0, tokens.len() - 1, 1)?;
		Ok(self.logits(&last)?.squeeze(0)?)
	}

	fn attention(
		&self,
		w: &CandleWeights,
		b: &Block,
		x: &Tensor,
		kv: &mut KvCache,
		pos: usize,
		mask: Option<&Tensor>,
	) -> Result<Tensor> {
		let (b_sz, seq_len, hidden) = x.dims3()?;
		let (nh, nkv, hd) = (self.cfg.num_heads, self.cfg.num_kv_heads, self.cfg.head_dim);
		let q =
			b.wq.forward(x)?
				.reshape((b_sz, seq_len, nh, hd))?
				.transpose(1, 2)?
				.contiguous()?;
		let k =
			b.wk.forward(x)?
				.reshape((b_sz, seq_len, nkv, hd))?
				.transpose(1, 2)?
				.contiguous()?;
		let v =
			b.wv.forward(x)?
				.reshape((b_sz, seq_len, nkv, hd))?
				.transpose(1, 2)?
				.contiguous()?;
		let cos = w.cos.narrow(0, pos, seq_len)?;
		let sin = w.sin.narrow(0, pos, seq_len)?;
		let q = candle_nn::rotary_emb::rope_i(&q, &cos, &sin)?;
		let k = candle_nn::rotary_emb::rope_i(&k, &cos, &sin)?;
		let (k, v) = kv.append(&k, &v)?;
		let rep = nh / nkv;
		let k = candle_transformers::utils::repeat_kv(k.contiguous()?, rep)?;
		let v = candle_transformers::utils::repeat_kv(v.contiguous()?, rep)?;
		let att = (q.matmul(&k.t()?)? * (1.0 / (hd as f64).sqrt()))?;
		let att = match mask {
			Some(m) => att.broadcast_add(m)?,
			None => att,
		};
		let att = candle_nn::ops::softmax_last_dim(&att)?;
		let y = att.matmul(&v)?;
		let y = y.transpose(1, 2)?.reshape((b_sz, seq_len, hidden))?;
		Ok(b.wo.forward(&y)?)
	}
}

/// Additive causal mask `(seq_len, pos + seq_len)`: 0 where attention is allowed, -inf after.
fn causal_mask(seq_len: usize, pos: usize, device: &Device) -> Result<Tensor> {
	let kv_len = pos + seq_len;
	let data: Vec<f32> = (0..seq_len)
		.flat_map(|i| (0..kv_len).map(move |j| if j > pos + i { f32::NEG_INFINITY } else { 0.0 }))
		.collect();
	Ok(Tensor::from_vec(data, (seq_len, kv_len), device)?)
}

/// RoPE cos/sin tables `(max_seq_len, head_dim / 2)` for the interleaved (GGUF llama) layout.
fn rope_tables(cfg: &Config, device: &Device) -> Result<(Tensor, Tensor)> {
	let half = cfg.head_dim / 2;
	let inv: Vec<f32> = (0..half)
		.map(|i| 1.0 / cfg.rope_theta.powf((2 * i) as f32 / cfg.head_dim as f32))
		.collect();
	let inv = Tensor::from_vec(inv, (1, half), device)?;
	let pos = Tensor::arange(0u32, cfg.max_seq_len as u32, device)?
		.to_dtype(DType::F32)?
		.reshape((cfg.max_seq_len, 1))?;
	let ang = pos.broadcast_mul(&inv)?;
	Ok((ang.cos()?.contiguous()?, ang.sin()?.contiguous()?))
}

/// Copies logits rows `(n, vocab)` out of a tensor as plain vectors.
pub fn logits_rows(logits: &Tensor) -> Result<Vec<Vec<f32>>> {
	Ok(logits.to_dtype(DType::F32)?.to_vec2::<f32>()?)
}

/// Copies a `(vocab,)` logits tensor out as a plain vector.
pub fn logits_vec(logits: &Tensor) -> Result<Vec<f32>> {
	Ok(logits.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}

#[allow(dead_code)]
fn _assert_send_sync() {
	fn check<T: Send + Sync>() {}
	check::<Llama>();
}
