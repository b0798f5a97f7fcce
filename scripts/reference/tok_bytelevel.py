#!/usr/bin/env python3
"""A minimal, independent reader of a byte-level BPE tokenizer.json (the demo model's).

Written from the file's declaration, not from the engine: no normalizer; pre-tokenizer
ByteLevel (add_prefix_space false, use_regex true: the GPT-2 pattern
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
scanned here by hand with unicodedata, since Debian's python has no `regex` module), each
pre-token's UTF-8 bytes mapped to GPT-2's byte alphabet; model BPE with `ignore_merges`
(a pre-token that is a vocabulary entry is one token; otherwise ranked merges, lowest rank
first, leftmost on ties); BOS from tokenizer_config.json's add_bos_token. Anything else raises.

    python3 scripts/reference/tok_bytelevel.py public/models/demo "The capital of France is Paris."
"""
import json
import os
import sys
import unicodedata


def bytes_to_unicode():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def is_number(ch):
    return unicodedata.category(ch).startswith("N")


def is_space(ch):
    return ch.isspace()


def pretokenize(text):
    """The GPT-2 pattern's matches, left to right."""
    out, i, n = [], 0, len(text)
    while i < n:
        # contractions
        hit = None
        if text[i] == "'":
            for c in ("s", "t", "re", "ve", "m", "ll", "d"):
                if text.startswith(c, i + 1):
                    hit = 1 + len(c)
                    break
        if hit:
            out.append(text[i:i + hit])
            i += hit
            continue
        j = i + 1 if text[i] == " " and i + 1 < n else i
        matched = False
        for cls in (is_letter, is_number, lambda c: not (is_space(c) or is_letter(c) or is_number(c))):
            if j < n and cls(text[j]):
                k = j
                while k < n and cls(text[k]):
                    k += 1
                out.append(text[i:k])
                i = k
                matched = True
                break
        if matched:
            continue
        if is_space(text[i]):
            k = i
            while k < n and is_space(text[k]):
                k += 1
            # \s+(?!\S): the run, minus its last space when a non-space follows (if that leaves any)
            if k < n and k - i > 1:
                k -= 1
            elif k < n:
                k = i + 1  # \s+ of one space before a non-space
            out.append(text[i:k])
            i = k
            continue
        raise ValueError("unmatched character %r" % text[i])
    return out


class ByteLevelTokenizer:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
            t = json.load(f)
        m = t["model"]
        if m["type"] != "BPE" or not m.get("ignore_merges") or m.get("byte_fallback"):
            raise ValueError("only byte-level BPE with ignore_merges is supported")
        pre = t.get("pre_tokenizer") or {}
        if pre.get("type") != "ByteLevel" or pre.get("add_prefix_space") or not pre.get("use_regex", True):
            raise ValueError("unexpected pre_tokenizer %r" % pre)
        if t.get("normalizer") is not None:
            raise ValueError("normalizer not supported")
        self.vocab = dict(m["vocab"])
        for a in t.get("added_tokens", []):
            self.vocab[a["content"]] = a["id"]
        self.ranks = {}
        for r, mg in enumerate(m["merges"]):
            a, b = mg if isinstance(mg, list) else mg.split(" ", 1)
            self.ranks.setdefault((a, b), r)
        self.b2u = bytes_to_unicode()
        with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        self.add_bos = bool(cfg.get("add_bos_token", False))
        self.bos = self.vocab[cfg["bos_token"]] if self.add_bos else None

    def bpe(self, word):
        if word in self.vocab:
            return [word]
        syms = list(word)
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
        return syms

    def encode(self, text):
        ids = [self.bos] if self.add_bos else []
        for piece in pretokenize(text):
            word = "".join(self.b2u[b] for b in piece.encode("utf-8"))
            ids += [self.vocab[s] for s in self.bpe(word)]
        return ids


if __name__ == "__main__":
    tk = ByteLevelTokenizer(sys.argv[1])
    print(tk.encode(sys.argv[2]))
