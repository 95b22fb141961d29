//! Autoregressive generation with a KV cache, greedy or seeded sampling.

use std::time::Instant;

use attesta_primitives::GenParams;

use crate::{
	error::{Error, Result},
	load::LoadedModel,
	sampling,
};

/// Result of one generation job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
	/// The prompt tokens the output was conditioned on.
	pub input_tokens: Vec<u32>,
	/// Generated tokens, ending with EOS when generation stopped on it.
	pub output_tokens: Vec<u32>,
	/// Decoded output text (special tokens dropped).
	pub text: String,
	/// Whether generation stopped because the model produced EOS.
	pub stopped_on_eos: bool,
	/// sha256 of the weights that produced the output.
	pub model_hash: [u8; 32],
	/// Wall time of the prompt pass in microseconds (informational, not committed).
	pub prefill_micros: u64,
	/// Wall time of all decode steps in microseconds (informational, not committed).
	pub decode_micros: u64,
}

/// Checks that a job fits the model before any compute is spent on it.
pub fn check_job(model: &LoadedModel, input: &[u32], params: &GenParams) -> Result<()> {
	if input.is_empty() {
		return Err(Error::EmptyPrompt);
	}
	let needed = input.len().saturating_add(params.max_tokens as usize);
	if needed > model.max_seq_len() {
		return Err(Error::ContextOverflow { needed, max: model.max_seq_len() });
	}
	let vocab = model.llama.config().vocab_size as u32;
	match input.iter().find(|&&t| t >= vocab) {
		Some(&id) => Err(Error::TokenOutOfRange { id, vocab }),
		None => Ok(()),
	}
}

/// Generates up to `params.max_tokens` tokens after `input`, stopping on EOS.
///
/// The token at step `t` is `sampling::select(logits_t, params, t)`, so the output is a pure
/// function of (weights, input, params) up to floating-point kernel behaviour.
pub fn generate(model: &LoadedModel, input: &[u32], params: &GenParams) -> Result<Generation> {
	check_job(model, input, params)?;
	let eos = model.tokenizer.eos_id();
	let mut cache = model.llama.new_cache_for(input.len() + params.max_tokens as usize);
	let mut output = Vec::with_capacity(params.max_tokens as usize);
	let mut stopped_on_eos = false;
	let t0 = Instant::now();
	let mut prefill_micros = 0;
	if params.max_tokens > 0 {
		let mut logits = model.llama.forward_logits(input, &mut cache)?;
		prefill_micros = t0.elapsed().as_micros() as u64;
		for step in 0..params.max_tokens {
			let tok = sampling::select(&logits, params, step);
			output.push(tok);
			if tok == eos {
				stopped_on_eos = true;
				break;
			}
			if step + 1 == params.max_tokens {
				break;
			}
			logits = model.llama.forward_logits(&[tok], &mut cache)?;
		}
	}
	drop(cache);
	crate::kernels::release_memory();
	let total = t0.elapsed().as_micros() as u64;
	let text = model.tokenizer.decode(&output, true);
	let model_hash = model.id.0;
	Ok(Generation {
		input_tokens: input.to_vec(),
		output_tokens: output,
		text,
		stopped_on_eos,
		model_hash,
		prefill_micros,
		decode_micros: total.saturating_sub(prefill_micros),
	})
}
