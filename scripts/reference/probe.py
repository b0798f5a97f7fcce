#!/usr/bin/env python3
"""Goldens for `strata probe` (concept depth, METHODS §3), from scikit-learn.

    /usr/bin/python3 scripts/reference/probe.py            # writes datasets + goldens
    /usr/bin/python3 scripts/reference/probe.py --check    # self-checks only
    /usr/bin/python3 scripts/reference/probe.py demo-facts-en gpt2   # only these cases

Activations come from interventions.py's float64 `Hooked` forward, one row at a time (as
scripts/reference/extract.py): the hook's value at the row's last token. Text rows are
tokenized by the independent readers tok.py (stories260K) and tok_bytelevel.py (the demo
model); the families without a tokenizer get token-id rows written here to
tests/fixtures/datasets/probe-<name>.csv (label = the last id's half of the vocabulary, or
its residue mod 3 for the three-class cases).

stories260K-cities probes the blocks only: every statement ends with ".", so hook_embed at the
last token is one vector for all rows (its optimum is w = 0, where relative errors mean nothing).

Per case: labels = index in the sorted distinct label names; split =
sklearn.model_selection.train_test_split(arange(n), test_size=0.4, random_state=seed); per
hook LogisticRegression(C=1, lbfgs, max_iter 100000, tol 1e-12) on the train rows
(binary: sigmoid; more classes: multinomial), accuracy_score, f1_score (binary: pos_label =
the positive class; else macro), roc_auc_score (binary: of predict_proba[:, 1]; else the mean
over classes of the one-vs-rest AUC), coef_ and intercept_; the difference-of-means probe
(w = μ1 − μ0, b = −w·(μ0+μ1)/2; more classes: w_k = μ_k, b_k = −‖μ_k‖²/2) from numpy;
95% bootstrap intervals from B = 200 resamples of the test set drawn with a Python port of
mulberry32(seed) (idx = floor(u·n), resample after resample), numpy.percentile 2.5 / 97.5,
resamples whose AUC is undefined left out. demo-facts-en also has a k-fold case: KFold(5,
shuffle=True, random_state=seed), every row scored by the probe fit without its fold, and
the probe kept = the fit on all rows.

Solvers: binary fits use newton-cholesky (scikit-learn 1.2's Newton solver; converged to
rounding), multinomial fits newton-cg (tol 1e-8). The reference code's lbfgs (max_iter 100)
stops short of the optimum on these data: up to ~0.8 of the largest coefficient on the
demo model's facts (printed per fit, and its largest deviation at the end). Self-checks: each
fit is within 1e-4 (relative to max |coef|) of the optimum of a damped Newton method written
here in numpy.
"""
import csv
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import KFold, train_test_split  # noqa: E402
from interventions import Hooked  # noqa: E402
from tok import Tokenizer  # noqa: E402
from tok_bytelevel import ByteLevelTokenizer  # noqa: E402

torch.set_num_threads(1)
# The reference code's lbfgs warns that it stopped short; fit() measures how short instead.
warnings.filterwarnings("ignore", module="sklearn")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "probe")
DATA = os.path.join(ROOT, "tests", "fixtures", "datasets")
B = 200
M32 = 0xFFFFFFFF

CASES = [
    dict(name="demo-facts-en", model="public/models/demo", dataset="public/datasets/demo_facts_en.csv", text="statement", label="label",
         tok="bytelevel", seed=0, hooks="blocks.*.ln2.hook_normalized,blocks.*.hook_resid_post", kfold=5),
    dict(name="demo-categories", model="public/models/demo", dataset="public/datasets/demo_categories.csv", text="text", label="label",
         tok="bytelevel", seed=0, hooks="blocks.*.hook_resid_post"),
    dict(name="stories260K-cities", model="tests/fixtures/models/stories260K", dataset="public/datasets/cities.csv", text="statement",
         label="label", tok="sp", seed=42, hooks="blocks.*.hook_resid_post", positive="0"),
]
FAMILIES = {"gpt2": 301, "gpt2-prefixed": 302, "llama-gqa": 303, "mistral": 304, "qwen2": 305, "qwen3": 306,
            "gemma": 307, "gemma2": 308, "gpt_neox": 309}
THREE_CLASS = ("qwen2", "gemma")
for fam, seed in FAMILIES.items():
    CASES.append(dict(name=fam, model="tests/fixtures/models/" + fam, dataset="tests/fixtures/datasets/probe-%s.csv" % fam,
                      ids="ids", label="label", seed=seed, hooks="hook_embed,blocks.*.hook_resid_post", rows=seed))


def r9(x):
    return float("%.9g" % x)


def mulberry32(seed):
    a = seed & M32

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0
    return rand


def fixture_rows(name, V, seed):
    """240 id rows of 3–9 tokens in [2, V); label from the last id."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(240):
        ids = rng.integers(2, V, int(rng.integers(3, 10))).tolist()
        last = ids[-1]
        lab = "abc"[last % 3] if name in THREE_CLASS else ("lo" if last < V // 2 else "hi")
        rows.append((ids, lab))
    return rows


def load_rows(case, hm):
    path = os.path.join(ROOT, case["dataset"])
    if "ids" in case:
        V = int(hm.m.cfg["vocab_size"])
        rows = fixture_rows(case["name"], V, case["rows"])
        with open(path, "w", newline="") as f:
            f.write("ids,label\n" + "".join('"%s",%s\n' % (",".join(map(str, ids)), lab) for ids, lab in rows))
        return [ids for ids, _ in rows], [lab for _, lab in rows]
    tk = ByteLevelTokenizer(os.path.join(ROOT, case["model"])) if case["tok"] == "bytelevel" else Tokenizer(os.path.join(ROOT, case["model"]))
    with open(path, encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    return [tk.encode(r[case["text"]]) for r in table], [r[case["label"]] for r in table]


def expand(pattern, S):
    out = []
    for p in pattern.split(","):
        out += [p.replace("*", str(s)) for s in range(S)] if "*" in p else [p]
    return out


def rel_depth(h, S):
    if h.startswith("blocks."):
        return int(h.split(".")[1]) / (S - 1)
    return 1.0 if h.startswith("ln_final") else 0.0


def sum_gradient(X, y, w, b, C, K):
    """∇ of ‖W‖²/(2C) + Σ loss at (w, b), flattened."""
    if K == 2:
        p = 1 / (1 + np.exp(-(X @ w + b)))
        r = p - y
        return np.concatenate([X.T @ r + w / C, [r.sum()]])
    Z = X @ w.T + b
    Z -= Z.max(1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(1, keepdims=True)
    R = P - np.eye(K)[y]
    return np.concatenate([(R.T @ X + w / C).ravel(), R.sum(0)])


FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


def objective(A, y, th, K, pen):
    """‖W‖²/(2C) + Σ loss, its gradient and Hessian; A = [X, 1], th = [W | b] rows of d + 1."""
    Kw = 1 if K == 2 else K
    d1 = A.shape[1]
    T = th.reshape(Kw, d1)
    if K == 2:
        z = A @ T[0]
        f = np.logaddexp(0, z).sum() - (y * z).sum()
        p = 1 / (1 + np.exp(-z))
        g = A.T @ (p - y)
        H = A.T @ (A * (p * (1 - p))[:, None])
    else:
        Z = A @ T.T
        lse = np.logaddexp.reduce(Z, axis=1)
        f = (lse - Z[np.arange(len(y)), y]).sum()
        P = np.exp(Z - lse[:, None])
        g = ((P - np.eye(K)[y]).T @ A).ravel()
        H = np.zeros((K * d1, K * d1))
        for a in range(K):
            for c in range(K):
                wgt = P[:, a] * ((a == c) - P[:, c])
                H[a * d1:(a + 1) * d1, c * d1:(c + 1) * d1] = A.T @ (A * wgt[:, None])
        u = np.zeros(K * d1)
        u[d1 - 1::d1] = 1 / np.sqrt(K)
        H += np.outer(u, u)  # the common shift of the intercepts is free
    f += 0.5 * (pen * th * th).sum()
    g = g + pen * th
    H[np.diag_indices_from(H)] += pen
    return f, g, H


def newton(X, y, K, C=1.0):
    """The exact optimum by damped Newton (backtracking on the objective) in numpy: the self-check's yardstick."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    Kw = 1 if K == 2 else K
    th = np.zeros(Kw * (d + 1))
    pen = np.tile(np.r_[np.full(d, 1 / C), 0.0], Kw)
    f, g, H = objective(A, y, th, K, pen)
    g0 = np.abs(g).max()
    for _ in range(200):
        if np.abs(g).max() <= 1e-13 * g0:
            break
        step = np.linalg.solve(H, -g)
        t = 1.0
        while t > 1e-12:
            f2, g2, H2 = objective(A, y, th + t * step, K, pen)
            if f2 <= f + 1e-4 * t * (g @ step) or (t == 1.0 and np.abs(g2).max() < np.abs(g).max()):
                break
            t /= 2
        th, f, g, H = th + t * step, f2, g2, H2
    T = th.reshape(Kw, d + 1)
    b = T[:, d]
    return (T[0, :d] if K == 2 else T[:, :d]), (b if K == 2 else b - b.mean()), np.abs(g).max() / g0


def sk(K):
    """scikit-learn LogisticRegression(C=1) with a solver that reaches the optimum: newton-cholesky
    (binary) or newton-cg (multinomial); lbfgs stops short on these data (see fit)."""
    if K == 2:
        return LogisticRegression(C=1.0, max_iter=100000, tol=1e-12, solver="newton-cholesky")
    return LogisticRegression(C=1.0, max_iter=100000, tol=1e-8, solver="newton-cg")


LBFGS_DEV = []


def fit(X, y, K, what):
    clf = sk(K).fit(X, y)
    w = clf.coef_[0] if K == 2 else clf.coef_
    b = clf.intercept_
    g = sum_gradient(X, y, w, b[0] if K == 2 else b, 1.0, K)
    g0 = sum_gradient(X, y, np.zeros_like(w), 0.0 if K == 2 else np.zeros(K), 1.0, K)
    rel = np.abs(g).max() / np.abs(g0).max()
    nw, nb, nrel = newton(X, y, K)
    scale = max(np.abs(nw).max(), 1e-12)
    dev = max(np.abs(nw - w).max(), np.abs(nb - b).max()) / scale
    # The reference code's classifier, LogisticRegression(penalty='l2') with lbfgs and max_iter 100.
    lb = LogisticRegression(C=1.0).fit(X, y)
    lbw = lb.coef_[0] if K == 2 else lb.coef_
    LBFGS_DEV.append(np.abs(lbw - w).max() / scale)
    check(dev < 1e-4, "%s: |grad| %.1e of |grad(0)|, %.1e from numpy Newton's optimum (|grad| %.1e); default lbfgs %.1e off" % (what, rel, dev, nrel, LBFGS_DEV[-1]))
    return clf, w, b


def aucs(y, P, K):
    if K == 2:
        return roc_auc_score(y, P[:, 1]) if len(set(y)) == 2 else float("nan")
    v = [roc_auc_score(y == k, P[:, k]) for k in range(K) if 0 < (y == k).sum() < len(y)]
    return float(np.mean(v)) if v else float("nan")


def metrics(y, pred, P, K, pos):
    f1 = f1_score(y, pred, pos_label=pos, average="binary", zero_division=0) if K == 2 else f1_score(y, pred, average="macro", zero_division=0)
    return accuracy_score(y, pred), float(f1), aucs(y, P, K)


def cis(y, pred, P, K, pos, seed):
    rand = mulberry32(seed)
    n = len(y)
    draws = [[], [], []]
    for _ in range(B):
        idx = np.array([int(rand() * n) for _ in range(n)])
        for j, v in enumerate(metrics(y[idx], pred[idx], P[idx], K, pos)):
            if np.isfinite(v):
                draws[j].append(v)
    return [[r9(np.percentile(d, 2.5)), r9(np.percentile(d, 97.5))] for d in draws]


def mass_mean(X, y, K):
    mu = np.stack([X[y == k].mean(0) for k in range(K)])
    if K == 2:
        w = mu[1] - mu[0]
        return w, np.array([-w @ (mu[0] + mu[1]) / 2])
    return mu, -(mu * mu).sum(1) / 2


def scores(X, w, b, K):
    if K == 2:
        p1 = 1 / (1 + np.exp(-(X @ w + b[0])))
        return np.stack([1 - p1, p1], 1)
    Z = X @ w.T + b
    Z -= Z.max(1, keepdims=True)
    P = np.exp(Z)
    return P / P.sum(1, keepdims=True)


def build(case):
    name = case["name"]
    hm = Hooked(os.path.join(ROOT, case["model"]))
    ids, labels = load_rows(case, hm)
    S = hm.m.L
    hooks = expand(case["hooks"], S)
    acts = {h: [] for h in hooks}
    for r in ids:
        _, caps = hm.forward(r, None, (), hooks)
        for h in hooks:
            acts[h].append(caps[h][len(r) - 1].numpy())
    classes = sorted(set(labels))
    K = len(classes)
    y = np.array([classes.index(v) for v in labels])
    positive = case.get("positive", classes[-1])
    pos = classes.index(positive)
    n = len(y)
    train, test = train_test_split(np.arange(n), test_size=0.4, random_state=case["seed"])
    out = {"model": case["model"], "dataset": case["dataset"], "hooks": hooks, "relDepth": [rel_depth(h, S) for h in hooks],
           "seed": case["seed"], "position": "last", "hookPattern": case["hooks"], "n": n, "classes": classes, "positive": positive,
           "bootstrap": B, "split": {"train": train.tolist(), "test": test.tolist()}, "idsHead": ids[:3],
           "mapping": {k: case[k] for k in ("text", "ids", "label") if k in case},
           "logistic": {k: [] for k in ("acc", "f1", "auc", "accCI", "f1CI", "aucCI", "coef", "intercept")},
           "meanDiff": {k: [] for k in ("acc", "f1", "auc", "coef", "intercept")}}
    if case.get("kfold"):
        out["kfold"] = {"folds": [], **{k: [] for k in ("acc", "f1", "auc", "coef", "intercept")}}
        kf = KFold(case["kfold"], shuffle=True, random_state=case["seed"])
        out["kfold"]["folds"] = [te.tolist() for _, te in kf.split(np.arange(n))]
    for h in hooks:
        X = np.stack(acts[h])
        clf, w, b = fit(X[train], y[train], K, "%s %s" % (name, h))
        P = clf.predict_proba(X[test])
        pred = clf.predict(X[test])
        L = out["logistic"]
        for k, v in zip(("acc", "f1", "auc"), metrics(y[test], pred, P, K, pos)):
            L[k].append(r9(v))
        for k, v in zip(("accCI", "f1CI", "aucCI"), cis(y[test], pred, P, K, pos, case["seed"])):
            L[k].append(v)
        L["coef"].append([r9(v) for v in np.ravel(w)])
        L["intercept"].append([r9(v) for v in b])
        mw, mb = mass_mean(X[train], y[train], K)
        Pm = scores(X[test], mw, mb, K)
        pm = (Pm[:, 1] > 0.5).astype(int) if K == 2 else Pm.argmax(1)
        Mm = out["meanDiff"]
        for k, v in zip(("acc", "f1", "auc"), metrics(y[test], pm, Pm, K, pos)):
            Mm[k].append(r9(v))
        Mm["coef"].append([r9(v) for v in np.ravel(mw)])
        Mm["intercept"].append([r9(v) for v in mb])
        if case.get("kfold"):
            Kf = out["kfold"]
            Pk = np.zeros((n, K))
            for tr, te in kf.split(np.arange(n)):
                c = sk(K).fit(X[tr], y[tr])
                Pk[te] = c.predict_proba(X[te])
            order = np.concatenate(Kf["folds"])
            pk = Pk[order].argmax(1)
            for k, v in zip(("acc", "f1", "auc"), metrics(y[order], pk, Pk[order], K, pos)):
                Kf[k].append(r9(v))
            _, wa, ba = fit(X, y, K, "%s %s all rows" % (name, h))
            Kf["coef"].append([r9(v) for v in np.ravel(wa)])
            Kf["intercept"].append([r9(v) for v in ba])
    print("  %s: n %d, classes %s, acc %s" % (name, n, classes, " ".join("%.3f" % a for a in out["logistic"]["acc"])))
    return out


def main(argv):
    only_check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")]
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        if names and case["name"] not in names:
            continue
        print("==", case["name"])
        doc = build(case)
        if only_check:
            continue
        fn = os.path.join(OUT, case["name"] + ".json")
        with open(fn, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(fn, ROOT), os.path.getsize(fn), "bytes")
    if LBFGS_DEV:
        print("default lbfgs (max_iter 100): max relative coefficient deviation from the optimum %.2e" % max(LBFGS_DEV))
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
