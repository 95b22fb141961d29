#!/usr/bin/env bash
# Regenerates chain-spec/ from the runtime's presets with the built node.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh
"$ATTESTA_NODE" build-spec --chain local --disable-default-bootnode >chain-spec/local-testnet.json
"$ATTESTA_NODE" build-spec --chain local --raw --disable-default-bootnode >chain-spec/local-testnet-raw.json
# The node embeds the Wasm of its own workspace build, whose bytes depend on where this checkout
# is (scripts/build-runtime-wasm.sh); the specs carry the Wasm built in the fixed directory
# instead, the one scripts/verify-runtime.sh rebuilds.
wasm="$(scripts/build-runtime-wasm.sh)"
python3 - "$wasm" chain-spec/local-testnet.json chain-spec/local-testnet-raw.json <<'PY'
import json, sys
wasm, plain, raw = sys.argv[1:]
new = "0x" + open(wasm, "rb").read().hex()
old = json.load(open(raw))["genesis"]["raw"]["top"]["0x3a636f6465"]
for path in (plain, raw):
    text = open(path).read()
    if text.count(f'"{old}"') != 1:
        sys.exit(f"{path}: the node's runtime code is not there exactly once")
    open(path, "w").write(text.replace(f'"{old}"', f'"{new}"'))
PY
echo "chain-spec/ regenerated from $ATTESTA_NODE with the runtime of $wasm"
