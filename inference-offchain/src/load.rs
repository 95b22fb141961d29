//! Loading a model from a local GGUF file and fingerprinting it with sha256.

use std::{
	fmt,
	fs::File,
	io::{BufReader, Read},
	path::{Path, PathBuf},
};

use attesta_primitives::ModelClass;
use candle_core::{quantized::gguf_file, Device};
use sha2::{Digest, Sha256};

use crate::{
	device::InferenceDevice,
	error::{Error, Result},
	model::{ComputePath, Config, Llama},
	tokenizer::Tokenizer,
};

/// sha256 of a weights file; the chain pins it so every party runs the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub [u8; 32]);

impl ModelId {
	/// Lower-case hex form, as printed by `sha256sum`.
	pub fn to_hex(&self) -> String {
		hex(&self.0)
	}
}

impl fmt::Display for ModelId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&self.to_hex())
	}
}

/// Lower-case hex of bytes, for printing hashes and commitments.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
	Error::Io { path: path.display().to_string(), source }
}

/// Streams a file through sha256.
pub fn file_sha256(path: &Path) -> Result<ModelId> {
	let mut f = File::open(path).map_err(|e| io_err(path, e))?;
	let mut h = Sha256::new();
	let mut buf = vec![0u8; 1 << 20];
	loop {
		let n = f.read(&mut buf).map_err(|e| io_err(path, e))?;
		if n == 0 {
			break;
		}
		h.update(&buf[..n]);
	}
	Ok(ModelId(h.finalize().into()))
}

/// A model ready to serve jobs: weights, tokenizer and the weights' file hash.
#[derive(Debug, Clone)]
pub struct LoadedModel {
	/// The network.
	pub llama: Llama,
	/// The tokenizer built from the same file's metadata.
	pub tokenizer: Tokenizer,
	/// sha256 of the GGUF file.
	pub id: ModelId,
	/// Where the weights were read from.
	pub path: PathBuf,
	/// How the matrices are multiplied (part of the model class).
	pub compute: ComputePath,
}

impl LoadedModel {
	/// Loads a llama GGUF file from a local path onto the CPU with the default compute path.
	pub fn load(path: impl AsRef<Path>) -> Result<Self> {
		Self::load_with(path, &Device::Cpu, ComputePath::default())
	}

	/// Loads a llama GGUF file onto an [`InferenceDevice`] with the given compute path, after
	/// checking the device can run it (the block kernels are CPU-only) and opening the device
	/// (a clear error for CUDA without the `cuda` feature or without a GPU).
	pub fn load_on(
		path: impl AsRef<Path>,
		device: InferenceDevice,
		compute: ComputePath,
	) -> Result<Self> {
		if !device.supports(compute) {
			return Err(Error::Device(format!(
				"{device} cannot run compute path {compute:?} (CPU only); use {:?} (a model \
				 class of that compute path)",
				device.default_compute()
			)));
		}
		Self::load_with(path, &device.open()?, compute)
	}

	/// Loads a llama GGUF file from a local path onto `device` (no network access).
	pub fn load_with(
		path: impl AsRef<Path>,
		device: &Device,
		compute: ComputePath,
	) -> Result<Self> {
		crate::kernels::tune_allocator();
		let path = path.as_ref();
		let id = file_sha256(path)?;
		let file = File::open(path).map_err(|e| io_err(path, e))?;
		let mut reader = BufReader::new(file);
		let ct = gguf_file::Content::read(&mut reader).map_err(|e| {
			Error::Unsupported(format!("{} is not a readable GGUF file: {e}", path.display()))
		})?;
		let cfg = Config::from_gguf(&ct)?;
		let tokenizer = Tokenizer::from_gguf(&ct)?;
		if tokenizer.vocab_size() != cfg.vocab_size {
			return Err(Error::Tokenizer(format!(
				"{} tokens in metadata but embedding has {} rows",
				tokenizer.vocab_size(),
				cfg.vocab_size
			)));
		}
		let llama = Llama::new(&cfg, &ct, &mut reader, device, compute)?;
		Ok(Self { llama, tokenizer, id, path: path.to_path_buf(), compute })
	}

	/// The model class this engine implements for the loaded model: its compute path and
	/// [`ENGINE_VERSION`](crate::ENGINE_VERSION).
	pub fn class(&self) -> ModelClass {
		ModelClass { compute: self.compute, engine_version: crate::ENGINE_VERSION }
	}

	/// The model's context window in tokens.
	pub fn max_seq_len(&self) -> usize {
		self.llama.config().max_seq_len
	}
}
