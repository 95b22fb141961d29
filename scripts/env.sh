# Sourced by the other scripts: where builds go and which toolchain builds the runtime Wasm.
# A target directory outside the clone survives fresh clones, so CI and later runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/attesta/target}"
# Debian's rustc-web with a wasm32v1-none sysroot (made by scripts/setup.sh).
export WASM_BUILD_TOOLCHAIN="${WASM_BUILD_TOOLCHAIN:-debian-web}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
ATTESTA_NODE="$CARGO_TARGET_DIR/debug/attesta-node"
export ATTESTA_NODE
# The target directory lives outside the clone, so tell the Wasm builder where the workspace
# (and its Cargo.lock) is; without it the runtime's Wasm would resolve dependencies afresh.
WASM_BUILD_WORKSPACE_HINT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WASM_BUILD_WORKSPACE_HINT
# A reproducible runtime Wasm: the paths of this checkout and of Cargo's registry are written as
# /attesta and /cargo, and the symbol names are stripped (their hashes depend on where the
# checkout and the target directory are), so the same commit gives the same bytes anywhere
# (scripts/verify-runtime.sh checks it against the committed chain spec).
export WASM_BUILD_RUSTFLAGS="--remap-path-prefix=$WASM_BUILD_WORKSPACE_HINT=/attesta --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo -C strip=symbols"
# The reference model file that scripts/setup.sh fetches and checks.
export ATTESTA_MODEL="${ATTESTA_MODEL:-${ATTESTA_MODEL_DIR:-$HOME/.cache/attesta/models}/SmolLM2-135M-Instruct.Q4_1.gguf}"
