//! A dapp that depends on the client builds without a Wasm toolchain: nothing in the client's
//! dependency graph (normal or build dependencies, any depth) runs `substrate-wasm-builder`,
//! which the node alone pulls in through `attesta-runtime-wasm`.

use std::process::Command;

#[test]
fn the_client_does_not_build_the_runtime_wasm() {
	let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
	let out = Command::new(env!("CARGO"))
		.args(["tree", "--offline", "--locked", "--manifest-path", manifest])
		.args(["-p", "attesta-client", "-e", "normal,build", "--prefix", "none"])
		.output()
		.expect("cargo runs");
	let tree = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
	assert!(
		tree.lines().any(|l| l.starts_with("attesta-runtime ")),
		"no runtime types in:\n{tree}"
	);
	for heavy in ["substrate-wasm-builder ", "attesta-runtime-wasm "] {
		assert!(!tree.lines().any(|l| l.starts_with(heavy)), "the client depends on {heavy}");
	}
}
