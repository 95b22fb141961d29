//! Where the engine runs: the CPU (every model class) or a CUDA GPU (the candle paths only).
//!
//! The default compute path, [`ComputePath::BlockF32`], runs the engine's own CPU kernels, so
//! it is CPU-only: a CUDA device serves models whose class pins
//! [`ComputePath::DequantizedF32`] (or [`ComputePath::Quantized`]), whose numerics depend on the
//! GEMM library and so also differ between a GPU and a CPU of the same class.

use std::{fmt, str::FromStr};

use attesta_primitives::{ComputePath, ModelClass};
use candle_core::Device;

use crate::error::{Error, Result};

/// A device the engine can load models on (`cpu`, `cuda` or `cuda:N`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InferenceDevice {
	/// The CPU (the default).
	#[default]
	Cpu,
	/// The CUDA GPU with this ordinal.
	Cuda(usize),
}

impl InferenceDevice {
	/// Opens the device. Asking for CUDA fails with a message saying why: the engine was built
	/// without the `cuda` feature, or there is no such GPU (or no usable driver).
	pub fn open(self) -> Result<Device> {
		match self {
			Self::Cpu => Ok(Device::Cpu),
			Self::Cuda(n) => {
				if !cfg!(feature = "cuda") {
					return Err(Error::Device(format!(
						"{self}: this build has no CUDA support; rebuild with \
						 `--features cuda` (attesta-inference) or use `cpu`"
					)));
				}
				Device::new_cuda(n).map_err(|e| {
					Error::Device(format!(
						"{self}: no usable CUDA GPU {n} ({e}); use `cpu` or \
						 another ordinal"
					))
				})
			},
		}
	}

	/// The compute path a model on this device uses unless told otherwise: the block kernels
	/// on the CPU, dequantized f32 on a GPU.
	pub fn default_compute(self) -> ComputePath {
		match self {
			Self::Cpu => ComputePath::BlockF32,
			Self::Cuda(_) => ComputePath::DequantizedF32,
		}
	}

	/// Whether this device can run `compute` (the block kernels are CPU-only).
	pub fn supports(self, compute: ComputePath) -> bool {
		!(matches!(self, Self::Cuda(_)) && compute == ComputePath::BlockF32)
	}

	/// The model class a model loaded here with the default compute path serves.
	pub fn default_class(self) -> ModelClass {
		ModelClass { compute: self.default_compute(), engine_version: crate::ENGINE_VERSION }
	}
}

impl fmt::Display for InferenceDevice {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Cpu => f.write_str("cpu"),
			Self::Cuda(n) => write!(f, "cuda:{n}"),
		}
	}
}

impl FromStr for InferenceDevice {
	type Err = String;

	fn from_str(s: &str) -> std::result::Result<Self, String> {
		match s.trim().to_ascii_lowercase().as_str() {
			"cpu" => Ok(Self::Cpu),
			"cuda" | "gpu" => Ok(Self::Cuda(0)),
			other => other
				.strip_prefix("cuda:")
				.and_then(|n| n.parse().ok())
				.map(Self::Cuda)
				.ok_or_else(|| format!("inference device `{s}`: expected cpu, cuda or cuda:N")),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_and_prints() {
		for (s, d) in [
			("cpu", InferenceDevice::Cpu),
			("CUDA", InferenceDevice::Cuda(0)),
			("cuda:3", InferenceDevice::Cuda(3)),
		] {
			assert_eq!(s.parse::<InferenceDevice>(), Ok(d));
			assert_eq!(d.to_string().parse::<InferenceDevice>(), Ok(d));
		}
		for bad in ["", "tpu", "cuda:", "cuda:x", "cuda:-1", "cuda0"] {
			assert!(bad.parse::<InferenceDevice>().is_err(), "{bad}");
		}
	}

	#[test]
	fn the_block_path_is_cpu_only() {
		assert!(InferenceDevice::Cpu.supports(ComputePath::BlockF32));
		assert!(!InferenceDevice::Cuda(0).supports(ComputePath::BlockF32));
		assert!(InferenceDevice::Cuda(0).supports(ComputePath::DequantizedF32));
		assert_eq!(InferenceDevice::Cuda(1).default_compute(), ComputePath::DequantizedF32);
		assert_eq!(InferenceDevice::Cpu.default_class().compute, ComputePath::BlockF32);
		assert!(matches!(InferenceDevice::Cpu.open(), Ok(Device::Cpu)));
	}

	#[cfg(not(feature = "cuda"))]
	#[test]
	fn cuda_without_the_feature_says_so() {
		let e = InferenceDevice::Cuda(0).open().unwrap_err().to_string();
		assert!(e.contains("no CUDA support") && e.contains("--features cuda"), "{e}");
	}
}
