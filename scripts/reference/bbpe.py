#!/usr/bin/env python3
"""A minimal, independent reader of a byte-level BPE tokenizer.json (the demo model's).

Written from the file's own declaration, not from the engine: no normalizer; pre-tokenizer
ByteLevel (add_prefix_space false, use_regex true: GPT-2's pattern
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
scanned by hand, letters/numbers by Unicode category); each pre-token's UTF-8 bytes mapped
to GPT-2's printable byte alphabet; `ignore_merges`: a pre-token that is itself in the
vocabulary is one token; otherwise BPE with ranked merges (lowest rank first, leftmost on
ties). BOS per tokenizer_config.json (add_bos_token + bos_token). Only what the demo
declares is supported; anything else raises.

    python3 scripts/reference/bbpe.py public/models/demo "The capital of France is Paris."
"""
import json
import os
import sys
import unicodedata

CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def byte_alphabet():
    """GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256+k."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    k = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + k)
            k += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def kind(c):
    cat = unicodedata.category(c)
    if cat.startswith("L"):
        return "L"
    if cat.startswith("N"):
        return "N"
    if c.isspace():
        return "S"
    return "P"


def pretokenize(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        if c:
            out.append(c)
            i += len(c)
            continue
        # ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional literal space, then a run of one class
        j = i + 1 if text[i] == " " and i + 1 < n and kind(text[i + 1]) != "S" else i
        k = kind(text[j])
        if k != "S":
            e = j
            while e < n and kind(text[e]) == k:
                e += 1
            out.append(text[i:e])
            i = e
            continue
        # '\s+(?!\S)': the whitespace run, leaving its last char when a non-space follows; else '\s+'
        e = i
        while e < n and kind(text[e]) == "S":
            e += 1
        if e < n and e - i > 1:
            e -= 1
        out.append(text[i:e])
        i = e
    return out


class Tokenizer:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
            t = json.load(f)
        m = t["model"]
        pre = t.get("pre_tokenizer") or {}
        if m["type"] != "BPE" or pre.get("type") != "ByteLevel" or pre.get("add_prefix_space") or not pre.get("use_regex"):
            raise ValueError("only ByteLevel BPE without prefix space, with the regex, is supported")
        if t.get("normalizer") is not None or m.get("byte_fallback") or m.get("continuing_subword_prefix") or m.get("end_of_word_suffix"):
            raise ValueError("unsupported tokenizer option")
        self.ignore_merges = bool(m.get("ignore_merges"))
        self.vocab = dict(m["vocab"])
        for a in t.get("added_tokens", []):
            self.vocab[a["content"]] = a["id"]
        self.ranks = {}
        for r, mg in enumerate(m["merges"]):
            a, b = mg if isinstance(mg, list) else mg.split(" ", 1)
            self.ranks.setdefault((a, b), r)
        self.bytes = byte_alphabet()
        with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        bos = cfg.get("bos_token")
        bos = bos.get("content") if isinstance(bos, dict) else bos
        self.bos = self.vocab[bos] if cfg.get("add_bos_token") and bos else None

    def bpe(self, word):
        if self.ignore_merges and word in self.vocab:
            return [word]
        parts = list(word)
        while len(parts) > 1:
            best = min(range(len(parts) - 1), key=lambda k: (self.ranks.get((parts[k], parts[k + 1]), 1 << 60), k))
            if (parts[best], parts[best + 1]) not in self.ranks:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        return parts

    def encode(self, text):
        ids = [] if self.bos is None else [self.bos]
        for w in pretokenize(text):
            mapped = "".join(self.bytes[b] for b in w.encode("utf-8"))
            for p in self.bpe(mapped):
                if p not in self.vocab:
                    raise ValueError("piece %r is not in the vocabulary" % p)
                ids.append(self.vocab[p])
        return ids


if __name__ == "__main__":
    tok = Tokenizer(sys.argv[1])
    print(tok.encode(sys.argv[2]))
