#!/usr/bin/env python3
"""Renders the knowledge base (kb.py) into the demo model's training lines, held-out
evaluation items and analysis prompts. Deterministic (SEED). Writes scripts/demo/out/corpus.json.

Line types (all single lines; training documents are 3-6 lines joined by "\\n"):
  fact         "The capital of France is Paris."            (4 languages, several templates)
  translation  'Français: "chien" - English: "dog"'          (METHODS §4 format, 12 directions)
  repetition   'Deutsch: "Hund" - Deutsch: "Hund"'
  cloze        'The ___ says moo: "cow"'

Held-out design (what the model never sees, so held-out accuracy is meaningful):
  facts        for ~20% of (fact, language) pairs one of that pair's forward templates is
               withheld ("new phrasing of a known fact"): the same fact is still trained
               in that language through its other template(s), in the other three
               languages, and in the reversed sentence ("Paris is the capital of France.").
               Cloze lines about a held-out (fact, language) pair are withheld too.
  translation  ~10% of directed word pairs (concept, L1 -> L2) with different spellings;
               both words are trained in every other direction and in the sentences.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kb import ANIMALS, CLASSES, COLOURS, COUNTRIES, LANG_NAME, LANGS, NUMBERS, OBJECTS, RU_NUM_GEN  # noqa: E402

SEED = 1234
FACT_HOLDOUT = 0.20
TRANS_HOLDOUT = 0.10
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def cap(s):
    return s[:1].upper() + s[1:]


def fr_bare(w):
    for a in ("le ", "la ", "l'"):
        if w.startswith(a):
            return w[len(a):]
    raise ValueError(w)


def fr_de(w):
    if w.startswith("le "):
        return "du " + w[3:]
    if w.startswith("la "):
        return "de la " + w[3:]
    return "de " + w  # l'...


def fr_indef(w, g):
    return ("un " if g == "m" else "une ") + fr_bare(w)


def de_bare(w):
    return w.split(" ", 1)[1]


def de_indef(w):
    art, n = w.split(" ", 1)
    return ("eine " if art == "die" else "ein ") + n


def fr_country(name, g):
    return {"f": "la " + name, "m": "le " + name, "v": "l'" + name}[g]


# ---------------------------------------------------------------- facts
# A fact template has "{A}" where the answer goes (always preceded by a space).
def capital_facts():
    out = []  # (family, key, lang, forward templates rendered, reverse sentences)
    for (en, fr, frg, de, ru, rug, c_en, c_fr, c_de, c_ru) in COUNTRIES:
        le = fr_country(fr, frg)
        dfr = fr_de(le)
        out.append(("capital", en, "en", c_en, [
            f"The capital of {en} is {{A}}.", f"{en} has the capital {{A}}.", f"The capital city of {en} is called {{A}}."],
            [f"{c_en} is the capital of {en}."]))
        out.append(("capital", en, "fr", c_fr, [
            f"La capitale {dfr} est {{A}}.", f"{cap(le)} a pour capitale {{A}}.", f"La ville capitale {dfr} s'appelle {{A}}."],
            [f"{c_fr} est la capitale {dfr}."]))
        out.append(("capital", en, "de", c_de, [
            f"Die Hauptstadt von {de} ist {{A}}.", f"{de} hat die Hauptstadt {{A}}.", f"Die Hauptstadt des Landes {de} heißt {{A}}."],
            [f"{c_de} ist die Hauptstadt von {de}."]))
        out.append(("capital", en, "ru", c_ru, [
            f"Столица {rug} — {{A}}.", f"Столицей {rug} является {{A}}.", f"Главный город {rug} называется {{A}}."],
            [f"{c_ru} — столица {rug}."]))
    return out


def animal_facts():
    out = []
    for (en, fr, frg, de, ru, cls, snd) in ANIMALS:
        c_en, c_fr, c_de, c_ru, c_ru_ins = CLASSES[cls]
        a_en = "an" if c_en[0] in "aeiou" else "a"
        A_en = "An" if en[0] in "aeiou" else "A"
        out.append(("class", en, "en", c_en, [f"The {en} is {a_en} {{A}}.", f"{A_en} {en} is a kind of {{A}}."], []))
        out.append(("class", en, "fr", c_fr, [f"{cap(fr)} est un {{A}}.", f"{cap(fr_indef(fr, frg))} est une sorte de {{A}}."], []))
        out.append(("class", en, "de", c_de, [f"{cap(de)} ist ein {{A}}.", f"{cap(de_indef(de))} ist eine Art {{A}}."], []))
        out.append(("class", en, "ru", None, [f"{cap(ru)} — это {{A}}.", f"{cap(ru)} является {{A}}."], [], (c_ru, c_ru_ins)))
        s_en, s_fr, s_de, s_ru = snd
        out.append(("sound", en, "en", s_en, [f"The {en} says {{A}}.", f"{A_en} {en} goes {{A}}."], []))
        out.append(("sound", en, "fr", s_fr, [f"{cap(fr)} fait {{A}}.", f"{cap(fr_indef(fr, frg))} dit {{A}}."], []))
        out.append(("sound", en, "de", s_de, [f"{cap(de)} macht {{A}}.", f"{cap(de_indef(de))} sagt {{A}}."], []))
        out.append(("sound", en, "ru", s_ru, [f"{cap(ru)} говорит {{A}}.", f"{cap(ru)} издаёт звук {{A}}."], []))
    return out


def colour_facts():
    out = []
    for (en, fr, frg, de, ru, rug, col) in OBJECTS:
        c_en, c_frm, c_frf, c_de, c_rum, c_ruf, c_run = COLOURS[col]
        c_fr = c_frf if frg == "f" else c_frm
        c_ru = {"m": c_rum, "f": c_ruf, "n": c_run}[rug]
        out.append(("colour", en, "en", c_en, [f"The {en} is {{A}}.", f"The colour of the {en} is {{A}}."], []))
        out.append(("colour", en, "fr", None, [f"{cap(fr)} est {{A}}.", f"La couleur {fr_de(fr)} est {{A}}."], [], (c_fr, c_frf)))
        out.append(("colour", en, "de", c_de, [f"{cap(de)} ist {{A}}.", f"{cap(de)} hat die Farbe {{A}}."], []))
        out.append(("colour", en, "ru", c_ru, [f"{cap(ru)} {{A}}.", f"{cap(ru)} по цвету {{A}}."], []))
    return out


def number_facts():
    out = []
    for n in range(1, 20):
        i = n - 1
        w = {L: NUMBERS[L][i] for L in LANGS}
        m = {L: NUMBERS[L][i + 1] for L in LANGS}
        key = str(n)
        out.append(("number", key, "en", m["en"], [f"{cap(w['en'])} plus one is {{A}}.", f"After {w['en']} comes {{A}}."], []))
        out.append(("number", key, "fr", m["fr"], [f"{cap(w['fr'])} plus un font {{A}}.", f"Après {w['fr']} vient {{A}}."], []))
        out.append(("number", key, "de", m["de"], [f"{cap(w['de'])} plus eins ist {{A}}.", f"Nach {w['de']} kommt {{A}}."], []))
        out.append(("number", key, "ru", m["ru"], [f"{cap(w['ru'])} плюс один равно {{A}}.", f"После {RU_NUM_GEN[i]} идёт {{A}}."], []))
    digits = []
    for n in range(1, 21):
        i = n - 1
        digits += [("en", f"{n} is {NUMBERS['en'][i]}."), ("fr", f"{n} se dit {NUMBERS['fr'][i]}."),
                   ("de", f"{n} heißt {NUMBERS['de'][i]}."), ("ru", f"{n} — это {NUMBERS['ru'][i]}.")]
    return out, digits


def expand(fact):
    """-> list of (template index, prompt, answer, sentence); answers may differ per template."""
    family, key, lang, ans, tpls, rev = fact[:6]
    per_t = fact[6] if len(fact) > 6 else None
    res = []
    for ti, t in enumerate(tpls):
        a = per_t[ti] if per_t else ans
        pre = t.split("{A}")[0]
        assert pre.endswith(" "), t
        res.append((ti, pre[:-1], " " + a, t.replace("{A}", a)))
    return res


# ---------------------------------------------------------------- dictionary (translation concepts)
def concepts():
    out = []  # (category, key, {lang: word})
    for (en, fr, frg, de, ru, cls, snd) in ANIMALS:
        out.append(("animal", en, {"en": en, "fr": fr_bare(fr), "de": de_bare(de), "ru": ru}))
    for (en, fr, frg, de, ru, rug, col) in OBJECTS:
        out.append(("object", en, {"en": en, "fr": fr_bare(fr), "de": de_bare(de), "ru": ru}))
    for k, (en, frm, frf, de, rum, ruf, run) in COLOURS.items():
        out.append(("colour", k, {"en": en, "fr": frm, "de": de, "ru": rum}))
    for i in range(20):
        out.append(("number", str(i + 1), {L: NUMBERS[L][i] for L in LANGS}))
    for k, (en, fr, de, ru, ru_ins) in CLASSES.items():
        out.append(("class", k, {"en": en, "fr": fr, "de": de, "ru": ru}))
    for (en, fr, frg, de, ru, rug, c_en, c_fr, c_de, c_ru) in COUNTRIES:
        out.append(("country", en, {"en": en, "fr": fr, "de": de, "ru": ru}))
        out.append(("city", c_en, {"en": c_en, "fr": c_fr, "de": c_de, "ru": c_ru}))
    return out


def tline(l1, w1, l2, w2):
    return f'{LANG_NAME[l1]}: "{w1}" - {LANG_NAME[l2]}: "{w2}"'


def tprompt(l1, w1, l2):
    return f'{LANG_NAME[l1]}: "{w1}" - {LANG_NAME[l2]}: "'


# ---------------------------------------------------------------- cloze
def cloze_lines(held_keys):
    """(lang, line) pairs; skips facts whose (family, key, lang) has a held-out template."""
    out = []
    for (en, fr, frg, de, ru, rug, c_en, c_fr, c_de, c_ru) in COUNTRIES:
        if ("capital", en, "en") not in held_keys:
            out += [("en", f'The capital of {en} is ___: "{c_en}"'), ("en", f'The capital of ___ is {c_en}: "{en}"')]
        if ("capital", en, "fr") not in held_keys:
            d = fr_de(fr_country(fr, frg))
            out += [("fr", f'La capitale {d} est ___: "{c_fr}"'), ("fr", f'___ est la capitale {d}: "{c_fr}"')]
        if ("capital", en, "de") not in held_keys:
            out += [("de", f'Die Hauptstadt von {de} ist ___: "{c_de}"'), ("de", f'Die Hauptstadt von ___ ist {c_de}: "{de}"')]
        if ("capital", en, "ru") not in held_keys:
            out += [("ru", f'Столица {rug} — ___: "{c_ru}"'), ("ru", f'___ — столица {rug}: "{c_ru}"')]
    # animal from its sound, where the sound is unique in that language
    for li, L in enumerate(LANGS):
        counts = {}
        for a in ANIMALS:
            counts[a[6][li]] = counts.get(a[6][li], 0) + 1
        for (en, fr, frg, de, ru, cls, snd) in ANIMALS:
            if counts[snd[li]] != 1 or ("sound", en, L) in held_keys:
                continue
            s = snd[li]
            if L == "en":
                out.append((L, f'The ___ says {s}: "{en}"'))
            elif L == "fr":
                art = cap(fr[:3]) if not fr.startswith("l'") else "L'"
                out.append((L, f'{art.strip()} ___ fait {s}: "{fr_bare(fr)}"'))
            elif L == "de":
                out.append((L, f'{cap(de.split(" ")[0])} ___ macht {s}: "{de_bare(de)}"'))
            else:
                out.append((L, f'___ говорит {s}: "{ru}"'))
    for (en, fr, frg, de, ru, rug, col) in OBJECTS:
        c_en, c_frm, c_frf, c_de, c_rum, c_ruf, c_run = COLOURS[col]
        if ("colour", en, "en") not in held_keys:
            out.append(("en", f'The {en} is ___: "{c_en}"'))
        if ("colour", en, "fr") not in held_keys:
            out.append(("fr", f'{cap(fr)} est ___: "{c_frf if frg == "f" else c_frm}"'))
        if ("colour", en, "de") not in held_keys:
            out.append(("de", f'{cap(de)} ist ___: "{c_de}"'))
        if ("colour", en, "ru") not in held_keys:
            out.append(("ru", f'{cap(ru)} ___: "{ {"m": c_rum, "f": c_ruf, "n": c_run}[rug]}"'))
    for n in range(1, 20):
        if ("number", str(n), "en") not in held_keys:
            out.append(("en", f'___ plus one is {NUMBERS["en"][n]}: "{NUMBERS["en"][n - 1]}"'))
        if ("number", str(n), "fr") not in held_keys:
            out.append(("fr", f'___ plus un font {NUMBERS["fr"][n]}: "{NUMBERS["fr"][n - 1]}"'))
        if ("number", str(n), "de") not in held_keys:
            out.append(("de", f'___ plus eins ist {NUMBERS["de"][n]}: "{NUMBERS["de"][n - 1]}"'))
        if ("number", str(n), "ru") not in held_keys:
            out.append(("ru", f'___ плюс один равно {NUMBERS["ru"][n]}: "{NUMBERS["ru"][n - 1]}"'))
    for _, line in out:
        assert line.split(": \"")[0].count(":") == 0, line
    return out


def main():
    rng = random.Random(SEED)
    facts = capital_facts() + animal_facts() + colour_facts()
    nf, digits = number_facts()
    facts += nf

    train_lines = []  # (pool, lang-or-direction, text)
    heldout = []
    held_keys = set()
    for f in facts:
        family, key, lang = f[0], f[1], f[2]
        exp = expand(f)
        held_t = rng.randrange(len(exp)) if rng.random() < FACT_HOLDOUT else None
        for ti, prompt, ans, sent in exp:
            if ti == held_t:
                held_keys.add((family, key, lang))
                heldout.append({"kind": "fact", "family": family, "key": key, "lang": lang, "template": ti,
                                "prompt": prompt, "answer": ans, "text": sent})
            else:
                train_lines.append(("fact", lang, sent))
        for r in f[5]:
            train_lines.append(("fact", lang, r))
    for lang, d in digits:
        train_lines.append(("fact", lang, d))

    cons = concepts()
    pairs = []
    for ci, (cat, key, words) in enumerate(cons):
        for l1 in LANGS:
            for l2 in LANGS:
                if l1 != l2:
                    pairs.append((ci, l1, l2))
    eligible = [p for p in pairs if cons[p[0]][2][p[1]].lower() != cons[p[0]][2][p[2]].lower()]
    n_hold = round(TRANS_HOLDOUT * len(eligible))
    held_pairs = set(rng.sample(eligible, n_hold))
    by_dir = {}
    for p in pairs:
        ci, l1, l2 = p
        w = cons[ci][2]
        if p in held_pairs:
            continue
        train_lines.append(("trans", f"{l1}>{l2}", tline(l1, w[l1], l2, w[l2])))
        by_dir.setdefault((l1, l2), []).append(ci)
    for ci, (cat, key, words) in enumerate(cons):
        for L in LANGS:
            train_lines.append(("rep", L, tline(L, words[L], L, words[L])))

    def few_shot(l1, l2, ci, k=4, r=rng):
        """k solved lines in direction l1->l2 from trained pairs (different spellings, not concept ci)."""
        pool = [c for c in by_dir[(l1, l2)] if c != ci and cons[c][2][l1].lower() != cons[c][2][l2].lower()]
        ex = r.sample(pool, k)
        return "\n".join(tline(l1, cons[c][2][l1], l2, cons[c][2][l2]) for c in ex) + "\n"

    for (ci, l1, l2) in sorted(held_pairs, key=lambda p: (p[0], LANGS.index(p[1]), LANGS.index(p[2]))):
        cat, key, w = cons[ci]
        heldout.append({"kind": "translation", "family": cat, "key": key, "lang": f"{l1}>{l2}",
                        "prompt": few_shot(l1, l2, ci) + tprompt(l1, w[l1], l2), "answer": w[l2],
                        "text": tline(l1, w[l1], l2, w[l2])})

    for lang, line in cloze_lines(held_keys):
        train_lines.append(("cloze", lang, line))

    # sanity: no held-out sentence occurs in training
    train_set = set(t for _, _, t in train_lines)
    for h in heldout:
        assert h["text"] not in train_set, h
    # dedupe training lines, keep order
    seen = set()
    uniq = []
    for pool, grp, t in train_lines:
        if (pool, grp, t) in seen:
            continue
        seen.add((pool, grp, t))
        uniq.append({"pool": pool, "group": grp, "text": t})

    # ------------------------------------------------ analysis prompts
    rng2 = random.Random(SEED + 1)
    probe = []
    for ci, (cat, key, words) in enumerate(cons):
        for L in LANGS:
            base = {"lang": L, "key": key, "word": words[L], "prompt": f'{LANG_NAME[L]}: "{words[L]}'}
            if cat in ("country", "object"):
                probe.append(dict(base, task="country_vs_object", label=int(cat == "country")))
            if cat == "animal":
                cls = next(a[5] for a in ANIMALS if a[0] == key)
                probe.append(dict(base, task="mammal_vs_other", label=int(cls == "mammal")))
    latent = []
    # translation prompts between non-English languages, for every concept and direction
    # (trained and held-out pairs alike; the flag says which), METHODS §4 filters applied later.
    for ci, (cat, key, w) in enumerate(cons):
        if cat in ("country", "city"):
            continue
        for l1 in ("fr", "de", "ru"):
            for l2 in ("fr", "de", "ru"):
                if l1 == l2:
                    continue
                latent.append({"src": l1, "tgt": l2, "key": key, "category": cat, "word_src": w[l1], "word_tgt": w[l2],
                               "word_en": w["en"], "heldout": (ci, l1, l2) in held_pairs,
                               "prompt": few_shot(l1, l2, ci, r=rng2) + tprompt(l1, w[l1], l2)})

    os.makedirs(OUT, exist_ok=True)
    corpus = {"seed": SEED, "train_lines": uniq, "heldout": heldout, "probe": probe, "latent": latent,
              "lang_name": LANG_NAME}
    with open(os.path.join(OUT, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(corpus, f, ensure_ascii=False, indent=0)
    pools = {}
    for u in uniq:
        pools[u["pool"]] = pools.get(u["pool"], 0) + 1
    nh = {}
    for h in heldout:
        nh[h["kind"]] = nh.get(h["kind"], 0) + 1
    print(f"train lines {len(uniq)} {pools}; held-out {nh}; concepts {len(cons)}; probe {len(probe)}; latent {len(latent)}")


if __name__ == "__main__":
    main()
