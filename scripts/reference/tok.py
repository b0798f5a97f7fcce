#!/usr/bin/env python3
"""A minimal, independent reader of stories260K's tokenizer.json (Hugging Face BPE).

Written from the file's own declaration, not from the engine: normalizer = Prepend "▁" then
Replace " " -> "▁"; no pre-tokenizer (the whole text is one word); BPE with ranked merges
(lowest rank first, leftmost on ties) and byte_fallback (a character missing from the vocab
becomes its UTF-8 bytes <0xXX>); post-processor: "<s>" first. Decoder: "▁" -> " ",
byte fallback, fuse, strip one leading space. Only what stories260K declares is
supported; anything else raises.

    python3 scripts/reference/tok.py tests/fixtures/models/stories260K "Once upon a time"
"""
import json
import os
import sys


class Tokenizer:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
            t = json.load(f)
        m = t["model"]
        if m["type"] != "BPE" or not m.get("byte_fallback"):
            raise ValueError("only BPE with byte_fallback is supported")
        if t.get("pre_tokenizer") is not None:
            raise ValueError("pre_tokenizer not supported")
        norms = t["normalizer"]["normalizers"]
        if [n["type"] for n in norms] != ["Prepend", "Replace"]:
            raise ValueError("unexpected normalizer")
        self.prepend = norms[0]["prepend"]
        self.rep = (norms[1]["pattern"]["String"], norms[1]["content"])
        self.vocab = dict(m["vocab"])
        for a in t.get("added_tokens", []):
            self.vocab[a["content"]] = a["id"]
        self.inv = {i: s for s, i in self.vocab.items()}
        self.ranks = {}
        for r, mg in enumerate(m["merges"]):
            a, b = mg if isinstance(mg, list) else mg.split(" ", 1)
            self.ranks.setdefault((a, b), r)
        self.bos = self.vocab["<s>"]
        with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            self.add_bos = bool(json.load(f).get("add_bos_token", False))

    def encode(self, text, bos=None):
        s = self.prepend + text.replace(self.rep[0], self.rep[1])
        syms = []
        for ch in s:
            if ch in self.vocab:
                syms.append(ch)
            else:
                syms.extend("<0x%02X>" % b for b in ch.encode("utf-8"))
        while len(syms) > 1:
            best = None
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            syms[i:i + 2] = [syms[i] + syms[i + 1]]
        ids = [self.vocab[x] for x in syms]
        if self.add_bos if bos is None else bos:
            ids = [self.bos] + ids
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            p = self.inv[i]
            if p in ("<s>", "</s>", "<unk>"):
                continue
            if len(p) == 6 and p.startswith("<0x") and p.endswith(">"):
                out.append(int(p[3:5], 16))
            else:
                out.extend(p.replace("▁", " ").encode("utf-8"))
        s = out.decode("utf-8", errors="replace")
        return s[1:] if s.startswith(" ") else s


if __name__ == "__main__":
    tk = Tokenizer(sys.argv[1])
    ids = tk.encode(sys.argv[2])
    print(ids, repr(tk.decode(ids)))
