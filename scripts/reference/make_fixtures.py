#!/usr/bin/env python3
"""Writes tiny random-weight HF-layout checkpoints into tests/fixtures/models/<name>/.

Deterministic: every fixture seeds torch with its own fixed seed. Does not touch
tests/fixtures/models/stories260K (real trained weights, checked in separately).

    python3 scripts/reference/make_fixtures.py
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, to_bytes, write_safetensors  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "models")


def rn(*shape, std=0.1, mean=0.0):
    return (torch.randn(*shape, dtype=torch.float32) * std + mean).numpy()


def norm_w(d, gemma=False, mean=None):
    if mean is None:
        mean = 0.0 if gemma else 1.0
    return rn(d, std=0.1, mean=mean)


def write_dir(name, config, tensors, dtype, shards=None):
    """tensors: list of (name, array). shards: None or list of lists of tensor names."""
    d = os.path.join(OUT, name)
    assert name != "stories260K"
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    def dt_of(arr, tname):
        if arr.dtype == np.bool_:
            return "BOOL"
        return dtype

    if shards is None:
        write_safetensors(os.path.join(d, "model.safetensors"),
                          [(n, a, dt_of(a, n)) for n, a in tensors])
    else:
        by_name = dict(tensors)
        assert sorted(sum(shards, [])) == sorted(by_name), "shards must partition tensors"
        weight_map = {}
        total = 0
        k = len(shards)
        for i, names in enumerate(shards):
            fname = "model-%05d-of-%05d.safetensors" % (i + 1, k)
            write_safetensors(os.path.join(d, fname),
                              [(n, by_name[n], dt_of(by_name[n], n)) for n in names])
            for n in names:
                weight_map[n] = fname
                total += len(to_bytes(by_name[n], dt_of(by_name[n], n)))
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
            f.write("\n")
    print("wrote", name, dtype, "tensors:", len(tensors))


# ---------------------------------------------------------------- GPT-2

def gpt2_tensors(V, d, L, ctx, inner, prefix="", masked_bias=False):
    t = []
    p = prefix
    t.append((p + "wte.weight", rn(V, d, std=0.3)))
    t.append((p + "wpe.weight", rn(ctx, d, std=0.1)))
    mask = np.tril(np.ones((ctx, ctx), dtype=np.float32)).reshape(1, 1, ctx, ctx)
    for i in range(L):
        h = p + "h.%d." % i
        t.append((h + "ln_1.weight", norm_w(d)))
        t.append((h + "ln_1.bias", rn(d, std=0.05)))
        t.append((h + "attn.bias", mask.copy()))  # causal-mask buffer: loaders skip it
        if masked_bias:
            t.append((h + "attn.masked_bias", np.array(-1e4, dtype=np.float32)))
        t.append((h + "attn.c_attn.weight", rn(d, 3 * d, std=0.25)))  # Conv1D [in, out]
        t.append((h + "attn.c_attn.bias", rn(3 * d, std=0.05)))
        t.append((h + "attn.c_proj.weight", rn(d, d, std=0.15)))
        t.append((h + "attn.c_proj.bias", rn(d, std=0.05)))
        t.append((h + "ln_2.weight", norm_w(d)))
        t.append((h + "ln_2.bias", rn(d, std=0.05)))
        t.append((h + "mlp.c_fc.weight", rn(d, inner, std=0.15)))
        t.append((h + "mlp.c_fc.bias", rn(inner, std=0.05)))
        t.append((h + "mlp.c_proj.weight", rn(inner, d, std=0.1)))
        t.append((h + "mlp.c_proj.bias", rn(d, std=0.05)))
    t.append((p + "ln_f.weight", norm_w(d)))
    t.append((p + "ln_f.bias", rn(d, std=0.05)))
    return t


def gpt2_config(V, d, L, H, ctx, dtype):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": V,
        "n_embd": d,
        "n_layer": L,
        "n_head": H,
        "n_positions": ctx,
        "n_ctx": ctx,
        "n_inner": None,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5,
        "scale_attn_weights": True,
        "scale_attn_by_inverse_layer_idx": False,
        "reorder_and_upcast_attn": False,
        "tie_word_embeddings": True,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "torch_dtype": dtype,
    }


def make_gpt2():
    torch.manual_seed(1001)
    V, d, L, H, ctx = 160, 32, 3, 4, 32
    write_dir("gpt2", gpt2_config(V, d, L, H, ctx, "float32"),
              gpt2_tensors(V, d, L, ctx, 4 * d), "F32")


def make_gpt2_prefixed():
    torch.manual_seed(1002)
    V, d, L, H, ctx = 128, 32, 3, 2, 32
    write_dir("gpt2-prefixed", gpt2_config(V, d, L, H, ctx, "float16"),
              gpt2_tensors(V, d, L, ctx, 4 * d, prefix="transformer.", masked_bias=True), "F16")


# ---------------------------------------------------------------- Llama family

def llama_tensors(V, d, L, H, KV, hd, inter, tied, qkv_bias=False, qk_norm=False,
                  gemma=False, gemma2=False, emb_std=0.3, head_std=0.35, qk_std=0.2,
                  final_norm_mean=None):
    t = [("model.embed_tokens.weight", rn(V, d, std=emb_std))]
    for i in range(L):
        p = "model.layers.%d." % i
        t.append((p + "input_layernorm.weight", norm_w(d, gemma)))
        t.append((p + "self_attn.q_proj.weight", rn(H * hd, d, std=qk_std)))
        if qkv_bias:
            t.append((p + "self_attn.q_proj.bias", rn(H * hd, std=0.1)))
        t.append((p + "self_attn.k_proj.weight", rn(KV * hd, d, std=qk_std)))
        if qkv_bias:
            t.append((p + "self_attn.k_proj.bias", rn(KV * hd, std=0.1)))
        t.append((p + "self_attn.v_proj.weight", rn(KV * hd, d, std=0.2)))
        if qkv_bias:
            t.append((p + "self_attn.v_proj.bias", rn(KV * hd, std=0.05)))
        t.append((p + "self_attn.o_proj.weight", rn(d, H * hd, std=0.15)))
        if qk_norm:
            t.append((p + "self_attn.q_norm.weight", norm_w(hd)))
            t.append((p + "self_attn.k_norm.weight", norm_w(hd)))
        t.append((p + "post_attention_layernorm.weight", norm_w(d, gemma)))
        if gemma2:
            t.append((p + "pre_feedforward_layernorm.weight", norm_w(d, gemma)))
            t.append((p + "post_feedforward_layernorm.weight", norm_w(d, gemma)))
        t.append((p + "mlp.gate_proj.weight", rn(inter, d, std=0.2)))
        t.append((p + "mlp.up_proj.weight", rn(inter, d, std=0.2)))
        t.append((p + "mlp.down_proj.weight", rn(d, inter, std=0.15)))
    t.append(("model.norm.weight", norm_w(d, gemma, mean=final_norm_mean)))
    if not tied:
        t.append(("lm_head.weight", rn(V, d, std=head_std)))
    return t


def llama_like_config(arch, model_type, V, d, L, H, KV, inter, dtype, **extra):
    c = {
        "architectures": [arch],
        "model_type": model_type,
        "vocab_size": V,
        "hidden_size": d,
        "intermediate_size": inter,
        "num_hidden_layers": L,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "max_position_embeddings": 64,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": dtype,
    }
    c.update(extra)
    return c


def make_llama_gqa():
    torch.manual_seed(2001)
    V, d, L, H, KV, hd, inter = 200, 48, 3, 4, 2, 16, 96
    cfg = llama_like_config(
        "LlamaForCausalLM", "llama", V, d, L, H, KV, inter, "bfloat16",
        head_dim=hd, rope_theta=100.0, tie_word_embeddings=False,
        attention_bias=False, mlp_bias=False, pretraining_tp=1,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 16})
    t = llama_tensors(V, d, L, H, KV, hd, inter, tied=False, qk_std=0.3)
    names = [n for n, _ in t]
    first = [n for n in names if n.startswith("model.embed_tokens") or n.startswith("model.layers.0.")
             or n.startswith("model.layers.1.")]
    second = [n for n in names if n not in first]
    write_dir("llama-gqa", cfg, t, "BF16", shards=[first, second])


def make_mistral():
    torch.manual_seed(2002)
    V, d, L, H, KV, inter = 96, 32, 3, 4, 2, 96
    cfg = llama_like_config("MistralForCausalLM", "mistral", V, d, L, H, KV, inter, "float32",
                            rope_theta=1e6, sliding_window=32, tie_word_embeddings=False)
    write_dir("mistral", cfg, llama_tensors(V, d, L, H, KV, d // H, inter, tied=False, qk_std=0.3),
              "F32")


def make_qwen2():
    torch.manual_seed(2003)
    V, d, L, H, KV, inter = 150, 32, 3, 4, 2, 64
    cfg = llama_like_config("Qwen2ForCausalLM", "qwen2", V, d, L, H, KV, inter, "float32",
                            rope_theta=1e6, rms_norm_eps=1e-6, tie_word_embeddings=True,
                            use_sliding_window=False, sliding_window=32768, max_window_layers=3)
    write_dir("qwen2", cfg, llama_tensors(V, d, L, H, KV, d // H, inter, tied=True, qkv_bias=True,
                                          emb_std=0.4), "F32")


def make_qwen3():
    torch.manual_seed(2004)
    V, d, L, H, KV, hd, inter = 128, 32, 3, 4, 2, 16, 64
    cfg = llama_like_config("Qwen3ForCausalLM", "qwen3", V, d, L, H, KV, inter, "float32",
                            head_dim=hd, rope_theta=1e6, rms_norm_eps=1e-6,
                            attention_bias=False, tie_word_embeddings=False,
                            use_sliding_window=False, sliding_window=None, max_window_layers=3)
    write_dir("qwen3", cfg, llama_tensors(V, d, L, H, KV, hd, inter, tied=False, qk_norm=True),
              "F32")


def make_gemma():
    torch.manual_seed(3001)
    V, d, L, H, KV, hd, inter = 256, 32, 3, 4, 1, 16, 64
    cfg = llama_like_config("GemmaForCausalLM", "gemma", V, d, L, H, KV, inter, "float32",
                            head_dim=hd, rms_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh",
                            hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                            attention_bias=False, pad_token_id=0)
    write_dir("gemma", cfg, llama_tensors(V, d, L, H, KV, hd, inter, tied=True, gemma=True,
                                          emb_std=0.4, qk_std=0.3), "F32")


def make_gemma2():
    torch.manual_seed(3002)
    V, d, L, H, KV, hd, inter = 120, 32, 3, 4, 2, 16, 64
    cfg = llama_like_config(
        "Gemma2ForCausalLM", "gemma2", V, d, L, H, KV, inter, "float32",
        head_dim=hd, rms_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh",
        hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, attention_bias=False,
        query_pre_attn_scalar=24, attn_logit_softcapping=50.0, final_logit_softcapping=30.0,
        sliding_window=4, cache_implementation="hybrid", pad_token_id=0,
        layer_types=["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(L)])
    # Large q/k weights so raw attention scores reach tens (the 50 soft-cap bends them);
    # final norm scaled up (1 + w ~ 2.2) so final logits reach ~20-40 (30 soft-cap bends them).
    write_dir("gemma2", cfg, llama_tensors(V, d, L, H, KV, hd, inter, tied=True, gemma=True,
                                           gemma2=True, emb_std=0.25, qk_std=0.6,
                                           final_norm_mean=1.2), "F32")


# ---------------------------------------------------------------- GPT-NeoX

def make_gpt_neox():
    torch.manual_seed(4001)
    V, d, L, H, inter, ctx = 100, 32, 3, 2, 128, 32
    cfg = {
        "architectures": ["GPTNeoXForCausalLM"],
        "model_type": "gpt_neox",
        "vocab_size": V,
        "hidden_size": d,
        "num_hidden_layers": L,
        "num_attention_heads": H,
        "intermediate_size": inter,
        "hidden_act": "gelu",
        "rotary_pct": 0.25,
        "rotary_emb_base": 10000,
        "max_position_embeddings": ctx,
        "layer_norm_eps": 1e-5,
        "use_parallel_residual": True,
        "tie_word_embeddings": False,
        "attention_bias": True,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "torch_dtype": "float32",
    }
    t = [("gpt_neox.embed_in.weight", rn(V, d, std=0.3))]
    mask = np.tril(np.ones((ctx, ctx), dtype=np.bool_)).reshape(1, 1, ctx, ctx)
    for i in range(L):
        p = "gpt_neox.layers.%d." % i
        t.append((p + "input_layernorm.weight", norm_w(d)))
        t.append((p + "input_layernorm.bias", rn(d, std=0.05)))
        t.append((p + "post_attention_layernorm.weight", norm_w(d)))
        t.append((p + "post_attention_layernorm.bias", rn(d, std=0.05)))
        t.append((p + "attention.bias", mask.copy()))            # buffer, BOOL: skip
        t.append((p + "attention.masked_bias", np.array(-1e9, dtype=np.float32)))  # buffer: skip
        t.append((p + "attention.query_key_value.weight", rn(3 * d, d, std=0.3)))
        t.append((p + "attention.query_key_value.bias", rn(3 * d, std=0.05)))
        t.append((p + "attention.dense.weight", rn(d, d, std=0.15)))
        t.append((p + "attention.dense.bias", rn(d, std=0.05)))
        t.append((p + "mlp.dense_h_to_4h.weight", rn(inter, d, std=0.15)))
        t.append((p + "mlp.dense_h_to_4h.bias", rn(inter, std=0.05)))
        t.append((p + "mlp.dense_4h_to_h.weight", rn(d, inter, std=0.1)))
        t.append((p + "mlp.dense_4h_to_h.bias", rn(d, std=0.05)))
    t.append(("gpt_neox.final_layer_norm.weight", norm_w(d)))
    t.append(("gpt_neox.final_layer_norm.bias", rn(d, std=0.05)))
    t.append(("embed_out.weight", rn(V, d, std=0.35)))
    write_dir("gpt_neox", cfg, t, "F32")


ALL = [make_gpt2, make_gpt2_prefixed, make_llama_gqa, make_mistral, make_qwen2, make_qwen3,
       make_gemma, make_gemma2, make_gpt_neox]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for fn in ALL:
        fn()
