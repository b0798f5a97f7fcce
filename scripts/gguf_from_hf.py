#!/usr/bin/env python3
"""Writes a GGUF file from an HF-layout llama / qwen2 / gemma2 checkpoint (test fixtures).

Follows llama.cpp's conversion as MODELS.md "GGUF" states it: tensor_mapping.py names,
`llama` q/k rows permuted to llama.cpp's interleaved-pair order (GGUF row h*hd + 2i + a =
HF row h*hd + a*hd/2 + i), Gemma norms stored as 1 + w, hyper-parameters under `{arch}.*`.
Tensors are written as --type (F32, F16, BF16, Q8_0 or Q4_0 for matrices; vectors stay F32).

    python3 scripts/gguf_from_hf.py --model tests/fixtures/models/qwen2 --out /tmp/qwen2.gguf
"""
import argparse
import json
import math
import re
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from gguf_quant_ref import TYPES, encode, write_gguf  # noqa: E402

NAMES = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
         "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


def read_safetensors(path):
    b = Path(path).read_bytes()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        raw = b[8 + n + s:8 + n + e]
        if v["dtype"] == "F32":
            x = np.frombuffer(raw, np.float32)
        elif v["dtype"] == "BF16":
            x = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{k}: dtype {v['dtype']} not handled")
        out[k] = x.reshape(v["shape"])
    return out


def read_checkpoint(d):
    index = Path(d) / "model.safetensors.index.json"
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() else ["model.safetensors"]
    out = {}
    for f in files:
        out.update(read_safetensors(Path(d) / f))
    return out


def llama3_rope_factors(cfg, hd):
    """llama.cpp's rope_freqs for rope_type llama3 (conversion/llama.py): divisors of inv_freq."""
    sc = cfg["rope_scaling"]
    base = cfg.get("rope_theta", 10000.0)
    freqs = 1.0 / (base ** (np.arange(0, hd, 2, dtype=np.float32) / hd))
    factor, lo, hi = sc.get("factor", 8.0), sc.get("low_freq_factor", 1.0), sc.get("high_freq_factor", 4.0)
    old = sc.get("original_max_position_embeddings", 8192)
    lo_wl, hi_wl = old / lo, old / hi
    out = []
    for f in freqs:
        wl = 2 * math.pi / f
        if wl < hi_wl:
            out.append(1.0)
        elif wl > lo_wl:
            out.append(factor)
        else:
            smooth = (old / wl - lo) / (hi - lo)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, np.float32)


def gguf_name(name, arch):
    top = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
    if name in top:
        return top[name]
    m = re.match(r"model\.layers\.(\d+)\.(.+)\.(weight|bias)$", name)
    part = m.group(2)
    names = dict(NAMES)
    if arch == "gemma2":
        names.update({"pre_feedforward_layernorm": "ffn_norm", "post_attention_layernorm": "post_attention_norm", "post_feedforward_layernorm": "post_ffw_norm"})
    else:
        names["post_attention_layernorm"] = "ffn_norm"
    return f"blk.{m.group(1)}.{names[part]}.{m.group(3)}"


def permute(w, heads, hd):
    """HF rotate-half rows → llama.cpp interleaved rows (whole rows move; works for biases too)."""
    out = np.empty_like(w)
    for h in range(heads):
        for i in range(hd // 2):
            for a in range(2):
                out[h * hd + 2 * i + a] = w[h * hd + a * (hd // 2) + i]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--type", default="F32", choices=["F32", "F16", "BF16", "Q8_0", "Q4_0"])
    a = ap.parse_args()
    cfg = json.loads((Path(a.model) / "config.json").read_text())
    arch = cfg["model_type"]
    assert arch in ("llama", "qwen2", "gemma2"), arch
    heads, kv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim", cfg["hidden_size"] // heads)
    w = read_checkpoint(a.model)
    tensors = []
    for name, x in w.items():
        g = gguf_name(name, arch)
        if arch == "llama" and ".attn_q." in g:
            x = permute(x, heads, hd)
        if arch == "llama" and ".attn_k." in g:
            x = permute(x, kv, hd)
        if arch == "gemma2" and g.endswith("norm.weight"):
            x = x + np.float32(1)
        t = a.type if x.ndim == 2 else "F32"
        tensors.append((g, list(reversed(x.shape)), TYPES[t][0], encode(t, np.ascontiguousarray(x, np.float32))))
    rs = cfg.get("rope_scaling") or {}
    if rs.get("rope_type", rs.get("type")) == "llama3":
        f = llama3_rope_factors(cfg, hd)
        tensors.append(("rope_freqs.weight", [len(f)], 0, f.tobytes()))
    k = lambda s: f"{arch}.{s}"  # noqa: E731
    kvs = [("general.architecture", "str", arch), (k("embedding_length"), "u32", cfg["hidden_size"]), (k("block_count"), "u32", cfg["num_hidden_layers"]),
           (k("feed_forward_length"), "u32", cfg["intermediate_size"]), (k("attention.head_count"), "u32", heads), (k("attention.head_count_kv"), "u32", kv),
           (k("attention.layer_norm_rms_epsilon"), "f32", cfg["rms_norm_eps"]), (k("rope.freq_base"), "f32", cfg.get("rope_theta", 10000.0)),
           (k("context_length"), "u32", cfg["max_position_embeddings"]), (k("attention.key_length"), "u32", hd), (k("attention.value_length"), "u32", hd)]
    if arch == "gemma2":
        kvs += [(k("attn_logit_softcapping"), "f32", cfg["attn_logit_softcapping"]), (k("final_logit_softcapping"), "f32", cfg["final_logit_softcapping"]),
                (k("attention.sliding_window"), "u32", cfg["sliding_window"])]
    write_gguf(a.out, tensors, kvs)
    print("wrote", a.out, len(tensors), "tensors", a.type)


if __name__ == "__main__":
    main()
