//! Shared fixtures: tiny GGUF models written once per test binary into a temp directory.

// Each test binary uses a different part of these fixtures.
#![allow(dead_code)]

use std::{
	path::PathBuf,
	sync::{Arc, OnceLock},
};

use attesta_inference::{
	tiny::{self, TinySpec},
	LoadedModel,
};
use candle_core::quantized::GgmlDType;

/// Seed of the reference tiny model's weights.
pub const SEED: u64 = 7;

fn dir() -> PathBuf {
	let d = std::env::temp_dir().join(format!("attesta-tiny-{}", std::process::id()));
	let _ = std::fs::create_dir_all(&d);
	d
}

/// Writes (once) and returns the path of the tiny model variant `name`.
pub fn path(name: &str, spec: TinySpec) -> PathBuf {
	let p = dir().join(format!("{name}.gguf"));
	if !p.exists() {
		let tmp = dir().join(format!("{name}.{:?}.tmp", std::thread::current().id()));
		tiny::write_gguf(&tmp, &spec).expect("write tiny gguf");
		std::fs::rename(&tmp, &p).expect("rename tiny gguf");
	}
	p
}

/// The honest reference model (Q4_1).
pub fn base() -> Arc<LoadedModel> {
	static M: OnceLock<Arc<LoadedModel>> = OnceLock::new();
	M.get_or_init(|| Arc::new(LoadedModel::load(base_path()).expect("load tiny")))
		.clone()
}

/// Path of the honest reference model.
pub fn base_path() -> PathBuf {
	path("base", TinySpec::new(SEED))
}

/// The same f32 weights stored in another format.
pub fn requantized(dtype: GgmlDType) -> LoadedModel {
	let spec = TinySpec { dtype, ..TinySpec::new(SEED) };
	LoadedModel::load(path(&format!("{dtype:?}"), spec)).expect("load requantized")
}

/// The reference weights plus relative noise `perturb`.
pub fn perturbed(perturb: f32) -> LoadedModel {
	let spec = TinySpec { perturb, perturb_seed: 99, ..TinySpec::new(SEED) };
	LoadedModel::load(path(&format!("perturbed-{perturb}"), spec)).expect("load perturbed")
}

/// Prompts used across tests.
pub const PROMPTS: [&str; 6] = [
	"the cat sat on the mat",
	"hello world",
	"in a hole in the ground there lived",
	"numbers 1 2 3 and more",
	"what is the answer?",
	"it's a test, isn't it",
];
