#!/usr/bin/env python3
"""Hook-aware float64 forward with interventions, TransformerLens hook names.

Builds on reference.py (weights, config, primitives, RoPE, windows, decode) but
re-implements each block with named hook points, so that captures and interventions can
be checked independently. With no interventions it must reproduce reference.py's
`Model.run` (checked by `--check`).

    python3 scripts/reference/interventions.py            # writes tests/golden/interventions/*.json
    python3 scripts/reference/interventions.py --check    # self-checks only (exit 1 on failure)

Hooks (s = STEP index in the path, T positions, H heads, KV kv-heads, hd, d, ff):
  hook_embed [T,d], hook_pos_embed [T,d] (gpt2 only)
  blocks.{s}.hook_resid_pre [T,d]            blocks.{s}.ln1.hook_normalized [T,d]
  blocks.{s}.attn.hook_q [T,H,hd]            blocks.{s}.attn.hook_k / hook_v [T,KV,hd]
  blocks.{s}.attn.hook_attn_scores [H,T,T]   blocks.{s}.attn.hook_pattern [H,T,T]
  blocks.{s}.attn.hook_z [T,H,hd]            blocks.{s}.hook_attn_out [T,d]
  blocks.{s}.hook_resid_mid [T,d]            blocks.{s}.ln2.hook_normalized [T,d]
  blocks.{s}.mlp.hook_post [T,ff]            blocks.{s}.hook_mlp_out [T,d]
  blocks.{s}.hook_resid_post [T,d]           ln_final.hook_normalized [T,d]

Intervention = {hook, kind: zero|mean|patch|add, heads?, positions?, value?: {shape, data}}.
See README.md ("Hooks and interventions") for the exact semantics.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from reference import (DT, Model, apply_rope, layer_norm, rms_norm)  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "interventions")
MASK_ADD = -1e9

BLOCK_HOOKS = ["hook_resid_pre", "ln1.hook_normalized", "attn.hook_q", "attn.hook_k",
               "attn.hook_v", "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z",
               "hook_attn_out", "hook_resid_mid", "ln2.hook_normalized", "mlp.hook_post",
               "hook_mlp_out", "hook_resid_post"]
HEAD_AXIS1 = ("attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_z")   # [T, H, hd]
HEAD_AXIS0 = ("attn.hook_attn_scores", "attn.hook_pattern")                 # [H, Tq, Tk]


def axes(hook):
    """(position axis, head axis or None) of a hook."""
    if hook.endswith(HEAD_AXIS0):
        return 1, 0
    if hook.endswith(HEAD_AXIS1):
        return 0, 1
    return 0, None


def value_tensor(v):
    t = torch.tensor(v["data"], dtype=DT)
    assert t.numel() == int(np.prod(v["shape"])), "value data/shape mismatch"
    return t.reshape(v["shape"])


def apply_intervention(x, iv):
    """Returns the modified copy of x ([hook shape]) for one intervention."""
    hook, kind = iv["hook"], iv["kind"]
    pax, hax = axes(hook)
    sel = torch.ones(x.shape, dtype=torch.bool)
    if iv.get("heads") is not None:
        if hax is None:
            raise ValueError("%s has no head axis" % hook)
        hm = torch.zeros(x.shape[hax], dtype=torch.bool)
        for h in iv["heads"]:
            assert 0 <= h < x.shape[hax], (hook, h)
            hm[h] = True
        shape = [1] * x.dim()
        shape[hax] = -1
        sel = sel & hm.reshape(shape)
    if iv.get("positions") is not None:
        pm = torch.zeros(x.shape[pax], dtype=torch.bool)
        for p in iv["positions"]:
            assert 0 <= p < x.shape[pax], (hook, p)
            pm[p] = True
        shape = [1] * x.dim()
        shape[pax] = -1
        sel = sel & pm.reshape(shape)
    val = value_tensor(iv["value"]) if iv.get("value") is not None else None

    def bcast(v, allow_mean_shape=False):
        if tuple(v.shape) == tuple(x.shape):
            return v
        if v.dim() == 1 and v.shape[0] == x.shape[-1]:
            return v.expand(x.shape)
        mshape = list(x.shape)
        del mshape[pax]
        if allow_mean_shape and list(v.shape) == mshape:
            return v.unsqueeze(pax).expand(x.shape)
        raise ValueError("value shape %s does not fit %s %s" % (list(v.shape), hook, list(x.shape)))

    if kind == "zero":
        return torch.where(sel, torch.zeros_like(x), x)
    if kind == "mean":
        tgt = bcast(val, True) if val is not None else x.mean(pax, keepdim=True).expand(x.shape)
        return torch.where(sel, tgt, x)
    if kind == "patch":
        assert val is not None and tuple(val.shape) == tuple(x.shape), "patch needs full shape"
        return torch.where(sel, val, x)
    if kind == "add":
        assert val is not None
        return torch.where(sel, x + bcast(val), x)
    raise ValueError(kind)


class Hooked:
    """Wraps a reference.Model; forward(ids, path, interventions, capture)."""

    def __init__(self, model_dir):
        self.m = Model(model_dir)

    # ---------------------------------------------------------------- hook point
    def hp(self, name, x):
        self.seen.add(name)
        for iv in self.ivs.get(name, ()):
            x = apply_intervention(x, iv)
        if name in self.cap:
            self.out[name] = x.clone()
        return x

    # ---------------------------------------------------------------- attention core
    def attn_core(self, s, l, q, k, v, scale, softcap=None):
        """q [T,H,hd], k/v [T,KV,hd] (post-hook, pre-RoPE). Returns z [T,H*hd]."""
        m = self.m
        p = "blocks.%d.attn." % s
        T, H, hd = q.shape
        KV = k.shape[1]
        qh, kh, vh = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        if m.mt != "gpt2":
            qh, kh = apply_rope(qh, m.inv_freq), apply_rope(kh, m.inv_freq)
        idx = torch.arange(H) // (H // KV)
        sc = torch.matmul(qh, kh[idx].transpose(-1, -2)) * scale          # [H,T,T]
        if softcap:
            sc = torch.tanh(sc / softcap) * softcap
        i = torch.arange(T)[:, None]
        j = torch.arange(T)[None, :]
        allowed = j <= i
        win = m.window(l)
        if win is not None:
            allowed = allowed & (j > i - win)
        sc = sc + torch.where(allowed, torch.zeros((), dtype=DT), torch.full((), MASK_ADD, dtype=DT))
        sc = self.hp(p + "hook_attn_scores", sc)
        pat = self.hp(p + "hook_pattern", torch.softmax(sc, dim=-1))
        z = torch.matmul(pat, vh[idx]).transpose(0, 1)                     # [T,H,hd]
        z = self.hp(p + "hook_z", z)
        return z.reshape(T, H * hd)

    # ---------------------------------------------------------------- blocks
    def block(self, s, l, h):
        m, W = self.m, self.m.W
        b = "blocks.%d." % s
        h = self.hp(b + "hook_resid_pre", h)
        T = h.shape[0]
        if m.mt == "gpt2":
            p, d, H = "h.%d." % l, m.d, m.H
            hd = d // H
            a = self.hp(b + "ln1.hook_normalized",
                        layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], m.eps))
            qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
            q = self.hp(b + "attn.hook_q", qkv[:, :d].reshape(T, H, hd))
            k = self.hp(b + "attn.hook_k", qkv[:, d:2 * d].reshape(T, H, hd))
            v = self.hp(b + "attn.hook_v", qkv[:, 2 * d:].reshape(T, H, hd))
            z = self.attn_core(s, l, q, k, v, hd ** -0.5)
            o = self.hp(b + "hook_attn_out", z @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"])
            mid = self.hp(b + "hook_resid_mid", h + o)
            x = self.hp(b + "ln2.hook_normalized",
                        layer_norm(mid, W[p + "ln_2.weight"], W[p + "ln_2.bias"], m.eps))
            post = self.hp(b + "mlp.hook_post", m.act(x @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"]))
            mo = self.hp(b + "hook_mlp_out", post @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"])
            return self.hp(b + "hook_resid_post", mid + mo)

        if m.mt == "gpt_neox":
            p, H, hd = "gpt_neox.layers.%d." % l, m.H, m.hd
            a = self.hp(b + "ln1.hook_normalized",
                        layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], m.eps))
            qkv = (a @ W[p + "attention.query_key_value.weight"].T
                   + W[p + "attention.query_key_value.bias"]).reshape(T, H, 3 * hd)
            q = self.hp(b + "attn.hook_q", qkv[:, :, :hd])
            k = self.hp(b + "attn.hook_k", qkv[:, :, hd:2 * hd])
            v = self.hp(b + "attn.hook_v", qkv[:, :, 2 * hd:])
            z = self.attn_core(s, l, q, k, v, hd ** -0.5)
            o = self.hp(b + "hook_attn_out", z @ W[p + "attention.dense.weight"].T + W[p + "attention.dense.bias"])
            mid = self.hp(b + "hook_resid_mid", h + o)
            mlp_in = h if m.parallel else mid
            x = self.hp(b + "ln2.hook_normalized",
                        layer_norm(mlp_in, W[p + "post_attention_layernorm.weight"],
                                   W[p + "post_attention_layernorm.bias"], m.eps))
            post = self.hp(b + "mlp.hook_post",
                           m.act(x @ W[p + "mlp.dense_h_to_4h.weight"].T + W[p + "mlp.dense_h_to_4h.bias"]))
            mo = self.hp(b + "hook_mlp_out",
                         post @ W[p + "mlp.dense_4h_to_h.weight"].T + W[p + "mlp.dense_4h_to_h.bias"])
            return self.hp(b + "hook_resid_post", mid + mo)

        # llama / mistral / qwen2 / qwen3 / gemma / gemma2
        p, H, KV, hd, g = "model.layers.%d." % l, m.H, m.KV, m.hd, m.gemma

        def lin(x, name):
            y = x @ W[p + name + ".weight"].T
            bias = W.get(p + name + ".bias")
            return y if bias is None else y + bias

        a = self.hp(b + "ln1.hook_normalized", rms_norm(h, W[p + "input_layernorm.weight"], m.eps, g))
        q = lin(a, "self_attn.q_proj").reshape(T, H, hd)
        k = lin(a, "self_attn.k_proj").reshape(T, KV, hd)
        v = lin(a, "self_attn.v_proj").reshape(T, KV, hd)
        if p + "self_attn.q_norm.weight" in W:
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], m.eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], m.eps)
        q = self.hp(b + "attn.hook_q", q)
        k = self.hp(b + "attn.hook_k", k)
        v = self.hp(b + "attn.hook_v", v)
        softcap = m.cfg.get("attn_logit_softcapping") if m.mt == "gemma2" else None
        z = self.attn_core(s, l, q, k, v, m.scale, softcap)
        o = lin(z, "self_attn.o_proj")
        if m.mt == "gemma2":
            o = rms_norm(o, W[p + "post_attention_layernorm.weight"], m.eps, True)
        o = self.hp(b + "hook_attn_out", o)
        mid = self.hp(b + "hook_resid_mid", h + o)
        ln2 = "pre_feedforward_layernorm" if m.mt == "gemma2" else "post_attention_layernorm"
        x = self.hp(b + "ln2.hook_normalized", rms_norm(mid, W[p + ln2 + ".weight"], m.eps, g))
        post = self.hp(b + "mlp.hook_post", m.act(lin(x, "mlp.gate_proj")) * lin(x, "mlp.up_proj"))
        mo = lin(post, "mlp.down_proj")
        if m.mt == "gemma2":
            mo = rms_norm(mo, W[p + "post_feedforward_layernorm.weight"], m.eps, True)
        mo = self.hp(b + "hook_mlp_out", mo)
        return self.hp(b + "hook_resid_post", mid + mo)

    # ---------------------------------------------------------------- forward
    def forward(self, ids, path=None, interventions=(), capture=()):
        m, W = self.m, self.m.W
        if path is None:
            path = list(range(m.L))
        self.ivs, self.cap, self.out, self.seen = {}, set(capture), {}, set()
        for iv in interventions:
            self.ivs.setdefault(iv["hook"], []).append(iv)
        t = torch.tensor(ids, dtype=torch.long)
        T = t.numel()
        if m.mt == "gpt2":
            h = self.hp("hook_embed", W["wte.weight"][t])
            h = h + self.hp("hook_pos_embed", W["wpe.weight"][torch.arange(T)])
        elif m.mt == "gpt_neox":
            h = self.hp("hook_embed", W["gpt_neox.embed_in.weight"][t])
        else:
            e = W["model.embed_tokens.weight"][t]
            h = self.hp("hook_embed", e * math.sqrt(m.d) if m.gemma else e)
        for s, l in enumerate(path):
            h = self.block(s, l, h)
        # final norm + unembed (+ final soft-cap)
        if m.mt == "gpt2":
            x = self.hp("ln_final.hook_normalized", layer_norm(h, W["ln_f.weight"], W["ln_f.bias"], m.eps))
            z = x @ W["wte.weight"].T
        elif m.mt == "gpt_neox":
            x = self.hp("ln_final.hook_normalized",
                        layer_norm(h, W["gpt_neox.final_layer_norm.weight"],
                                   W["gpt_neox.final_layer_norm.bias"], m.eps))
            z = x @ W["embed_out.weight"].T
        else:
            x = self.hp("ln_final.hook_normalized", rms_norm(h, W["model.norm.weight"], m.eps, m.gemma))
            z = x @ m.unembed.T
            cap = m.cfg.get("final_logit_softcapping") if m.mt == "gemma2" else None
            if cap:
                z = torch.tanh(z / cap) * cap
        unknown = (set(self.ivs) | self.cap) - self.seen
        if unknown:
            raise ValueError("unknown hooks for this model/path: %s" % sorted(unknown))
        return z, self.out


# ==================================================================== goldens

def rnd(x):
    return float("%.7g" % x)


def rlist(t):
    return [rnd(v) for v in t.reshape(-1).tolist()]


def tval(t):
    """Tensor -> {shape, data} rounded to 7 significant digits."""
    return {"shape": list(t.shape), "data": rlist(t)}


# name -> (T, seed for ids)
FIXTURES = {
    "gpt2": (6, 101),
    "llama-gqa": (6, 102),
    "qwen3": (6, 103),
    "gemma2": (6, 104),      # > sliding_window 4: queries 4, 5 of layers 0/2 lose key 0 / 0-1
    "gpt_neox": (6, 105),
    "stories260K": (6, 106),
}
# stories260K: ids and sourceIds are these texts through its tokenizer.json (6 tokens each).
STORIES_TEXTS = ("She loved to play", "Lily saw a cat")


def step_hooks(s):
    return ["blocks.%d.%s" % (s, h) for h in BLOCK_HOOKS]


def make_cases(hm, T, seed, extras=True, stories_texts=None):
    m = hm.m
    V = m.decode(m.embed([0])).shape[-1]
    rng = np.random.default_rng(seed)
    lo = 1 if V > 2 else 0
    ids = rng.integers(lo, V, T).tolist()
    other = rng.integers(lo, V, T).tolist()
    if stories_texts:        # stories260K: real text through its tokenizer.json (BOS first)
        from tok import Tokenizer
        tk = Tokenizer(os.path.join(ROOT, "tests", "fixtures", "models", "stories260K"))
        ids, other = tk.encode(stories_texts[0]), tk.encode(stories_texts[1])
        assert len(ids) == len(other) == T and ids[0] == other[0] == 1, (ids, other)
    L = m.L
    last = L - 1
    loop_path = [0, 1, 1, 2] if L == 3 else [0, 1, 1] + list(range(2, L))
    H = m.H
    heads_b = [0] if H <= 2 else [0, H - 1]
    cases = []

    def add(name, interventions, capture, path=None, ids_=None, extra=None):
        z, caps = hm.forward(ids_ or ids, path, interventions, capture)
        c = {"name": name, "ids": list(ids_ or ids), "path": path,
             "interventions": interventions, "capture": list(capture),
             "logitsLast": rlist(z[-1]),
             "captures": {k: tval(caps[k]) for k in capture}}
        if extra:
            c.update(extra)
        cases.append(c)
        return z, caps

    # a. no interventions, everything of steps 0 and 1
    cap_a = ["hook_embed"] + (["hook_pos_embed"] if m.mt == "gpt2" else []) \
        + step_hooks(0) + step_hooks(1) + ["ln_final.hook_normalized"]
    _, base = add("a_clean_capture", [], cap_a)
    last_post = "blocks.%d.hook_resid_post" % last

    # b. zero heads of blocks.1.attn.hook_z
    add("b_zero_heads_z", [{"hook": "blocks.1.attn.hook_z", "kind": "zero", "heads": heads_b}],
        ["blocks.1.hook_attn_out", last_post])

    # c. zero blocks.0.hook_mlp_out at positions [1, 2]
    add("c_zero_mlp_out_positions",
        [{"hook": "blocks.0.hook_mlp_out", "kind": "zero", "positions": [1, 2]}],
        ["blocks.0.hook_mlp_out", "blocks.0.hook_resid_post"])

    # d. mean-ablate blocks.1.hook_attn_out
    add("d_mean_attn_out", [{"hook": "blocks.1.hook_attn_out", "kind": "mean"}],
        ["blocks.1.hook_attn_out", "blocks.1.hook_resid_mid"])

    # e. add a seeded random vector (3 x mean residual norm) to blocks.0.hook_resid_post
    _, c0 = hm.forward(ids, None, [], ["blocks.0.hook_resid_post"])
    typ = c0["blocks.0.hook_resid_post"].norm(dim=-1).mean().item()
    g = torch.Generator().manual_seed(seed)
    vec = torch.randn(m.d, generator=g, dtype=DT)
    vec = vec / vec.norm() * 3.0 * typ
    add("e_add_vector_resid_post",
        [{"hook": "blocks.0.hook_resid_post", "kind": "add", "positions": [2, T - 1],
          "value": tval(vec)}],
        ["blocks.0.hook_resid_post", "blocks.1.hook_resid_pre"])

    # f. patch blocks.1.hook_resid_pre at [T-1] from a run on `other`
    _, co = hm.forward(other, None, [], ["blocks.1.hook_resid_pre"])
    src = tval(co["blocks.1.hook_resid_pre"])
    add("f_patch_resid_pre",
        [{"hook": "blocks.1.hook_resid_pre", "kind": "patch", "positions": [T - 1], "value": src}],
        ["blocks.1.hook_resid_pre", last_post], extra={"sourceIds": other})

    # g. zero blocks.0.attn.hook_pattern head 1, query 3
    add("g_zero_pattern_row",
        [{"hook": "blocks.0.attn.hook_pattern", "kind": "zero", "heads": [1], "positions": [3]}],
        ["blocks.0.attn.hook_pattern", "blocks.0.attn.hook_z", "blocks.0.hook_attn_out"])

    # h. looped path, add at blocks.2.hook_resid_pre (= second run of layer 1)
    g = torch.Generator().manual_seed(seed + 1)
    vec2 = torch.randn(m.d, generator=g, dtype=DT)
    vec2 = vec2 / vec2.norm() * 2.0 * typ
    add("h_loop_add_resid_pre",
        [{"hook": "blocks.2.hook_resid_pre", "kind": "add", "value": tval(vec2)}],
        ["blocks.1.hook_resid_post", "blocks.2.hook_resid_pre", "blocks.2.hook_resid_post"],
        path=loop_path)
    if not extras:          # stories260K: keep the file size down (d=64, V=512)
        return cases, ids, base

    # i. (extra) add a key-axis vector to blocks.1.attn.hook_attn_scores for head 0, query T-2
    kv = torch.linspace(-2.0, 2.0, T, dtype=DT)
    add("i_add_scores_keyvector",
        [{"hook": "blocks.1.attn.hook_attn_scores", "kind": "add", "heads": [0],
          "positions": [T - 2], "value": tval(kv)}],
        ["blocks.1.attn.hook_attn_scores", "blocks.1.attn.hook_pattern"])

    # j. (extra) two interventions on one hook, applied in order: patch head 1 of hook_v from
    #    the other run at all positions, then mean over positions (of the patched value)
    _, cv = hm.forward(other, None, [], ["blocks.0.attn.hook_v"])
    add("j_ordered_patch_then_mean_v",
        [{"hook": "blocks.0.attn.hook_v", "kind": "patch", "heads": [m.KV - 1 if hasattr(m, "KV") else H - 1],
          "value": tval(cv["blocks.0.attn.hook_v"])},
         {"hook": "blocks.0.attn.hook_v", "kind": "mean", "positions": [0, 1]}],
        ["blocks.0.attn.hook_v", "blocks.0.hook_attn_out"], extra={"sourceIds": other})
    return cases, ids, base


# ==================================================================== self-checks

FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


def selfchecks(name, hm, ids, base):
    m = hm.m
    T = len(ids)
    for s in (0, 1):
        b = "blocks.%d." % s
        e1 = (base[b + "hook_resid_pre"] + base[b + "hook_attn_out"] - base[b + "hook_resid_mid"]).abs().max().item()
        e2 = (base[b + "hook_resid_mid"] + base[b + "hook_mlp_out"] - base[b + "hook_resid_post"]).abs().max().item()
        check(e1 < 1e-12 and e2 < 1e-12,
              "%s step %d: resid_pre+attn_out==resid_mid (%.1e), resid_mid+mlp_out==resid_post (%.1e)"
              % (name, s, e1, e2))
        pr = base[b + "attn.hook_pattern"].sum(-1)
        check((pr - 1).abs().max().item() < 1e-12, "%s step %d: pattern rows sum to 1" % (name, s))
    e = (base["blocks.0.hook_resid_post"] - base["blocks.1.hook_resid_pre"]).abs().max().item()
    check(e == 0, "%s: blocks.0.hook_resid_post == blocks.1.hook_resid_pre" % name)
    # agreement with reference.py's Model.run (independent of the hook code) on two paths
    for path in (None, [0, 1, 1] + list(range(2, m.L))):
        resids, attn = m.run(ids, path)
        p = path if path is not None else list(range(m.L))
        cap = ["blocks.%d.hook_resid_post" % s for s in range(len(p))] + \
              ["blocks.%d.attn.hook_pattern" % s for s in range(len(p))]
        z, c = hm.forward(ids, path, [], cap)
        er = max((c["blocks.%d.hook_resid_post" % s] - resids[s + 1]).abs().max().item() for s in range(len(p)))
        ea = max((c["blocks.%d.attn.hook_pattern" % s] - attn[s]).abs().max().item() for s in range(len(p)))
        el = (z - m.decode(resids[-1])).abs().max().item()
        check(er < 1e-10 and ea < 1e-12 and el < 1e-10,
              "%s path %s: hooked forward == reference.run (resid %.1e, pattern %.1e, logits %.1e)"
              % (name, path, er, ea, el))
    # no-op interventions equal no intervention (exactly)
    z0, c0 = hm.forward(ids, None, [], ["blocks.1.hook_resid_post"])
    noop = [{"hook": "blocks.0.hook_resid_post", "kind": "add",
             "value": {"shape": [m.d], "data": [0.0] * m.d}},
            {"hook": "blocks.1.attn.hook_z", "kind": "add", "heads": [0],
             "value": {"shape": [m.hd if hasattr(m, "hd") else m.d // m.H],
                       "data": [0.0] * (m.hd if hasattr(m, "hd") else m.d // m.H)}}]
    z1, c1 = hm.forward(ids, None, noop, ["blocks.1.hook_resid_post"])
    check(torch.equal(z0, z1) and torch.equal(c0["blocks.1.hook_resid_post"], c1["blocks.1.hook_resid_post"]),
          "%s: add-zero intervention == no intervention (bitwise)" % name)
    # patch with the run's own value is a no-op; mean with explicit value == computed mean
    _, cs = hm.forward(ids, None, [], ["blocks.1.hook_resid_pre", "blocks.1.hook_attn_out"])
    z2, _ = hm.forward(ids, None, [{"hook": "blocks.1.hook_resid_pre", "kind": "patch",
                                    "value": {"shape": [T, m.d],
                                              "data": cs["blocks.1.hook_resid_pre"].reshape(-1).tolist()}}], [])
    check(torch.equal(z0, z2), "%s: self-patch == no intervention (bitwise)" % name)
    mu = cs["blocks.1.hook_attn_out"].mean(0)
    z3, _ = hm.forward(ids, None, [{"hook": "blocks.1.hook_attn_out", "kind": "mean"}], [])
    z4, _ = hm.forward(ids, None, [{"hook": "blocks.1.hook_attn_out", "kind": "mean",
                                    "value": {"shape": [m.d], "data": mu.tolist()}}], [])
    check((z3 - z4).abs().max().item() < 1e-12, "%s: mean (computed) == mean (explicit value)" % name)
    # zeroing every head's z == zeroing attn_out minus the o_proj bias: check via attn_out when no bias
    # zero pattern row -> z row of that head is zero
    _, cg = hm.forward(ids, None, [{"hook": "blocks.0.attn.hook_pattern", "kind": "zero",
                                    "heads": [1], "positions": [3]}], ["blocks.0.attn.hook_z"])
    check(cg["blocks.0.attn.hook_z"][3, 1].abs().max().item() == 0,
          "%s: zeroed pattern row gives z[3, head 1] == 0" % name)


def main(argv):
    only_check = "--check" in argv
    os.makedirs(OUT, exist_ok=True)
    for name, (T, seed) in FIXTURES.items():
        hm = Hooked(os.path.join(ROOT, "tests", "fixtures", "models", name))
        print("==", name, hm.m.mt, "T=%d" % T)
        st = STORIES_TEXTS if name == "stories260K" else None
        cases, ids, base = make_cases(hm, T, seed, extras=(st is None), stories_texts=st)
        selfchecks(name, hm, ids, base)
        # the golden file itself: captures of case a must also satisfy the identities
        if only_check:
            continue
        doc = {"model": "tests/fixtures/models/" + name, "cases": cases}
        fn = os.path.join(OUT, name + ".json")
        with open(fn, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(fn, ROOT), "cases:", len(cases), "bytes:", os.path.getsize(fn))
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
