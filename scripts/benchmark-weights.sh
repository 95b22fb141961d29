#!/usr/bin/env bash
# Measures the market pallets' weights on this machine with `attesta-node benchmark pallet` and
# rewrites each pallet's `src/weights.rs` (template: scripts/weight-template.hbs).
#
# Usage: scripts/benchmark-weights.sh [pallet_models pallet_providers ...]   (default: all)
# env: STEPS (25), REPEAT (10)
#
# Two builds: the benchmarking CLI carries a test runtime of its own whose Wasm the Wasm builder
# cannot place in this workspace (it reads the workspace metadata, where that crate is an
# inactive optional dependency). So the benchmark runtime's Wasm is built first, on its own,
# and the benchmarking node is then built without Wasm and pointed at it with `--runtime`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_models pallet_providers pallet_jobs pallet_audits)
wasm_built="$CARGO_TARGET_DIR/debug/wbuild/attesta-runtime/attesta_runtime.wasm"
wasm="$CARGO_TARGET_DIR/attesta-runtime-benchmarks.wasm"

echo "== building the runtime with its benchmarks"
cargo build --workspace --locked --features attesta-runtime/runtime-benchmarks
cp "$wasm_built" "$wasm"

echo "== building the benchmarking node"
SKIP_WASM_BUILD=1 cargo build --workspace --locked --features attesta-node/runtime-benchmarks

for pallet in "${pallets[@]}"; do
	dir="pallets/${pallet#pallet_}"
	echo "== $pallet -> $dir/src/weights.rs"
	"$ATTESTA_NODE" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder runtime --genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' \
		--steps "${STEPS:-25}" --repeat "${REPEAT:-10}" \
		--template scripts/weight-template.hbs \
		--output "$dir/src/weights.rs"
done

echo "== rebuilding the normal node"
cargo build --workspace --locked
