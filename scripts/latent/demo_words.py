#!/usr/bin/env python3
"""Word lists for the demo model, drawn from its own vocabulary (issue 14, METHODS §4).

    python3 scripts/latent/demo_words.py     # writes public/latent-language/demo/{en,fr,de,ru}/clean.csv

The demo model (public/models/demo) was trained on translations of 200 concepts between
en, fr, de, ru (scripts/demo/kb.py, make_corpus.concepts). A concept is kept when its word
is ONE token of the demo tokenizer in every language (byte-level BPE: the vocabulary entry
of " word" or "word"), so each token set holds the whole word. Columns as the authors'
clean.csv: lang, word_original (English), word_translation, and
blank_prompt_translation_masked where the demo corpus has a cloze line whose answer is the
word (make_corpus.cloze_lines, format 'The ___ says moo: "cow"').
"""
import csv
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
from kb import LANGS  # noqa: E402
from make_corpus import cloze_lines, concepts  # noqa: E402


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


def main():
    with open(os.path.join(ROOT, "public", "models", "demo", "tokenizer.json"), encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    b2u = bytes_to_unicode()
    raw = lambda s: "".join(b2u[b] for b in s.encode("utf-8"))  # noqa: E731
    one = lambda w: raw(w) in vocab or raw(" " + w) in vocab  # noqa: E731
    cons = [c for c in concepts() if all(one(c[2][L]) for L in LANGS)]
    seen = set()
    rows = []
    for cat, key, words in cons:
        if words["en"] in seen:  # a word_original must name one concept (the lists join on it)
            continue
        seen.add(words["en"])
        rows.append(words)
    masked = {}
    for L, line in cloze_lines(set()):
        ans = line.rsplit('"', 2)[-2]
        masked.setdefault((L, ans), line)
    for L in LANGS:
        d = os.path.join(ROOT, "public", "latent-language", "demo", L)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "clean.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["lang", "word_original", "word_translation", "blank_prompt_translation_masked"])
            for words in rows:
                w.writerow([L, words["en"], words[L], masked.get((L, words[L]), "")])
    print(f"{len(rows)} concepts of {len(concepts())} are one token in all of {', '.join(LANGS)}")


if __name__ == "__main__":
    main()
