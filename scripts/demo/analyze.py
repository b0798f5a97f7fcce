#!/usr/bin/env python3
"""Measures the trained demo model (run by train.py; or alone, appending to train.log):

  held-out accuracy   greedy next token vs the answer's first token (only items whose answer
                      is one token in context) -> public/models/demo/heldout.json
  behaviours          >= 20 held-out prompts the model gets right -> public/models/demo/behaviours.json
  logit lens          block outputs at the last position through model.norm + lm_head: the first
                      layer where the answer is top-1, and from which layer on it stays top-1
  latent language     METHODS §4 token sets and filters, non-English translation prompts:
                      P(English word), P(target word), P(source word), entropy per layer
  concept depth       METHODS §3 linear probes per layer (post_attention_layernorm output at the
                      last token, and block output), L2 logistic regression C=1, 60/40 split
  reference logits    a few prompts' final logits for tests/demo.test.ts (export check)
Numbers go to scripts/demo/analysis.json and the log.
"""
import json
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from model import Llama  # noqa: E402
from st_io import read_safetensors  # noqa: E402

MODEL_DIR = os.environ.get("DEMO_MODEL_DIR", os.path.join(ROOT, "public", "models", "demo"))
OUT = os.path.join(HERE, "out")
LANG_NAME = {"en": "English", "fr": "Français", "de": "Deutsch", "ru": "Русский"}


def load():
    with open(os.path.join(MODEL_DIR, "config.json")) as f:
        cfg = json.load(f)
    m = Llama(cfg)
    t, _ = read_safetensors(os.path.join(MODEL_DIR, "model.safetensors"))
    m.load_hf(t)
    m.eval()
    return m, cfg


def run(m, ids):
    """-> final logits [V], block outputs [L, d], mlp inputs [L, d] at the last position."""
    rec = []
    with torch.no_grad():
        logits = m(torch.tensor([ids]), rec)
    blocks = torch.stack([t[0, -1] for k, t in rec if k == "block_out"])
    mlp_in = torch.stack([t[0, -1] for k, t in rec if k == "mlp_in"])
    return logits[0, -1], blocks, mlp_in


def lens(m, h):
    with torch.no_grad():
        return m.lm_head(m.norm(h))


def raw_vocab_bytes():
    with open(os.path.join(MODEL_DIR, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    dec = {chr(c): b for b, c in zip(bs, cs)}
    out = {}
    for tokstr, i in tj["model"]["vocab"].items():
        if all(ch in dec for ch in tokstr):
            out[bytes(dec[ch] for ch in tokstr)] = i
    return out


def token_set(word, byte_vocab, lang):
    """METHODS §4: every prefix w[:i], with and without the word-start marker (a leading space
    here), that is in the vocab; for Cyrillic also the byte token of the first UTF-8 byte."""
    s = set()
    for i in range(1, len(word) + 1):
        for p in (word[:i], " " + word[:i]):
            b = p.encode("utf-8")
            if b in byte_vocab:
                s.add(byte_vocab[b])
    if lang == "ru":
        fb = word.encode("utf-8")[:1]
        if fb in byte_vocab:
            s.add(byte_vocab[fb])
    return s


def logreg(Xtr, ytr, C=1.0, iters=100):
    """sklearn-style L2 logistic regression (C, unpenalised intercept, lbfgs)."""
    X = torch.tensor(Xtr, dtype=torch.float64)
    y = torch.tensor(ytr, dtype=torch.float64)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = X @ w + b
        loss = C * torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum") + 0.5 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), b.detach().numpy()


def auc(scores, y):
    pos = scores[y == 1]
    neg = scores[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    gt = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(gt / (len(pos) * len(neg)))


def main(log=None):
    own_log = None
    if log is None:
        own_log = open(os.path.join(HERE, "train.log"), "a", encoding="utf-8")

        def log(msg):
            print(msg, flush=True)
            own_log.write(msg + "\n")
    with open(os.path.join(OUT, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    with open(os.path.join(OUT, "texts.json"), encoding="utf-8") as f:
        texts = json.load(f)
    with open(os.path.join(OUT, "ids.json"), encoding="utf-8") as f:
        enc = json.load(f)
    tok = dict(zip(texts, enc["ids"]))
    vocab = enc["vocab"]
    bos = enc["bos"]
    m, cfg = load()
    L = cfg["num_hidden_layers"]
    analysis = {"layers": L}

    # ------------------------------------------------------------ held-out accuracy + lens
    items = []
    skipped = {"fact": 0, "translation": 0}
    for h in corpus["heldout"]:
        p = tok[h["prompt"]]
        full = tok[h["prompt"] + h["answer"]]
        if full[:len(p)] != p or len(full) != len(p) + 1:
            skipped[h["kind"]] += 1
            continue
        ids = [bos] + p
        ans = full[-1]
        logits, blocks, _ = run(m, ids)
        pred = int(logits.argmax())
        top1 = [int(lens(m, blocks[l]).argmax()) for l in range(L)]
        ranks = []
        for l in range(L):
            lg = lens(m, blocks[l])
            ranks.append(int((lg > lg[ans]).sum()))
        first = next((l for l in range(L) if top1[l] == ans), None)
        stable = next((l for l in range(L) if all(t == ans for t in top1[l:])), None)
        items.append(dict(h, ids=ids, answer_id=ans, expect=vocab[ans], pred=pred, pred_text=vocab[pred],
                          correct=pred == ans, lens_top1=[vocab[t] for t in top1], lens_rank=ranks,
                          first_top1_layer=first, stable_top1_layer=stable))
    acc = {}
    for kind in ("fact", "translation"):
        its = [i for i in items if i["kind"] == kind]
        c = sum(i["correct"] for i in its)
        acc[kind] = {"n": len(its), "correct": c, "accuracy": round(100 * c / len(its), 1), "excluded_multitoken": skipped[kind]}
        fams = {}
        for i in its:
            fams.setdefault(i["family"], [0, 0])
            fams[i["family"]][0] += 1
            fams[i["family"]][1] += int(i["correct"])
        acc[kind]["by_family"] = {k: f"{v[1]}/{v[0]}" for k, v in sorted(fams.items())}
        langs = {}
        for i in its:
            langs.setdefault(i["lang"], [0, 0])
            langs[i["lang"]][0] += 1
            langs[i["lang"]][1] += int(i["correct"])
        acc[kind]["by_lang"] = {k: f"{v[1]}/{v[0]}" for k, v in sorted(langs.items())}
        log(f"held-out {kind}: {c}/{len(its)} = {100 * c / len(its):.1f}% (multi-token answers excluded: {skipped[kind]}); "
            f"by family {acc[kind]['by_family']}; by language {acc[kind]['by_lang']}")
    analysis["heldout"] = acc

    lens_stats = {}
    for kind in ("fact", "translation"):
        its = [i for i in items if i["kind"] == kind and i["correct"]]
        first = [i["first_top1_layer"] for i in its]
        stable = [i["stable_top1_layer"] for i in its]
        hist_f = [first.count(l) for l in range(L)]
        hist_s = [stable.count(l) for l in range(L)]
        top1_rate = [round(sum(i["lens_top1"][l] == i["expect"] for i in its) / max(1, len(its)), 3) for l in range(L)]
        med_rank = [float(np.median([i["lens_rank"][l] for i in its])) for l in range(L)]
        lens_stats[kind] = {"n_correct": len(its), "first_top1_hist": hist_f, "stable_top1_hist": hist_s,
                            "top1_rate_per_layer": top1_rate, "median_rank_per_layer": med_rank}
        log(f"logit lens ({kind}, {len(its)} correct held-out): first layer with answer top-1 {hist_f}; "
            f"stays top-1 from layer {hist_s}; top-1 rate per layer {top1_rate}; median answer rank per layer {med_rank}")
        fams = sorted(set(i["family"] for i in its))
        per = {}
        for fam in fams:
            fi = [i for i in its if i["family"] == fam]
            per[fam] = round(float(np.mean([i["stable_top1_layer"] for i in fi])), 2)
        lens_stats[kind]["mean_stable_layer_by_family"] = per
        log(f"  mean 'stays top-1 from' layer by family: {per}")
    analysis["logit_lens"] = lens_stats

    # ------------------------------------------------------------ files: heldout.json, behaviours.json
    heldout_out = {
        "description": "Held-out evaluation of the demo model (never seen in training; see README.md). "
                       "An item is correct when the greedy next token after `prompt` (BOS prepended) is the "
                       "answer's first token, whose decoded text is `expect`. Only items whose answer is a "
                       "single token in context are listed.",
        "counts": {k: {"n": v["n"], "correct": v["correct"]} for k, v in acc.items()},
        "items": [{"kind": i["kind"], "family": i["family"], "lang": i["lang"], "prompt": i["prompt"],
                   "expect": i["expect"], "correct": bool(i["correct"]), "python_prediction": i["pred_text"]} for i in items],
    }
    with open(os.path.join(MODEL_DIR, "heldout.json"), "w", encoding="utf-8") as f:
        json.dump(heldout_out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    groups = {}
    for i in items:
        if i["correct"]:
            groups.setdefault((i["kind"], i["family"]), []).append(i)
    beh = []
    keys = sorted(groups)
    rr = 0
    while len(beh) < 32 and any(groups.values()):
        g = groups[keys[rr % len(keys)]]
        if g:
            beh.append(g.pop(0))
        rr += 1
    behaviours = [{"prompt": i["prompt"], "expect": i["expect"], "kind": f"{i['kind']}/{i['family']}", "lang": i["lang"],
                   "note": "held-out"} for i in beh]
    with open(os.path.join(MODEL_DIR, "behaviours.json"), "w", encoding="utf-8") as f:
        json.dump(behaviours, f, ensure_ascii=False, indent=1)
        f.write("\n")
    log(f"behaviours.json: {len(behaviours)} held-out behaviours")

    # ------------------------------------------------------------ reference logits (export check)
    ref = []
    picks = [i for i in items if i["kind"] == "fact"][:2] + [i for i in items if i["kind"] == "translation"][:2]
    for i in picks:
        logits, _, _ = run(m, i["ids"])
        ref.append({"prompt": i["prompt"], "ids": i["ids"], "logits": [round(float(x), 6) for x in logits]})
    with open(os.path.join(HERE, "reference_logits.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)

    # ------------------------------------------------------------ latent language
    byte_vocab = raw_vocab_bytes()
    from make_corpus import concepts
    words_of = {(c, k): w for c, k, w in concepts()}
    lat = []
    dropped = 0
    for p in corpus["latent"]:
        # control: the concept's word in the fourth language (neither source, target nor English)
        other = next(l for l in ("fr", "de", "ru") if l not in (p["src"], p["tgt"]))
        s_oth = token_set(words_of[(p["category"], p["key"])][other], byte_vocab, other)
        s_en = token_set(p["word_en"], byte_vocab, "en")
        s_tgt = token_set(p["word_tgt"], byte_vocab, p["tgt"])
        s_src = token_set(p["word_src"], byte_vocab, p["src"])
        if not s_en or not s_tgt or (s_tgt & s_en) or p["word_en"].lower() in p["word_tgt"].lower():
            dropped += 1
            continue
        ids = [bos] + tok[p["prompt"]]
        logits, blocks, _ = run(m, ids)
        probs = torch.softmax(lens(m, blocks), -1)
        pe = probs[:, sorted(s_en)].sum(-1).numpy()
        pt = probs[:, sorted(s_tgt)].sum(-1).numpy()
        ps = probs[:, sorted(s_src - s_tgt)].sum(-1).numpy() if (s_src - s_tgt) else np.zeros(L)
        s_oth = s_oth - s_tgt - s_en
        po = probs[:, sorted(s_oth)].sum(-1).numpy() if s_oth else np.zeros(L)
        ent = (-(probs * torch.log2(probs.clamp_min(1e-30))).sum(-1)).numpy()
        en_rank = [int(min((lens(m, blocks[l]) > lens(m, blocks[l])[t]).sum() for t in s_en)) for l in range(L)]
        final_ok = int(logits.argmax()) in s_tgt
        lat.append({"pe": pe, "pt": pt, "ps": ps, "po": po, "ent": ent, "en_rank": en_rank, "ok": final_ok, "held": p["heldout"]})

    def summary(sel, name):
        if not sel:
            return None
        res = {"n": len(sel)}
        for k in ("pe", "pt", "ps", "po", "ent"):
            a = np.stack([s[k] for s in sel])
            mu = a.mean(0)
            ci = 1.96 * a.std(0, ddof=1) / np.sqrt(len(a)) if len(a) > 1 else np.zeros(L)
            res[k] = [round(float(x), 4) for x in mu]
            res[k + "_ci95"] = [round(float(x), 4) for x in ci]
        r = np.stack([s["en_rank"] for s in sel])
        res["en_top1_rate"] = [round(float(x), 3) for x in (r == 0).mean(0)]
        res["en_median_rank"] = [float(x) for x in np.median(r, 0)]
        log(f"latent language ({name}, n={len(sel)}): P_en {res['pe']}; P_target {res['pt']}; P_source {res['ps']}; P_other (4th language, control) {res['po']}; "
            f"entropy bits {[round(x, 2) for x in res['ent']]}; English word top-1 rate {res['en_top1_rate']}; median English rank {res['en_median_rank']}")
        return res
    analysis["latent_language"] = {
        "dropped_by_filters": dropped,
        "all": summary(lat, "fr/de/ru translation prompts, all"),
        "final_correct": summary([s for s in lat if s["ok"]], "final prediction correct"),
        "heldout_pairs": summary([s for s in lat if s["held"]], "held-out pairs only"),
    }

    # ------------------------------------------------------------ concept depth probes
    probes = {}
    for task in ("country_vs_object", "mammal_vs_other"):
        rows = [p for p in corpus["probe"] if p["task"] == task]
        seen = set()
        X_mlp, X_blk, X_emb, y = [], [], [], []
        for p in rows:
            ids = [bos] + tok[p["prompt"]]
            if ids[-1] in seen:  # the same word token in two languages: keep one (no train/test leak)
                continue
            seen.add(ids[-1])
            _, blocks, mlp_in = run(m, ids)
            with torch.no_grad():
                emb = m.embed_tokens.weight[ids[-1]]
            X_mlp.append(mlp_in.numpy())
            X_blk.append(blocks.numpy())
            X_emb.append(emb.detach().numpy())
            y.append(p["label"])
        y = np.array(y)
        n = len(y)
        perm = np.random.RandomState(0).permutation(n)
        ntr = int(round(0.6 * n))
        tr, te = perm[:ntr], perm[ntr:]
        res = {"n": n, "positives": int(y.sum()), "majority_baseline": round(float(max(y[te].mean(), 1 - y[te].mean())), 3),
               "test_indices": [int(i) for i in te]}
        for rep_name, X in (("mlp_in", np.stack(X_mlp)), ("block_out", np.stack(X_blk))):
            accs, f1s, aucs = [], [], []
            for l in range(L):
                w, b = logreg(X[tr, l], y[tr])
                s = X[te, l] @ w + b
                pr = (s > 0).astype(int)
                accs.append(round(float((pr == y[te]).mean()), 3))
                tp = int(((pr == 1) & (y[te] == 1)).sum())
                f1s.append(round(2 * tp / max(1, pr.sum() + y[te].sum()), 3))
                aucs.append(round(auc(s, y[te]), 3))
            res[rep_name] = {"accuracy": accs, "f1": f1s, "auc": aucs}
        Xe = np.stack(X_emb)
        w, b = logreg(Xe[tr], y[tr])
        res["embedding_accuracy"] = round(float((((Xe[te] @ w + b) > 0).astype(int) == y[te]).mean()), 3)
        probes[task] = res
        log(f"probe {task} (n={n}, test {len(te)}, majority {res['majority_baseline']}): embedding acc {res['embedding_accuracy']}; "
            f"mlp_in acc per layer {res['mlp_in']['accuracy']} (AUC {res['mlp_in']['auc']}); block_out acc {res['block_out']['accuracy']}")
    analysis["probes"] = probes
    with open(os.path.join(HERE, "analysis.json"), "w", encoding="utf-8") as f:
        json.dump(analysis, f, ensure_ascii=False, indent=1)
        f.write("\n")
    log("wrote heldout.json, behaviours.json, scripts/demo/analysis.json, scripts/demo/reference_logits.json")
    if own_log:
        own_log.close()


if __name__ == "__main__":
    main()
