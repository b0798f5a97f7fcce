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

STORIES_PROMPT = [1, 429, 491, 433, 295]
STORIES_PATHS = [None, [0, 1, 3, 4], [0, 1, 2, 2, 3, 4], [0, 2, 1, 3, 4]]


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

    m = Model(os.path.join(ROOT, "tests", "fixtures", "models", "stories260K"))
    doc = {"model": "tests/fixtures/models/stories260K", "modelType": m.mt,
           "cases": [case(m, STORIES_PROMPT, p) for p in STORIES_PATHS],
           "greedy": {"prompt": STORIES_PROMPT, "continuation": m.greedy(STORIES_PROMPT, 20)}}
    write("stories260K", doc)
    print("stories260K greedy:", doc["greedy"]["continuation"])


if __name__ == "__main__":
    main()
