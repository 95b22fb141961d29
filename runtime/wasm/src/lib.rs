//! The Attesta runtime as Wasm: [`WASM_BINARY`] is what the node executes and what chain specs
//! carry as `:code` (`None` when built with `SKIP_WASM_BUILD`). Built by `build.rs` from the
//! `attesta-runtime` crate, which itself has no Wasm build, so a client that only needs the
//! runtime's types (calls, events, storage) builds without a Wasm toolchain.

include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
