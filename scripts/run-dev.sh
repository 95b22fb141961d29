#!/usr/bin/env bash
# The main job: prepares what is missing, builds, and runs the whole market on one machine. A
# development chain (`attesta-node --dev`, RPC on ws://127.0.0.1:9944) whose node is validator,
# provider (Bob's `prov` key) and checker (Alice's `chck` key) with the reference model; it
# authors and finalizes blocks, then real prompts go through the `attesta` client, each printed
# with its answer, latency to answer and to settlement, cost, and how its check came out.
# The node then keeps running until Ctrl-C (ATTESTA_DEMO_EXIT=1 stops it after the demo).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh

scripts/setup.sh
echo "Building (the first build takes about 45 minutes on 2 cores; later ones are incremental)..."
cargo build --workspace --locked
attesta="$CARGO_TARGET_DIR/debug/attesta"

# The operator's way: keys go into the node's base path before it starts.
base="$(mktemp -d "${TMPDIR:-/tmp}/attesta-dev.XXXXXX")"
"$ATTESTA_NODE" key insert --chain dev --base-path "$base" --scheme sr25519 --suri //Bob --key-type prov
"$ATTESTA_NODE" key insert --chain dev --base-path "$base" --scheme sr25519 --suri //Alice --key-type chck

log="${TMPDIR:-/tmp}/attesta-dev-node.log"
"$ATTESTA_NODE" --dev --base-path "$base" --rpc-port 9944 \
	--inference-model "$ATTESTA_MODEL" >"$log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true; wait $node 2>/dev/null || true; rm -rf "$base"' EXIT INT TERM
echo "attesta-node --dev started (pid $node, log $log); waiting for its RPC..."
for _ in $(seq 1 180); do
	kill -0 $node 2>/dev/null || { echo "attesta-node exited:"; tail -20 "$log"; exit 1; }
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' http://127.0.0.1:9944 && break
	sleep 1
done

"$CARGO_TARGET_DIR/debug/attesta-dev-demo" ws://127.0.0.1:9944

echo
echo "The market: Bob serves the reference model, Alice checks, Ferdie asks."
"$attesta" --suri //Bob provider register --stake 20000 --price-in 0.001 --price-out 0.01 \
	--region local --capacity 4
"$attesta" --suri //Alice checker register --bond 100
"$attesta" providers --model 0
for prompt in "What is the capital of France?" \
	"Write one sentence about the sea." \
	"Name three primary colours."; do
	echo
	echo "> $prompt"
	"$attesta" --suri //Ferdie job submit "$prompt" --model 0 --max-tokens 48 --wait
done

if [ "${ATTESTA_DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
echo "The dev chain keeps running at ws://127.0.0.1:9944 (log: $log). Ctrl-C stops it."
wait $node
