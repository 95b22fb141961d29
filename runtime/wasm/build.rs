//! Builds the `attesta-runtime` crate (one directory up) to Wasm with the features of this crate
//! that it also has; with `metadata-hash` the Wasm carries the hash of its metadata with the
//! token's symbol and decimals.

use substrate_wasm_builder::WasmBuilder;

fn main() {
	// Read when the script runs, not baked in when it compiles: checkouts that share a target
	// directory share this script's binary.
	let dir =
		std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|e| panic!("CARGO_MANIFEST_DIR: {e}"));
	let runtime = std::path::Path::new(&dir).join("../Cargo.toml");
	let runtime = runtime.canonicalize().unwrap_or(runtime);
	let builder = WasmBuilder::new()
		.with_project(runtime)
		.unwrap_or_else(|e| panic!("the runtime crate's manifest: {e}"))
		.export_heap_base()
		.import_memory();
	#[cfg(feature = "metadata-hash")]
	let builder = builder.enable_metadata_hash("ATT", 12);
	builder.build();
}
