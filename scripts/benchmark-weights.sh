#!/usr/bin/env bash
# Measures the market pallets' weights on this machine with a release-profile
# `attesta-node benchmark pallet`, as polkadot-sdk chains do, and rewrites each pallet's
# `src/weights.rs` (template: scripts/weight-template.hbs).
#
# Usage: scripts/benchmark-weights.sh [pallet_models pallet_providers ...]   (default: all)
# env: STEPS (25), REPEAT (10)
#
# One release build of the workspace with the runtime's benchmarks compiled in: the node's
# embedded runtime Wasm is the one measured, and the same build serves `attesta-chain-bench`
# (`$CARGO_TARGET_DIR/release/`). The benchmarking CLI carries a test runtime of its own whose
# Wasm the Wasm builder cannot place in this workspace (it reads the workspace metadata, where
# that crate is an inactive optional dependency); that one Wasm is skipped, as no command here
# uses it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_models pallet_providers pallet_jobs pallet_audits)

echo "== building the release node with the runtime's benchmarks"
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 \
	cargo build --release --locked --workspace --features attesta-node/runtime-benchmarks
node="$CARGO_TARGET_DIR/release/attesta-node"
wasm="$CARGO_TARGET_DIR/release/wbuild/attesta-runtime/attesta_runtime.wasm"

for pallet in "${pallets[@]}"; do
	dir="pallets/${pallet#pallet_}"
	echo "== $pallet -> $dir/src/weights.rs"
	"$node" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder runtime --genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' \
		--steps "${STEPS:-25}" --repeat "${REPEAT:-10}" \
		--template scripts/weight-template.hbs \
		--output "$dir/src/weights.rs"
done
