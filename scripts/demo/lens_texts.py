#!/usr/bin/env python3
"""Writes public/models/demo/lens-texts.json: the default training texts of the page's tuned
lens (used when the training-text box is empty). Documents are drawn from the demo model's
own training lines exactly as train.py draws them (same pool mix and lines per document,
lines joined by "\\n"), with a seed of their own. Deterministic; needs no torch.

Usage: python3 scripts/demo/lens_texts.py [N_DOCS]
"""
import json
import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_corpus  # noqa: E402

SEED = 7
N_DOCS = int(sys.argv[1]) if len(sys.argv) > 1 else 24
# As train.py (MIX, LINES_PER_DOC, sample_doc), on text instead of token ids.
MIX = [("fact", 0.42), ("trans", 0.36), ("rep", 0.07), ("cloze", 0.15)]
LINES_PER_DOC = {"fact": (3, 6), "trans": (5, 5), "rep": (4, 5), "cloze": (3, 3)}
OUT = os.path.join(HERE, "..", "..", "public", "models", "demo", "lens-texts.json")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        make_corpus.OUT = tmp
        make_corpus.main()
        with open(os.path.join(tmp, "corpus.json"), encoding="utf-8") as f:
            corpus = json.load(f)
    pools = {}
    for u in corpus["train_lines"]:
        pools.setdefault(u["pool"], {}).setdefault(u["group"], []).append(u["text"])
    rng = random.Random(SEED)
    docs = []
    for _ in range(N_DOCS):
        r = rng.random()
        acc = 0.0
        for kind, p in MIX:
            acc += p
            if r < acc:
                break
        groups = pools[kind]
        if kind == "fact" and rng.random() < 0.1:
            lines = [l for g in groups.values() for l in g]
        else:
            lines = groups[rng.choice(sorted(groups))]
        lo, hi = LINES_PER_DOC[kind]
        docs.append("\n".join(rng.sample(lines, rng.randint(lo, hi))))
    out = {
        "description": "Default training texts of the page's tuned lens: documents of the demo model's own training lines "
                       f"(scripts/demo/lens_texts.py, seed {SEED}, drawn as scripts/demo/train.py draws documents).",
        "texts": docs,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(docs)} documents ({sum(len(d) for d in docs)} characters) to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
