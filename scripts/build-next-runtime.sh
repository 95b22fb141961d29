#!/usr/bin/env bash
# Builds the runtime as its next spec version (feature `next-spec`): the code that the upgrade
# rehearsal in tests/tests/e2e/governance.rs applies to a live local testnet by council motion.
# Prints the path of the Wasm it wrote.
#
# It reuses the Wasm build of the workspace's runtime (run `cargo build --workspace` first): a
# copy of that build's directory with the feature switched on, built with the flags
# substrate-wasm-builder uses, so only the runtime crate itself compiles again (a minute or two)
# and the main build's directory is left as it was.
set -euo pipefail
source "$(dirname "$0")/env.sh"

main="$CARGO_TARGET_DIR/debug/wbuild/attesta-runtime"
next="$CARGO_TARGET_DIR/next-runtime"
if [ ! -f "$main/Cargo.toml" ]; then
	echo "no runtime Wasm build in $main: run cargo build --workspace first" >&2
	exit 1
fi
mkdir -p "$next"
cp -a "$main/." "$next/"
# The generated manifest names the runtime crate with the node's features; add `next-spec`.
# (Built without `RUNTIME_METADATA_HASH`: this rehearsal runtime refuses transactions signed in
# metadata-hash mode, as any runtime built without the hash does.)
python3 - "$next/Cargo.toml" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
head, sep, rest = text.partition("[dependencies.wasm-project]")
found = re.search(r"features = \[([^\]]*)\]", rest) if sep else None
if not found:
    sys.exit(f"{path}: unexpected layout of the generated manifest")
features = [f for f in (x.strip() for x in found.group(1).split(",")) if f] + ['"next-spec"']
rest = rest[:found.start()] + f"features = [{', '.join(features)}]" + rest[found.end():]
open(path, "w").write(head + sep + rest)
EOF
# The flags and environment substrate-wasm-builder gives its own build (wasm32v1-none target).
RUSTFLAGS="-C link-arg=--export-table -C link-arg=--export=__heap_base -C link-arg=--import-memory  --cfg substrate_runtime $WASM_BUILD_RUSTFLAGS" \
	CARGO_TARGET_DIR="$next/target" SKIP_WASM_BUILD="" \
	env -u RUSTC -u CARGO_ENCODED_RUSTFLAGS \
	cargo "+$WASM_BUILD_TOOLCHAIN" rustc --target=wasm32v1-none \
	--manifest-path="$next/Cargo.toml" --profile release --quiet >&2
echo "$next/target/wasm32v1-none/release/attesta_runtime.wasm"
