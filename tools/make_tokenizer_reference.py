"""Writes tests/data/o200k_reference.json: token ids from tiktoken's own encoder (Rust core) for a
corpus of texts, so the C++ tokenizer is checked against the reference without Python at test time.

The encoder is built from the same js-tiktoken rank file the project uses, and the script checks that
this table, written in tiktoken's own file format, has the SHA-256 tiktoken expects of o200k_base.
tiktoken's own o200k_base pattern (copied verbatim below) does the pre-tokenisation, so a difference
between it and the pattern in the js-tiktoken file would show too.

  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install tiktoken==0.14.0
  /tmp/ref/bin/python tools/make_tokenizer_reference.py
"""
import base64
import hashlib
import json
import pathlib

import tiktoken

ROOT = pathlib.Path(__file__).resolve().parent.parent
RANKS = ROOT / "datasets/tokenizer/node_modules/js-tiktoken/dist/ranks/o200k_base.js"

CORPUS = [
    "",
    "hello world",
    "Hello, World! How's it going? I'm fine, they're here, we'll see, you'd know.",
    "The launch code of project ZQ1A2B3C4D is ZQ9F8E7D6C (ref ZQ00FF00FF).",
    "    indented code\n\tdef f(x):\n\t\treturn x**2  # square\n\n\n",
    "1234567890 12 123 1234 3.14159 -42 1e10 0x1F",
    "Ünïcödé façade naïve coöperate – em—dash “quotes” ‘single’ …",
    "日本語のテキストと中文文本以及한국어 텍스트",
    "Здравствуйте, как дела? Всё хорошо.",
    "مرحبا بالعالم، كيف حالك؟",
    "emoji 🙂🚀👩‍💻 and symbols ©®™ ∑∫√∞ ≤≥≠",
    "CamelCaseIdentifier snake_case_identifier SCREAMING_CASE kebab-case",
    "<|endoftext|> is treated as text here",
    "{\"role\": \"tool\", \"content\": \"Record launch-code: ZQ12345678.\", \"tool_call_id\": \"call_1\"}",
    "   leading spaces and trailing spaces   ",
    "line one\r\nline two\r\n\r\nline four",
    "APPROVED ZQ45A230C7: defect ZQ167889B5, plan ZQ7D0F3F03, patches ZQA1EA8B41 and ZQAAF6134C.",
    "lorem ipsum dolor sit amet consectetur adipiscing elit " * 20,
    "a" * 300,
    "!!!???...,,,;;;:::",
    "https://example.invalid/path?query=1&other=two#fragment",
]


# tiktoken_ext/openai_public.py, o200k_base()
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


def main():
    text = RANKS.read_text(encoding="utf-8")
    doc = json.loads(text[text.index("{"): text.rindex("}") + 1])
    ranks = {}
    for line in doc["bpe_ranks"].split("\n"):
        fields = line.split(" ")
        if len(fields) < 2:
            continue
        offset = int(fields[1])
        for i, token in enumerate(fields[2:]):
            ranks[base64.b64decode(token)] = offset + i
    tiktoken_file = "".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in sorted(ranks.items(), key=lambda kv: kv[1]))
    digest = hashlib.sha256(tiktoken_file.encode()).hexdigest()
    if digest != O200K_SHA256:
        raise SystemExit(f"rank table differs from o200k_base: sha256 {digest}")
    enc = tiktoken.Encoding(
        name="o200k_base_reference",
        pat_str=O200K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={},
    )
    cases = [{"text": t, "ids": enc.encode_ordinary(t)} for t in CORPUS]
    out = {"generator": "tools/make_tokenizer_reference.py", "tiktoken": tiktoken.__version__,
           "vocabulary_size": len(ranks), "rank_table_sha256": digest, "cases": cases}
    (ROOT / "tests/data/o200k_reference.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
