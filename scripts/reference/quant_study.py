#!/usr/bin/env python3
"""Goldens for the layer-wise quantization study (METHODS §7, §11; workers/engine/analyses/quant-study.ts).

    /usr/bin/python3 scripts/reference/quant_study.py           # writes tests/golden/quant-study/<name>.json
    /usr/bin/python3 scripts/reference/quant_study.py --check   # self-checks only

Independent of the engine: NumPy for the weights, reference.py's float64 torch forward for
the activations and the perplexity.

RTN weights, BIT FOR BIT: a block's linear weight W [out, in] (float32 in the checkpoint) is
widened to float64, quantised per output row in groups of g consecutive inputs,
  asymmetric  s = (max − min)/(2^b − 1), q = clip(round((w − min)/s), 0, 2^b − 1), ŵ = q·s + min
  symmetric   s = max|w|/(2^(b−1) − 1), q = clip(round(w/s), −2^(b−1), 2^(b−1) − 1), ŵ = q·s
(numpy.round = half to even; q is an integer, so a rounded −0 is +0 (+ 0.0): ŵ of a small negative
weight is +0, not −0; a group with s = 0 is kept as it is), each operation one IEEE
float64 operation, then rounded to float32. The golden holds the sha256 of the float32
little-endian bytes of ŵ in the engine's [in, out] layout (Wᵀ, C order) per map.

LIM(l) over the dataset's tokens (every position of every row, after truncation to
`context`), x = residual entering block l, y = leaving it:
  flatten  −Σ_t x_t·y_t / (sqrt(Σ_t |x_t|²) · sqrt(Σ_t |y_t|²))
  mean     −mean_t cos(x_t, y_t)
ZD(l) = mean over the block's linear maps of the fraction of weights with |w − μ|/σ > 1
(μ, σ over that matrix, σ population).
mixed.logitsLast0 = the mixed configuration's logits at the last position of row 0 (for the run
spec's `quantize` field).
Perplexity = exp(Σ_rows Σ_{t<T−1} −log p(x_{t+1} | x_≤t) / Σ_rows (T − 1)).
Curves: order "lim" = layers by ascending LIM (mean), "zd" = by ascending ZD (ties by index);
for m = round(f·L), f = 0, .1, …, 1, the first m layers of the order at `low` bits, the rest at
`high` bits; average bits weighted by the block linear maps' parameter counts.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from reference import Model  # noqa: E402
from quantize import group_for  # noqa: E402  (Quanto's default group, shared with the probe's 4-bit reference)

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "quant-study")
MAPS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
ENGINE_NAMES = ("q", "k", "v", "o", "gate", "up", "down")
# (case name, bits, group (0 = default), scheme: auto|symmetric|asymmetric)
HASH_CASES = [("b4", 4, 0, "auto"), ("b8", 8, 0, "auto"), ("b4sym-g32", 4, 32, "symmetric"), ("b3asym-g16", 3, 16, "asymmetric"),
              ("b8asym", 8, 0, "asymmetric")]
FRACTIONS = [i / 10 for i in range(11)]
CONTEXT = 128
MODELS = {
    "stories260K": ("tests/fixtures/models/stories260K", "tests/fixtures/datasets/extract-stories260K.csv"),
    "llama-gqa": ("tests/fixtures/models/llama-gqa", "tests/fixtures/datasets/extract-llama-gqa.csv"),
}
FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


def rtn(W32, bits, g, scheme):
    """W32 [out, in] float32 -> float32 [out, in] after RTN round trip (see the module text)."""
    out_, inp = W32.shape
    g = group_for(inp, bits, g)
    sym = bits >= 8 if scheme == "auto" else scheme == "symmetric"
    G = W32.astype(np.float64).reshape(out_, inp // g, g)
    mn = G.min(-1, keepdims=True)
    mx = G.max(-1, keepdims=True)
    if sym:
        qmax = float(2 ** (bits - 1) - 1)
        s = np.maximum(np.abs(mn), np.abs(mx)) / qmax
        safe = np.where(s > 0, s, 1.0)
        Q = (np.clip(np.round(G / safe), -qmax - 1, qmax) + 0.0) * safe
    else:
        qmax = float(2 ** bits - 1)
        s = (mx - mn) / qmax
        safe = np.where(s > 0, s, 1.0)
        Q = (np.clip(np.round((G - mn) / safe), 0, qmax) + 0.0) * safe + mn
    Q = np.where(s > 0, Q, G)
    return Q.reshape(out_, inp).astype(np.float32)


def sha(W32_out_in):
    return hashlib.sha256(np.ascontiguousarray(W32_out_in.T).astype("<f4").tobytes()).hexdigest()


def read_ids(csv_path):
    import csv
    with open(os.path.join(ROOT, csv_path)) as f:
        rows = list(csv.DictReader(f))
    return [[int(t) for t in r["ids"].split(",")][:CONTEXT] for r in rows]


def zd(W):
    w = W.astype(np.float64).ravel()
    mu, sd = w.mean(), w.std()
    return float((np.abs(w - mu) / sd > 1).mean()) if sd > 0 else 0.0


def build(name, model_dir, dataset):
    m = Model(os.path.join(ROOT, model_dir))
    raw32 = {}
    from st_io import read_checkpoint
    for k, v in read_checkpoint(os.path.join(ROOT, model_dir)).items():
        raw32[k] = np.asarray(v, dtype=np.float32)
    L = m.L
    key = lambda l, mp: "model.layers.%d.%s.weight" % (l, mp)  # noqa: E731
    rows = read_ids(dataset)
    clean = dict(m.W)

    # --- hashes of quantised weights, layers 0 and L-1
    hashes = []
    ins = [raw32[key(l, mp)].shape[1] for l in range(L) for mp in MAPS]
    for cname, bits, g, scheme in HASH_CASES:
        if g:  # the largest group up to g dividing every row (stories260K's MLP rows are 172 long)
            g = max(c for c in range(1, g + 1) if all(i % c == 0 for i in ins))
        for l in sorted({0, L - 1}):
            maps = {}
            for mp, en in zip(MAPS, ENGINE_NAMES):
                Q = rtn(raw32[key(l, mp)], bits, g, scheme)
                maps[en] = sha(Q)
                check(Q.shape == raw32[key(l, mp)].shape, "%s %s layer %d %s shape" % (name, cname, l, en))
            hashes.append({"case": cname, "bits": bits, "groupSize": g, "scheme": scheme, "layer": l, "sha256": maps})
    # the hash distinguishes a single flipped low bit
    W = raw32[key(0, MAPS[0])]
    Q = rtn(W, 4, 0, "auto")
    Q2 = Q.copy()
    Q2.view(np.uint32)[0, 0] ^= 1
    check(sha(Q) != sha(Q2), "%s: one flipped mantissa bit changes the hash" % name)

    # --- LIM over the dataset and ZD
    dot = np.zeros(L)
    xx = np.zeros(L)
    yy = np.zeros(L)
    cos_sum = np.zeros(L)
    n_tok = 0

    def ppl(W):
        m.W = W
        nll, cnt = 0.0, 0
        for ids in rows:
            if len(ids) < 2:
                continue
            resids, _ = m.run(ids)
            lp = torch.log_softmax(m.decode(resids[-1]), dim=-1)
            nll -= lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum().item()
            cnt += len(ids) - 1
        m.W = clean
        return float(np.exp(nll / cnt)), nll / cnt

    m.W = clean
    for ids in rows:
        resids, _ = m.run(ids)
        for l in range(L):
            x, y = resids[l].numpy(), resids[l + 1].numpy()
            dot[l] += (x * y).sum()
            xx[l] += (x * x).sum()
            yy[l] += (y * y).sum()
            nx = np.maximum(np.linalg.norm(x, axis=1), 1e-6)
            ny = np.maximum(np.linalg.norm(y, axis=1), 1e-6)
            cos_sum[l] += ((x * y).sum(1) / (nx * ny)).sum()
        n_tok += len(ids)
    lim_flat = (-dot / (np.sqrt(xx) * np.sqrt(yy))).tolist()
    lim_mean = (-cos_sum / n_tok).tolist()
    zds = [float(np.mean([zd(raw32[key(l, mp)]) for mp in MAPS])) for l in range(L)]
    params = [int(sum(raw32[key(l, mp)].size for mp in MAPS)) for l in range(L)]

    def weights_for(bits_of_layer, g=0, scheme="auto"):
        W = dict(clean)
        for l, b in bits_of_layer.items():
            for mp in MAPS:
                W[key(l, mp)] = torch.from_numpy(rtn(raw32[key(l, mp)], b, g, scheme).astype(np.float64))
        return W

    fp_ppl, fp_nll = ppl(clean)
    mixed = {0: 4, L - 1: 4, **{l: 8 for l in range(1, L - 1)}}
    mixed_ppl, _ = ppl(weights_for(mixed))
    m.W = weights_for(mixed)
    mixed_z = m.decode(m.run(rows[0])[0][-1])[-1].tolist()  # logits at the last position of row 0
    m.W = clean
    check(mixed_ppl != fp_ppl, "%s: mixed-bit perplexity %.6g differs from fp %.6g" % (name, mixed_ppl, fp_ppl))

    order = lambda sc: sorted(range(L), key=lambda l: (sc[l], l))  # noqa: E731
    curves = {}
    cache = {}
    for oname, sc in (("lim", lim_mean), ("zd", zds)):
        o = order(sc)
        pts = []
        for f in FRACTIONS:
            k = int(np.floor(f * L + 0.5))
            low = frozenset(o[:k])
            if low not in cache:
                cache[low] = ppl(weights_for({l: (4 if l in low else 8) for l in range(L)}))[0]
            avg = sum(p * (4 if l in low else 8) for l, p in enumerate(params)) / sum(params)
            pts.append({"fraction": f, "lowLayers": sorted(low), "perplexity": cache[low], "avgBits": avg})
        curves[oname] = {"order": o, "points": pts}
    print("  %s fp ppl %.5g, mixed %.5g; lim curve %s" % (name, fp_ppl, mixed_ppl, [round(p["perplexity"], 4) for p in curves["lim"]["points"]]))
    return {
        "model": model_dir, "dataset": dataset, "context": CONTEXT, "tokens": n_tok,
        "hashes": hashes, "limFlat": lim_flat, "limMean": lim_mean, "zd": zds, "params": params,
        "fpPerplexity": fp_ppl, "fpNll": fp_nll, "mixed": {"bits": {str(k): v for k, v in mixed.items()}, "perplexity": mixed_ppl, "logitsLast0": mixed_z},
        "lowBits": 4, "highBits": 8, "curves": curves,
    }


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    q = rtn(np.array([[0.0, 0.1, 0.25, 1.0]], dtype=np.float32), 2, 4, "asymmetric")
    check(np.allclose(q, [[0.0, 0.0, 1 / 3, 1.0]]), "2-bit asymmetric group [0, .1, .25, 1] -> [0, 0, 1/3, 1]")
    q = rtn(np.array([[-1.0, 0.3, 0.5]], dtype=np.float32), 8, 0, "auto")
    check(np.allclose(q, [[-1.0, 38 / 127, 64 / 127]]), "8-bit symmetric row [-1, .3, .5] -> [-1, 38/127, 64/127]")
    check(abs(zd(np.array([[-1.0, 0, 0, 0, 1.0]])) - 0.4) < 1e-12, "zd of [-1, 0, 0, 0, 1] = 2/5 (σ = 0.632)")
    for name, (d, ds) in MODELS.items():
        print("==", name)
        doc = build(name, d, ds)
        if "--check" in argv:
            continue
        fn = os.path.join(OUT, name + ".json")
        with open(fn, "w") as f:
            json.dump(doc, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(fn, ROOT), os.path.getsize(fn), "bytes")
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
