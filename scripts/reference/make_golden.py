#!/usr/bin/env python3
"""Writes tests/golden/<name>.json from the float64 reference (reference.py).

    python3 scripts/reference/make_golden.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
from reference import Model, public  # noqa: E402
from tok import Tokenizer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden")

# name -> (sequence length, seed for ids)
FIXTURES = {
    "gpt2": (8, 11),
    "gpt2-prefixed": (8, 12),
    "llama-gqa": (9, 13),
    "mistral": (8, 14),
    "qwen2": (8, 15),
    "qwen3": (8, 16),
    "gemma": (7, 17),
    "gemma2": (10, 18),   # longer than sliding_window = 4
    "gpt_neox": (8, 19),
}
PATHS3 = [None, [0, 2], [0, 1, 1, 2], [2, 0, 1]]           # default, skip, loop, reorder

# stories260K: ids from its own tokenizer.json (tok.py, BOS first as tokenizer_config says).
STORIES_TEXT = "Once upon a time, there was a little girl"
STORIES_PATHS = [None, [0, 1, 3, 4], [0, 1, 2, 2, 3, 4], [0, 2, 1, 3, 4]]
STORIES_GREEDY_TEXT = "Once upon a time"
STORIES_GREEDY_N = 30
# TinyStories-style sentences (written for this test, not taken from the data set).
STORIES_NLL_TEXTS = [
    "One day, a little boy named Tom went to the park with his mom. He saw a big red ball.",
    "The cat was very happy. She ran to her friend and said, \"Let's play together!\"",
    "Lily and Ben were best friends. They liked to share their toys and help each other.",
    "The sun was hot, so the dog went to sleep under a big tree.",
]


def rnd(x):
    """Round floats to 7 significant digits (recursively)."""
    if isinstance(x, float):
        return float("%.7g" % x)
    if isinstance(x, list):
        return [rnd(v) for v in x]
    if isinstance(x, dict):
        return {k: rnd(v) for k, v in x.items()}
    return x


def case(m, ids, path):
    r = public(m.analyse(ids, path))
    return rnd({"ids": list(ids), "path": path, **r})


def write(name, doc):
    os.makedirs(GOLDEN, exist_ok=True)
    fn = os.path.join(GOLDEN, name + ".json")
    with open(fn, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(fn, ROOT), "cases:", len(doc["cases"]),
          "bytes:", os.path.getsize(fn))


def main():
    for name, (T, seed) in FIXTURES.items():
        mdir = os.path.join(ROOT, "tests", "fixtures", "models", name)
        m = Model(mdir)
        V = m.decode(m.embed([0])).shape[-1]
        ids = np.random.default_rng(seed).integers(0, V, T).tolist()
        assert m.L == 3
        doc = {"model": "tests/fixtures/models/" + name, "modelType": m.mt,
               "cases": [case(m, ids, p) for p in PATHS3]}
        write(name, doc)

    sdir = os.path.join(ROOT, "tests", "fixtures", "models", "stories260K")
    m, tk = Model(sdir), Tokenizer(sdir)
    ids = tk.encode(STORIES_TEXT)
    gp = tk.encode(STORIES_GREEDY_TEXT)
    cont = m.greedy(gp, STORIES_GREEDY_N)
    doc = {"model": "tests/fixtures/models/stories260K", "modelType": m.mt,
           "text": STORIES_TEXT,
           "cases": [case(m, ids, p) for p in STORIES_PATHS],
           "greedy": {"promptText": STORIES_GREEDY_TEXT, "prompt": gp, "continuation": cont,
                      "text": tk.decode(gp + cont)},
           "nll": nll(m, tk, STORIES_NLL_TEXTS)}
    write("stories260K", doc)
    print("stories260K greedy:", cont, repr(doc["greedy"]["text"]))
    print("stories260K mean NLL: %.4f nats/token over %d tokens; log(V) = %.4f"
          % (doc["nll"]["mean"], doc["nll"]["tokens"], doc["nll"]["logVocab"]))


def nll(m, tk, texts):
    """Mean next-token NLL (nats): each text encoded with BOS; positions 0..T-2 predict
    ids 1..T-1 under the default path; `mean` pools all predicted tokens of all texts."""
    import torch
    per, tot, n = [], 0.0, 0
    for t in texts:
        ids = tk.encode(t)
        z = m.analyse(ids)["_logits"][-1]                    # [T, V] model logits
        lp = torch.log_softmax(z, -1)
        v = -lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])]
        per.append(float(v.mean()))
        tot += float(v.sum())
        n += len(ids) - 1
    V = m.decode(m.embed([0])).shape[-1]
    return rnd({"texts": list(texts), "ids": [tk.encode(t) for t in texts], "perText": per,
                "mean": tot / n, "tokens": n, "logVocab": float(np.log(V))})


if __name__ == "__main__":
    main()
