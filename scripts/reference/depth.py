#!/usr/bin/env python3
"""Depth goldens (METHODS.md §5–7): residual analytics and skip sweeps, float64.

    /usr/bin/python3 scripts/reference/depth.py            # writes tests/golden/depth/<name>.json
    /usr/bin/python3 scripts/reference/depth.py --check    # self-checks only

Independent of the engine: each block is re-split here into its attention output a and
MLP output m (from reference.py's weights and primitives; checked against
reference.Model.block), and a skipped layer is computed literally (output := input at
positions >= 1), not through hook interventions.

Per step s of a path, per position t, with h = block input, a, m, h_out = h + a + m:
  attnRel = |a|/|h|, mlpRel = |m|/|h+a|, layerRel = |h_out-h|/|h|   (norms clamped >= 1e-6)
  cosAttn = cos(a,h), cosMlp = cos(m,h+a), cosLayer = cos(h_out,h); mean and max over t
  lim = mean_t -cos(h,h_out); limFlat = -cos over the flattened [T*d] tensors
  voids (alpha 0.8): n_-1 = |h entering step 0|, n_l = |h_out of step l|, D_l = n_l - n_{l-1},
    tau_0 = 0, tau_l = alpha*(max_{j<l} D_j - min_{j<l} D_j); void iff D_l < tau_l
  massive: the 5 largest |h_out| entries per step (value, position, dim)
Skip sweep over the default path, modes layer / attn / mlp, positions >= 1:
  outputL2[s] = max_t |softmax z' - softmax z|_2, kl[s] = max_t KL(P||P'),
  top1Agree[s] = share of positions with equal argmax, effect[s][l] = max_t |D_l - D'_l|/|D_l|
  (D_l = h_{l+1} - h_l), all maxima also over the prompts of a set; depthScore =
  sum_s s*outputL2[s] / sum_s outputL2[s].
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from reference import Model, apply_rope, attention, layer_norm, rms_norm  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "depth")
EPS = 1e-6
ALPHA = 0.8
TOPK = 5

# name -> (T of prompt A, T of prompt B, seed). stories260K's prompts are real text encoded
# with its tokenizer.json (tok.py, BOS = 1 first): STORIES_TEXTS, of lengths 8 and 6.
FIXTURES = {
    "gpt2": (8, 6, 101), "llama-gqa": (9, 7, 102), "mistral": (8, 6, 103), "qwen2": (7, 8, 104),
    "qwen3": (8, 6, 105), "gemma": (7, 9, 106), "gemma2": (9, 6, 107), "gpt_neox": (8, 7, 108),
    "stories260K": (8, 6, 109),
}
STORIES_TEXTS = ("Once upon a time, there was", "She loved to play")
PATHS = {"stories260K": [0, 1, 2, 2, 4]}  # a loop and a skip; others use [0, 1, 1, 2]


def rnd(x):
    return float("%.7g" % x)


# ------------------------------------------------------------------ a and m per block

def parts(M, l, h):
    """(a, mlp) of layer l on input h: a [T,d] is what attention adds; mlp(x) is what the
    MLP adds given the residual it is added to (x = h + a; parallel NeoX ignores x)."""
    W, mt = M.W, M.mt
    T = h.shape[0]
    if mt == "gpt2":
        p, d, H = "h.%d." % l, M.d, M.H
        hd = d // H
        x = layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], M.eps)
        qkv = x @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, hd).transpose(0, 1) for i in range(3))
        o, _ = attention(q, k, v, hd ** -0.5)
        a = o @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]

        def mlp(r):
            y = layer_norm(r, W[p + "ln_2.weight"], W[p + "ln_2.bias"], M.eps)
            y = M.act(y @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
            return y @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
        return a, mlp
    if mt == "gpt_neox":
        p, H, hd = "gpt_neox.layers.%d." % l, M.H, M.hd
        x = layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], M.eps)
        qkv = (x @ W[p + "attention.query_key_value.weight"].T
               + W[p + "attention.query_key_value.bias"]).reshape(T, H, 3 * hd)
        q, k, v = (qkv[:, :, i * hd:(i + 1) * hd].transpose(0, 1) for i in range(3))
        o, _ = attention(apply_rope(q, M.inv_freq), apply_rope(k, M.inv_freq), v, hd ** -0.5)
        a = o @ W[p + "attention.dense.weight"].T + W[p + "attention.dense.bias"]

        def mlp(r):
            y = layer_norm(h if M.parallel else r, W[p + "post_attention_layernorm.weight"],
                           W[p + "post_attention_layernorm.bias"], M.eps)
            y = M.act(y @ W[p + "mlp.dense_h_to_4h.weight"].T + W[p + "mlp.dense_h_to_4h.bias"])
            return y @ W[p + "mlp.dense_4h_to_h.weight"].T + W[p + "mlp.dense_4h_to_h.bias"]
        return a, mlp
    p, H, KV, hd, g = "model.layers.%d." % l, M.H, M.KV, M.hd, M.gemma

    def lin(x, name):
        y = x @ W[p + name + ".weight"].T
        b = W.get(p + name + ".bias")
        return y if b is None else y + b
    x = rms_norm(h, W[p + "input_layernorm.weight"], M.eps, g)
    q = lin(x, "self_attn.q_proj").reshape(T, H, hd).transpose(0, 1)
    k = lin(x, "self_attn.k_proj").reshape(T, KV, hd).transpose(0, 1)
    v = lin(x, "self_attn.v_proj").reshape(T, KV, hd).transpose(0, 1)
    if p + "self_attn.q_norm.weight" in W:
        q = rms_norm(q, W[p + "self_attn.q_norm.weight"], M.eps)
        k = rms_norm(k, W[p + "self_attn.k_norm.weight"], M.eps)
    cap = M.cfg.get("attn_logit_softcapping") if M.mt == "gemma2" else None
    o, _ = attention(apply_rope(q, M.inv_freq), apply_rope(k, M.inv_freq), v, M.scale,
                     softcap=cap, window=M.window(l))
    a = lin(o, "self_attn.o_proj")
    if M.mt == "gemma2":
        a = rms_norm(a, W[p + "post_attention_layernorm.weight"], M.eps, True)

    def ffn(y):
        return lin(M.act(lin(y, "mlp.gate_proj")) * lin(y, "mlp.up_proj"), "mlp.down_proj")

    def mlp(r):
        if M.mt == "gemma2":
            y = ffn(rms_norm(r, W[p + "pre_feedforward_layernorm.weight"], M.eps, True))
            return rms_norm(y, W[p + "post_feedforward_layernorm.weight"], M.eps, True)
        return ffn(rms_norm(r, W[p + "post_attention_layernorm.weight"], M.eps, g))
    return a, mlp


def run(M, ids, path, skip=None):
    """Forward along path. skip = (step, mode) skips that step at positions >= 1:
    'layer' sets the output to the input there; 'attn'/'mlp' set that output to 0.
    Returns per step (h, a, m, h_out) and the logits [T, V]."""
    h = M.embed(ids)
    keep = torch.ones(h.shape[0], 1, dtype=h.dtype)
    keep[1:] = 0.0
    steps = []
    for s, l in enumerate(path):
        a, mlp = parts(M, l, h)
        mode = skip[1] if skip and skip[0] == s else None
        if mode == "attn":
            a = a * keep
        m = mlp(h + a)
        if mode == "mlp":
            m = m * keep
        out = h + a + m
        if mode == "layer":
            out = torch.where(keep.bool(), out, h)   # literally output := input at t >= 1
        steps.append((h, a, m, out))
        h = out
    return steps, M.decode(h)


def cos(x, y):
    return (x * y).sum(-1) / (x.norm(dim=-1).clamp_min(EPS) * y.norm(dim=-1).clamp_min(EPS))


def mm(v):
    return {"mean": rnd(v.mean().item()), "max": rnd(v.max().item())}


def residual(M, ids, path):
    steps, _ = run(M, ids, path)
    res = {k: [] for k in ("attnRel", "mlpRel", "layerRel", "cosAttn", "cosMlp", "cosLayer")}
    lim, lim_flat, massive = [], [], []
    for h, a, m, out in steps:
        ha = h + a
        res["attnRel"].append(mm(a.norm(dim=-1) / h.norm(dim=-1).clamp_min(EPS)))
        res["mlpRel"].append(mm(m.norm(dim=-1) / ha.norm(dim=-1).clamp_min(EPS)))
        res["layerRel"].append(mm((out - h).norm(dim=-1) / h.norm(dim=-1).clamp_min(EPS)))
        res["cosAttn"].append(mm(cos(a, h)))
        res["cosMlp"].append(mm(cos(m, ha)))
        c = cos(out, h)
        res["cosLayer"].append(mm(c))
        lim.append(rnd(-c.mean().item()))
        lim_flat.append(rnd(-(cos(out.reshape(-1), h.reshape(-1))).item()))
        flat = out.reshape(-1)
        idx = flat.abs().argsort(descending=True, stable=True)[:TOPK]
        d = out.shape[1]
        massive.append([{"value": rnd(flat[i].item()), "position": int(i) // d, "dim": int(i) % d}
                        for i in idx.tolist()])
    norms = [steps[0][0].norm(dim=-1)] + [st[3].norm(dim=-1) for st in steps]   # [S+1][T]
    T, S = len(ids), len(path)
    voids, margins = [], []
    for t in range(T):
        n = [norms[r][t].item() for r in range(S + 1)]
        deltas = [n[l + 1] - n[l] for l in range(S)]
        row, mrow = [], []
        for l in range(S):
            tau = ALPHA * (max(deltas[:l]) - min(deltas[:l])) if l > 0 else 0.0
            row.append(1 if deltas[l] < tau else 0)
            mrow.append(rnd(deltas[l] - tau))
        voids.append(row)
        margins.append(mrow)
    return {"path": path, "alpha": ALPHA, **res, "lim": lim, "limFlat": lim_flat,
            "voids": voids, "voidMargin": margins,
            "residNorms": [[rnd(x) for x in r.tolist()] for r in norms], "massive": massive}


def sweep(M, prompts):
    path = list(range(M.L))
    S = len(path)
    out = {}
    for mode in ("layer", "attn", "mlp"):
        l2, kl, agree = [0.0] * S, [0.0] * S, [0.0] * S
        margin = [float("inf")] * S
        effect = [[0.0] * S for _ in range(S)]
        npos = 0
        for ids in prompts:
            base, z = run(M, ids, path)
            dref = [st[3][1:] - st[0][1:] for st in base]
            lp = torch.log_softmax(z[1:], -1)
            for s in range(S):
                alt, z2 = run(M, ids, path, (s, mode))
                lp2 = torch.log_softmax(z2[1:], -1)
                l2[s] = max(l2[s], (lp2.exp() - lp.exp()).norm(dim=-1).max().item())
                kl[s] = max(kl[s], (lp.exp() * (lp - lp2)).sum(-1).max().item())
                agree[s] += (lp.argmax(-1) == lp2.argmax(-1)).sum().item()
                for zz in (z[1:], z2[1:]):   # the top-2 logit gap: near-ties make top1 fragile
                    top2 = zz.topk(2, dim=-1).values
                    margin[s] = min(margin[s], (top2[:, 0] - top2[:, 1]).min().item())
                for l in range(S):
                    dl = alt[l][3][1:] - alt[l][0][1:]
                    e = (dref[l] - dl).norm(dim=-1) / dref[l].norm(dim=-1).clamp_min(EPS)
                    effect[s][l] = max(effect[s][l], e.max().item())
            npos += len(ids) - 1
        agree = [x / npos for x in agree]
        den = sum(l2)
        out[mode] = {"outputL2": [rnd(x) for x in l2], "kl": [rnd(x) for x in kl],
                     "top1Agree": [rnd(x) for x in agree], "top1MinGap": [rnd(x) for x in margin],
                     "effect": [[rnd(x) for x in r] for r in effect],
                     "depthScore": rnd(sum(s * e for s, e in enumerate(l2)) / den if den > 0 else 0.0)}
    return out


# ------------------------------------------------------------------ checks and output

def selfcheck(M, ids):
    """h + a + m must equal reference.Model's block; the 'layer' skip keeps position 0."""
    path = list(range(M.L))
    resids, _ = M.run(ids, path)
    steps, z = run(M, ids, path)
    for s, st in enumerate(steps):
        err = (st[3] - resids[s + 1]).abs().max().item()
        assert err < 1e-9, ("block split differs", M.mt, s, err)
    assert (z - M.decode(resids[-1])).abs().max().item() < 1e-9
    alt, _ = run(M, ids, path, (1, "layer"))
    assert torch.equal(alt[1][3][1:], alt[1][0][1:])
    assert torch.equal(alt[1][3][0], steps[1][3][0])
    # Zeroing both sublayers at t >= 1 is the same as output := input there.
    h = steps[1][0]
    assert torch.equal(h[1:] + 0.0 + 0.0, alt[1][3][1:])


def prompt(name, T, rng, vocab, text=None):
    ids = rng.integers(2, vocab, size=T).tolist()   # drawn for every fixture (same stream)
    if name == "stories260K":
        from tok import Tokenizer
        ids = Tokenizer(os.path.join(ROOT, "tests", "fixtures", "models", name)).encode(text)
        assert len(ids) == T and ids[0] == 1, (text, ids)
    return [int(x) for x in ids]


def main(argv):
    check_only = "--check" in argv
    os.makedirs(OUT, exist_ok=True)
    for name, (ta, tb, seed) in FIXTURES.items():
        model_dir = os.path.join("tests", "fixtures", "models", name)
        M = Model(os.path.join(ROOT, model_dir))
        rng = np.random.default_rng(seed)
        vocab = M.cfg["vocab_size"]
        a = prompt(name, ta, rng, vocab, STORIES_TEXTS[0])
        b = prompt(name, tb, rng, vocab, STORIES_TEXTS[1])
        selfcheck(M, a)
        if check_only:
            print("ok", name)
            continue
        path = PATHS.get(name, [0, 1, 1, 2])
        doc = {"model": model_dir, "modelType": M.mt, "ids": a, "ids2": b,
               "residual": residual(M, a, list(range(M.L))), "residualPath": residual(M, a, path),
               "skip": sweep(M, [a]), "skipSet": sweep(M, [a, b])}
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])
