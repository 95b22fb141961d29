#!/usr/bin/env bash
# Side-by-side CPU benchmark of attesta-infer and llama.cpp (llama-cpp-python) on the same GGUF
# file, the same prompt tokens and the same thread counts, printing ratios; plus perplexity of a
# fixed shipped text (benches/ppl_text.txt) under our block kernels, our f32 reference path and
# llama.cpp, tokenizer parity on a few strings and both greedy answers to one chat prompt.
#
# Usage: benches/compare_llama_cpp.sh [THREADS...]     (default: 1 2)
#   env: PROMPT_TOKENS="128 512" GEN_TOKENS=128 REPS=3 COMPUTE=blocks|f32|quantized
#        RUSTFLAGS, CARGO_TARGET_DIR, ATTESTA_CACHE_DIR, SKIP_PPL=1
#        LLAMA_CMAKE_ARGS: CMake flags for building llama.cpp. Its default native build uses AMX
#        where the CPU reports it, which faults in VMs that do not enable AMX state; then use
#        e.g. "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON
#        -DGGML_AVX512_VNNI=ON -DGGML_AVX_VNNI=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF".
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS_LIST="${*:-${THREADS:-1 2}}"
PROMPTS_LIST="${PROMPT_TOKENS:-128 512}"
GEN_TOKENS="${GEN_TOKENS:-128}"
REPS="${REPS:-3}"
COMPUTE="${COMPUTE:-blocks}"
CACHE="${ATTESTA_CACHE_DIR:-$HOME/.cache/attesta}"
VENV="$CACHE/llama-venv"
MODEL="$(scripts/fetch-model.sh)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! "$VENV/bin/python" -c "import llama_cpp, numpy" 2>/dev/null; then
	echo "installing llama-cpp-python into $VENV (builds llama.cpp from source; takes a while)" >&2
	python3 -m venv "$VENV"
	CMAKE_ARGS="${LLAMA_CMAKE_ARGS:-}" "$VENV/bin/pip" install --quiet llama-cpp-python numpy >&2
fi

nice -n 19 cargo build --release --quiet --bin attesta-infer
BIN="$CARGO_TARGET_DIR/release/attesta-infer"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# Ours: one process per thread count (the compute pool is process-wide).
for t in $THREADS_LIST; do
	for p in $PROMPTS_LIST; do
		"$BIN" bench --model "$MODEL" --compute "$COMPUTE" --threads "$t" --gen-tokens "$GEN_TOKENS" \
			--prompt-tokens "$p" --reps "$REPS" >"$OUT/bench-$t-$p.txt"
	done
done
if [ -z "${SKIP_PPL:-}" ]; then
	"$BIN" ppl --model "$MODEL" --compute "$COMPUTE" >"$OUT/ppl-ours.txt"
	"$BIN" ppl --model "$MODEL" --compute f32 >"$OUT/ppl-f32.txt"
fi
"$BIN" run --model "$MODEL" --compute "$COMPUTE" --max-tokens 32 \
	--prompt "What is the capital of France?" | sed -n '1,/^---$/p' | sed '$d' >"$OUT/answer.txt"
tok_strings=("Hello, world! It's 2024." "  spaced   out  text" "ünïcödé — “quotes” 😀" "x=1+2; y=[3,4]")
for i in "${!tok_strings[@]}"; do
	"$BIN" tokenize --model "$MODEL" --text "${tok_strings[$i]}" >"$OUT/tok-$i.txt"
	printf '%s' "${tok_strings[$i]}" >"$OUT/str-$i.txt"
done
ls -l "$MODEL" | awk '{print $5}' >"$OUT/gguf-bytes.txt"

"$VENV/bin/python" -u - "$MODEL" "$OUT" "$GEN_TOKENS" "$REPS" "$THREADS_LIST" "$PROMPTS_LIST" <<'PY'
import glob, os, sys, time
import numpy as np
import llama_cpp
from llama_cpp import Llama

model, out, gen, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
threads_list = [int(t) for t in sys.argv[5].split()]
prompts_list = [int(p) for p in sys.argv[6].split()]

def parse(path):
    d = {}
    for line in open(path):
        k, _, v = line.partition(":")
        d[k.strip()] = v.strip()
    return d

def first(v):
    return float(v.split()[0])

rows = []
rss = None
for t in threads_list:
    llm = Llama(model_path=model, n_ctx=2048, n_batch=512, n_ubatch=512, n_threads=t,
                n_threads_batch=t, verbose=False)
    eos = llm.token_eos()
    def last_logits():
        ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),))
    for p in prompts_list:
        c = parse(f"{out}/bench-{t}-{p}.txt")
        prompt = [int(x) for x in c["prefill_prompt"].split(",")]
        llm.reset(); llm.eval(prompt[:16])  # warm-up
        pf, dec = [], []
        for _ in range(reps):
            llm.reset(); s = time.perf_counter(); llm.eval(prompt)
            pf.append(len(prompt) / (time.perf_counter() - s))
        for _ in range(reps):
            llm.reset(); llm.eval(prompt)
            s = time.perf_counter()
            for step in range(gen):
                l = last_logits().copy(); l[eos] = -np.inf
                tok = int(np.argmax(l))
                if step + 1 < gen:
                    llm.eval([tok])
            dec.append((gen - 1) / (time.perf_counter() - s))
        lp, ld = float(np.median(pf)), float(np.median(dec))
        cp, cd = first(c["prefill_tok_s"]), first(c["decode_tok_s"])
        vr = float(c["verify_all_s"].split("ratio")[1].split()[0])
        rss = max(rss or 0, int(c.get("max_rss_bytes", "0")))
        rows.append((t, len(prompt), cp, lp, cd, ld, vr, c.get("kernel_isa", "?")))
    del llm

print(f"model {os.path.basename(model)}, {gen} output tokens, median of {reps}")
hdr = (f"{'threads':>7} {'prompt':>6} | {'prefill ours':>12} {'llama.cpp':>9} {'ratio':>6} | "
       f"{'decode ours':>11} {'llama.cpp':>9} {'ratio':>6} | {'verify/gen':>10}")
print(hdr)
print("-" * len(hdr))
for t, p, cp, lp, cd, ld, vr, isa in rows:
    print(f"{t:>7} {p:>6} | {cp:>12.1f} {lp:>9.1f} {cp / lp:>6.2f} | {cd:>11.1f} {ld:>9.1f} "
          f"{cd / ld:>6.2f} | {vr:>10.3f}")
print(f"kernels: {rows[0][7]}")
gguf = int(open(f"{out}/gguf-bytes.txt").read())
if rss:
    print(f"peak RSS (ours, bench process): {rss / 2**20:.1f} MiB = {rss / gguf:.2f}x the GGUF "
          f"({gguf / 2**20:.1f} MiB)")

if os.path.exists(f"{out}/ppl-ours.txt"):
    po, pf32 = parse(f"{out}/ppl-ours.txt"), parse(f"{out}/ppl-f32.txt")
    toks = [int(x) for x in po["ppl_tokens"].split(",")]
    window = int(po["scored"].split("windows of")[1])
    llm = Llama(model_path=model, n_ctx=max(window, 512), n_batch=window, n_ubatch=window,
                n_threads=max(threads_list), logits_all=True, verbose=False)
    nll, n = 0.0, 0
    for i in range(0, len(toks), window):
        chunk = toks[i:i + window]
        if len(chunk) < 2:
            continue
        llm.reset(); llm.eval(chunk[:-1])
        logits = np.asarray(llm.scores[:len(chunk) - 1], dtype=np.float64)
        m = logits.max(axis=1, keepdims=True)
        lse = np.log(np.exp(logits - m).sum(axis=1)) + m[:, 0]
        nll += float((lse - logits[np.arange(len(chunk) - 1), chunk[1:]]).sum())
        n += len(chunk) - 1
    lp = float(np.exp(nll / n))
    o, f = float(po["perplexity"]), float(pf32["perplexity"])
    print(f"perplexity of benches/ppl_text.txt ({n} tokens scored, windows of {window}): "
          f"ours {o:.4f} ({po['compute']}), ours f32 reference {f:.4f} "
          f"({100 * (o - f) / f:+.3f} %), llama.cpp {lp:.4f} ({100 * (lp - f) / f:+.3f} %)")

mismatch = 0
llm = Llama(model_path=model, n_ctx=512, vocab_only=True, verbose=False)
strings = sorted(glob.glob(f"{out}/str-*.txt"))
for sp in strings:
    i = sp.rsplit("-", 1)[1].split(".")[0]
    s = open(sp, encoding="utf-8").read()
    ours = [int(x) for x in open(f"{out}/tok-{i}.txt").read().strip().split(",") if x]
    ref = llm.tokenize(s.encode(), add_bos=False, special=False)
    if ours != ref:
        mismatch += 1
        print(f"tokenizer mismatch on {s!r}: ours {ours} llama.cpp {ref}")
print(f"tokenizer parity: {len(strings) - mismatch}/{len(strings)} strings identical")
llm = Llama(model_path=model, n_ctx=512, n_threads=max(threads_list), verbose=False)
msgs = [{"role": "user", "content": "What is the capital of France?"}]
ans = llm.create_chat_completion(messages=msgs, max_tokens=32, temperature=0.0)
print("llama.cpp answer:", repr(ans["choices"][0]["message"]["content"]))
print("our answer:      ", repr(open(f"{out}/answer.txt").read().strip()))
PY
