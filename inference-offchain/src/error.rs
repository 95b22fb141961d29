//! Typed errors of the inference engine; every message says what was wrong.

/// Everything that can go wrong while loading a model or serving a job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The weights file could not be opened or read.
	#[error("cannot read model file {path}: {source}")]
	Io {
		/// Path that failed.
		path: String,
		/// Underlying I/O error.
		source: std::io::Error,
	},
	/// A GGUF metadata key the engine needs is missing or has the wrong type.
	#[error("model metadata key `{0}` is missing or malformed; is this a llama GGUF file?")]
	Metadata(String),
	/// The model uses a feature this engine does not implement.
	#[error("unsupported model: {0}")]
	Unsupported(String),
	/// The inference device cannot be used (no CUDA support in this build, no such GPU), or
	/// cannot run the requested compute path.
	#[error("inference device {0}")]
	Device(String),
	/// A tensor operation failed inside candle.
	#[error("tensor computation failed: {0}")]
	Candle(#[from] candle_core::Error),
	/// A token id is not in the model's vocabulary.
	#[error("token id {id} is outside the vocabulary of {vocab} tokens")]
	TokenOutOfRange {
		/// Offending id.
		id: u32,
		/// Vocabulary size.
		vocab: u32,
	},
	/// The job has no input tokens to condition on.
	#[error("the prompt is empty; at least one input token is required")]
	EmptyPrompt,
	/// Prompt plus output would not fit in the model's context window.
	#[error("{needed} tokens exceed the model context of {max} tokens; shorten the prompt or max_tokens")]
	ContextOverflow {
		/// Tokens the job needs.
		needed: usize,
		/// Context length of the model.
		max: usize,
	},
	/// The tokenizer metadata is inconsistent.
	#[error("tokenizer: {0}")]
	Tokenizer(String),
	/// The engine's workers have stopped, so the job cannot run.
	#[error("the inference engine has shut down")]
	EngineClosed,
}

/// Result alias used across the crate.
pub type Result<T> = std::result::Result<T, Error>;
