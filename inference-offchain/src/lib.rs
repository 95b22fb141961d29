//! Attesta native inference engine: load a quantized llama GGUF, generate with greedy or seeded
//! sampling, commit to the result, and verify a provider's claim with one teacher-forced pass.
//!
//! Entry points: [`LoadedModel::load`], [`generate()`], [`verify()`], [`commitment()`] and the
//! non-blocking [`Engine`]. Everything runs on the CPU by default (the `cuda` feature forwards
//! to candle's CUDA backend) and never touches the network.

pub mod commitment;
pub mod engine;
pub mod error;
pub mod eval;
pub mod generate;
pub mod load;
pub mod model;
pub mod sampling;
pub mod tiny;
pub mod tokenizer;
pub mod verify;

pub use commitment::{commitment, GenParams};
pub use engine::{Engine, EngineConfig, Input, Outcome, Request, TaskId, TaskStatus};
pub use error::{Error, Result};
pub use generate::{generate, Generation};
pub use load::{LoadedModel, ModelId};
pub use model::ComputePath;
pub use tokenizer::Tokenizer;
pub use verify::{verify, CheckPlan, Reason, Tolerance, Verdict};
