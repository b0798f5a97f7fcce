#!/usr/bin/env python3
"""16-bit fixtures and their float64 logits (issue 15 item 1).

    python3 scripts/reference/make_half.py

Writes
  tests/fixtures/models/llama-gqa-f16/   llama-gqa (BF16, untied, GQA, llama3 rope) converted by torch to F16
  tests/fixtures/models/qwen2-bf16/      qwen2 (F32, tied, q/k/v biases) converted by torch to BF16
  tests/golden/half/<name>.json          {ids, logits [T][V]} of the float64 reference (reference.py) on
                                         exactly those 16-bit values, widened to float64
  tests/fixtures/models/gpt2-f16/        gpt2 (F32, tied, Conv1D [in, out] weights, fused c_attn) converted by torch to F16
  tests/fixtures/models/gpt_neox-bf16/   gpt_neox (F32, untied, per-head interleaved query_key_value, partial rotary) to BF16
  tests/golden/half/qwen2-halve.json     the F32 qwen2 with every 2-D matrix rounded to F16 (what the
                                         engine's "halve memory" load keeps; norms and biases stay F32)
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch, read_checkpoint, write_safetensors  # noqa: E402

ensure_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from reference import Model  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "tests", "fixtures", "models")
OUT = os.path.join(ROOT, "tests", "golden", "half")


def convert(src, dst, dtype, only_2d=False):
    """Every tensor of src to `dtype` ('F16' | 'BF16') in one model.safetensors at dst (torch's rounding)."""
    os.makedirs(dst, exist_ok=True)
    raw = read_checkpoint(src)
    tdt = torch.float16 if dtype == "F16" else torch.bfloat16
    tensors = []
    for name in sorted(raw):
        arr = np.asarray(raw[name], dtype=np.float32)
        if only_2d and arr.ndim != 2:
            tensors.append((name, arr, "F32"))
            continue
        t = torch.from_numpy(arr.copy()).to(tdt)
        if dtype == "F16":
            tensors.append((name, t.numpy(), "F16"))
        else:
            tensors.append((name, t.to(torch.float32).numpy(), "BF16"))  # exact: already bf16 values
    write_safetensors(os.path.join(dst, "model.safetensors"), tensors)
    shutil.copy(os.path.join(src, "config.json"), os.path.join(dst, "config.json"))


def golden(model_dir, name, ids, label):
    m = Model(model_dir)
    res = m.analyse(ids)
    logits = res["_logits"][-1]  # [T, V] float64
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump({"model": label, "ids": ids, "logits": [[float(f"{v:.9g}") for v in row] for row in logits.tolist()]}, f)
        f.write("\n")
    print(name, "top1", logits.argmax(-1).tolist(), "max|z|", float(logits.abs().max()))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(1515)
    f16 = os.path.join(MODELS, "llama-gqa-f16")
    convert(os.path.join(MODELS, "llama-gqa"), f16, "F16")
    golden(f16, "llama-gqa-f16", rng.integers(0, 200, 9).tolist(), "tests/fixtures/models/llama-gqa-f16")
    bf16 = os.path.join(MODELS, "qwen2-bf16")
    convert(os.path.join(MODELS, "qwen2"), bf16, "BF16")
    with open(os.path.join(MODELS, "qwen2", "config.json")) as f:
        vocab = json.load(f)["vocab_size"]
    ids = rng.integers(0, vocab, 8).tolist()
    golden(bf16, "qwen2-bf16", ids, "tests/fixtures/models/qwen2-bf16")
    with tempfile.TemporaryDirectory() as tmp:
        convert(os.path.join(MODELS, "qwen2"), tmp, "F16", only_2d=True)
        golden(tmp, "qwen2-halve", ids, "tests/fixtures/models/qwen2 (halve memory)")
    g16 = os.path.join(MODELS, "gpt2-f16")
    convert(os.path.join(MODELS, "gpt2"), g16, "F16")
    golden(g16, "gpt2-f16", rng.integers(0, 160, 10).tolist(), "tests/fixtures/models/gpt2-f16")
    nx = os.path.join(MODELS, "gpt_neox-bf16")
    convert(os.path.join(MODELS, "gpt_neox"), nx, "BF16")
    with open(os.path.join(MODELS, "gpt_neox", "config.json")) as f:
        nvocab = json.load(f)["vocab_size"]
    golden(nx, "gpt_neox-bf16", rng.integers(0, nvocab, 9).tolist(), "tests/fixtures/models/gpt_neox-bf16")


if __name__ == "__main__":
    main()
