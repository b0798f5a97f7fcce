#!/usr/bin/env python3
"""Labelled data sets about the demo model's own world (scripts/demo/kb.py), written
into public/datasets/. Deterministic (SEED). Run: /usr/bin/python3 scripts/datasets/make_demo_sets.py
then scripts/datasets/make_index.py to refresh index.json.

  demo_facts_{en,fr,de,ru}.csv  every fact phrasing of make_corpus.py, once true and once
                                with a wrong object of the same kind (balanced true/false);
                                `trained` says whether the true sentence was in the
                                training text (False = a held-out phrasing).
  demo_translations.csv         every concept in all 12 directions, in the training
                                line format; label = target language; `trained` False
                                for the pairs withheld from training.
  demo_categories.csv           every concept word in every language as the probe
                                prompt `English: "dog` (last token = the word);
                                label = category.

The corpus (and so what was trained and held out) is rebuilt by running
make_corpus.py's main() into a temporary folder: the same seed gives the same split.
"""
import contextlib
import csv
import io
import json
import os
import random
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
import make_corpus as mc  # noqa: E402
from kb import ANIMALS, CLASSES, COLOURS, COUNTRIES, LANG_NAME, LANGS, NUMBERS, OBJECTS  # noqa: E402

SEED = 20240
OUT = os.path.join(ROOT, "public", "datasets")


def build_corpus():
    with tempfile.TemporaryDirectory() as tmp:
        mc.OUT = tmp
        with contextlib.redirect_stdout(io.StringIO()):
            mc.main()
        with open(os.path.join(tmp, "corpus.json"), encoding="utf-8") as f:
            return json.load(f)


def answer_forms(family, key, lang, ti):
    """Every answer of this family in the grammatical form template ti needs (true one included)."""
    li = LANGS.index(lang)
    if family == "capital":
        return [c[6 + li] for c in COUNTRIES]
    if family == "class":
        col = {"en": 0, "fr": 1, "de": 2}.get(lang, 3 if ti == 0 else 4)  # ru: nominative, then instrumental
        return [v[col] for v in CLASSES.values()]
    if family == "sound":
        return [a[6][li] for a in ANIMALS]
    if family == "colour":
        obj = next(o for o in OBJECTS if o[0] == key)
        frg, rug = obj[2], obj[5]
        out = []
        for (en, frm, frf, de, rum, ruf, run) in COLOURS.values():
            if lang == "en":
                out.append(en)
            elif lang == "fr":  # "X est {A}" agrees with X; "La couleur de X est {A}" with couleur (f)
                out.append(frf if (ti == 1 or frg == "f") else frm)
            elif lang == "de":
                out.append(de)
            else:
                out.append({"m": rum, "f": ruf, "n": run}[rug])
        return out
    if family == "number":
        return list(NUMBERS[lang])
    raise ValueError(family)


def render(template, lang, answer):
    if lang == "en":  # "The dog is a {A}." must become "an insect", not "a insect"
        art = "an" if answer[0] in "aeiou" else "a"
        template = re.sub(r" (a|an) \{A\}", f" {art} {{A}}", template)
    return template.replace("{A}", answer)


def facts_rows(corpus, rng):
    trained = set(line["text"] for line in corpus["train_lines"])
    facts = mc.capital_facts() + mc.animal_facts() + mc.colour_facts() + mc.number_facts()[0]
    by_lang = {L: [] for L in LANGS}
    for fact in facts:
        family, key, lang, tpls = fact[0], fact[1], fact[2], fact[4]
        for ti, _prompt, ans, sentence in mc.expand(fact):
            true_answer = ans[1:]  # expand prefixes the answer with its space
            assert render(tpls[ti], lang, true_answer) == sentence, sentence
            forms = answer_forms(family, key, lang, ti)
            assert true_answer in forms, (family, key, lang, true_answer)
            wrong = rng.choice(sorted(set(forms) - {true_answer}))
            false_sentence = render(tpls[ti], lang, wrong)
            assert false_sentence not in trained, false_sentence
            seen = sentence in trained
            base = {"lang": lang, "family": family, "key": key, "template": ti, "trained": seen}
            by_lang[lang].append(dict(base, statement=sentence, label="true", answer=true_answer))
            by_lang[lang].append(dict(base, statement=false_sentence, label="false", answer=wrong))
    return by_lang


def translation_rows(corpus):
    held = set((h["family"], h["key"], h["lang"]) for h in corpus["heldout"] if h["kind"] == "translation")
    rows = []
    for cat, key, words in mc.concepts():
        for l1 in LANGS:
            for l2 in LANGS:
                if l1 == l2:
                    continue
                rows.append({"text": mc.tline(l1, words[l1], l2, words[l2]), "label": l2, "source_lang": l1,
                             "word": words[l1], "translation": words[l2], "category": cat, "key": key,
                             "trained": (cat, key, f"{l1}>{l2}") not in held})
    return rows


def category_rows():
    rows = []
    for cat, key, words in mc.concepts():
        for L in LANGS:
            rows.append({"text": f'{LANG_NAME[L]}: "{words[L]}', "label": cat, "lang": L, "word": words[L], "key": key})
    return rows


def write_csv(name, fields, rows):
    # newline="" and "\n": the csv module would otherwise write CRLF.
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in r.items()})
    print(f"{name}: {len(rows)} rows")


def main():
    rng = random.Random(SEED)
    corpus = build_corpus()
    for lang, rows in facts_rows(corpus, rng).items():
        write_csv(f"demo_facts_{lang}.csv", ["statement", "label", "lang", "family", "key", "template", "answer", "trained"], rows)
    write_csv("demo_translations.csv", ["text", "label", "source_lang", "word", "translation", "category", "key", "trained"],
              translation_rows(corpus))
    write_csv("demo_categories.csv", ["text", "label", "lang", "word", "key"], category_rows())


if __name__ == "__main__":
    main()
