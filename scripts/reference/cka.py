#!/usr/bin/env python3
"""Goldens for `strata cka` (representation similarity), float64 NumPy.

    /usr/bin/python3 scripts/reference/cka.py           # writes datasets, specs and goldens
    /usr/bin/python3 scripts/reference/cka.py --check   # self-checks only (exit 1 on failure)

Activations come from interventions.py's `Hooked` float64 forward, one row at a time (the
approach of extract.py). CKA is written here from METHODS §2 (Kornblith's center_gram /
feature_space_linear_cka, Nguyen's MinibatchCKA with float64 accumulators) and the linear
maps from METHODS §5 with numpy.linalg.solve; nothing is shared with the engine.

Datasets: `tests/fixtures/datasets/cka-<fixture>.csv` (label,ids: 24 rows of 3..12 seeded ids in
[2, V); rows 0, 3, 6, … start with the config's integer bos_token_id) and `cka-texts.csv`
(statement,label: the first 32 rows of public/datasets/demo_facts_en.csv) for the demo model and
stories260K, read through bbpe.py and tok.py. Goldens `tests/golden/cka/<fixture>.json` =
{model, dataset, cases: [{name, args, rows, cols, kind, n, cka, linearMap?}]}: `args` are the
CLI flags after `strata cka --model M --dataset D`, `--spec2` files sit beside the goldens.
`kornblith-demo.json` holds Kornblith's Demo.ipynb inputs (np.random.seed(1337); X = randn(100,10);
Y = randn(100,10) + X) and `mulberry32.json` a few permutations of the seeded shuffle.

Positions: last; mean (without position 0 when it is the model's BOS); all (every token in row
order, position 0 left out when it holds either model's BOS). Minibatch: Fisher-Yates over
mulberry32(seed) (for i = n-1..1, j = floor(u*(i+1))), one generator across passes, batches cut in
order, the partial last batch dropped. Linear map: held-out rows = first ceil(holdout*rows) of
the rows shuffled by mulberry32(seed); W = (XcᵀXc + λI)⁻¹XcᵀYc on the train vectors with
λ = ridge·tr(XcᵀXc)/d; error = mean ‖ŷ−y‖/max(‖y‖, 1e-6), fvu = Σ‖ŷ−y‖² / Σ‖y − mean_test(y)‖².
"""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from bbpe import Tokenizer as ByteBpe  # noqa: E402
from interventions import Hooked  # noqa: E402
from tok import Tokenizer as StoriesTok  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "cka")
DATA = os.path.join(ROOT, "tests", "fixtures", "datasets")
RANDOM = {"gpt2": 301, "gpt2-prefixed": 302, "llama-gqa": 303, "mistral": 304, "qwen2": 305,
          "qwen3": 306, "gemma": 307, "gemma2": 308, "gpt_neox": 309}
MODELS = dict({n: "tests/fixtures/models/" + n for n in RANDOM}, stories260K="tests/fixtures/models/stories260K",
              demo="public/models/demo")
ROWS = 24
RIDGE, HOLDOUT, MAP_SEED = 0.01, 0.25, 0
FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


# ---------------------------------------------------------------- seeded shuffles (mulberry32, as the engine's random.ts)

def mulberry32(seed):
    state = [seed & 0xFFFFFFFF]

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0
    return nxt


def shuffled(n, rand):
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(math.floor(rand() * (i + 1)))
        p[i], p[j] = p[j], p[i]
    return p


# ---------------------------------------------------------------- CKA (Kornblith; Nguyen)

def center_gram(g, unbiased):
    g = g.copy()
    n = g.shape[0]
    if unbiased:
        np.fill_diagonal(g, 0)
        means = np.sum(g, 0) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
    else:
        means = np.mean(g, 0)
        means -= np.mean(means) / 2
    g -= means[:, None]
    g -= means[None, :]
    if unbiased:
        np.fill_diagonal(g, 0)
    return g


def cka_gram(x, y, debiased):
    gx, gy = center_gram(x @ x.T, debiased), center_gram(y @ y.T, debiased)
    return float(gx.ravel() @ gy.ravel() / (np.linalg.norm(gx) * np.linalg.norm(gy)))


def cka_feature(x, y, debiased):
    x = x - x.mean(0, keepdims=True)
    y = y - y.mean(0, keepdims=True)
    n = x.shape[0]
    xy, xx, yy = np.linalg.norm(x.T @ y) ** 2, np.linalg.norm(x.T @ x) ** 2, np.linalg.norm(y.T @ y) ** 2
    if debiased:
        sx, sy = np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y)
        fix = lambda d, a, b: d - n / (n - 2.0) * a.dot(b) + a.sum() * b.sum() / ((n - 1) * (n - 2))  # noqa: E731
        xy, xx, yy = fix(xy, sx, sy), fix(xx, sx, sx), fix(yy, sy, sy)
    return float(xy / math.sqrt(xx * yy))


def song_hsic1(k, l):
    """Song et al.'s unbiased HSIC, three terms, diagonals zeroed (an independent check of U-centring)."""
    n = k.shape[0]
    k, l = k.copy(), l.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    one = np.ones(n)
    return (np.trace(k @ l) + one @ k @ one * (one @ l @ one) / ((n - 1) * (n - 2)) - 2 / (n - 2) * one @ k @ l @ one) / (n * (n - 3))


def cka_minibatch(xs, ys, debiased, size, passes, seed):
    n = xs[0].shape[0]
    size = min(size, n)
    rand = mulberry32(seed)
    acc = np.zeros((len(xs), len(ys)))
    sx, sy = np.zeros(len(xs)), np.zeros(len(ys))
    for _ in range(passes):
        perm = shuffled(n, rand)
        for b in range(n // size):
            idx = perm[b * size:(b + 1) * size]
            gx = np.stack([center_gram(x[idx] @ x[idx].T, debiased).ravel() for x in xs])
            gy = np.stack([center_gram(y[idx] @ y[idx].T, debiased).ravel() for y in ys])
            acc += gx @ gy.T
            sx += np.einsum("ij,ij->i", gx, gx)
            sy += np.einsum("ij,ij->i", gy, gy)
    return acc / np.sqrt(sx)[:, None] / np.sqrt(sy)[None, :]


def linear_maps(xs, ys, rows_of, nrows):
    test_rows = set(shuffled(nrows, mulberry32(MAP_SEED))[:max(1, math.ceil(HOLDOUT * nrows))])
    te = np.array([r in test_rows for r in rows_of])
    err, fvu = np.zeros((len(xs), len(ys))), np.zeros((len(xs), len(ys)))
    for i, x in enumerate(xs):
        xtr, xte = x[~te], x[te]
        mx = xtr.mean(0)
        g = (xtr - mx).T @ (xtr - mx)
        lam = RIDGE * np.trace(g) / x.shape[1]
        for j, y in enumerate(ys):
            ytr, yte = y[~te], y[te]
            my = ytr.mean(0)
            w = np.linalg.solve(g + lam * np.eye(x.shape[1]), (xtr - mx).T @ (ytr - my))
            pred = (xte - mx) @ w + my
            err[i, j] = np.mean(np.linalg.norm(pred - yte, axis=1) / np.maximum(np.linalg.norm(yte, axis=1), 1e-6))
            fvu[i, j] = np.sum((pred - yte) ** 2) / np.sum((yte - yte.mean(0)) ** 2)
    return err, fvu


# ---------------------------------------------------------------- activations

def bos_of(cfg):
    b = cfg.get("bos_token_id")
    return b if isinstance(b, int) and not isinstance(b, bool) else None


def expand(pattern, S):
    out = []
    for p in pattern.split(","):
        out += [p.replace("*", str(s)) for s in range(S)] if "*" in p else [p]
    return out


def activations(hm, rows, path, hooks, position, drop_bos):
    """{hook: [n, d] float64}, the dataset row of each vector."""
    bos = bos_of(hm.m.cfg)
    path = path if path is not None else list(range(hm.m.L))
    names = expand(hooks, len(path))
    acc = {k: [] for k in names}
    rows_of = []
    for r, ids in enumerate(rows):
        _, caps = hm.forward(ids, path, [], names)
        for k in names:
            x = caps[k].reshape(len(ids), -1)
            if position == "last":
                acc[k].append(x[-1:])
            elif position == "mean":
                lo = 1 if bos is not None and ids[0] == bos else 0
                acc[k].append(x[lo:].mean(0, keepdim=True))
            else:
                lo = 1 if ids[0] in drop_bos else 0
                acc[k].append(x[lo:])
        rows_of += [r] * (1 if position != "all" else len(ids) - (1 if ids[0] in drop_bos else 0))
    return names, {k: torch.cat(v, 0).numpy() for k, v in acc.items()}, rows_of


def rnd(x):
    return float("%.10g" % x)


def case(name, args, ha, rows_a, hb, rows_b, hooks, position, kind, path_a=None, path_b=None, minibatch=None, lmap=False):
    drop = {b for b in (bos_of(ha.m.cfg), bos_of(hb.m.cfg)) if b is not None} if position == "all" else set()
    ra, xa, rows_of = activations(ha, rows_a, path_a, hooks, position, drop)
    rb, xb, rows_of_b = activations(hb, rows_b, path_b, hooks, position, drop)
    assert rows_of == rows_of_b
    deb = kind == "debiased"
    if minibatch:
        m = cka_minibatch([xa[k] for k in ra], [xb[k] for k in rb], deb, *minibatch)
    else:
        m = np.array([[cka_feature(xa[a], xb[b], deb) for b in rb] for a in ra])
        g = np.array([[cka_gram(xa[a], xb[b], deb) for b in rb] for a in ra])
        check(np.abs(m - g).max() < 1e-9, "%s: feature form = Gram form (%.1e)" % (name, np.abs(m - g).max()))
    out = {"name": name, "args": args, "rows": ra, "cols": rb, "kind": kind, "n": len(rows_of),
           "cka": [[rnd(v) for v in r] for r in m]}
    if lmap:
        err, fvu = linear_maps([xa[k] for k in ra], [xb[k] for k in rb], rows_of, len(rows_a))
        out["linearMap"] = {"error": [[rnd(v) for v in r] for r in err], "fvu": [[rnd(v) for v in r] for r in fvu]}
    return out, (ra, xa)


# ---------------------------------------------------------------- datasets

def random_rows(cfg, seed):
    V = int(cfg["vocab_size"])
    bos = bos_of(cfg)
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(ROWS):
        ids = rng.integers(2, V, int(rng.integers(3, 13))).tolist()
        if bos is not None and r % 3 == 0:
            ids[0] = bos
        rows.append(ids)
    return rows


def texts():
    with open(os.path.join(ROOT, "public", "datasets", "demo_facts_en.csv"), encoding="utf-8") as f:
        return [(r["statement"], r["label"]) for r in list(csv.DictReader(f))[:32]]


def spec_file(name, path):
    fn = os.path.join(OUT, "%s.skip.json" % name)
    with open(fn, "w") as f:
        json.dump({"path": path}, f)
        f.write("\n")
    return os.path.relpath(fn, ROOT)


def skip_path(L):
    return [l for l in range(L) if l != L // 2]   # the middle layer skipped


def build(name, hm, rows, dataset, extra=()):
    L = hm.m.L
    spec = spec_file(name, skip_path(L))
    base = ["--text-column", "statement"] if dataset.endswith("texts.csv") else []
    cases = []
    # Texts all end in "." (one token): their last-token embeddings are one vector, so hook_embed is left out there.
    hooks = "blocks.*.hook_resid_post" if base else "hook_embed,blocks.*.hook_resid_post"
    c, (ra, xa) = case("last_map", base + ["--hooks", hooks, "--position", "last", "--kind", "linear",
                                           "--linear-map", "--ridge", str(RIDGE), "--holdout", str(HOLDOUT), "--seed", str(MAP_SEED)],
                       hm, rows, hm, rows, hooks, "last", "linear", lmap=True)
    cases.append(c)
    diag = max(abs(c["cka"][i][i] - 1) for i in range(len(ra)))
    x = xa[ra[-1]]
    q, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((x.shape[1], x.shape[1])))
    inv = max(abs(cka_feature(x, x @ q * 3.5, d) - 1) for d in (False, True))
    check(diag < 1e-9 and inv < 1e-9, "%s: CKA(X,X) = 1 (%.1e); orthogonal·isotropic leaves it (%.1e)" % (name, diag, inv))
    cases.append(case("path_mean_debiased", base + ["--hooks", "blocks.*.hook_resid_post", "--position", "mean", "--kind", "debiased", "--spec2", spec],
                      hm, rows, hm, rows, "blocks.*.hook_resid_post", "mean", "debiased", path_b=skip_path(L))[0])
    mb = (16, 3, 5)
    c = case("all_minibatch", base + ["--hooks", "blocks.*.hook_resid_post,ln_final.hook_normalized", "--position", "all", "--kind", "linear",
                                      "--minibatch", "16", "--passes", "3", "--seed", "5"],
             hm, rows, hm, rows, "blocks.*.hook_resid_post,ln_final.hook_normalized", "all", "linear", minibatch=mb)[0]
    cases.append(c)
    for e in extra:
        cases.append(e)
    return cases


def kornblith():
    np.random.seed(1337)
    x = np.random.randn(100, 10)
    y = np.random.randn(100, 10) + x
    lin, deb = cka_gram(x, y, False), cka_gram(x, y, True)
    check(abs(lin - 0.557613) < 5e-7 and abs(deb - 0.513456) < 5e-7, "Kornblith demo: linear %.6f (0.557613), debiased %.6f (0.513456)" % (lin, deb))
    check(abs(cka_feature(x, y, True) - deb) < 1e-12, "Kornblith demo: debiased feature form = Gram form")
    k, l = x @ x.T, y @ y.T
    u = center_gram(k, True).ravel() @ center_gram(l, True).ravel() / (100 * 97)
    check(abs(u - song_hsic1(k, l)) < 1e-9 * abs(u), "U-centring = Song's three-term HSIC1 (%.6g vs %.6g)" % (u, song_hsic1(k, l)))
    return {"X": x.tolist(), "Y": y.tolist(), "linear": lin, "debiased": deb}


def main(argv):
    only_check = "--check" in argv
    os.makedirs(OUT, exist_ok=True)
    docs = {}
    kd = kornblith()
    perms = {"seed5_n10": shuffled(10, mulberry32(5)), "seed0_n7": shuffled(7, mulberry32(0)),
             "seed123_first5": (lambda g: [g() for _ in range(5)])(mulberry32(123))}
    hms = {}
    for name, seed in RANDOM.items():
        print("==", name)
        hm = hms[name] = Hooked(os.path.join(ROOT, MODELS[name]))
        rows = random_rows(hm.m.cfg, seed)
        ds = os.path.join(DATA, "cka-%s.csv" % name)
        if not only_check:
            with open(ds, "w", newline="") as f:
                f.write("label,ids\n" + "".join('%s,"%s"\n' % ("ab"[r % 2], ",".join(map(str, ids))) for r, ids in enumerate(rows)))
        extra = []
        if name == "mistral":
            # Same ids into another family (llama-gqa's vocabulary holds mistral's): `all` is allowed.
            other = Hooked(os.path.join(ROOT, MODELS["llama-gqa"]))
            extra.append(case("cross_llama_all_debiased", ["--model2", MODELS["llama-gqa"], "--hooks", "blocks.*.hook_resid_post", "--position", "all", "--kind", "debiased"],
                              hm, rows, other, rows, "blocks.*.hook_resid_post", "all", "debiased")[0])
        docs[name] = {"model": MODELS[name], "dataset": os.path.relpath(ds, ROOT), "cases": build(name, hm, rows, ds, extra)}
    tx = texts()
    ds = os.path.join(DATA, "cka-texts.csv")
    if not only_check:
        with open(ds, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["statement", "label"])
            w.writerows(tx)
    stories = Hooked(os.path.join(ROOT, MODELS["stories260K"]))
    demo = Hooked(os.path.join(ROOT, MODELS["demo"]))
    rows_s = [StoriesTok(os.path.join(ROOT, MODELS["stories260K"])).encode(t) for t, _ in tx]
    rows_d = [ByteBpe(os.path.join(ROOT, MODELS["demo"])).encode(t) for t, _ in tx]
    print("== stories260K")
    docs["stories260K"] = {"model": MODELS["stories260K"], "dataset": os.path.relpath(ds, ROOT), "ids": rows_s, "cases": build("stories260K", stories, rows_s, ds)}
    print("== demo")
    cross = case("cross_stories_mean_map", ["--text-column", "statement", "--model2", MODELS["stories260K"], "--hooks", "blocks.*.hook_resid_post", "--position", "mean",
                                            "--kind", "linear", "--linear-map", "--ridge", str(RIDGE), "--holdout", str(HOLDOUT), "--seed", str(MAP_SEED)],
                 demo, rows_d, stories, rows_s, "blocks.*.hook_resid_post", "mean", "linear", lmap=True)[0]
    docs["demo"] = {"model": MODELS["demo"], "dataset": os.path.relpath(ds, ROOT), "ids": rows_d, "cases": build("demo", demo, rows_d, ds, [cross])}
    if not only_check:
        for name, doc in docs.items():
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(doc, f, separators=(",", ":"))
                f.write("\n")
        with open(os.path.join(OUT, "kornblith-demo.json"), "w") as f:
            json.dump(kd, f, separators=(",", ":"))
            f.write("\n")
        with open(os.path.join(OUT, "mulberry32.json"), "w") as f:
            json.dump(perms, f)
            f.write("\n")
        print("wrote", len(docs) + 2, "files to", os.path.relpath(OUT, ROOT))
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
