#!/usr/bin/env bash
# Builds the release binaries (`attesta-node`, the `attesta` command line and
# `attesta-gateway`) with the production profile and installs them on PATH: into $PREFIX/bin
# (default ~/.local/bin). A node joining the testnet with chain-spec/local-testnet-raw.json runs
# that spec's code, the reproducible Wasm (scripts/verify-runtime.sh); the Wasm embedded in the
# binary is built wherever this checkout is and serves only `--dev` and `--chain local`.
#
# Usage: scripts/build-release.sh            env: PREFIX (~/.local)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh
prefix="${PREFIX:-$HOME/.local}"

scripts/setup.sh
# One invocation for the three binaries, so they share one build of the runtime and its Wasm.
cargo build --release --locked -p attesta-node -p attesta-client -p attesta-gateway
mkdir -p "$prefix/bin"
for bin in attesta-node attesta attesta-gateway; do
	install -m 0755 "$CARGO_TARGET_DIR/release/$bin" "$prefix/bin/$bin"
done
echo "installed attesta-node, attesta and attesta-gateway in $prefix/bin"
case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) echo "add $prefix/bin to PATH (e.g. export PATH=\"$prefix/bin:\$PATH\")" ;;
esac
