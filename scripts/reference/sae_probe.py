#!/usr/bin/env python3
"""Golden for `strata sae-probe` (METHODS §9.5): every SAE feature as a classifier, scikit-learn.

    /usr/bin/python3 scripts/reference/sae_probe.py     # writes tests/golden/sae-probe/gpt2.json
                                                      # and tests/fixtures/datasets/sae-probe-gpt2-3.csv

Activations: interventions.py's float64 `Hooked` forward of tests/fixtures/models/gpt2, one
row at a time, the hook's value at the row's last token (attn.hook_z flattened to [H·d_head]).
SAEs: the SAELens fixture folders read from their files (st_io.read_safetensors, cfg.json) and
encoded by sae.py's float64 `sae_ref`. Split: train_test_split(arange(n), test_size=0.4,
random_state=0). Per feature i, class k (binary: the positive class = the last sorted label;
three classes: one-vs-rest each) on the test rows: roc_auc_score(y == k, z_i) and
f1_score(y == k, z_i > 0, zero_division=0); a constant z_i scores 0.5 (roc_auc_score would too,
with a warning only when a class is absent). best = first argmax of AUROC over features whose
AUROC is within 1e-12 of the max (lowest id), "either" the same on max(AUROC, 1 − AUROC). The
probe: LogisticRegression(C=1) newton-cholesky / newton-cg as probe.py, roc_auc_score of its
P(k); cosines of its direction (binary ±coef_ toward the positive class) with unit W_dec rows,
and the control: max |cos| of R = 100 directions of Box–Muller normals over probe.py's
mulberry32(seed + 1) (u1, u2 in order: r = √(−2 ln(1 − u1)), θ = 2π u2, pairs r cos θ, r sin θ).
Fragility: the smallest gap between a positive and a negative test row's z_i (z_i > 0) and the
smallest |pre-activation| near the ReLU are printed: f32 on the device can swap ranks below ~1e-5.
"""
import csv
import json
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, read_safetensors  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import f1_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from interventions import Hooked  # noqa: E402
from probe import mulberry32, sk  # noqa: E402
from sae import sae_ref  # noqa: E402

warnings.filterwarnings("ignore", module="sklearn")
torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "sae-probe")
MODEL = "tests/fixtures/models/gpt2"
DATASET = "tests/fixtures/datasets/probe-gpt2.csv"
DATASET3 = "tests/fixtures/datasets/sae-probe-gpt2-3.csv"
SAES = ["standard", "jumprelu", "layer-norm", "hook-z"]
TOP = 10
R = 100
SEED = 0
TIE = 1e-12


def r9(x):
    return float("%.12g" % x)


def load_sae(name):
    folder = os.path.join(ROOT, "tests", "fixtures", "sae", "saelens", name)
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    w, _ = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    W = {k: torch.tensor(v.astype(np.float64)) for k, v in w.items()}
    return {"w": W, "norm": cfg["normalize_activations"], "bdec_in": cfg["apply_b_dec_to_input"], "arch": cfg["architecture"],
            "hook": cfg["metadata"]["hook_name"], "path": "tests/fixtures/sae/saelens/" + name}


def gaussians(seed, count):
    u = mulberry32(seed)
    out = []
    while len(out) < count:
        r = math.sqrt(-2 * math.log(1 - u()))
        a = 2 * math.pi * u()
        out += [r * math.cos(a), r * math.sin(a)]
    return np.array(out[:count])


def rank(score, top):
    """Feature ids by score descending, ids ascending on ties within TIE."""
    ids = sorted(range(len(score)), key=lambda i: (-score[i], i))
    # Resolve near-ties (within TIE) to the lowest id, as the engine's comparator.
    out = []
    for i in ids:
        out.append(i)
    mx = score[ids[0]]
    first = min(i for i in range(len(score)) if mx - score[i] <= TIE)
    if out[0] != first:
        out.remove(first)
        out.insert(0, first)
    return out[:top]


def unit(v):
    return v / max(np.linalg.norm(v), 1e-12)


def case(hm, ids, labels, sae, name):
    classes = sorted(set(labels))
    K = len(classes)
    y = np.array([classes.index(v) for v in labels])
    n = len(y)
    pos = K - 1
    scored = [pos] if K == 2 else list(range(K))
    train, test = train_test_split(np.arange(n), test_size=0.4, random_state=SEED)
    hook = sae["hook"]
    X = []
    for r in ids:
        _, caps = hm.forward(r, None, (), [hook])
        X.append(caps[hook][len(r) - 1].reshape(-1).numpy())
    X = np.stack(X)
    z, _ = sae_ref(torch.tensor(X[test]), sae)
    Z = z.numpy()
    yt = y[test]
    D = Z.shape[1]
    clf = sk(K).fit(X[train], y[train])
    P = clf.predict_proba(X[test])
    Wd = sae["w"]["W_dec"].numpy()
    Wn = Wd / np.maximum(np.linalg.norm(Wd, axis=1, keepdims=True), 1e-12)
    out_classes = []
    gap = math.inf
    for k in scored:
        t = yt == k
        auc = np.array([0.5 if np.all(Z[:, i] == Z[0, i]) else roc_auc_score(t, Z[:, i]) for i in range(D)])
        f1 = np.array([f1_score(t, Z[:, i] > 0, zero_division=0) for i in range(D)])
        for i in range(D):
            a, b = Z[t, i], Z[~t, i]
            dd = np.abs(a[:, None] - b[None, :])
            dd = dd[(dd > 0) & (np.maximum(a[:, None], b[None, :]) > 0)]
            if dd.size:
                gap = min(gap, float(dd.min()))
        top = rank(list(auc), TOP)
        either = [max(a, 1 - a) for a in auc]
        e = rank(either, 1)[0]
        coef = clf.coef_[0] * (1 if k == 1 else -1) if K == 2 else clf.coef_[k]
        cosines = Wn @ unit(coef)
        out_classes.append({
            "name": classes[k], "count": int(t.sum()),
            "best": {"feature": top[0], "auc": r9(auc[top[0]]), "f1": r9(f1[top[0]])},
            "either": {"feature": e, "auc": r9(either[e]), "f1": r9(f1[e])},
            "top": [{"feature": i, "auc": r9(auc[i]), "f1": r9(f1[i])} for i in top],
            "probeAuc": r9(roc_auc_score(t, P[:, k])),
            "cosBest": r9(cosines[top[0]]), "cosMax": r9(np.abs(cosines).max()),
        })
    d = X.shape[1]
    G = gaussians(SEED + 1, R * d).reshape(R, d)
    G = G / np.linalg.norm(G, axis=1, keepdims=True)
    ctrl = np.sort(np.abs(Wn @ G.T).max(0))
    constant = int(sum(np.all(Z[:, i] == Z[0, i]) for i in range(D)))
    pre = (torch.tensor(X[test]) - (sae["w"]["b_dec"] if sae["bdec_in"] else 0)) @ sae["w"]["W_enc"] + sae["w"]["b_enc"]
    print("  %s %s: K %d, n_test %d, constant %d, best %s, min rank gap %.2e, min |pre| %.2e" % (
        name, hook, K, len(test), constant, [c["best"]["feature"] for c in out_classes], gap, float(pre.abs().min())))
    return {"name": name, "sae": sae["path"], "hook": hook, "classes": classes, "scored": [classes[k] for k in scored], "test": test.tolist(),
            "constant": constant, "entries": out_classes,
            "control": {"mean": r9(ctrl.mean()), "p95": r9(ctrl[min(R - 1, int(math.floor(0.95 * (R - 1) + 0.5)))])}}


def main():
    hm = Hooked(os.path.join(ROOT, MODEL))
    V = int(hm.m.cfg["vocab_size"])
    with open(os.path.join(ROOT, DATASET), newline="") as f:
        table = list(csv.DictReader(f))
    ids = [[int(t) for t in r["ids"].split(",")] for r in table]
    labels = [r["label"] for r in table]
    labels3 = ["abc"[r[-1] % 3] for r in ids]
    with open(os.path.join(ROOT, DATASET3), "w", newline="") as f:
        f.write("ids,label\n" + "".join('"%s",%s\n' % (",".join(map(str, r)), lab) for r, lab in zip(ids, labels3)))
    cases = []
    for name in SAES:
        sae = load_sae(name)
        cases.append(case(hm, ids, labels, sae, name))
    cases.append(dict(case(hm, ids, labels3, load_sae("standard"), "standard"), name="standard-3class", dataset=DATASET3))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "gpt2.json"), "w") as f:
        json.dump({"model": MODEL, "dataset": DATASET, "vocab": V, "seed": SEED, "top": TOP, "controls": R, "cases": cases}, f, indent=1)
    print("wrote", os.path.join(OUT, "gpt2.json"))


if __name__ == "__main__":
    main()
