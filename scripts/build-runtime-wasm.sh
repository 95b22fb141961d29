#!/usr/bin/env bash
# Builds the runtime Wasm that chain specs carry (`:code`) and prints its path: this commit,
# cloned to a FIXED directory, with the toolchain and flags of scripts/env.sh. Used by
# scripts/chain-spec.sh (which writes it into the chain spec) and scripts/verify-runtime.sh
# (which rebuilds it and compares). Uncommitted changes are not in it.
#
# Why a fixed directory: substrate-wasm-builder builds the runtime through a project it
# generates in the target directory, which depends on <checkout>/runtime by absolute path.
# Cargo hashes a path dependency outside the building workspace by its absolute URL, so the
# `-C metadata` hashes (and StableCrateIds) of attesta-runtime and of our pallets depend on where
# the checkout is; they seed TypeIds, symbol hashes and with those the codegen-unit partitioning
# and the order of functions and constants, so two checkouts in different directories build
# different Wasm although path remapping keeps the paths themselves out. The target directory's
# path does not matter; the checkout's does. Changing `build` below changes the bytes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
build=/tmp/attesta-runtime-build
mkdir -p "$build"
exec 9>"$build.lock"
flock 9
rm -rf "$build/src"
git clone -q "$root" "$build/src"
git -C "$build/src" checkout -q "$(git -C "$root" rev-parse HEAD)"
export WASM_BUILD_WORKSPACE_HINT="$build/src"
export WASM_BUILD_RUSTFLAGS="${WASM_BUILD_RUSTFLAGS//$root/$build/src}"
# Kept between runs (only the path of the checkout is hashed into the Wasm, not this one's).
export CARGO_TARGET_DIR="$build/target"
# `attesta-runtime-wasm`'s build script builds the Wasm (the crate has no code of its own to
# compile); `metadata-hash` as the node builds it.
(cd "$build/src" && cargo check -q --locked -p attesta-runtime-wasm --features metadata-hash) >&2
echo "$build/target/debug/wbuild/attesta-runtime/attesta_runtime.wasm"
