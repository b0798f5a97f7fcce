#!/usr/bin/env python3
"""Self-checks for reference.py that need no `transformers`.

    python3 scripts/reference/selfcheck.py

1. File format: every fixture's safetensors header is 8-aligned, offsets contiguous and
   in bounds, the index weight_map matches the shards.
2. Contract identities on every fixture (default + loop path): last lens row == logits,
   KL of last row == 0, attention rows sum to 1, causal zeros, Gemma2 window zeros,
   path=None == path=range(L).
3. A second, independently written naive implementation (numpy, explicit loops over
   heads / positions, complex-number RoPE, vectorised llama3 scaling, its own name
   handling) must match the torch reference: logits and attention, several paths.
4. GPT-2 layer-0 attention against torch.nn.MultiheadAttention.
5. Sensitivity: llama3 scaling changes inv_freq; Gemma2 soft-caps and sliding window
   change the output (so the fixtures really exercise them).
Exit code 1 if any check fails.
"""
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, read_checkpoint  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import reference as R  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "tests", "fixtures", "models")
# "Once upon a time, there was a little girl" through stories260K's tokenizer.json (tok.py).
STORIES_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421]
NAMES = ["gpt2", "gpt2-prefixed", "llama-gqa", "mistral", "qwen2", "qwen3", "gemma", "gemma2",
         "gpt_neox", "stories260K"]
FAILS = []


def check(ok, msg):
    print(("  ok    " if ok else "  FAIL  ") + msg)
    if not ok:
        FAILS.append(msg)


# ------------------------------------------------------------------ 1. file format

def check_files(name):
    d = os.path.join(MODELS, name)
    files = sorted(f for f in os.listdir(d) if f.endswith(".safetensors"))
    for fn in files:
        with open(os.path.join(d, fn), "rb") as f:
            buf = f.read()
        n = struct.unpack("<Q", buf[:8])[0]
        hdr = json.loads(buf[8:8 + n])
        spans = sorted(tuple(v["data_offsets"]) for k, v in hdr.items() if k != "__metadata__")
        contiguous = spans[0][0] == 0 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        check(n % 8 == 0 and contiguous and 8 + n + spans[-1][1] == len(buf),
              "%s/%s: header %d B (8-aligned), %d tensors contiguous, size exact"
              % (name, fn, n, len(spans)))
    idx = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(idx):
        wm = json.load(open(idx))["weight_map"]
        check(sorted(set(wm.values())) == files, "%s: index weight_map covers shards %s"
              % (name, files))


# ------------------------------------------------------------------ 3. naive numpy forward

class Naive:
    """Independent re-implementation: numpy float64, explicit loops, complex RoPE."""

    def __init__(self, d):
        self.c = c = json.load(open(os.path.join(d, "config.json")))
        self.w = {k[len("transformer."):] if k.startswith("transformer.") else k:
                  np.asarray(v, dtype=np.float64) for k, v in read_checkpoint(d).items()
                  if v.dtype != np.bool_}
        self.t = c["model_type"]

    def g(self, k):
        return self.w[k]

    @staticmethod
    def ln(x, w, b, eps):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            mu = sum(x[i]) / len(x[i])
            var = sum((x[i] - mu) ** 2) / len(x[i])
            out[i] = (x[i] - mu) / math.sqrt(var + eps) * w + b
        return out

    @staticmethod
    def rms(x, w, eps, one=False):
        ms = np.mean(x * x, axis=-1, keepdims=True)
        return x / np.sqrt(ms + eps) * (w + 1.0 if one else w)

    @staticmethod
    def freqs(base, dims, sc):
        inv = base ** (-np.arange(0, dims, 2, dtype=np.float64) / dims)
        if sc and sc.get("rope_type", sc.get("type")) == "llama3":
            fac, lo, hi, om = (sc["factor"], sc["low_freq_factor"], sc["high_freq_factor"],
                               sc["original_max_position_embeddings"])
            wl = 2 * np.pi / inv
            smooth = np.clip((om / wl - lo) / (hi - lo), 0.0, 1.0)
            # smooth == 0 exactly where wl >= om/lo, == 1 where wl <= om/hi
            inv = (1 - smooth) * inv / fac + smooth * inv
        return inv

    @staticmethod
    def rope(v, pos, inv):
        """v [hd]; rotate pairs (v[i], v[i+r/2]) as complex numbers, r = 2*len(inv)."""
        r = 2 * len(inv)
        half = r // 2
        z = (v[:half] + 1j * v[half:r]) * np.exp(1j * pos * inv)
        return np.concatenate([z.real, z.imag, v[r:]])

    @staticmethod
    def attend(qs, ks, vs, scale, cap, window):
        """qs [T][H][hd], ks/vs [T][KV][hd] -> out [T][H*hd], probs [H][T][T]."""
        T, H = len(qs), len(qs[0])
        KV = len(ks[0])
        probs = np.zeros((H, T, T))
        out = np.zeros((T, H * len(qs[0][0])))
        for h in range(H):
            kvh = h * KV // H
            for i in range(T):
                js = [j for j in range(i + 1) if window is None or i - j < window]
                s = []
                for j in js:
                    x = float(np.dot(qs[i][h], ks[j][kvh])) * scale
                    if cap:
                        x = cap * math.tanh(x / cap)
                    s.append(x)
                m = max(s)
                e = [math.exp(x - m) for x in s]
                tot = sum(e)
                for j, ej in zip(js, e):
                    probs[h, i, j] = ej / tot
                    out[i, h * len(qs[0][0]):(h + 1) * len(qs[0][0])] += ej / tot * vs[j][kvh]
        return out, probs

    def forward(self, ids, path):
        c, t, g = self.c, self.t, self.g
        T = len(ids)
        if t == "gpt2":
            x = np.stack([g("wte.weight")[i] for i in ids]) + g("wpe.weight")[:T]
        elif t == "gpt_neox":
            x = np.stack([g("gpt_neox.embed_in.weight")[i] for i in ids])
        else:
            x = np.stack([g("model.embed_tokens.weight")[i] for i in ids])
            if t.startswith("gemma"):
                x = x * np.sqrt(c["hidden_size"])
        attns = []
        for l in path:
            if t == "gpt2":
                x, a = self.gpt2_layer(x, l)
            elif t == "gpt_neox":
                x, a = self.neox_layer(x, l)
            else:
                x, a = self.llama_layer(x, l)
            attns.append(a)
        if t == "gpt2":
            z = self.ln(x, g("ln_f.weight"), g("ln_f.bias"), c["layer_norm_epsilon"]) @ g("wte.weight").T
        elif t == "gpt_neox":
            z = self.ln(x, g("gpt_neox.final_layer_norm.weight"), g("gpt_neox.final_layer_norm.bias"),
                        c["layer_norm_eps"]) @ g("embed_out.weight").T
        else:
            U = self.w["lm_head.weight"] if "lm_head.weight" in self.w else g("model.embed_tokens.weight")
            z = self.rms(x, g("model.norm.weight"), c["rms_norm_eps"], t.startswith("gemma")) @ U.T
            if t == "gemma2":
                z = c["final_logit_softcapping"] * np.tanh(z / c["final_logit_softcapping"])
        return z, attns

    def gpt2_layer(self, x, l):
        c, g = self.c, self.g
        p = "h.%d." % l
        d, H = c["n_embd"], c["n_head"]
        hd = d // H
        a = self.ln(x, g(p + "ln_1.weight"), g(p + "ln_1.bias"), c["layer_norm_epsilon"])
        qkv = a @ g(p + "attn.c_attn.weight") + g(p + "attn.c_attn.bias")
        split = lambda m: [[m[i, h * hd:(h + 1) * hd] for h in range(H)] for i in range(len(x))]
        o, pr = self.attend(split(qkv[:, :d]), split(qkv[:, d:2 * d]), split(qkv[:, 2 * d:]),
                            1 / math.sqrt(hd), None, None)
        x = x + o @ g(p + "attn.c_proj.weight") + g(p + "attn.c_proj.bias")
        m = self.ln(x, g(p + "ln_2.weight"), g(p + "ln_2.bias"), c["layer_norm_epsilon"])
        m = m @ g(p + "mlp.c_fc.weight") + g(p + "mlp.c_fc.bias")
        m = 0.5 * m * (1 + np.tanh(np.sqrt(2 / np.pi) * (m + 0.044715 * m ** 3)))
        return x + m @ g(p + "mlp.c_proj.weight") + g(p + "mlp.c_proj.bias"), pr

    def neox_layer(self, x, l):
        c, g = self.c, self.g
        p = "gpt_neox.layers.%d." % l
        d, H = c["hidden_size"], c["num_attention_heads"]
        hd = d // H
        inv = self.freqs(float(c["rotary_emb_base"]), int(hd * c["rotary_pct"]), None)
        eps = c["layer_norm_eps"]
        a = self.ln(x, g(p + "input_layernorm.weight"), g(p + "input_layernorm.bias"), eps)
        qkv = a @ g(p + "attention.query_key_value.weight").T + g(p + "attention.query_key_value.bias")
        qs, ks, vs = [], [], []
        for i in range(len(x)):
            qs.append([self.rope(qkv[i, h * 3 * hd:h * 3 * hd + hd], i, inv) for h in range(H)])
            ks.append([self.rope(qkv[i, h * 3 * hd + hd:h * 3 * hd + 2 * hd], i, inv) for h in range(H)])
            vs.append([qkv[i, h * 3 * hd + 2 * hd:(h + 1) * 3 * hd] for h in range(H)])
        o, pr = self.attend(qs, ks, vs, hd ** -0.5, None, None)
        o = o @ g(p + "attention.dense.weight").T + g(p + "attention.dense.bias")
        src = x if c.get("use_parallel_residual", True) else x + o
        m = self.ln(src, g(p + "post_attention_layernorm.weight"), g(p + "post_attention_layernorm.bias"), eps)
        m = m @ g(p + "mlp.dense_h_to_4h.weight").T + g(p + "mlp.dense_h_to_4h.bias")
        from math import erf
        m = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / math.sqrt(2))))(m)
        m = m @ g(p + "mlp.dense_4h_to_h.weight").T + g(p + "mlp.dense_4h_to_h.bias")
        return x + o + m, pr

    def llama_layer(self, x, l):
        c, t, w = self.c, self.t, self.w
        p = "model.layers.%d." % l
        d, H = c["hidden_size"], c["num_attention_heads"]
        KV = c.get("num_key_value_heads", H)
        hd = c.get("head_dim") or d // H
        eps = c["rms_norm_eps"]
        gem = t.startswith("gemma")
        inv = self.freqs(float(c.get("rope_theta", 10000.0)), hd, c.get("rope_scaling"))

        def L(v, n):
            y = v @ w[p + n + ".weight"].T
            return y + w[p + n + ".bias"] if p + n + ".bias" in w else y

        a = self.rms(x, w[p + "input_layernorm.weight"], eps, gem)
        q, k, v = L(a, "self_attn.q_proj"), L(a, "self_attn.k_proj"), L(a, "self_attn.v_proj")
        qs, ks, vs = [], [], []
        for i in range(len(x)):
            qh = [q[i, h * hd:(h + 1) * hd] for h in range(H)]
            kh = [k[i, h * hd:(h + 1) * hd] for h in range(KV)]
            if p + "self_attn.q_norm.weight" in w:
                qh = [self.rms(u, w[p + "self_attn.q_norm.weight"], eps) for u in qh]
                kh = [self.rms(u, w[p + "self_attn.k_norm.weight"], eps) for u in kh]
            qs.append([self.rope(u, i, inv) for u in qh])
            ks.append([self.rope(u, i, inv) for u in kh])
            vs.append([v[i, h * hd:(h + 1) * hd] for h in range(KV)])
        scale = c["query_pre_attn_scalar"] ** -0.5 if t == "gemma2" else hd ** -0.5
        cap = c.get("attn_logit_softcapping") if t == "gemma2" else None
        window = None
        if t == "gemma2" and l % 2 == 0:
            window = c["sliding_window"]
        if t == "mistral":
            window = c.get("sliding_window")
        o, pr = self.attend(qs, ks, vs, scale, cap, window)
        o = L(o, "self_attn.o_proj")
        if gem:
            act = lambda u: 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))
        else:
            act = lambda u: u / (1 + np.exp(-u))
        mlp = lambda u: L(act(L(u, "mlp.gate_proj")) * L(u, "mlp.up_proj"), "mlp.down_proj")
        if t == "gemma2":
            x = x + self.rms(o, w[p + "post_attention_layernorm.weight"], eps, True)
            m = mlp(self.rms(x, w[p + "pre_feedforward_layernorm.weight"], eps, True))
            return x + self.rms(m, w[p + "post_feedforward_layernorm.weight"], eps, True), pr
        x = x + o
        return x + mlp(self.rms(x, w[p + "post_attention_layernorm.weight"], eps, gem)), pr


# ------------------------------------------------------------------ main

def ids_for(m, T, seed):
    V = m.decode(m.embed([0])).shape[-1]
    return np.random.default_rng(seed).integers(0, V, T).tolist()


def main():
    print("1. file format")
    for name in NAMES:
        check_files(name)

    print("2. contract identities / 3. naive implementation agreement")
    for k, name in enumerate(NAMES):
        d = os.path.join(MODELS, name)
        m = R.Model(d)
        T = 10 if name == "gemma2" else 7
        ids = STORIES_IDS if name == "stories260K" else ids_for(m, T, 100 + k)
        L = m.L
        loop = [0] + list(range(L)) + [L - 1]        # repeats layer 0 and the last layer
        rev = list(reversed(range(L)))
        for path in (None, loop, rev):
            r = m.analyse(ids, path)
            S = len(r["attention"])
            z_last = r["_logits"][-1]
            ok = (r["lens"][-1]["top1"] == z_last.argmax(-1).tolist()
                  and all(abs(v) == 0.0 for v in r["lens"][-1]["klToFinal"])
                  and r["logitsLast"] == z_last[-1].tolist()
                  and len(r["lens"]) == S + 1 and len(r["residNorms"]) == S + 1)
            A = torch.stack(r["_attn"])
            rows = (A.sum(-1) - 1).abs().max().item()
            upper = A.triu(1).abs().max().item()
            check(ok and rows < 1e-12 and upper == 0.0,
                  "%s path=%s: last lens row == logits, KL_last == 0, attn rows sum 1 (err %.1e), "
                  "causal zeros" % (name, path, rows))
            if m.mt == "gemma2":
                i_ = torch.arange(T)[:, None]
                j_ = torch.arange(T)[None, :]
                outside = (j_ <= i_ - m.cfg["sliding_window"])
                steps = path if path is not None else list(range(L))
                okw = True
                for s, l in enumerate(steps):
                    a = r["_attn"][s]
                    if l % 2 == 0:
                        okw &= a[:, outside].abs().max().item() == 0.0
                    else:
                        okw &= a[:, outside].min().item() > 0.0
                check(okw, "%s path=%s: window zeros on even layers, none on odd" % (name, path))
            if path is None:
                r2 = m.analyse(ids, list(range(L)))
                check(r2["logitsLast"] == r["logitsLast"], "%s: path=None == range(L)" % name)
            nv = Naive(d)
            zn, an = nv.forward(ids, path if path is not None else list(range(L)))
            dz = np.abs(zn - np.stack([x for x in r["_logits"][-1].numpy()])).max()
            da = max(np.abs(an[s] - r["_attn"][s].numpy()).max() for s in range(S))
            check(dz < 1e-9 and da < 1e-11,
                  "%s path=%s: naive numpy forward agrees: max|dlogits| %.1e, max|dattn| %.1e"
                  % (name, path, dz, da))

    print("4. GPT-2 attention vs torch.nn.MultiheadAttention")
    for name in ("gpt2", "gpt2-prefixed"):
        m = R.Model(os.path.join(MODELS, name))
        ids = ids_for(m, 8, 5)
        h0 = m.embed(ids)
        W, dm, H = m.W, m.d, m.H
        a = R.layer_norm(h0, W["h.0.ln_1.weight"], W["h.0.ln_1.bias"], m.eps)
        mha = torch.nn.MultiheadAttention(dm, H, bias=True, batch_first=True).double()
        with torch.no_grad():
            mha.in_proj_weight.copy_(W["h.0.attn.c_attn.weight"].T)
            mha.in_proj_bias.copy_(W["h.0.attn.c_attn.bias"])
            mha.out_proj.weight.copy_(W["h.0.attn.c_proj.weight"].T)
            mha.out_proj.bias.copy_(W["h.0.attn.c_proj.bias"])
            T = len(ids)
            mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
            out, probs = mha(a[None], a[None], a[None], attn_mask=mask, need_weights=True,
                             average_attn_weights=False)
        h1, p_ref = m.block(0, h0)
        h_mid = h0 + out[0]                      # resid_mid built from the MHA output
        m2 = R.layer_norm(h_mid, W["h.0.ln_2.weight"], W["h.0.ln_2.bias"], m.eps)
        m2 = m.act(m2 @ W["h.0.mlp.c_fc.weight"] + W["h.0.mlp.c_fc.bias"]) @ W["h.0.mlp.c_proj.weight"] \
            + W["h.0.mlp.c_proj.bias"]
        dblock = (h_mid + m2 - h1).abs().max().item()
        dprob = (probs[0] - p_ref).abs().max().item()
        check(dblock < 1e-12 and dprob < 1e-12,
              "%s layer 0 via nn.MultiheadAttention: max|dblock| %.1e, max|dprobs| %.1e"
              % (name, dblock, dprob))

    print("5. sensitivity (fixtures exercise the quirks)")
    m = R.Model(os.path.join(MODELS, "llama-gqa"))
    plain = R.rope_inv_freq(m.cfg["rope_theta"], m.hd, None)
    wl = (2 * math.pi / plain).tolist()
    print("    llama-gqa inv_freq plain ", [float("%.4g" % v) for v in plain.tolist()])
    print("    llama-gqa inv_freq llama3", [float("%.4g" % v) for v in m.inv_freq.tolist()])
    print("    wavelengths", [float("%.4g" % v) for v in wl], "(low_wavelen 16, high_wavelen 4)")
    check((plain - m.inv_freq).abs().max().item() > 1e-3, "llama-gqa: llama3 scaling changes inv_freq")

    g2 = R.Model(os.path.join(MODELS, "gemma2"))
    ids = ids_for(g2, 10, 18)
    base = g2.analyse(ids)["_logits"][-1]
    cfg0 = dict(g2.cfg)
    raw_scores = []
    orig_attention = R.attention

    def spy(q, k, v, scale, softcap=None, window=None):
        kv = torch.arange(q.shape[0]) // (q.shape[0] // k.shape[0])
        raw_scores.append((q @ k[kv].transpose(-1, -2) * scale).abs().max().item())
        return orig_attention(q, k, v, scale, softcap, window)

    R.attention = spy
    g2.analyse(ids)
    R.attention = orig_attention
    g2.cfg = dict(cfg0, attn_logit_softcapping=None)
    d_cap = (g2.analyse(ids)["_logits"][-1] - base).abs().max().item()
    g2.cfg = dict(cfg0, final_logit_softcapping=None)
    z_nocap = g2.analyse(ids)["_logits"][-1]
    d_fcap = (z_nocap - base).abs().max().item()
    g2.cfg = dict(cfg0, layer_types=["full_attention"] * g2.L)
    d_win = (g2.analyse(ids)["_logits"][-1] - base).abs().max().item()
    g2.cfg = cfg0
    print("    gemma2 max |raw score| per layer", [round(s, 1) for s in raw_scores],
          "; max |final logit| before cap %.1f" % z_nocap.abs().max().item())
    check(d_cap > 1e-2, "gemma2: attn soft-cap changes logits by up to %.3g" % d_cap)
    check(d_fcap > 1e-2, "gemma2: final soft-cap changes logits by up to %.3g" % d_fcap)
    check(d_win > 1e-2, "gemma2: sliding window changes logits by up to %.3g" % d_win)

    print()
    if FAILS:
        print("%d check(s) FAILED" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
