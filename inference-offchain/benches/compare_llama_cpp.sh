#!/usr/bin/env bash
# Side-by-side CPU benchmark of attesta-infer (candle) and llama.cpp (llama-cpp-python) on the
# same GGUF file, the same prompt tokens and the same thread count. Also checks that both
# tokenize a few strings identically and shows both greedy answers to one chat prompt.
#
# Usage: benches/compare_llama_cpp.sh [THREADS]   (env: GEN_TOKENS=128 PROMPT_TOKENS=128 REPS=3,
#        COMPUTE=f32|quantized,
#        RUSTFLAGS to try e.g. "-C target-cpu=native", CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS="${1:-${THREADS:-2}}"
GEN_TOKENS="${GEN_TOKENS:-128}"
PROMPT_TOKENS="${PROMPT_TOKENS:-128}"
REPS="${REPS:-3}"
COMPUTE="${COMPUTE:-f32}"
CACHE="${ATTESTA_CACHE_DIR:-$HOME/.cache/attesta}"
VENV="$CACHE/llama-venv"
MODEL="$(scripts/fetch-model.sh)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! "$VENV/bin/python" -c "import llama_cpp, numpy" 2>/dev/null; then
	echo "installing llama-cpp-python into $VENV (builds llama.cpp from source; takes a while)" >&2
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install --quiet llama-cpp-python numpy >&2
fi

nice -n 19 cargo build --release --quiet --bin attesta-infer
BIN="$CARGO_TARGET_DIR/release/attesta-infer"

candle_out="$("$BIN" bench --model "$MODEL" --compute "$COMPUTE" --threads "$THREADS" --gen-tokens "$GEN_TOKENS" \
	--prompt-tokens "$PROMPT_TOKENS" --reps "$REPS")"
prefill_prompt="$(grep '^prefill_prompt:' <<<"$candle_out" | cut -d' ' -f2)"
chat_prompt="$(grep '^chat_prompt:' <<<"$candle_out" | cut -d' ' -f2)"
candle_answer="$("$BIN" run --model "$MODEL" --compute "$COMPUTE" --threads "$THREADS" --max-tokens 32 \
	--prompt "What is the capital of France?" | sed -n '1,/^---$/p' | sed '$d')"
tok_strings=("Hello, world! It's 2024." "  spaced   out  text" "ünïcödé — “quotes” 😀" "x=1+2; y=[3,4]")
rust_toks=()
for s in "${tok_strings[@]}"; do
	rust_toks+=("$("$BIN" tokenize --model "$MODEL" --text "$s")")
done

"$VENV/bin/python" - "$MODEL" "$THREADS" "$GEN_TOKENS" "$REPS" "$prefill_prompt" "$chat_prompt" \
	"$candle_out" "$candle_answer" "${#tok_strings[@]}" "${tok_strings[@]}" "${rust_toks[@]}" <<'PY'
import sys, time
import numpy as np
import llama_cpp
from llama_cpp import Llama

model, threads, gen, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
prefill = [int(t) for t in sys.argv[5].split(",")]
chat = [int(t) for t in sys.argv[6].split(",")]
candle_out, candle_answer = sys.argv[7], sys.argv[8]
n = int(sys.argv[9])
strings, rust_toks = sys.argv[10:10 + n], sys.argv[10 + n:10 + 2 * n]

llm = Llama(model_path=model, n_ctx=1024, n_batch=512, n_threads=threads,
            n_threads_batch=threads, verbose=False)
eos = llm.token_eos()

def last_logits():
    ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),))

llm.reset(); llm.eval(prefill[:16])  # warm-up
pf = []
for _ in range(reps):
    llm.reset(); t = time.perf_counter(); llm.eval(prefill); pf.append(len(prefill) / (time.perf_counter() - t))
dec = []
for _ in range(reps):
    llm.reset(); llm.eval(chat)
    t = time.perf_counter()
    for step in range(gen):
        l = last_logits().copy(); l[eos] = -np.inf
        tok = int(np.argmax(l))
        if step + 1 < gen:
            llm.eval([tok])
    dec.append((gen - 1) / (time.perf_counter() - t))

cand = {}
for line in candle_out.splitlines():
    k, _, v = line.partition(":")
    cand[k.strip()] = v.strip().split()[0] if v.strip() else ""
lp, ld = float(np.median(pf)), float(np.median(dec))
cp, cd = float(cand["prefill_tok_s"]), float(cand["decode_tok_s"])
print(f"threads={threads} prompt_tokens={len(prefill)} gen_tokens={gen} reps={reps}")
print(f"{'metric':<22}{'candle':>12}{'llama.cpp':>12}{'ratio':>8}")
print(f"{'prefill tok/s':<22}{cp:>12.1f}{lp:>12.1f}{cp / lp:>8.2f}")
print(f"{'decode tok/s':<22}{cd:>12.1f}{ld:>12.1f}{cd / ld:>8.2f}")
print(f"verification / generation (candle, all 128 positions): {cand['verify_all_s'].split()[0]} s vs "
      f"{cand['generation_s']} s -> ratio {candle_out.split('verify_all_s:')[1].split('ratio')[1].split()[0]}")

mismatch = 0
for s, r in zip(strings, rust_toks):
    ours = [int(t) for t in r.split(",") if t]
    ref = llm.tokenize(s.encode(), add_bos=False, special=False)
    if ours != ref:
        mismatch += 1
        print(f"tokenizer mismatch on {s!r}: ours {ours} llama.cpp {ref}")
print(f"tokenizer parity: {len(strings) - mismatch}/{len(strings)} strings identical")

llm.reset(); llm.eval(chat)
msgs = [{"role": "user", "content": "What is the capital of France?"}]
ans = llm.create_chat_completion(messages=msgs, max_tokens=32, temperature=0.0)
print("llama.cpp answer:", repr(ans["choices"][0]["message"]["content"]))
print("candle answer:   ", repr(candle_answer))
PY
