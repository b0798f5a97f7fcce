/**
 * The latent-language protocol as the authors' code has it (METHODS §4; epfl-dlab/
 * llm-latent-language Translation.ipynb, Cloze.ipynb, utils.py), pure: word lists →
 * joined rows → token sets → filters (each drop with its reason) → seeded few-shot prompts.
 * No tensors; the analysis (latent.ts) tokenizes and runs the prompts.
 *
 * Where Strata differs from the notebooks, on purpose:
 * - few-shot draws come from mulberry32(seed), sample after sample (partial Fisher–Yates
 *   over the other surviving rows), not pandas `.sample` on numpy's global state;
 * - byte-level BPE vocabularies (GPT-2, the demo) store bytes as stand-in characters, so a
 *   string is looked up as its UTF-8 bytes in that alphabet and the word-start marker is
 *   the space byte ("Ġ"); SentencePiece vocabularies are looked up literally with "▁".
 */
import type { DroppedSample, LatentTask, WordLists, WordRow } from '../../../src/contracts/latent';
import { readWordCsv } from '../../../src/contracts/latent-csv';

export { parseCsv } from '../../../src/contracts/latent-csv';
import { fail } from '../errors';
import { mulberry32 } from '../random';

/** Language names as each language writes its own (the notebooks' lang2name; ja added). */
export const LANG_NAMES: Record<string, string> = { fr: 'Français', de: 'Deutsch', ru: 'Русский', en: 'English', zh: '中文', ja: '日本語' };

export function langName(lang: string): string {
  return LANG_NAMES[lang] ?? lang;
}

/** The lookup a token set needs: raw vocabulary entries → id. */
export interface VocabView {
  byteLevel: boolean;
  id: (raw: string) => number | undefined;
}

let b2u: string[] | undefined;
/** GPT-2's bytes_to_unicode: byte → stand-in character. */
function byteChars(): string[] {
  if (b2u) return b2u;
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out.push(String.fromCodePoint(printable ? b : 256 + extra++));
  }
  b2u = out;
  return out;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A string as a byte-level vocabulary stores it (" dog" → "Ġdog"). */
export function byteLevelRaw(s: string): string {
  const m = byteChars();
  return Array.from(utf8(s), (b) => m[b] as string).join('');
}

/** Bytes Python's `bytes.__str__` writes as `\xNN` (not printable ASCII, not \t \n \r). */
const escaped = (b: number): boolean => b >= 0x7f || (b < 0x20 && b !== 9 && b !== 10 && b !== 13);

/**
 * utils.py `unicode_prefix_tokid`: the key is `<0x` + the text between the first and second
 * `\x` of the word's bytes repr + `>`. That is a byte token only when the escaped byte is
 * followed by another escaped byte or by nothing; an ASCII-only word has no `\x` (the
 * reference raises; here: no token). Returns the byte, or undefined.
 */
export function firstEscapedByte(word: string): number | undefined {
  const b = utf8(word);
  const i = b.findIndex(escaped);
  if (i < 0) return undefined;
  if (i + 1 < b.length && !escaped(b[i + 1] as number)) return undefined;
  return b[i];
}

/** Languages whose token sets also get the first byte's token (utils.py: zh and ru only). */
export const BYTE_TOKEN_LANGS = ['zh', 'ru'];

/**
 * S(w) (utils.py `process_tokens`): every prefix w[:1..n] (code points, as Python slices),
 * marked then unmarked, kept if in the vocabulary, deduplicated in that order; for zh and
 * ru also the first escaped byte's token. The "capitalizations" step is a no-op there.
 */
export function tokenSet(word: string, lang: string, vocab: VocabView): number[] {
  const chars = Array.from(word);
  const prefixes = chars.map((_, i) => chars.slice(0, i + 1).join(''));
  const raw = vocab.byteLevel ? (s: string): string => byteLevelRaw(s) : (s: string): string => s;
  const marked = vocab.byteLevel ? prefixes.map((p) => byteLevelRaw(` ${p}`)) : prefixes.map((p) => `▁${p}`);
  const out: number[] = [];
  for (const key of [...marked, ...prefixes.map(raw)]) {
    const id = vocab.id(key);
    if (id !== undefined && !out.includes(id)) out.push(id);
  }
  if (BYTE_TOKEN_LANGS.includes(lang)) {
    const b = firstEscapedByte(word);
    if (b !== undefined) {
      const key = vocab.byteLevel ? (byteChars()[b] as string) : `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = vocab.id(key);
      if (id !== undefined && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

/** Whether a word is one token, with or without the marker (the notebooks' count). */
export function isSingleToken(word: string, vocab: VocabView): boolean {
  const keys = vocab.byteLevel ? [byteLevelRaw(word), byteLevelRaw(` ${word}`)] : [word, `▁${word}`];
  return keys.some((k) => vocab.id(k) !== undefined);
}

/** A clean.csv (columns word_original, word_translation[, blank_prompt_translation_masked]) → rows; bad input fails with the file and row. */
export function parseWordCsv(text: string, name: string): WordRow[] {
  const r = readWordCsv(text, name);
  if ('error' in r) fail(r.error);
  return r.rows;
}

/** One row of the joined lists: the English word and its words in the languages involved. */
export interface JoinedRow {
  en: string;
  /** Word per language (source, target, each latent). */
  words: Record<string, string>;
  /** The target list's masked cloze line. */
  masked?: string;
}

export interface Candidate extends JoinedRow {
  targetSet: number[];
  latentSets: Record<string, number[]>;
}

export interface ProtocolInput {
  task: LatentTask;
  source: string;
  target: string;
  latent: string[];
  lists: WordLists;
}

/** The word of `lang` for an English word: the list's word, or the English word itself for en without a list. */
function lookup(lists: WordLists, lang: string): Map<string, WordRow[]> | undefined {
  const l = lists[lang];
  if (!l) return undefined;
  const m = new Map<string, WordRow[]>();
  for (const r of l) m.set(r.en, [...(m.get(r.en) ?? []), r]);
  return m;
}

/**
 * Rows of the target list in order, joined on the English word with the source list
 * (pandas inner merge: every match, the target's order) and each latent language's list.
 */
export function joinRows(p: ProtocolInput): JoinedRow[] {
  const tgt = p.lists[p.target];
  if (!tgt) fail(`no word list for the target language "${p.target}" (lists: ${Object.keys(p.lists).join(', ') || 'none'})`);
  const src = p.task === 'translation' ? p.source : p.target;
  const srcMap = lookup(p.lists, src);
  if (!srcMap && src !== 'en') fail(`no word list for the source language "${src}"`);
  const out: JoinedRow[] = [];
  for (const t of tgt) {
    const srcWords = src === p.target ? [t.word] : srcMap ? (srcMap.get(t.en) ?? []).map((r) => r.word) : [t.en];
    for (const s of srcWords) {
      const words: Record<string, string> = { [p.target]: t.word };
      if (p.task === 'translation') words[src] = s;
      out.push({ en: t.en, words, ...(t.masked ? { masked: t.masked } : {}) });
    }
  }
  return out;
}

/**
 * Token sets and the authors' filters, in the notebooks' order: an empty target or latent
 * set; (target ≠ latent language) a target set that shares a token with that latent set;
 * (translation, target ≠ en) the English word inside the target word, case-insensitive;
 * for cloze a row without a masked line. Latent words come from the latent language's list
 * (en: the row's English word).
 */
export function filterRows(p: ProtocolInput, rows: JoinedRow[], vocab: VocabView): { kept: Candidate[]; dropped: DroppedSample[] } {
  const latentMaps = new Map(p.latent.map((l) => [l, l === 'en' ? undefined : lookup(p.lists, l)]));
  for (const [l, m] of latentMaps) if (l !== 'en' && !m) fail(`no word list for the latent language "${l}"`);
  const kept: Candidate[] = [];
  const dropped: DroppedSample[] = [];
  for (const r of rows) {
    const tw = r.words[p.target] as string;
    const drop = (reason: string): void => { dropped.push({ word: r.en, reason }); };
    if (p.task === 'cloze' && !r.masked) { drop('no masked cloze sentence in the target list'); continue; }
    const targetSet = tokenSet(tw, p.target, vocab);
    if (targetSet.length === 0) { drop(`empty target set: no prefix of "${tw}" is in the vocabulary`); continue; }
    const latentSets: Record<string, number[]> = {};
    let reason: string | undefined;
    for (const [l, m] of latentMaps) {
      const lw = l === 'en' ? r.en : m?.get(r.en)?.[0]?.word;
      if (lw === undefined) { reason = `no ${l} word for "${r.en}" in the ${l} list`; break; }
      // The English set is built as for 'en' (no byte token), whatever the target.
      const s = tokenSet(lw, l, vocab);
      if (s.length === 0) { reason = `empty ${l} set: no prefix of "${lw}" is in the vocabulary`; break; }
      if (p.target !== l && s.some((id) => targetSet.includes(id))) { reason = `the target set of "${tw}" shares tokens with the ${l} set of "${lw}"`; break; }
      latentSets[l] = s;
    }
    if (reason) { drop(reason); continue; }
    if (p.task === 'translation' && p.target !== 'en' && tw.toLowerCase().includes(r.en.toLowerCase())) { drop(`the English word "${r.en}" is inside the target word "${tw}"`); continue; }
    kept.push({ ...r, targetSet, latentSets });
  }
  return { kept, dropped };
}

/** `shots` distinct indices of 0..n−1 other than `skip`, by partial Fisher–Yates on `rand`. */
export function drawOthers(n: number, skip: number, shots: number, rand: () => number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i).filter((i) => i !== skip);
  if (shots > pool.length) fail(`${shots} few-shot examples asked for but only ${pool.length} other samples survive the filters`);
  for (let j = 0; j < shots; j++) {
    const k = j + Math.floor(rand() * (pool.length - j));
    [pool[j], pool[k]] = [pool[k] as number, pool[j] as number];
  }
  return pool.slice(0, shots);
}

/** The cloze query: the masked line cut at its first ":" (zh "："), then ASCII `: "`. */
export function clozeQuery(masked: string, lang: string): string {
  const cut = masked.split(lang === 'zh' ? '：' : ':')[0] as string;
  return `${cut}: "`;
}

/** One translation line `{L1}: "{w1}" - {L2}: "{w2}"`; the query stops after `{L2}: "`. */
export function translationLine(l1: string, w1: string, l2: string, w2: string | undefined): string {
  const head = `${langName(l1)}: "${w1}" - ${langName(l2)}: "`;
  return w2 === undefined ? head : `${head}${w2}"\n`;
}

/** The prompt of sample `i` of the kept rows with the examples at `others`. */
export function promptOf(p: ProtocolInput, kept: Candidate[], i: number, others: number[]): string {
  const q = kept[i] as Candidate;
  if (p.task === 'cloze') return [...others.map((j) => `${kept[j]?.masked ?? ''}\n`), clozeQuery(q.masked ?? '', p.target)].join('');
  const l1 = p.task === 'translation' ? p.source : p.target;
  const line = (r: Candidate, last: boolean): string => translationLine(l1, r.words[l1] as string, p.target, last ? undefined : (r.words[p.target] as string));
  return [...others.map((j) => line(kept[j] as Candidate, false)), line(q, true)].join('');
}

export interface ProtocolSample extends Candidate {
  prompt: string;
}

/** The whole protocol: joined rows, the filters, then the first `limit` (0 = all) prompts with seeded examples. */
export function buildProtocol(p: ProtocolInput & { shots: number; seed: number; limit: number }, vocab: VocabView): { rows: number; samples: ProtocolSample[]; dropped: DroppedSample[] } {
  if (!(Number.isInteger(p.shots) && p.shots >= 0)) fail(`shots must be a non-negative integer, got ${p.shots}`);
  if (!(Number.isInteger(p.limit) && p.limit >= 0)) fail(`limit must be a non-negative integer (0 = all), got ${p.limit}`);
  if (p.latent.length === 0) fail('give at least one latent language (e.g. en)');
  const rows = joinRows(p);
  const { kept, dropped } = filterRows(p, rows, vocab);
  if (kept.length === 0) fail(`no sample survives the filters (${dropped.length} dropped; first reason: ${dropped[0]?.reason ?? 'no rows'})`);
  const rand = mulberry32(p.seed);
  const n = p.limit === 0 ? kept.length : Math.min(p.limit, kept.length);
  const samples: ProtocolSample[] = [];
  for (let i = 0; i < n; i++) samples.push({ ...(kept[i] as Candidate), prompt: promptOf(p, kept, i, drawOthers(kept.length, i, p.shots, rand)) });
  return { rows: rows.length, samples, dropped };
}
