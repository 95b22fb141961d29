//! A tiny llama model with seeded random weights, written as a real GGUF file.
//!
//! Tests and demos use it to exercise the full load → generate → verify path in seconds, with
//! no downloaded weights. The vocabulary is byte-level (3 ChatML control tokens, the 256 GPT-2
//! byte characters and a few merges), so the real tokenizer code runs on it unchanged.

use std::{fs::File, io::BufWriter, path::Path};

use candle_core::{
	quantized::{gguf_file, GgmlDType, QTensor},
	Device, Tensor,
};

use crate::{
	error::{Error, Result},
	sampling::SplitMix64,
};

/// Hidden width of the tiny model.
pub const HIDDEN: usize = 64;
/// Feed-forward width of the tiny model.
pub const FFN: usize = 128;
/// Decoder blocks of the tiny model.
pub const LAYERS: usize = 2;
/// Query heads of the tiny model.
pub const HEADS: usize = 4;
/// Key/value heads of the tiny model.
pub const KV_HEADS: usize = 2;
/// Context window of the tiny model.
pub const CONTEXT: usize = 1024;

/// Merges of the tiny vocabulary (byte-level alphabet, rank order).
const MERGES: [&str; 20] = [
	"Ġ t", "h e", "i n", "e r", "a n", "Ġ a", "o n", "r e", "Ġt he", "Ġ s", "Ġ w", "e n", "o r",
	"Ġ o", "Ġ i", "a t", "e s", "i s", "Ġ c", "Ġ b",
];

/// What to write: weight seed, storage format and an optional perturbation.
#[derive(Clone, Copy, Debug)]
pub struct TinySpec {
	/// Seed of the base weights.
	pub seed: u64,
	/// Storage format of the matrices (`Q4_0`, `Q4_1`, `Q8_0`, `F32`, …; block size ≤ 64).
	pub dtype: GgmlDType,
	/// Relative std-dev of seeded noise added to every weight (0 = the base model).
	pub perturb: f32,
	/// Seed of the perturbation noise.
	pub perturb_seed: u64,
}

impl TinySpec {
	/// The base model for `seed`, stored as Q4_1 like the reference model.
	pub const fn new(seed: u64) -> Self {
		Self { seed, dtype: GgmlDType::Q4_1, perturb: 0.0, perturb_seed: 0 }
	}
}

/// The tiny vocabulary: (tokens, token types, merges).
pub fn vocab() -> (Vec<String>, Vec<i32>, Vec<String>) {
	let mut tokens: Vec<String> = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
		.iter()
		.map(|s| s.to_string())
		.collect();
	let mut types = vec![crate::tokenizer::TOKEN_TYPE_CONTROL; 3];
	for b in 0..=255u8 {
		let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
		let c = if printable {
			char::from(b)
		} else {
			let extra = (0..b)
				.filter(|x| !matches!(x, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF))
				.count() as u32;
			char::from_u32(256 + extra).unwrap_or('\u{FFFD}')
		};
		tokens.push(c.to_string());
		types.push(crate::tokenizer::TOKEN_TYPE_NORMAL);
	}
	for m in MERGES {
		tokens.push(m.replace(' ', ""));
		types.push(crate::tokenizer::TOKEN_TYPE_NORMAL);
	}
	(tokens, types, MERGES.iter().map(|s| s.to_string()).collect())
}

struct Gen {
	base: SplitMix64,
	noise: SplitMix64,
	perturb: f32,
}

impl Gen {
	fn tensor(&mut self, rows: usize, cols: usize, scale: f32, offset: f32) -> Result<Tensor> {
		let data: Vec<f32> = (0..rows * cols)
			.map(|_| {
				let w = offset + scale * self.base.next_normal() as f32;
				let n = self.noise.next_normal() as f32;
				w + self.perturb * scale * n
			})
			.collect();
		let shape: Vec<usize> = if rows == 1 { vec![cols] } else { vec![rows, cols] };
		Ok(Tensor::from_vec(data, shape, &Device::Cpu)?)
	}
}

/// Writes the tiny model described by `spec` to `path` as GGUF.
pub fn write_gguf(path: &Path, spec: &TinySpec) -> Result<()> {
	let (tokens, types, merges) = vocab();
	let vocab_size = tokens.len();
	let mut g = Gen {
		base: SplitMix64::new(spec.seed),
		noise: SplitMix64::new(spec.perturb_seed ^ 0xA5A5_5A5A_0F0F_F0F0),
		perturb: spec.perturb,
	};
	let kv_dim = HIDDEN / HEADS * KV_HEADS;
	let mut tensors: Vec<(String, QTensor)> = Vec::new();
	let q = |t: &Tensor, dt: GgmlDType| QTensor::quantize(t, dt);
	let inv = |n: usize| 1.0 / (n as f32).sqrt();
	tensors.push((
		"token_embd.weight".into(),
		q(&g.tensor(vocab_size, HIDDEN, 1.0, 0.0)?, spec.dtype)?,
	));
	tensors
		.push(("output_norm.weight".into(), q(&g.tensor(1, HIDDEN, 0.1, 1.0)?, GgmlDType::F32)?));
	tensors.push((
		"output.weight".into(),
		q(&g.tensor(vocab_size, HIDDEN, 3.0 * inv(HIDDEN), 0.0)?, spec.dtype)?,
	));
	for l in 0..LAYERS {
		let p = format!("blk.{l}");
		let mats = [
			("attn_q", HIDDEN, HIDDEN),
			("attn_k", kv_dim, HIDDEN),
			("attn_v", kv_dim, HIDDEN),
			("attn_output", HIDDEN, HIDDEN),
			("ffn_gate", FFN, HIDDEN),
			("ffn_up", FFN, HIDDEN),
			("ffn_down", HIDDEN, FFN),
		];
		for (name, rows, cols) in mats {
			let t = g.tensor(rows, cols, 1.5 * inv(cols), 0.0)?;
			tensors.push((format!("{p}.{name}.weight"), q(&t, spec.dtype)?));
		}
		for name in ["attn_norm", "ffn_norm"] {
			tensors.push((
				format!("{p}.{name}.weight"),
				q(&g.tensor(1, HIDDEN, 0.1, 1.0)?, GgmlDType::F32)?,
			));
		}
	}
	use gguf_file::Value as V;
	let strs = |v: &[String]| V::Array(v.iter().map(|s| V::String(s.clone())).collect());
	let metadata: Vec<(&str, V)> = vec![
		("general.architecture", V::String("llama".into())),
		("general.name", V::String("attesta-tiny-test".into())),
		("llama.block_count", V::U32(LAYERS as u32)),
		("llama.context_length", V::U32(CONTEXT as u32)),
		("llama.embedding_length", V::U32(HIDDEN as u32)),
		("llama.feed_forward_length", V::U32(FFN as u32)),
		("llama.attention.head_count", V::U32(HEADS as u32)),
		("llama.attention.head_count_kv", V::U32(KV_HEADS as u32)),
		("llama.rope.freq_base", V::F32(10_000.0)),
		("llama.rope.dimension_count", V::U32((HIDDEN / HEADS) as u32)),
		("llama.attention.layer_norm_rms_epsilon", V::F32(1e-5)),
		("llama.vocab_size", V::U32(vocab_size as u32)),
		("tokenizer.ggml.model", V::String("gpt2".into())),
		("tokenizer.ggml.pre", V::String("smollm".into())),
		("tokenizer.ggml.tokens", strs(&tokens)),
		("tokenizer.ggml.token_type", V::Array(types.iter().map(|&t| V::I32(t)).collect())),
		("tokenizer.ggml.merges", strs(&merges)),
		("tokenizer.ggml.bos_token_id", V::U32(1)),
		("tokenizer.ggml.eos_token_id", V::U32(2)),
		("tokenizer.ggml.add_bos_token", V::Bool(false)),
	];
	let md: Vec<(&str, &V)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
	let ts: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
	let io = |e: std::io::Error| Error::Io { path: path.display().to_string(), source: e };
	let mut w = BufWriter::new(File::create(path).map_err(io)?);
	gguf_file::write(&mut w, &md, &ts)?;
	std::io::Write::flush(&mut w).map_err(io)?;
	Ok(())
}
