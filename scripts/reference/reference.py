#!/usr/bin/env python3
"""Independent float64 PyTorch reference forward for Strata's supported families.

Written from /work/shared/docs/MODELS.md and METHODS.md §0-1 only (no transformers).
Families: gpt2, llama, mistral, qwen2, qwen3, gemma, gemma2, gpt_neox.

CLI:
    python3 scripts/reference/reference.py <model_dir> --ids 1,429,491 [--path 0,1,1,2]
prints the result JSON (logitsLast, residNorms, lens, attention).

Contract (S = len(path), T = len(ids); path = list of layer indices executed in order,
default all layers in order; a layer keeps its own weights and per-layer attributes such
as Gemma2's sliding window, whatever step it is run at; positions are always 0..T-1):
  logitsLast  [V]            final logits at position T-1
  residNorms  [S+1][T]       L2 norm of the residual entering step s (row 0 = embedding
                             output incl. position embeddings / Gemma scaling); row S =
                             final residual (after the last step, before the final norm)
  lens        S+1 rows       row r decodes the same residuals as residNorms row r:
                             logits = unembed(final_norm(h_r)) (+ Gemma2 final soft-cap);
                             top1, top1Prob, entropy (nats), klToFinal = KL(P_final||P_r)
  attention   [S][H][T][T]   attention probabilities of each step (after soft-cap, mask,
                             softmax); masked entries are exactly 0
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, read_checkpoint  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402

DT = torch.float64

# Non-parameter buffers some checkpoints carry; a loader must skip them.
BUFFER_SUFFIXES = (".attn.bias", ".attn.masked_bias", ".attention.bias",
                   ".attention.masked_bias", ".rotary_emb.inv_freq")


# ------------------------------------------------------------------ primitives

def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased variance
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps, plus_one=False):
    y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps)
    return y * ((1.0 + w) if plus_one else w)


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def silu(x):
    return x * torch.sigmoid(x)


ACTS = {"gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh, "gelu_fast": gelu_tanh,
        "gelu": gelu_erf, "silu": silu, "swish": silu}


def rope_inv_freq(base, rot_dims, scaling=None):
    """inv_freq[i] = 1 / base^(2i/rot_dims), i = 0..rot_dims/2-1, then optional scaling."""
    inv = 1.0 / (float(base) ** (torch.arange(0, rot_dims, 2, dtype=DT) / rot_dims))
    if scaling:
        kind = scaling.get("rope_type", scaling.get("type"))
        if kind == "llama3":
            factor = float(scaling["factor"])
            low = float(scaling["low_freq_factor"])
            high = float(scaling["high_freq_factor"])
            orig = float(scaling["original_max_position_embeddings"])
            low_wavelen = orig / low
            high_wavelen = orig / high
            out = inv.clone()
            for i in range(inv.numel()):
                f = inv[i].item()
                wavelen = 2.0 * math.pi / f
                if wavelen > low_wavelen:
                    out[i] = f / factor
                elif wavelen < high_wavelen:
                    out[i] = f
                else:
                    s = (orig / wavelen - low) / (high - low)
                    out[i] = (1.0 - s) * f / factor + s * f
            inv = out
        elif kind == "linear":
            inv = inv / float(scaling["factor"])
        elif kind in (None, "default"):
            pass
        else:
            raise NotImplementedError("rope scaling %r" % kind)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def apply_rope(x, inv_freq):
    """x: [H, T, hd]; RoPE (HF rotate_half layout) on the first 2*len(inv_freq) dims."""
    T = x.shape[1]
    rot = 2 * inv_freq.numel()
    pos = torch.arange(T, dtype=DT)
    freqs = pos[:, None] * inv_freq[None, :]          # [T, rot/2]
    emb = torch.cat([freqs, freqs], dim=-1)           # [T, rot]
    cos, sin = emb.cos(), emb.sin()
    xr, xp = x[..., :rot], x[..., rot:]
    xr = xr * cos + rotate_half(xr) * sin
    return torch.cat([xr, xp], dim=-1)


def attention(q, k, v, scale, softcap=None, window=None):
    """q [H,T,hd], k/v [KV,T,hd]. Query head h reads kv head h // (H/KV).
    scores = q.k * scale; optional soft-cap tanh(s/c)*c BEFORE the mask; causal mask
    j <= i; optional sliding window keeps i - window < j <= i. Returns (out [T, H*hd],
    probs [H,T,T])."""
    H, T, hd = q.shape
    KV = k.shape[0]
    assert H % KV == 0
    kv_index = torch.arange(H) // (H // KV)
    kk, vv = k[kv_index], v[kv_index]
    s = torch.matmul(q, kk.transpose(-1, -2)) * scale
    if softcap:
        s = torch.tanh(s / softcap) * softcap
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = j <= i
    if window is not None:
        allowed = allowed & (j > i - window)
    s = s.masked_fill(~allowed, float("-inf"))
    p = torch.softmax(s, dim=-1)
    out = torch.matmul(p, vv)                          # [H, T, hd]
    return out.transpose(0, 1).reshape(T, H * hd), p


# ------------------------------------------------------------------ model

class Model:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = cfg = json.load(f)
        raw = read_checkpoint(model_dir)
        self.W = {}
        for name, arr in raw.items():
            if name.endswith(BUFFER_SUFFIXES) or arr.dtype == np.bool_:
                continue
            self.W[name] = torch.from_numpy(np.array(arr, dtype=np.float64))
        self.mt = mt = cfg["model_type"]
        if mt == "gpt2":
            if any(n.startswith("transformer.") for n in self.W):
                self.W = {n[len("transformer."):] if n.startswith("transformer.") else n: t
                          for n, t in self.W.items()}
            self.L, self.H, self.d = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
            self.eps = cfg.get("layer_norm_epsilon", 1e-5)
            self.act = ACTS[cfg.get("activation_function", "gelu_new")]
        elif mt in ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2"):
            self.L, self.H, self.d = (cfg["num_hidden_layers"], cfg["num_attention_heads"],
                                      cfg["hidden_size"])
            self.KV = cfg.get("num_key_value_heads") or self.H
            self.hd = cfg.get("head_dim") or self.d // self.H
            self.eps = cfg.get("rms_norm_eps", 1e-6)
            self.gemma = mt in ("gemma", "gemma2")
            if self.gemma:
                act = cfg.get("hidden_activation") or "gelu_pytorch_tanh"
            else:
                act = cfg.get("hidden_act", "silu")
            self.act = ACTS[act]
            scaling = cfg.get("rope_scaling") or cfg.get("rope_parameters")
            self.inv_freq = rope_inv_freq(cfg.get("rope_theta", 10000.0), self.hd, scaling)
            if mt == "gemma2":
                self.scale = float(cfg["query_pre_attn_scalar"]) ** -0.5
            else:
                self.scale = self.hd ** -0.5
            self.unembed = self.W.get("lm_head.weight", self.W["model.embed_tokens.weight"])
        elif mt == "gpt_neox":
            self.L, self.H, self.d = (cfg["num_hidden_layers"], cfg["num_attention_heads"],
                                      cfg["hidden_size"])
            self.hd = self.d // self.H
            self.eps = cfg.get("layer_norm_eps", 1e-5)
            self.act = ACTS[cfg.get("hidden_act", "gelu")]
            rot = int(self.hd * cfg.get("rotary_pct", 1.0))
            self.inv_freq = rope_inv_freq(cfg.get("rotary_emb_base", 10000), rot)
            self.parallel = cfg.get("use_parallel_residual", True)
        else:
            raise NotImplementedError(mt)

    # --- per-layer attributes
    def window(self, l):
        """Sliding window of layer l (by its own index), or None."""
        cfg = self.cfg
        lt = cfg.get("layer_types")
        if self.mt == "gemma2":
            if lt:
                return cfg["sliding_window"] if lt[l] == "sliding_attention" else None
            return cfg["sliding_window"] if l % 2 == 0 else None
        if self.mt == "mistral":
            return cfg.get("sliding_window")
        if self.mt in ("qwen2", "qwen3") and cfg.get("use_sliding_window"):
            return cfg["sliding_window"] if l >= cfg.get("max_window_layers", 0) else None
        return None

    # --- embedding
    def embed(self, ids):
        ids = torch.tensor(ids, dtype=torch.long)
        T = ids.numel()
        if self.mt == "gpt2":
            return self.W["wte.weight"][ids] + self.W["wpe.weight"][torch.arange(T)]
        if self.mt == "gpt_neox":
            return self.W["gpt_neox.embed_in.weight"][ids]
        h = self.W["model.embed_tokens.weight"][ids]
        if self.gemma:
            h = h * math.sqrt(self.d)
        return h

    # --- one block; returns (new residual, attention probs [H,T,T])
    def block(self, l, h):
        if self.mt == "gpt2":
            return self._gpt2_block(l, h)
        if self.mt == "gpt_neox":
            return self._neox_block(l, h)
        return self._llama_block(l, h)

    def _gpt2_block(self, l, h):
        W, p, d, H = self.W, "h.%d." % l, self.d, self.H
        hd = d // H
        T = h.shape[0]
        a = layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], self.eps)
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]  # Conv1D: x.W + b
        q, k, v = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:]
        q, k, v = (x.reshape(T, H, hd).transpose(0, 1) for x in (q, k, v))
        o, probs = attention(q, k, v, hd ** -0.5)
        o = o @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        h = h + o
        m = layer_norm(h, W[p + "ln_2.weight"], W[p + "ln_2.bias"], self.eps)
        m = self.act(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        m = m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
        return h + m, probs

    def _neox_block(self, l, h):
        W, p, H, hd = self.W, "gpt_neox.layers.%d." % l, self.H, self.hd
        T = h.shape[0]
        a = layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], self.eps)
        qkv = a @ W[p + "attention.query_key_value.weight"].T + W[p + "attention.query_key_value.bias"]
        qkv = qkv.reshape(T, H, 3 * hd)                    # per head: q | k | v
        q, k, v = (qkv[:, :, i * hd:(i + 1) * hd].transpose(0, 1) for i in range(3))
        q, k = apply_rope(q, self.inv_freq), apply_rope(k, self.inv_freq)
        o, probs = attention(q, k, v, hd ** -0.5)
        o = o @ W[p + "attention.dense.weight"].T + W[p + "attention.dense.bias"]

        def mlp(x):
            x = layer_norm(x, W[p + "post_attention_layernorm.weight"],
                           W[p + "post_attention_layernorm.bias"], self.eps)
            x = self.act(x @ W[p + "mlp.dense_h_to_4h.weight"].T + W[p + "mlp.dense_h_to_4h.bias"])
            return x @ W[p + "mlp.dense_4h_to_h.weight"].T + W[p + "mlp.dense_4h_to_h.bias"]

        if self.parallel:
            return h + o + mlp(h), probs               # x + attn(ln1(x)) + mlp(ln2(x))
        h = h + o
        return h + mlp(h), probs

    def _llama_block(self, l, h):
        W, p, H, KV, hd = self.W, "model.layers.%d." % l, self.H, self.KV, self.hd
        T = h.shape[0]
        g = self.gemma

        def lin(x, name):
            y = x @ W[p + name + ".weight"].T
            b = W.get(p + name + ".bias")
            return y if b is None else y + b

        a = rms_norm(h, W[p + "input_layernorm.weight"], self.eps, g)
        q = lin(a, "self_attn.q_proj").reshape(T, H, hd).transpose(0, 1)
        k = lin(a, "self_attn.k_proj").reshape(T, KV, hd).transpose(0, 1)
        v = lin(a, "self_attn.v_proj").reshape(T, KV, hd).transpose(0, 1)
        if p + "self_attn.q_norm.weight" in W:      # qwen3: per-head RMSNorm before RoPE
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], self.eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], self.eps)
        q, k = apply_rope(q, self.inv_freq), apply_rope(k, self.inv_freq)
        softcap = self.cfg.get("attn_logit_softcapping") if self.mt == "gemma2" else None
        o, probs = attention(q, k, v, self.scale, softcap=softcap, window=self.window(l))
        o = lin(o, "self_attn.o_proj")

        def mlp(x):
            return lin(self.act(lin(x, "mlp.gate_proj")) * lin(x, "mlp.up_proj"), "mlp.down_proj")

        if self.mt == "gemma2":
            o = rms_norm(o, W[p + "post_attention_layernorm.weight"], self.eps, True)
            h = h + o
            m = mlp(rms_norm(h, W[p + "pre_feedforward_layernorm.weight"], self.eps, True))
            m = rms_norm(m, W[p + "post_feedforward_layernorm.weight"], self.eps, True)
            return h + m, probs
        h = h + o
        m = mlp(rms_norm(h, W[p + "post_attention_layernorm.weight"], self.eps, g))
        return h + m, probs

    # --- final norm + unembedding (+ final soft-cap); h [T, d] -> [T, V]
    def decode(self, h):
        W = self.W
        if self.mt == "gpt2":
            return layer_norm(h, W["ln_f.weight"], W["ln_f.bias"], self.eps) @ W["wte.weight"].T
        if self.mt == "gpt_neox":
            x = layer_norm(h, W["gpt_neox.final_layer_norm.weight"],
                           W["gpt_neox.final_layer_norm.bias"], self.eps)
            return x @ W["embed_out.weight"].T
        z = rms_norm(h, W["model.norm.weight"], self.eps, self.gemma) @ self.unembed.T
        cap = self.cfg.get("final_logit_softcapping") if self.mt == "gemma2" else None
        if cap:
            z = torch.tanh(z / cap) * cap
        return z

    # --- forward along a layer path
    def run(self, ids, path=None):
        if path is None:
            path = list(range(self.L))
        for l in path:
            assert 0 <= l < self.L, l
        h = self.embed(ids)
        resids = [h]
        attn = []
        for l in path:
            h, probs = self.block(l, h)
            resids.append(h)
            attn.append(probs)
        return resids, attn

    def analyse(self, ids, path=None):
        resids, attn = self.run(ids, path)
        logits = [self.decode(h) for h in resids]
        lps = [torch.log_softmax(z, dim=-1) for z in logits]
        lp_final = lps[-1]
        p_final = lp_final.exp()
        lens = []
        for lp in lps:
            top1 = lp.argmax(-1)
            p = lp.exp()
            lens.append({
                "top1": top1.tolist(),
                "top1Prob": lp.max(-1).values.exp().tolist(),
                "entropy": (-(p * lp).sum(-1)).tolist(),
                "klToFinal": (p_final * (lp_final - lp)).sum(-1).tolist(),
            })
        return {
            "logitsLast": logits[-1][-1].tolist(),
            "residNorms": [h.norm(dim=-1).tolist() for h in resids],
            "lens": lens,
            "attention": [a.tolist() for a in attn],
            "_logits": logits,
            "_resids": resids,
            "_attn": attn,
        }

    def greedy(self, prompt, n):
        ids = list(prompt)
        out = []
        for _ in range(n):
            resids, _ = self.run(ids)
            nxt = int(self.decode(resids[-1])[-1].argmax())
            out.append(nxt)
            ids.append(nxt)
        return out


def public(res):
    return {k: v for k, v in res.items() if not k.startswith("_")}


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--ids", required=True, help="comma-separated token ids")
    ap.add_argument("--path", default=None, help="comma-separated layer indices")
    ap.add_argument("--greedy", type=int, default=0)
    a = ap.parse_args(argv)
    ids = [int(x) for x in a.ids.split(",")]
    path = None if a.path is None else [int(x) for x in a.path.split(",") if x != ""]
    m = Model(a.model_dir)
    res = public(m.analyse(ids, path))
    if a.greedy:
        res["greedy"] = {"prompt": ids, "continuation": m.greedy(ids, a.greedy)}
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
