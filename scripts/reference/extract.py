#!/usr/bin/env python3
"""Goldens for `strata extract` (activation extraction over a dataset), float64.

    /usr/bin/python3 scripts/reference/extract.py           # writes datasets + goldens
    /usr/bin/python3 scripts/reference/extract.py --check   # self-checks only (exit 1 on failure)

Per fixture it writes `tests/fixtures/datasets/extract-<name>.csv` (columns `label,ids`;
8 rows of lengths 7,12,2,9,4,11,6,1; ids from a seeded numpy RNG in [2, V), rows 0, 3
and 5 start with the config's integer `bos_token_id`, row 1 has the BOS id in the
middle, row 7 (length 1) is last so that `--limit 7` drops it; labels `neg`/`pos`) and
`tests/golden/extract/<name>.json`.

Activations come from interventions.py's `Hooked` forward (the same hook points and
intervention semantics as tests/golden/interventions), one forward per row:
  position `last`: the row's last token; `mean`: the mean over the row's positions,
  leaving out position 0 when ids[0] == bos_token_id (only when that is an integer);
  `all`: every token, row-major, with `row` and `pos` per token; an integer N: position N
  (negative from the end).
Labels: the index of each row's label in the sorted list of distinct labels (of the rows
used). Floats are rounded to 7 significant digits.

Cases (hooks `blocks.*.hook_resid_post,hook_embed,ln_final.hook_normalized`):
  last, mean, all (all 8 rows); pos1 (`--position 1 --limit 7`, since row 7 has one
  token); spec_last: `--spec` with path [0,2,2] (stories260K: [0,2,2,3,4]) and a zero
  intervention on blocks.0.hook_attn_out at positions [0], position last. gpt2 and
  llama-gqa also have neg2 (`--position -2 --limit 7`).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from interventions import Hooked  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "extract")
DATA = os.path.join(ROOT, "tests", "fixtures", "datasets")

# stories260K last: another process may be rewriting it while the others are generated.
FIXTURES = {"gpt2": 201, "gpt2-prefixed": 202, "llama-gqa": 203, "mistral": 204, "qwen2": 205,
            "qwen3": 206, "gemma": 207, "gemma2": 208, "gpt_neox": 209, "stories260K": 210}
LENGTHS = [7, 12, 2, 9, 4, 11, 6, 1]
BOS_ROWS = (0, 3, 5)
LABELS = ["pos", "neg", "neg", "pos", "pos", "neg", "pos", "neg"]
HOOKS = "blocks.*.hook_resid_post,hook_embed,ln_final.hook_normalized"
NEG2 = ("gpt2", "llama-gqa")


def rnd(x):
    return float("%.7g" % x)


def rlist(t):
    return [rnd(v) for v in t.reshape(-1).tolist()]


def bos_of(cfg):
    b = cfg.get("bos_token_id")
    return b if isinstance(b, int) and not isinstance(b, bool) else None


def make_rows(m, seed):
    V = int(m.cfg["vocab_size"])
    bos = bos_of(m.cfg)
    rng = np.random.default_rng(seed)
    rows = []
    for r, n in enumerate(LENGTHS):
        ids = rng.integers(2, V, n).tolist()
        if bos is not None and r in BOS_ROWS:
            ids[0] = bos
        rows.append(ids)
    if bos is not None:
        rows[1][5] = bos                  # a BOS id in the middle is an ordinary token
    rows[3][-1] = V - 1                   # the largest valid id
    for ids in rows:
        assert all(0 <= i < V for i in ids)
    assert bos is None or rows[-1][0] != bos   # the one-token row must not be all-BOS for `mean`
    return rows


def write_csv(fn, rows):
    with open(fn, "w", newline="") as f:
        f.write("label,ids\n")
        for lab, ids in zip(LABELS, rows):
            f.write('%s,"%s"\n' % (lab, ",".join(str(i) for i in ids)))


def expand(pattern, S):
    names = []
    for p in pattern.split(","):
        if "*" in p:
            names += [p.replace("*", str(s)) for s in range(S)]
        else:
            names.append(p)
    return names


def select(x, ids, position, bos):
    """x [T,d] -> [d] (or [T,d] for all)."""
    T = x.shape[0]
    if position == "last":
        return x[T - 1]
    if position == "mean":
        lo = 1 if bos is not None and ids[0] == bos else 0
        assert T - lo >= 1
        return x[lo:].mean(0)
    if position == "all":
        return x
    n = int(position)
    k = n + T if n < 0 else n
    assert 0 <= k < T, (position, T)
    return x[k]


def run_case(hm, rows, position, limit=None, spec=None):
    m = hm.m
    bos = bos_of(m.cfg)
    use = rows[:limit] if limit is not None else rows
    labs = LABELS[:len(use)]
    path = spec["path"] if spec else list(range(m.L))
    ivs = spec["interventions"] if spec else []
    names = expand(HOOKS, len(path))
    acc = {k: [] for k in names}
    row, pos = [], []
    for r, ids in enumerate(use):
        _, caps = hm.forward(ids, path, ivs, names)
        for k in names:
            v = select(caps[k], ids, position, bos)
            acc[k].append(v if position == "all" else v[None])
        if position == "all":
            row += [r] * len(ids)
            pos += list(range(len(ids)))
    tens = {k: torch.cat(v, 0) for k, v in acc.items()}
    distinct = sorted(set(labs))
    case = {"position": position, "hooks": HOOKS, "limit": limit, "spec": spec, "path": path,
            "rows": len(use), "hookNames": names, "d": m.d, "labelNames": distinct,
            "labels": [distinct.index(x) for x in labs],
            "tensors": {k: {"shape": list(t.shape), "data": rlist(t)} for k, t in tens.items()}}
    if position == "all":
        case["row"], case["pos"] = row, pos
    return case, tens


FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


def build(name, seed):
    hm = Hooked(os.path.join(ROOT, "tests", "fixtures", "models", name))
    m = hm.m
    rows = make_rows(m, seed)
    bos = bos_of(m.cfg)
    spec_path = [0, 2, 2] if m.L == 3 else [0, 2, 2] + list(range(3, m.L))
    spec = {"path": spec_path,
            "interventions": [{"hook": "blocks.0.hook_attn_out", "kind": "zero", "positions": [0]}]}
    cases, raw = [], {}
    todo = [("last", "last", None, None), ("mean", "mean", None, None), ("all", "all", None, None),
            ("pos1", "1", 7, None)]
    if name in NEG2:
        todo.append(("neg2", "-2", 7, None))
    todo.append(("spec_last", "last", None, spec))
    for cname, position, limit, sp in todo:
        c, t = run_case(hm, rows, position, limit, sp)
        cases.append(dict(name=cname, **c))
        raw[cname] = t
    # self-checks: `all` contains `last` and `pos1`; `mean` is the mean of `all`'s slice
    a, last, mean, p1 = raw["all"], raw["last"], raw["mean"], raw["pos1"]
    starts = np.cumsum([0] + [len(r) for r in rows])
    e_last = e_mean = e_p1 = 0.0
    for k in a:
        for r, ids in enumerate(rows):
            blk = a[k][starts[r]:starts[r + 1]]
            e_last = max(e_last, (blk[-1] - last[k][r]).abs().max().item())
            lo = 1 if bos is not None and ids[0] == bos else 0
            e_mean = max(e_mean, (blk[lo:].mean(0) - mean[k][r]).abs().max().item())
            if r < 7:
                e_p1 = max(e_p1, (blk[1] - p1[k][r]).abs().max().item())
    check(e_last == 0 and e_p1 == 0 and e_mean < 1e-12,
          "%s: all ⊇ last (%.1e), pos1 (%.1e); mean == mean of all (%.1e)" % (name, e_last, e_p1, e_mean))
    # the spec run differs from the plain run, and its embedding does not
    sp = raw["spec_last"]
    d_emb = (sp["hook_embed"] - last["hook_embed"]).abs().max().item()
    d_out = (sp["ln_final.hook_normalized"] - last["ln_final.hook_normalized"]).abs().max().item()
    check(d_emb == 0 and d_out > 1e-3, "%s: spec leaves hook_embed (%.1e), changes ln_final (%.2g)"
          % (name, d_emb, d_out))
    # the zero intervention at position 0 reaches every row's last token: row 7 (T=1) is position 0
    return rows, cases


# bad-input datasets for tests/cli-extract.test.ts (gpt2 fixture, V = 160): the first bad
# row is row index 2 in both (0-based; CSV line 4)
BAD = {
    "extract-bad-short.csv": [("pos", "5,6,7,8,9,10,11,12,13"), ("neg", "20,21,22,23,24,25,26,27,28,29"),
                              ("neg", "30,31,32"), ("pos", "40,41,42,43,44,45,46,47")],
    "extract-bad-ids.csv": [("pos", "5,6,7"), ("neg", "8,9"), ("neg", "7,2.5,9"), ("pos", "x,4")],
}


def main(argv):
    only_check = "--check" in argv
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(DATA, exist_ok=True)
    if not only_check:
        for fn, rows in BAD.items():
            with open(os.path.join(DATA, fn), "w", newline="") as f:
                f.write("label,ids\n" + "".join('%s,"%s"\n' % r for r in rows))
    for name, seed in FIXTURES.items():
        print("==", name)
        rows, cases = build(name, seed)
        if only_check:
            continue
        ds = os.path.join(DATA, "extract-%s.csv" % name)
        write_csv(ds, rows)
        doc = {"model": "tests/fixtures/models/" + name,
               "dataset": os.path.relpath(ds, ROOT),
               "cases": cases}
        fn = os.path.join(OUT, name + ".json")
        with open(fn, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(ds, ROOT), "and", os.path.relpath(fn, ROOT),
              "cases:", len(cases), "bytes:", os.path.getsize(fn))
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
