#!/usr/bin/env python3
"""Trains the demo model (public/models/demo) from scratch, reproducibly from SEED.

    /usr/bin/python3 scripts/demo/train.py          (Debian python3-torch; one CPU thread)

Steps: make_corpus.py -> tokenize.ts build (tokenizer.json) -> tokenize.ts encode (every
text the trainer and the analyses need, tokenized by @huggingface/tokenizers) -> train ->
export config.json + model.safetensors -> analyze.py (held-out eval, lens, probes, files).
Log: scripts/demo/train.log.
"""
import json
import math
import os
import random
import subprocess
import sys
import time

import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from model import Llama  # noqa: E402
from st_io import write_safetensors  # noqa: E402

MODEL_DIR = os.path.join(ROOT, "public", "models", "demo")
OUT = os.path.join(HERE, "out")
SEED = 1234
STEPS = int(os.environ.get("DEMO_STEPS", "1600"))
BATCH = 32
LR = 3e-3
WARMUP = 100
WD = 0.05
MIX = [("fact", 0.42), ("trans", 0.36), ("rep", 0.07), ("cloze", 0.15)]
LINES_PER_DOC = {"fact": (3, 6), "trans": (5, 5), "rep": (4, 5), "cloze": (3, 3)}

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 128,
    "intermediate_size": 384,
    "num_hidden_layers": 6,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,
    "hidden_act": "silu",
    "max_position_embeddings": 256,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
    "torch_dtype": "float32",
    "bos_token_id": 0,
    "eos_token_id": 1,
}

LOG = None


def log(msg):
    print(msg, flush=True)
    LOG.write(msg + "\n")
    LOG.flush()


def run(cmd):
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.stdout.strip():
        log(r.stdout.strip())
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit(f"failed: {cmd}")


def prepare():
    """Corpus, tokenizer, and token ids for every text (training lines + analysis prompts)."""
    run(["/usr/bin/python3", os.path.join(HERE, "make_corpus.py")])
    run(["npx", "tsx", "scripts/demo/tokenize.ts", "build", "scripts/demo/out/corpus.json", "public/models/demo"])
    with open(os.path.join(OUT, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    texts = [u["text"] for u in corpus["train_lines"]]
    for h in corpus["heldout"]:
        texts += [h["prompt"], h["prompt"] + h["answer"]]
    texts += [p["prompt"] for p in corpus["probe"]] + [p["prompt"] for p in corpus["latent"]]
    # documents assembled from line ids must equal the tokenization of the joined text
    rng = random.Random(7)
    checks = [rng.sample(corpus["train_lines"], 5) for _ in range(200)]
    texts += ["\n".join(u["text"] for u in c) for c in checks]
    texts = list(dict.fromkeys(texts))
    with open(os.path.join(OUT, "texts.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    run(["npx", "tsx", "scripts/demo/tokenize.ts", "encode", "public/models/demo", "scripts/demo/out/texts.json", "scripts/demo/out/ids.json"])
    with open(os.path.join(OUT, "ids.json"), encoding="utf-8") as f:
        enc = json.load(f)
    tok = dict(zip(texts, enc["ids"]))
    nl = tok["\n".join(u["text"] for u in checks[0])][len(tok[checks[0][0]["text"]])]
    assert enc["vocab"][nl] == "\n"
    for c in checks:
        joined = []
        for i, u in enumerate(c):
            joined += ([nl] if i else []) + tok[u["text"]]
        assert joined == tok["\n".join(u["text"] for u in c)], c
    log(f"tokenizer: vocab {len(enc['vocab'])}; line-wise encoding equals document encoding on {len(checks)} random documents")
    return corpus, tok, enc, nl


def sample_doc(rng, pools, bos, nl):
    r = rng.random()
    acc = 0.0
    for kind, p in MIX:
        acc += p
        if r < acc:
            break
    groups = pools[kind]
    if kind == "fact" and rng.random() < 0.1:
        lines = [l for g in groups.values() for l in g]  # mixed-language document
    else:
        lines = groups[rng.choice(sorted(groups))]
    lo, hi = LINES_PER_DOC[kind]
    ids = [bos]
    for i, l in enumerate(rng.sample(lines, rng.randint(lo, hi))):
        ids += ([nl] if i else []) + l
    return ids


def main():
    global LOG
    os.makedirs(OUT, exist_ok=True)
    LOG = open(os.path.join(HERE, "train.log"), "w", encoding="utf-8")
    t0 = time.time()
    log(f"demo model training, seed {SEED}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    corpus, tok, enc, nl = prepare()
    bos = enc["bos"]
    pools = {}
    for u in corpus["train_lines"]:
        pools.setdefault(u["pool"], {}).setdefault(u["group"], []).append(tok[u["text"]])
    n_tok = sum(len(tok[u["text"]]) for u in corpus["train_lines"])
    log(f"corpus: {len(corpus['train_lines'])} training lines ({n_tok} tokens), "
        + ", ".join(f"{k} {sum(len(v) for v in g.values())}" for k, g in pools.items())
        + f"; held-out items {len(corpus['heldout'])}")

    cfg = dict(CONFIG, vocab_size=len(enc["vocab"]))
    random.seed(SEED)
    torch.manual_seed(SEED)
    model = Llama(cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)
            if n.endswith("o_proj.weight") or n.endswith("down_proj.weight"):
                p.mul_(1 / math.sqrt(2 * cfg["num_hidden_layers"]))
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {json.dumps({k: cfg[k] for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'vocab_size')})}, {n_params} parameters")
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=LR, betas=(0.9, 0.98), eps=1e-8)
    rng = random.Random(SEED)
    log(f"training: {STEPS} steps x {BATCH} documents, AdamW lr {LR} (warmup {WARMUP}, cosine to 10%), wd {WD}, mix {MIX}")
    tr0 = time.time()
    ema = None
    seen = 0
    for step in range(1, STEPS + 1):
        docs = [sample_doc(rng, pools, bos, nl) for _ in range(BATCH)]
        T = max(len(d) for d in docs)
        x = torch.zeros((BATCH, T), dtype=torch.long)
        y = torch.full((BATCH, T), -100, dtype=torch.long)
        for i, d in enumerate(docs):
            x[i, :len(d)] = torch.tensor(d)
            y[i, :len(d) - 1] = torch.tensor(d[1:])
        seen += sum(len(d) for d in docs)
        lr = LR * min(1.0, step / WARMUP) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / STEPS))))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if step % 50 == 0 or step == 1:
            el = time.time() - tr0
            log(f"step {step:5d}  loss {loss.item():.4f}  ema {ema:.4f}  lr {lr:.2e}  tokens {seen}  {el:.0f}s")
    log(f"training done in {time.time() - tr0:.0f}s ({seen} tokens seen)")

    # export
    with open(os.path.join(MODEL_DIR, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    tensors = [(n, p.detach().numpy(), "F32") for n, p in model.hf_state()]
    size = write_safetensors(os.path.join(MODEL_DIR, "model.safetensors"), tensors,
                             {"format": "pt", "source": "scripts/demo/train.py", "seed": str(SEED)})
    log(f"wrote model.safetensors ({size} bytes) and config.json")
    import analyze
    analyze.main(log)
    log(f"total {time.time() - t0:.0f}s")
    LOG.close()


if __name__ == "__main__":
    main()
