/**
 * Word-list CSV (the authors' clean.csv layout), pure, shared by the engine (latent-protocol.ts),
 * the CLI and the page (a user's own CSV is read in the page before it is sent).
 */
import type { WordRow } from './latent';

/** RFC 4180 CSV (quotes, doubled quotes, newlines inside quotes) → rows of cells. */
export function parseCsv(text: string): string[][] | { error: string } {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (quoted) return { error: 'the CSV ends inside a quoted cell (a " is not closed)' };
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.some((x) => x.trim() !== ''));
}

/** A clean.csv (columns word_original, word_translation[, blank_prompt_translation_masked]) → rows, or what is wrong. */
export function readWordCsv(text: string, name: string): { rows: WordRow[] } | { error: string } {
  const table = parseCsv(text);
  if ('error' in table) return { error: `${name}: ${table.error}` };
  const [head, ...body] = table;
  if (!head) return { error: `${name}: the word list is empty` };
  const en = head.indexOf('word_original');
  const tr = head.indexOf('word_translation');
  const mk = head.indexOf('blank_prompt_translation_masked');
  if (en < 0 || tr < 0) return { error: `${name}: a word list needs the columns word_original and word_translation (found: ${head.join(', ')})` };
  const rows: WordRow[] = [];
  for (const [i, r] of body.entries()) {
    const row: WordRow = { en: (r[en] ?? '').trim(), word: (r[tr] ?? '').trim() };
    if (row.en === '' || row.word === '') return { error: `${name}: row ${i + 2} has an empty word_original or word_translation` };
    const m = mk >= 0 ? r[mk] : undefined;
    rows.push(m ? { ...row, masked: m } : row);
  }
  return { rows };
}

/** The language of a single word-list CSV: its first row's `lang` column, else the file name (de.csv), else `fallback`. */
export function csvLanguage(text: string, fileName: string, fallback: string): string {
  const m = /^lang,[^\n]*\n([^,\n]+),/.exec(text.replace(/^\uFEFF/, ''));
  const stem = fileName.replace(/\.csv$/i, '').replace(/^.*[\\/]/, '');
  return m?.[1] ?? (/^[a-z]{2,3}$/.test(stem) ? stem : fallback);
}
