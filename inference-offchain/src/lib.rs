//! Attesta native inference engine: load a quantized llama GGUF, generate with greedy or seeded
//! sampling, commit to the result, and verify a provider's claim with one teacher-forced pass.
//!
//! Entry points: [`LoadedModel::load`], [`generate()`], [`verify()`], the non-blocking
//! [`Engine`], and [`EngineHost`], which serves off-chain workers through the host functions of
//! `attesta_primitives::offchain`. Jobs are committed to with [`commitment()`], the chain's own
//! function. Everything runs on the CPU by default (the `cuda` feature forwards
//! to candle's CUDA backend) and never touches the network.

pub mod device;
pub mod engine;
pub mod error;
pub mod eval;
pub mod generate;
pub mod host;
pub mod kernels;
pub mod load;
pub mod model;
pub mod native;
pub mod sampling;
mod steps;
pub mod tiny;
pub mod tokenizer;
pub mod verify;

pub use attesta_primitives::{commitment, GenParams, ModelClass, VerificationRule};
pub use device::InferenceDevice;
pub use engine::{Engine, EngineConfig, Input, Outcome, Request, TaskId, TaskStatus};
pub use error::{Error, Result};
pub use generate::{generate, Generation};
pub use host::EngineHost;
pub use load::{LoadedModel, ModelId};
pub use model::ComputePath;
pub use tokenizer::Tokenizer;
pub use verify::{verify, verify_each, CheckPlan, Reason, Tolerance, Verdict, RECOMMENDED_RULE};

/// The engine's numerics version, the `engine_version` of the [`ModelClass`] it implements.
///
/// Bump it on any change that can change a single output bit or token: kernel arithmetic
/// (summation order, fused multiply-adds, `exp`, norms, RoPE tables), the tokenizer (pre-split,
/// merges, special tokens, chat template) or the sampler (draws, temperature, nucleus cut). The
/// chain pins a version per model, and an engine of another version refuses its tasks, so
/// results of one version are never judged by another.
pub const ENGINE_VERSION: u32 = 1;
