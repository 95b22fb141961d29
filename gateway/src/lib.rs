//! # Attesta gateway
//!
//! An OpenAI-compatible HTTP server backed by the Attesta market: `POST /v1/chat/completions`
//! turns each request into a job signed by the account its API key maps to, waits for the
//! provider's posted answer (or the job's settlement, if the caller asks) and replies in OpenAI's
//! shapes with an `attesta` object of extras (job id, provider, commitment, price, verification
//! state); `GET /v1/models` lists the chain's model registry; `GET /` serves a web page for people,
//! over the read-only `GET /v1/attesta/*` views of the market ([`explorer`]). Errors come in
//! OpenAI's error shape with the chain's reason. See the crate's README for the configuration and
//! examples.

pub mod budget;
pub mod config;
pub mod explorer;
pub mod http;
pub mod jobs;
pub mod limit;
pub mod openai;
