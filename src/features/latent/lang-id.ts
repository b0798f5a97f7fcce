/**
 * A small language-ID of a token piece, for colouring the per-sample view: the script
 * (Cyrillic → ru, kana → ja, Han → zh, or ja when ja is in play and zh is not), then the
 * word lists (a Latin piece of ≥ 2 letters that starts a word of exactly one list's
 * language, or is a whole word of it). Anything else is "?" (punctuation, ambiguous, unknown).
 */
import type { WordLists } from '../../contracts/latent';

export const LANG_COLORS: Record<string, string> = { en: '#e8740c', de: '#1f77b4', fr: '#9467bd', ru: '#2ca02c', zh: '#d62728', ja: '#e377c2', '?': '#888' };

export function langColor(lang: string): string {
  return LANG_COLORS[lang] ?? '#17becf';
}

export interface LangIndex {
  langs: string[];
  words: Map<string, string[]>;
}

/** Lower-cased words per language of the languages in play (target, source, latent). */
export function langIndex(lists: WordLists, langs: string[]): LangIndex {
  const words = new Map<string, string[]>();
  for (const l of langs) {
    const rows = lists[l];
    if (!rows) continue;
    words.set(l, rows.map((r) => (l === 'en' ? r.en : r.word).toLowerCase()));
    if (!words.has('en')) words.set('en', rows.map((r) => r.en.toLowerCase()));
  }
  return { langs, words };
}

/** The language of a display piece ("␣Hund", "dog", "<0xE4>"). */
export function pieceLanguage(piece: string, idx: LangIndex): string {
  const p = piece.replace(/^␣/, '').trim().toLowerCase();
  if (p === '' || /^<0x[0-9a-f]{2}>$/i.test(p)) return '?';
  if (/\p{Script=Cyrillic}/u.test(p)) return 'ru';
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(p)) return 'ja';
  if (/\p{Script=Han}/u.test(p)) return idx.langs.includes('ja') && !idx.langs.includes('zh') ? 'ja' : 'zh';
  if (!/\p{L}/u.test(p)) return '?';
  const whole = [...idx.words].filter(([, ws]) => ws.includes(p)).map(([l]) => l);
  if (whole.length === 1) return whole[0] as string;
  if (p.length < 2) return '?';
  const starts = [...idx.words].filter(([, ws]) => ws.some((w) => w.startsWith(p))).map(([l]) => l);
  return starts.length === 1 ? (starts[0] as string) : '?';
}
