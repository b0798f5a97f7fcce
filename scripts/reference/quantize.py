#!/usr/bin/env python3
"""Goldens for fake weight quantisation (METHODS §11; workers/engine/quantize.ts), float64.

    /usr/bin/python3 scripts/reference/quantize.py           # writes tests/golden/quantize/<name>.json
    /usr/bin/python3 scripts/reference/quantize.py --check   # self-checks only

Every block linear weight of the checkpoint (HF nn.Linear W [out, in]; GPT-2's Conv1D stores
[in, out] and is transposed first) is quantised per output row in groups of g consecutive
inputs, then dequantised:
  asymmetric  s = (max − min)/(2^b − 1), q = clamp(round((w − min)/s), 0, 2^b − 1), ŵ = q·s + min
  symmetric   s = max|w|/(2^(b−1) − 1), q = clamp(round(w/s), −2^(b−1), 2^(b−1) − 1), ŵ = q·s
round = numpy.round (half to even); a group with s = 0 is left as it is. Defaults: 8 bits
symmetric with g = the whole row; fewer bits asymmetric with g = 128, lowered by 32 until it
divides the row (at least 32), else the whole row. Embeddings, norms, biases and the
unembedding are untouched. Then interventions.py's Hooked forward on seeded ids gives
`logitsLast`; `up0` is the first 8 input rows of block 0's MLP input projection after
quantisation, in the engine's [in, out] layout. Cases: 8 bits (default), 4 bits (default groups), 4 bits with g = 16 (stories260K: 4, as its
MLP rows are 172 long).
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
OUT = os.path.join(ROOT, "tests", "golden", "quantize")
MODELS = {"llama-gqa": 401, "gpt2": 402, "gpt_neox": 403, "gemma2": 404, "qwen3": 405, "stories260K": 406, "demo": 407}
CASES = [("b8", 8, 0), ("b4", 4, 0), ("b4g", 4, 16)]
# Block linear maps by family: (name fragments, stored transposed [in, out] like Conv1D)
LINEAR = {
    "gpt2": ((".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"), True),
    "gpt_neox": ((".attention.query_key_value.weight", ".attention.dense.weight", ".mlp.dense_h_to_4h.weight", ".mlp.dense_4h_to_h.weight"), False),
}
LLAMA = ((".self_attn.q_proj.weight", ".self_attn.k_proj.weight", ".self_attn.v_proj.weight", ".self_attn.o_proj.weight",
          ".mlp.gate_proj.weight", ".mlp.up_proj.weight", ".mlp.down_proj.weight"), False)
UP0 = {"gpt2": "h.0.mlp.c_fc.weight", "gpt_neox": "gpt_neox.layers.0.mlp.dense_h_to_4h.weight"}


def group_for(inputs, bits, g):
    if g:
        assert inputs % g == 0
        return g
    if bits >= 8:
        return inputs
    for c in (128, 96, 64, 32):
        if inputs % c == 0:
            return c
    return inputs


def quantize_rows(W, bits, g):
    """W [out, in] float64 -> dequantised copy, groups of g along `in`."""
    out_, inp = W.shape
    g = group_for(inp, bits, g)
    sym = bits >= 8
    G = W.reshape(out_, inp // g, g)
    if sym:
        qmax = 2 ** (bits - 1) - 1
        s = np.abs(G).max(-1, keepdims=True) / qmax
        safe = np.where(s > 0, s, 1.0)
        Q = np.clip(np.round(G / safe), -qmax - 1, qmax) * safe
    else:
        qmax = 2 ** bits - 1
        mn = G.min(-1, keepdims=True)
        s = (G.max(-1, keepdims=True) - mn) / qmax
        safe = np.where(s > 0, s, 1.0)
        Q = np.clip(np.round((G - mn) / safe), 0, qmax) * safe + mn
    Q = np.where(s > 0, Q, G)
    return Q.reshape(out_, inp)


def rnd(x):
    return float("%.7g" % x)


FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


def build(name, seed):
    d = os.path.join(ROOT, "public", "models", "demo") if name == "demo" else os.path.join(ROOT, "tests", "fixtures", "models", name)
    hm = Hooked(d)
    m = hm.m
    frags, transposed = LINEAR.get(m.mt, LLAMA)
    rng = np.random.default_rng(seed)
    ids = rng.integers(2, int(m.cfg["vocab_size"]), 7).tolist()
    clean = {k: v.clone() for k, v in m.W.items()}
    base, _ = hm.forward(ids)
    cases = []
    ins = [(v.shape[0] if transposed else v.shape[1]) for k, v in clean.items() if k.endswith(frags) and v.dim() == 2]
    for cname, bits, g in CASES:
        if g:
            # the small group case: 16, or the largest divisor of every row length below it (stories260K's MLP rows are 172)
            g = max(c for c in range(1, g + 1) if all(i % c == 0 for i in ins))
        n_q = 0
        for k, v in clean.items():
            if k.endswith(frags) and v.dim() == 2:
                W = v.numpy().T if transposed else v.numpy()
                Q = quantize_rows(W, bits, g)
                n_q += Q.size
                m.W[k] = torch.from_numpy(Q.T.copy() if transposed else Q)
            else:
                m.W[k] = v
        z, _ = hm.forward(ids)
        up_name = UP0.get(m.mt, "model.layers.0.mlp.up_proj.weight")
        up = m.W[up_name].numpy()
        up_in_out = (up if transposed else up.T)[:8]  # its first 8 input rows, [8, out]
        cases.append({"name": cname, "bits": bits, "groupSize": g, "quantized": n_q,
                      "logitsLast": [rnd(x) for x in z[-1].tolist()],
                      "up0": {"shape": list(up_in_out.shape), "data": [rnd(x) for x in up_in_out.ravel().tolist()]}})
        dz = (z[-1] - base[-1]).abs().max().item()
        check(dz > 0, "%s %s: logits move by %.3g (%d weights rounded)" % (name, cname, dz, n_q))
    for k, v in clean.items():
        m.W[k] = v
    # the 8-bit copy is closer to the original than the 4-bit one
    d8 = max(abs(a - b) for a, b in zip(cases[0]["logitsLast"], base[-1].tolist()))
    d4 = max(abs(a - b) for a, b in zip(cases[1]["logitsLast"], base[-1].tolist()))
    check(d8 < d4, "%s: 8 bits move the logits less (%.3g) than 4 bits (%.3g)" % (name, d8, d4))
    return {"model": os.path.relpath(d, ROOT), "ids": ids, "logitsClean": [rnd(x) for x in base[-1].tolist()], "cases": cases}


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    # hand check of the formulas: one group of four
    q = quantize_rows(np.array([[0.0, 0.1, 0.25, 1.0]]), 2, 4)  # s = 1/3: w/s = 0, 0.3, 0.75, 3
    check(np.allclose(q, [[0.0, 0.0, 1 / 3, 1.0]]), "2-bit asymmetric group [0, .1, .25, 1] -> [0, 0, 1/3, 1]: %s" % q)
    q = quantize_rows(np.array([[-1.0, 0.3, 0.5]]), 8, 0)  # s = 1/127: w/s = -127, 38.1, 63.5 (half to even: 64)
    check(np.allclose(q, [[-1.0, 38 / 127, 64 / 127]]), "8-bit symmetric row [-1, .3, .5] -> [-1, 38/127, 64/127]")
    for name, seed in MODELS.items():
        print("==", name)
        doc = build(name, seed)
        if "--check" in argv:
            continue
        fn = os.path.join(OUT, name + ".json")
        with open(fn, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(fn, ROOT), os.path.getsize(fn), "bytes")
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
