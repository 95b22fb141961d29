#!/usr/bin/env bash
# Regenerates chain-spec/ from the runtime's presets with the built node.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh
"$ATTESTA_NODE" build-spec --chain local --disable-default-bootnode >chain-spec/local-testnet.json
"$ATTESTA_NODE" build-spec --chain local --raw --disable-default-bootnode >chain-spec/local-testnet-raw.json
echo "chain-spec/ regenerated from $ATTESTA_NODE"
