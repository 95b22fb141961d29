#!/usr/bin/env bash
# Runs every check and test of the project, from a fresh clone on a cold machine: set-up, format,
# lints, the full build (node + Wasm runtime), then unit and end-to-end tests. `.ci/run` calls it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/env.sh

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

step "setup"
scripts/setup.sh

step "format"
if rustup run nightly rustfmt --version >/dev/null 2>&1; then
	cargo +nightly fmt --all -- --check
else
	cargo fmt --all -- --check
fi

step "build (node + Wasm runtime, one invocation)"
cargo build --workspace --locked

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo test --workspace --locked
step "done"
