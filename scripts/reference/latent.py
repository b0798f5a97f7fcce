#!/usr/bin/env python3
"""Latent-language golden (METHODS §4), float64 PyTorch, independent of the engine.

    /usr/bin/python3 scripts/reference/latent.py     # writes tests/golden/latent/<case>.json

Per case: the protocol rebuilt here from the word lists (csv module; join on word_original,
token sets from tokenizer.json's vocab, the filters, mulberry32 few-shot draws with partial
Fisher–Yates), then the lens from reference.Model's own forward: block outputs 0..L−1 at the
last position, decoded with the final norm + unembedding (the last = the model output),
log_softmax in float64; P(set) = Σ p over the set, entropy −Σ p·log₂ p; means and
mean ± 1.96·sd/√n (sd over n − 1). The prompt's token ids are the only thing taken from
the engine (`strata latent --json`): each is checked to decode back to BOS + the prompt
with a decoder written here. The script also prints the CLI's largest difference.
"""
import csv
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import ensure_torch  # noqa: E402

ensure_torch()
import torch  # noqa: E402
from reference import Model  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "latent")
NAMES = {"fr": "Français", "de": "Deutsch", "ru": "Русский", "en": "English", "zh": "中文", "ja": "日本語"}

CASES = [
    {"name": "demo-fr-de", "model": "public/models/demo", "words": "public/latent-language/demo", "task": "translation", "source": "fr", "target": "de", "latent": ["en"], "shots": 4, "seed": 0, "limit": 12},
    {"name": "demo-rep-ru", "model": "public/models/demo", "words": "public/latent-language/demo", "task": "repetition", "source": "ru", "target": "ru", "latent": ["en", "de"], "shots": 4, "seed": 7, "limit": 8},
    {"name": "demo-cloze-fr", "model": "public/models/demo", "words": "public/latent-language/demo", "task": "cloze", "source": "fr", "target": "fr", "latent": ["en"], "shots": 2, "seed": 3, "limit": 8},
    {"name": "stories-fr-en", "model": "tests/fixtures/models/stories260K", "words": "public/latent-language", "task": "translation", "source": "fr", "target": "en", "latent": ["en", "de"], "shots": 2, "seed": 0, "limit": 6},
]


def mulberry32(seed):
    a = seed & 0xFFFFFFFF

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def bytes_to_unicode():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Vocab:
    def __init__(self, model_dir):
        with open(os.path.join(ROOT, model_dir, "tokenizer.json"), encoding="utf-8") as f:
            t = json.load(f)
        self.v = dict(t["model"]["vocab"])
        for a in t.get("added_tokens", []):
            self.v[a["content"]] = a["id"]
        self.inv = {i: s for s, i in self.v.items()}
        self.byte_level = "ByteLevel" in json.dumps(t.get("pre_tokenizer")) + json.dumps(t.get("decoder"))
        self.b2u = bytes_to_unicode()
        self.u2b = {c: b for b, c in self.b2u.items()}

    def raw(self, s):
        return "".join(self.b2u[b] for b in s.encode("utf-8")) if self.byte_level else s

    def token_set(self, word, lang):
        """utils.py process_tokens: prefixes with the marker, then without; zh/ru also the first-byte token."""
        pre = [word[:i] for i in range(1, len(word) + 1)]
        keys = [self.raw(" " + p) if self.byte_level else "▁" + p for p in pre] + [self.raw(p) for p in pre]
        out = []
        for k in keys:
            if k in self.v and self.v[k] not in out:
                out.append(self.v[k])
        if lang in ("zh", "ru"):
            segs = str(word.encode("utf-8"))[2:-1].split("\\x")
            if len(segs) > 1:
                key = "<0x%s>" % segs[1].upper()
                if self.byte_level:
                    key = self.b2u[int(segs[1], 16)] if len(segs[1]) == 2 else None
                if key in self.v and self.v[key] not in out:
                    out.append(self.v[key])
        return out

    def decode(self, ids):
        if self.byte_level:
            return bytes(self.u2b[c] for i in ids for c in self.inv[i]).decode("utf-8")
        out = bytearray()
        for i in ids:
            p = self.inv[i]
            if len(p) == 6 and p.startswith("<0x"):
                out.append(int(p[3:5], 16))
            else:
                out.extend(p.replace("▁", " ").encode("utf-8"))
        s = out.decode("utf-8")
        return s[1:] if s.startswith(" ") else s


def read_list(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [{"en": r["word_original"].strip(), "word": r["word_translation"].strip(), "masked": r.get("blank_prompt_translation_masked") or None}
                for r in csv.DictReader(f)]


def lists_of(words_dir):
    out = {}
    for lang in sorted(os.listdir(os.path.join(ROOT, words_dir))):
        p = os.path.join(ROOT, words_dir, lang, "clean.csv")
        if os.path.isfile(p):
            out[lang] = read_list(p)
    return out


def protocol(c, vocab):
    lists = lists_of(c["words"])
    tgt = lists[c["target"]]
    src = c["source"] if c["task"] == "translation" else c["target"]
    rows = []
    for t in tgt:
        if src == c["target"]:
            srcs = [t["word"]]
        else:
            srcs = [r["word"] for r in lists[src] if r["en"] == t["en"]]
        for s in srcs:
            rows.append({"en": t["en"], "src": s, "tgt": t["word"], "masked": t["masked"]})
    kept, dropped = [], []
    for r in rows:
        if c["task"] == "cloze" and not r["masked"]:
            dropped.append(r["en"])
            continue
        ts = vocab.token_set(r["tgt"], c["target"])
        if not ts:
            dropped.append(r["en"])
            continue
        ls, bad = {}, False
        for lang in c["latent"]:
            lw = r["en"] if lang == "en" else next((x["word"] for x in lists[lang] if x["en"] == r["en"]), None)
            s = vocab.token_set(lw, lang) if lw is not None else []
            if not s or (c["target"] != lang and set(s) & set(ts)):
                bad = True
                break
            ls[lang] = s
        if bad or (c["task"] == "translation" and c["target"] != "en" and r["en"].lower() in r["tgt"].lower()):
            dropped.append(r["en"])
            continue
        kept.append({**r, "targetSet": ts, "latentSets": ls})
    rand = mulberry32(c["seed"])
    n = min(c["limit"], len(kept)) if c["limit"] else len(kept)
    samples = []
    for i in range(n):
        pool = [j for j in range(len(kept)) if j != i]
        for j in range(c["shots"]):
            k = j + int(math.floor(rand() * (len(pool) - j)))
            pool[j], pool[k] = pool[k], pool[j]
        ex = pool[:c["shots"]]
        q = kept[i]
        if c["task"] == "cloze":
            cut = q["masked"].split("：" if c["target"] == "zh" else ":")[0]
            prompt = "".join(kept[j]["masked"] + "\n" for j in ex) + cut + ': "'
        else:
            n1, n2 = NAMES[src], NAMES[c["target"]]
            prompt = "".join(f'{n1}: "{kept[j]["src"]}" - {n2}: "{kept[j]["tgt"]}"\n' for j in ex) + f'{n1}: "{q["src"]}" - {n2}: "'
        samples.append({**q, "prompt": prompt})
    return len(rows), samples, dropped


def band(rows):
    x = torch.tensor(rows, dtype=torch.float64)
    m = x.mean(0)
    half = 1.96 * x.std(0, unbiased=True) / math.sqrt(x.shape[0]) if x.shape[0] > 1 else torch.zeros_like(m)
    return {"mean": m.tolist(), "lo": (m - half).tolist(), "hi": (m + half).tolist()}


def main():
    os.makedirs(OUT, exist_ok=True)
    for c in CASES:
        vocab = Vocab(c["model"])
        nrows, samples, dropped = protocol(c, vocab)
        cli = ["npm", "run", "-s", "strata", "--", "latent", "--model", c["model"], "--words", c["words"], "--task", c["task"], "--source", c["source"],
               "--target", c["target"], "--latent", ",".join(c["latent"]), "--shots", str(c["shots"]), "--seed", str(c["seed"]), "--limit", str(c["limit"]), "--json"]
        eng = json.loads(subprocess.run(cli, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        m = Model(os.path.join(ROOT, c["model"]))
        L = m.L
        per = []
        for s, es in zip(samples, eng["samples"]):
            ids = es["ids"]
            assert vocab.inv[ids[0]] == "<s>" and vocab.decode(ids[1:]) == s["prompt"], (c["name"], s["prompt"], vocab.decode(ids[1:]))
            resids, _ = m.run(ids)
            rows = torch.stack([m.decode(h)[-1] for h in resids[1:]])  # block outputs 0..L−1; the last = model output
            lp = torch.log_softmax(rows, dim=-1)
            p = lp.exp()
            per.append({
                "pTarget": p[:, s["targetSet"]].sum(-1).tolist(),
                "pLatent": {lang: p[:, s["latentSets"][lang]].sum(-1).tolist() for lang in c["latent"]},
                "entropyBits": (-(p * lp).sum(-1) / math.log(2)).tolist(),
                "top1": lp.argmax(-1).tolist(),
            })
        g = {
            "case": c, "rows": nrows, "droppedWords": dropped,
            "samples": [{"word": s["en"], "prompt": s["prompt"], "ids": e["ids"], "targetSet": s["targetSet"], "latentSets": s["latentSets"]} for s, e in zip(samples, eng["samples"])],
            "layers": list(range(L)), "relDepth": [(l + 1) / L for l in range(L)],
            "pTarget": band([q["pTarget"] for q in per]),
            "pLatent": {lang: band([q["pLatent"][lang] for q in per]) for lang in c["latent"]},
            "entropyBits": band([q["entropyBits"] for q in per])["mean"],
            "perSample": per,
        }
        diff = 0.0
        for a, b in [(g["pTarget"]["mean"], eng["pTarget"]["mean"]), (g["entropyBits"], eng["entropyBits"])] + [(g["pLatent"][x]["mean"], eng["pLatent"][x]["mean"]) for x in c["latent"]]:
            diff = max(diff, max(abs(u - v) for u, v in zip(a, b)))
        print(f"{c['name']}: n={len(samples)} rows={nrows} dropped={len(dropped)}; CLI vs torch max |diff| of the means {diff:.2e}; samples/sets/prompts equal: "
              f"{[s['prompt'] for s in samples] == [s['prompt'] for s in eng['samples']] and [s['targetSet'] for s in samples] == [s['targetSet'] for s in eng['samples']]}")
        with open(os.path.join(OUT, c["name"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(g, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
