#!/usr/bin/env python3
"""Regenerates tests/fixtures/tokenizer_golden.tsv: token ids of varied strings under a reference
tokenizer that is not ours (llama.cpp's, through llama-cpp-python, loading only the vocabulary of
the reference GGUF).

Usage (from inference-offchain/):
    ~/.cache/attesta/llama-venv/bin/python scripts/golden-tokens.py "$ATTESTA_MODEL" \
        tests/fixtures/tokenizer_golden.tsv

Output: comment lines (#), then one case per line, tab-separated:
    kind    hex(utf-8 text)    comma-separated ids
kind is `plain` (special-token text stays literal: our `encode(text, false)`), `special`
(special-token text becomes the control token: `encode(text, true)`), or `chat` (the GGUF's own
Jinja chat template rendered for one user turn, tokenized with special tokens: our
`encode_chat(None, text)`). No BOS is added (the reference model's vocabulary adds none).
"""
import hashlib
import sys

import jinja2
from llama_cpp import Llama

CASES = [
    "Hello, world! How are you doing today?",
    "The quick brown fox jumps over the lazy dog 1234567890 times.",
    "  leading spaces, trailing spaces  ",
    "Multi\nline\n\ntext with\ttabs",
    "ünïcödé — “quotes” and ‘single’ «guillemets»",
    "emoji 😀 🎉👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️",
    "漢字かなカナ 中文分词测试 日本語のテキスト",
    "한국어 텍스트 안녕하세요",
    "λόγος καὶ ἀλήθεια Ελληνικά",
    "Русский текст: съешь же ещё этих мягких булок",
    "עברית וערבית: مرحبا بالعالم",
    "हिन्दी पाठ और বাংলা",
    "ไทย ภาษาไทย",
    "fn main() { println!(\"{}\", 42); }",
    "def f(x):\n    return x ** 2  # square\n",
    "for (int i = 0; i < n; ++i) { a[i] += b[i] * c; }",
    "<div class=\"x\">&amp; &lt;tag&gt;</div>",
    "SELECT * FROM users WHERE id = 7 AND name LIKE '%bob%';",
    "{\"key\": [1, 2.5, -3e10, null, true]}",
    "snake_case_identifier CamelCaseIdentifier kebab-case-id SCREAMING_CASE",
    "It's, they're, we've, I'm, you'll, he'd, IT'S, WE'VE",
    "3.14159265358979323846264338327950288419716939937510",
    "1,000,000 and 1.000.000 and 1 000 000 and 12345678901234567890",
    "Prices: $19.99, €5, £3.50, ¥1000, 50%",
    "2024-01-15T12:34:56Z 12:00 PM 07/04/1776",
    "+1 (555) 123-4567 ext. 89",
    "      ",
    "a    b     c      d",
    "\n\n\n\n",
    "\t\t\ttabs\t\t",
    "line one\r\nline two\r\n",
    " ",
    "a",
    "Supercalifragilisticexpialidocious" * 6,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "abababababababababababababababab ababab 0000000000 !!!!!!!!!!",
    "https://example.com/a/b?c=d&e=f#g %20%21",
    "user@example.org, admin+tag@sub.domain.co.uk",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "!!!???...,,,;;;:::---___===+++***&&&^^^%%%$$$###@@@",
    "(((nested [brackets {and} braces])))",
    "ALL CAPS SENTENCE WITH NUMBERS 42 AND SYMBOLS!",
    "MiXeD cAsE wOrDs InTeRlEaVeD",
    "naïve café résumé coöperate façade Zürich",
    "x² + y² = z², ∑ᵢ aᵢ, ∫ f(x) dx ≈ π/2, √2, ∞",
    "Zero\u200bwidth\u200bspace and non\u00a0breaking",
    "tab\tseparated\tvalues\t1\t2\t3",
    "The year 1999 and 2000; version v1.2.3-rc.4+build.5",
    "'quoted' \"double\" `backtick` ''empty''",
    "A sentence.Another sentence!Yet another?No spaces",
    "\u00e9 vs e\u0301 (precomposed and combining)",
    "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",
    "中文" * 40,
    "What is the capital of France?",
    "Explain in two sentences what photosynthesis is.",
]

SPECIAL_CASES = [
    "<|im_start|>user\nhi<|im_end|>\n",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "text before<|im_end|>text after <|endoftext|> end",
    "<|endoftext|><|endoftext|>",
    "not special: <|im_start  or im_end|> or <| im_start |>",
]

CHAT_CASES = [
    "What is the capital of France?",
    "hi",
    "Write a poem about 漢字 and emoji 😀.",
    "  spaces around  ",
    "Multi\nline\nquestion?",
    "Code: `print(1)`",
]


def main():
    path, dest = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    llm = Llama(model_path=path, vocab_only=True, verbose=False)
    template = llm.metadata.get("tokenizer.chat_template")
    # llama.cpp prints to the process's stdout, so the fixture goes to its own file.
    out = open(dest, "w", encoding="utf-8", newline="\n")
    out.write("# Token ids from llama.cpp (llama-cpp-python, vocab_only) for the GGUF below.\n")
    out.write("# Regenerate with scripts/golden-tokens.py; see its docstring for the format.\n")
    out.write(f"# model_sha256\t{sha}\n")

    def emit(kind, text, ids):
        out.write(f"{kind}\t{text.encode('utf-8').hex()}\t{','.join(map(str, ids))}\n")

    for s in CASES:
        emit("plain", s, llm.tokenize(s.encode("utf-8"), add_bos=False, special=False))
    for s in SPECIAL_CASES:
        emit("special", s, llm.tokenize(s.encode("utf-8"), add_bos=False, special=True))
        emit("plain", s, llm.tokenize(s.encode("utf-8"), add_bos=False, special=False))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    tmpl = env.from_string(template)
    for s in CHAT_CASES:
        rendered = tmpl.render(
            messages=[{"role": "user", "content": s}], add_generation_prompt=True
        )
        emit("chat", s, llm.tokenize(rendered.encode("utf-8"), add_bos=False, special=True))
    out.close()


if __name__ == "__main__":
    main()
