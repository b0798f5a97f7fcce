/**
 * Turns a parsed table into dataset rows: which column is the text (or token ids) and
 * which the label, then each cell checked and converted. Every failure names the row.
 */
import type { ColumnMapping, DatasetRow } from '../../../src/contracts/dataset';
import { fail } from '../errors';
import type { Cell, Table } from './parse';
import { flat } from './text';

// Preference order matters: cities.csv has "statement" and "city", coin_flip "question".
const TEXT_NAMES = ['text', 'statement', 'sentence', 'question', 'input', 'examples', 'prompt'];
const IDS_NAMES = ['ids', 'input_ids', 'tokens'];
// BIG-bench rows carry both target_scores (the class) and target (an explanation
// that starts with the answer), so the scores win.
const LABEL_NAMES = ['label', 'labels', 'answer', 'target_scores', 'target'];

function pick(columns: string[], names: string[], exclude?: string): string | undefined {
  for (const want of names) {
    const hit = columns.find((c) => c.toLowerCase() === want && c !== exclude);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** A row's own cell: JSON rows are plain objects, and "constructor" must not reach the prototype. */
function cell(row: Record<string, Cell>, column: string): Cell | undefined {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/** The first value of a column that is present and not null (JSON rows may lack keys). */
function sample(rows: Record<string, Cell>[], column: string): Cell | undefined {
  for (const row of rows.slice(0, 50)) {
    const v = cell(row, column);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/**
 * A mapping from column names, falling back to the first column whose values are
 * strings. Fails when no column could be the text or ids.
 */
export function guessMapping(columns: string[], rows: Record<string, Cell>[], name = 'the dataset'): ColumnMapping {
  const mapping: ColumnMapping = {};
  const text = pick(columns, TEXT_NAMES);
  const ids = text === undefined ? pick(columns, IDS_NAMES) : undefined;
  if (text !== undefined) mapping.text = text;
  else if (ids !== undefined) mapping.ids = ids;
  const label = pick(columns, LABEL_NAMES, text ?? ids);
  if (label !== undefined) mapping.label = label;
  if (mapping.text === undefined && mapping.ids === undefined) {
    const fallback = columns.find((c) => c !== label && typeof sample(rows, c) === 'string');
    if (fallback === undefined) fail(`${name}: no column holds text or token ids (columns: ${columnList(columns)})`);
    mapping.text = fallback;
  }
  return mapping;
}

function where(name: string, table: Table, r: number): string {
  const line = table.lines?.[r];
  return `${name} row ${r + 1}${line !== undefined ? ` (line ${line})` : ''}`;
}

/** Column names for a message: each on one line (a lone CR is not a line break in CSV, so a name may hold one), the list cut short. */
function columnList(columns: string[]): string {
  const shown = columns.slice(0, 20).map((c) => flat(c, 40)).join(', ');
  return columns.length > 20 ? `${shown}, … (${columns.length} in all)` : shown;
}

function checkMapping(table: Table, mapping: ColumnMapping, name: string): void {
  if ((mapping.text === undefined) === (mapping.ids === undefined)) {
    fail(`${name}: the mapping needs exactly one of text and ids`);
  }
  for (const role of ['text', 'ids', 'label'] as const) {
    const c = mapping[role];
    if (c !== undefined && !table.columns.includes(c)) {
      fail(`${name}: the ${role} column "${flat(c)}" is not in the file (columns: ${columnList(table.columns)})`);
    }
  }
}

function textOf(v: Cell | undefined, at: string): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') fail(`${at}: the text is ${v === undefined || v === null ? 'missing' : 'not a string'}`);
  if (v.trim() === '') fail(`${at}: the text is empty`);
  return v;
}

function idsOf(v: Cell | undefined, at: string): number[] {
  let items: Cell[];
  if (typeof v === 'string') {
    // CSV cells hold "1,2,3"; pandas writes lists as "[1, 2, 3]", so brackets are allowed.
    const inner = v.trim().replace(/^\[(.*)\]$/s, '$1').trim();
    items = inner === '' ? [] : inner.split(',').map((s) => s.trim());
  } else if (Array.isArray(v)) {
    items = v;
  } else {
    fail(`${at}: the ids are ${v === undefined || v === null ? 'missing' : 'not a list'}`);
  }
  if (items.length === 0) fail(`${at}: the ids are empty`);
  return items.map((item, k) => {
    const n = typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : item;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      // Containers are named, not serialised: a hostile file may nest them 100 000 deep.
      const shown = Array.isArray(item) ? 'a list' : typeof item === 'object' && item !== null ? 'an object' : flat(JSON.stringify(item) ?? String(item), 30);
      fail(`${at}: id ${k + 1} (${shown}) is not a non-negative integer`);
    }
    return n;
  });
}

/** A label as a string; BIG-bench target_scores give the key of the unique best score. */
function labelOf(v: Cell | undefined, at: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 1 && typeof v[0] === 'string') return v[0];
    return fail(`${at}: the label is a list of ${v.length} values; a row takes one label`);
  }
  let best: string | undefined;
  let bestScore = -Infinity;
  let tie = false;
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'number') fail(`${at}: the label object is not BIG-bench target_scores (score of "${flat(k, 30)}" is not a number)`);
    if (s > bestScore) [best, bestScore, tie] = [k, s, false];
    else if (s === bestScore) tie = true;
  }
  if (best === undefined) fail(`${at}: the target_scores object is empty`);
  if (tie) fail(`${at}: target_scores has no single best answer`);
  return best;
}

export function mapRows(table: Table, mapping: ColumnMapping, name: string): { rows: DatasetRow[]; notes: string[] } {
  checkMapping(table, mapping, name);
  const rows: DatasetRow[] = [];
  let unlabelled = 0;
  table.rows.forEach((cells, r) => {
    const at = where(name, table, r);
    const row: DatasetRow = {};
    if (mapping.text !== undefined) row.text = textOf(cell(cells, mapping.text), at);
    else if (mapping.ids !== undefined) row.ids = idsOf(cell(cells, mapping.ids), at);
    if (mapping.label !== undefined) {
      const label = labelOf(cell(cells, mapping.label), at);
      if (label === undefined) unlabelled++;
      else row.label = label;
    }
    rows.push(row);
  });
  const notes = [...table.notes];
  if (unlabelled > 0) notes.push(`${unlabelled} of ${rows.length} rows have no "${mapping.label ?? ''}" value, so no label`);
  return { rows, notes };
}

/** Distinct labels (sorted by code unit, so the order is the same everywhere) and their counts. */
export function summarize(rows: DatasetRow[]): { labels: string[]; labelBalance: Record<string, number> } {
  const counts = new Map<string, number>();
  for (const row of rows) if (row.label !== undefined) counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  const labels = [...counts.keys()].sort();
  // fromEntries defines own properties, so a label named "__proto__" is just a label.
  const labelBalance: Record<string, number> = Object.fromEntries(labels.map((l) => [l, counts.get(l) ?? 0]));
  return { labels, labelBalance };
}
