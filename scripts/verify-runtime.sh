#!/usr/bin/env bash
# Checks that the committed chain spec's runtime can be rebuilt from source: clones this commit
# into the fixed directory of scripts/build-runtime-wasm.sh, builds the runtime Wasm there (the
# pinned toolchain of scripts/wasm-toolchain.sh, the flags of scripts/env.sh), and compares the
# result byte for byte with the `:code` of chain-spec/local-testnet-raw.json. Prints both
# blake2-256 hashes; exits 1 when they differ. About 15 minutes on 2 cores.
#
# What makes it reproducible: Debian's rustc-web (the version is printed) with a sysroot built
# from its own library sources, the Cargo.lock, path remapping (WASM_BUILD_RUSTFLAGS in
# scripts/env.sh), so no directory of the build machine ends up in the Wasm, and the same
# absolute checkout path for every build (Cargo hashes it into the crates' metadata).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
spec="$root/chain-spec/local-testnet-raw.json"

echo "toolchain: $(rustc "+$WASM_BUILD_TOOLCHAIN" --version)"
# A fresh clone of this commit in the one directory the chain spec's runtime is built in too
# (the checkout's absolute path is hashed into the Wasm: see scripts/build-runtime-wasm.sh).
built="$("$root/scripts/build-runtime-wasm.sh")"

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
