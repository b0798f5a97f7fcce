#!/usr/bin/env python3
"""Goldens for `sae-dataset` / `sae-feature` / `sae-search` (METHODS §9.3, §9.4), float64 PyTorch.

    /usr/bin/python3 scripts/reference/sae_dataset.py     # writes tests/golden/sae/dataset-gpt2.json

Model tests/fixtures/models/gpt2, dataset tests/fixtures/datasets/extract-gpt2.csv (8 rows of
ids; rows 0, 3, 5 start with bos_token_id 0, row 1 holds it in the middle). Each row runs
alone through interventions.py's `Hooked` forward (optionally along a layer path: the SAE
reads the first step running its layer), the SAE (read from its fixture files: cfg.json +
sae_weights.safetensors) encodes every token except position 0 when it is the BOS token, with
sae.py's sae_ref. Whole set, over all tokens kept:
  L0 = mean #(z > 0); FVE = 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² (x̄ the set's mean); cos = mean cos(x, x̂);
  fires_f, max_f; dead = #{fires_f = 0}.
One feature f (the most frequent; ties → lowest id): the top-20 (row, position, z) examples, the
50-bin histogram of its non-zero z over (0, max_f] (bin = min(49, ⌊50 z / max_f⌋)), the 5 quantile
groups' `contains` (non-zero z in [q·max/5, (q+1)·max/5) / all tokens) and its largest z per group.
CE loss recovered (`sae-ce`): every row clean, with the reconstruction spliced in at the hook (no
error term, every position) and with the hook zeroed; mean next-token CE over all predictions of
all rows (position j predicts token j+1), recovered = (zero − sae) / (zero − clean).
Search: the token with the most kept occurrences (ties → lowest id): per feature mean z and fire
rate over those positions; the top 20 by mean z (> 0).
"""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, read_safetensors  # noqa: E402

ensure_torch()
import torch  # noqa: E402
from sae import SpliceHooked, sae_ref  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DT = torch.float64
BINS, QS, TOPN = 50, 5, 20


def load_sae(folder):
    cfg = json.load(open(os.path.join(ROOT, folder, "cfg.json")))
    arrs, _ = read_safetensors(os.path.join(ROOT, folder, "sae_weights.safetensors"))
    W = {k: torch.tensor(v, dtype=DT) for k, v in arrs.items()}
    return {"w": W, "arch": cfg["architecture"], "norm": cfg.get("normalize_activations", "none"),
            "bdec_in": cfg.get("apply_b_dec_to_input", True), "k": cfg.get("k"),
            "rescale": bool(cfg.get("rescale_acts_by_decoder_norm", False)),
            "hook": cfg["metadata"]["hook_name"]}


def rows_of(path):
    with open(os.path.join(ROOT, path)) as f:
        return [[int(t) for t in r["ids"].split(",")] for r in csv.DictReader(f)]


def rnd(x):
    return float("%.8g" % x)


def case(name, hm, sae_dir, data, limit=0, path=None):
    sae = load_sae(sae_dir)
    rows = rows_of(data)
    rows = rows[:limit] if limit else rows
    layer = int(sae["hook"].split(".")[1])
    p = path if path is not None else list(range(hm.m.L))
    step = p.index(layer)
    hook = "blocks.%d.%s" % (step, sae["hook"].split(".", 2)[2])
    X, where = [], []
    for i, ids in enumerate(rows):
        _, caps = hm.forward(ids, path, (), [hook])
        x = caps[hook].reshape(len(ids), -1).to(DT)
        first = 1 if ids[0] == 0 else 0
        X.append(x[first:])
        where += [(i, j) for j in range(first, len(ids))]
    x = torch.cat(X)
    z, recon = sae_ref(x, sae)
    N = x.shape[0]
    err = ((x - recon) ** 2).sum()
    sst = ((x - x.mean(0, keepdim=True)) ** 2).sum()
    cos = (x * recon).sum(1) / (x.norm(dim=1) * recon.norm(dim=1)).clamp_min(1e-12)
    fires = (z > 0).sum(0)
    mx = z.max(0).values
    f = int(torch.argmax(fires).item())  # first max → lowest id
    zf = z[:, f]
    order = sorted(range(N), key=lambda t: -float(zf[t]))
    top = [[where[t][0], where[t][1], rnd(zf[t])] for t in order[:TOPN] if zf[t] > 0]
    m = float(mx[f])
    on = zf > 0
    b = torch.clamp(torch.floor(zf[on] * BINS / m), max=BINS - 1).long()
    hist = torch.bincount(b, minlength=BINS).tolist()
    qb = b // (BINS // QS)
    groups = []
    for q in range(QS):
        vals = zf[on][qb == q]
        groups.append({"q": q, "contains": rnd(int((qb == q).sum()) / N), "max": rnd(vals.max()) if vals.numel() else None})
    # search: most frequent kept token
    toks = [rows[i][j] for i, j in where]
    tok = min(set(toks), key=lambda t: (-toks.count(t), t))
    sel = torch.tensor([t == tok for t in toks])
    zt = z[sel]
    mean = zt.mean(0)
    rate = (zt > 0).to(DT).mean(0)
    hits = sorted([k for k in range(z.shape[1]) if mean[k] > 0], key=lambda k: (-float(mean[k]), k))[:20]
    ce = {"clean": 0.0, "sae": 0.0, "zero": 0.0}
    preds = 0
    for ids in rows:
        for kind, ivs in [("clean", []), ("sae", [{"hook": hook, "kind": "sae", "sae": {"keepError": False}, "_sae": sae}]),
                          ("zero", [{"hook": hook, "kind": "zero"}])]:
            lp = torch.log_softmax(hm.forward(ids, path, ivs, ())[0][:-1].to(DT), dim=-1)
            ce[kind] += float(-lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:], dtype=torch.long)].sum())
        preds += len(ids) - 1
    ce = {k: v / preds for k, v in ce.items()}
    ce_out = {"predictions": preds, **{k: rnd(v) for k, v in ce.items()}, "recovered": rnd((ce["zero"] - ce["sae"]) / (ce["zero"] - ce["clean"]))}
    return {
        "name": name, "sae": sae_dir, "ce": ce_out, "dataset": data, "limit": limit, **({"path": path} if path else {}),
        "hook": hook, "tokens": N, "l0": rnd((z > 0).sum(1).to(DT).mean()), "fve": rnd(1 - err / sst),
        "cos": rnd(cos.mean()), "dead": int((fires == 0).sum()), "fires": [int(c) for c in fires.tolist()],
        "max": [rnd(v) for v in mx.tolist()],
        "feature": {"id": f, "top": top, "hist": hist, "quantiles": groups},
        "search": {"token": tok, "occurrences": int(sel.sum()),
                   "hits": [[k, rnd(mean[k]), rnd(rate[k])] for k in hits]},
    }


def main():
    model = "tests/fixtures/models/gpt2"
    hm = SpliceHooked(os.path.join(ROOT, model))
    data = "tests/fixtures/datasets/extract-gpt2.csv"
    cases = [
        case("standard", hm, "tests/fixtures/sae/saelens/standard", data),
        case("topk-rescale-limit6", hm, "tests/fixtures/sae/saelens/topk-rescale", data, limit=6),
        case("jumprelu", hm, "tests/fixtures/sae/saelens/jumprelu", data),
        case("standard-path", hm, "tests/fixtures/sae/saelens/standard", data, path=[0, 0, 1, 2]),
    ]
    out = os.path.join(ROOT, "tests", "golden", "sae", "dataset-gpt2.json")
    with open(out, "w") as fh:
        json.dump({"model": model, "bos": 0, "cases": cases}, fh, indent=1)
    for c in cases:
        print("%s: %d tokens, L0 %.4f, FVE %.6f, cos %.6f, dead %d, feature %d (%d fires), CE recovered %.6f" % (
            c["name"], c["tokens"], c["l0"], c["fve"], c["cos"], c["dead"], c["feature"]["id"], c["fires"][c["feature"]["id"]], c["ce"]["recovered"]))
    assert all(math.isfinite(c["fve"]) for c in cases)


if __name__ == "__main__":
    main()
