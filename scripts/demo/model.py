"""Minimal Llama (HF layout): RMSNorm, RoPE (rotate_half), SwiGLU MLP, GQA, no biases."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(T, hd, theta):
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    f = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    emb = torch.cat((f, f), dim=-1)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, H, KV, hd = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        self.H, self.KV, self.hd = H, KV, hd
        self.q_proj = nn.Linear(d, H * hd, bias=False)
        self.k_proj = nn.Linear(d, KV * hd, bias=False)
        self.v_proj = nn.Linear(d, KV * hd, bias=False)
        self.o_proj = nn.Linear(H * hd, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.KV, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.KV, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.H // self.KV
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        a = s.softmax(-1) @ v
        return self.o_proj(a.transpose(1, 2).reshape(B, T, self.H * self.hd))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, rec=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        m_in = self.post_attention_layernorm(x)
        if rec is not None:
            rec.append(("mlp_in", m_in))
        x = x + self.mlp(m_in)
        if rec is not None:
            rec.append(("block_out", x))
        return x


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        cos, sin = rope_cos_sin(c["max_position_embeddings"], c["head_dim"], c["rope_theta"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, ids, rec=None):
        B, T = ids.shape
        x = self.embed_tokens(ids)
        mask = torch.full((T, T), float("-inf")).triu(1)
        cos, sin = self.cos[:T], self.sin[:T]
        for layer in self.layers:
            x = layer(x, cos, sin, mask, rec)
        return self.lm_head(self.norm(x))

    def hf_state(self):
        """(name, tensor) in HF Llama naming; nn.Linear weights are already [out, in]."""
        out = [("model.embed_tokens.weight", self.embed_tokens.weight)]
        for i, l in enumerate(self.layers):
            p = f"model.layers.{i}."
            out += [(p + "input_layernorm.weight", l.input_layernorm.weight),
                    (p + "self_attn.q_proj.weight", l.self_attn.q_proj.weight),
                    (p + "self_attn.k_proj.weight", l.self_attn.k_proj.weight),
                    (p + "self_attn.v_proj.weight", l.self_attn.v_proj.weight),
                    (p + "self_attn.o_proj.weight", l.self_attn.o_proj.weight),
                    (p + "post_attention_layernorm.weight", l.post_attention_layernorm.weight),
                    (p + "mlp.gate_proj.weight", l.mlp.gate_proj.weight),
                    (p + "mlp.up_proj.weight", l.mlp.up_proj.weight),
                    (p + "mlp.down_proj.weight", l.mlp.down_proj.weight)]
        out += [("model.norm.weight", self.norm.weight), ("lm_head.weight", self.lm_head.weight)]
        return out

    def load_hf(self, tensors):
        own = dict(self.hf_state())
        with torch.no_grad():
            for k, p in own.items():
                p.copy_(torch.from_numpy(tensors[k].copy()))
