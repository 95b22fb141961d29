//! Builds the runtime to Wasm (the form the node executes) when the `std` feature is on; with
//! `metadata-hash` the Wasm carries the hash of its metadata with the token's symbol and
//! decimals, so `CheckMetadataHash` can verify what a hardware wallet showed its user.

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("ATT", 12)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
