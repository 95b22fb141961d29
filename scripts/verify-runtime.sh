#!/usr/bin/env bash
# Checks that the committed chain spec's runtime can be rebuilt from source: clones this commit
# into a fresh directory, builds the runtime Wasm there with its own target directory (the
# pinned toolchain of scripts/wasm-toolchain.sh, the flags of scripts/env.sh), and compares the
# result byte for byte with the `:code` of chain-spec/local-testnet-raw.json. Prints both
# blake2-256 hashes; exits 1 when they differ. About 15 minutes on 2 cores.
#
# What makes it reproducible: Debian's rustc-web (the version is printed) with a sysroot built
# from its own library sources, the Cargo.lock, and path remapping (WASM_BUILD_RUSTFLAGS in
# scripts/env.sh), so no directory of the build machine ends up in the Wasm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
spec="$root/chain-spec/local-testnet-raw.json"
work="$(mktemp -d "${TMPDIR:-/tmp}/attesta-verify.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "toolchain: $(rustc "+$WASM_BUILD_TOOLCHAIN" --version)"
git clone -q "$root" "$work/src"
git -C "$work/src" checkout -q "$(git -C "$root" rev-parse HEAD)"
# The fresh clone is the workspace now; the flags name it instead of this one.
export WASM_BUILD_WORKSPACE_HINT="$work/src"
export WASM_BUILD_RUSTFLAGS="${WASM_BUILD_RUSTFLAGS//$root/$work/src}"
export CARGO_TARGET_DIR="$work/target"
# `attesta-runtime-wasm`'s build script builds the Wasm (the crate has no code of its own to
# compile); `metadata-hash` as the node builds it.
(cd "$work/src" && cargo check -q --locked -p attesta-runtime-wasm --features metadata-hash)
built="$work/target/debug/wbuild/attesta-runtime/attesta_runtime.wasm"

# Kept for a byte-level comparison when they differ.
kept="${TMPDIR:-/tmp}/attesta-verify-rebuilt.wasm"
cp "$built" "$kept"
echo "rebuilt Wasm kept at $kept"
python3 - "$spec" "$built" <<'PY'
import hashlib, json, sys
spec, built = sys.argv[1], sys.argv[2]
top = json.load(open(spec))["genesis"]["raw"]["top"]
code = bytes.fromhex(top["0x3a636f6465"][2:])
mine = open(built, "rb").read()
h = lambda b: hashlib.blake2b(b, digest_size=32).hexdigest()
print(f"chain spec code: 0x{h(code)} ({len(code)} bytes)")
print(f"rebuilt Wasm:    0x{h(mine)} ({len(mine)} bytes)")
if code != mine:
    first = next((i for i, (a, b) in enumerate(zip(code, mine)) if a != b), min(len(code), len(mine)))
    sys.exit(f"the rebuilt runtime differs from the chain spec's, first at byte {first}")
print("identical: the chain spec's runtime is this commit's source")
PY
