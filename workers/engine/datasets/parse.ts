/**
 * Reads a dataset file into a table of named columns. Pure: bytes in, rows out, so it
 * runs the same in the worker and in Node. Which column is text, ids or label is
 * mapping.ts's job; this file only decides what the cells are.
 */
import type { DatasetFormat } from '../../../src/contracts/dataset';
import { fail } from '../errors';
import { decodeUtf8, flat, locate } from './text';

/** A JSON value as parsed; CSV, TSV and TXT cells are always strings. */
export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

export interface Table {
  format: DatasetFormat;
  /** In order of first appearance; JSON rows may lack some of them. */
  columns: string[];
  rows: Record<string, Cell>[];
  /** The 1-based source line each row starts on (CSV, TSV, JSONL, TXT); absent for JSON. */
  lines?: number[];
  /** What was skipped or renamed, so nothing changes without a word. */
  notes: string[];
}

export interface ParseOptions {
  /** Files larger than this are refused before decoding; default DEFAULT_MAX_BYTES. */
  maxBytes?: number;
  /** TXT only: each line is "<label> <text>" (SST-2's stsa.binary.* files). */
  labelPrefix?: boolean;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

const EXTENSIONS: Record<string, DatasetFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  txt: 'txt',
};

/** The format a file name implies, or a failure naming the extension. */
export function formatOf(name: string): DatasetFormat {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) {
    fail(`${name}: ${ext ? `.${ext}` : 'no extension'} is not a dataset format (use .csv, .tsv, .json, .jsonl, .ndjson or .txt)`);
  }
  return format;
}

function size(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB (${n} bytes)`;
}

export function parseTable(bytes: Uint8Array, name: string, options: ParseOptions = {}): Table {
  const format = formatOf(name);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    fail(`${name} is ${size(bytes.length)}; datasets above ${size(maxBytes)} are refused`);
  }
  if (options.labelPrefix && format !== 'txt') fail(`${name}: labelPrefix applies to .txt files only`);
  const text = decodeUtf8(bytes, name);
  switch (format) {
    case 'csv':
      return parseDelimited(text, ',', name, format);
    case 'tsv':
      return parseDelimited(text, '\t', name, format);
    case 'json':
      return parseJson(text, name);
    case 'jsonl':
      return parseJsonl(text, name);
    case 'txt':
      return parseTxt(text, name, options.labelPrefix === true);
  }
}

/** A row object without a prototype, so a column named "__proto__" is just a column. */
function emptyRow(): Record<string, Cell> {
  return Object.create(null) as Record<string, Cell>;
}

/** Physical lines without their terminators; a final newline does not start a line. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------- CSV / TSV (RFC 4180)

interface Records {
  records: string[][];
  lines: number[];
  blank: number;
}

/**
 * RFC 4180 records: quoted fields may hold the delimiter, doubled quotes and line
 * breaks; records end at LF or CRLF. A quote inside an unquoted field is kept as a
 * literal (hand-edited files do this and it is unambiguous). Blank lines are skipped
 * and counted rather than read as one-field records, which would only fail as ragged.
 */
function readRecords(text: string, delim: string, name: string): Records {
  const records: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let blank = 0;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const isBreak = (k: number): boolean => text[k] === '\n' || (text[k] === '\r' && text[k + 1] === '\n');
  while (i < n) {
    if (isBreak(i)) {
      blank++;
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const openLine = line;
        const openCol = i - lineStart + 1;
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) fail(`${name} line ${openLine}, column ${openCol}: a quoted field is never closed`);
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) {
            line++;
            lineStart = i + k + 1;
          }
          value += chunk;
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (i < n && text[i] !== delim && !isBreak(i)) {
          fail(`${name} line ${line}, column ${i - lineStart + 1}: text after a closing quote (a quote inside a quoted field must be doubled)`);
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n && text[j] !== delim && !isBreak(j)) j++;
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= n) break;
      if (text[i] === delim) {
        i++;
        if (i >= n) {
          // A delimiter at the very end still opens one last (empty) field.
          fields.push('');
          break;
        }
        continue;
      }
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      break;
    }
    records.push(fields);
    lines.push(startLine);
  }
  return { records, lines, blank };
}

function parseDelimited(text: string, delim: string, name: string, format: DatasetFormat): Table {
  const { records, lines, blank } = readRecords(text, delim, name);
  const header = records[0];
  if (!header) fail(`${name} is empty: a header row naming the columns is required`);
  const notes: string[] = [];
  const columns = header.map((h, k) => (h.trim() === '' ? `column${k + 1}` : h));
  const unnamed = header.map((h, k) => (h.trim() === '' ? `column${k + 1}` : '')).filter((c) => c);
  if (unnamed.length > 0) notes.push(`unnamed header ${unnamed.length === 1 ? 'column' : 'columns'} named ${unnamed.join(', ')}`);
  const seen = new Map<string, number>();
  columns.forEach((c, k) => {
    const first = seen.get(c);
    if (first !== undefined) fail(`${name} line ${lines[0]}: column ${k + 1} repeats the name "${flat(c)}" of column ${first + 1}`);
    seen.set(c, k);
  });
  const rows: Record<string, Cell>[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] ?? [];
    if (rec.length !== columns.length) {
      fail(`${name} line ${lines[r]}: ${plural(rec.length, 'field')} where the header has ${columns.length}`);
    }
    const row = emptyRow();
    columns.forEach((c, k) => (row[c] = rec[k] ?? ''));
    rows.push(row);
  }
  if (blank > 0) notes.push(`${plural(blank, 'blank line')} skipped`);
  return { format, columns, rows, lines: lines.slice(1), notes };
}

// ---------------------------------------------------------------- JSON / JSONL

function jsonError(e: unknown, text: string, where: string): never {
  const message = e instanceof Error ? e.message : String(e);
  const at = /position (\d+)/.exec(message);
  if (at) {
    const { line, column } = locate(text, Number(at[1]));
    fail(`${where} line ${line}, column ${column}: not valid JSON (${flat(message)})`);
  }
  fail(`${where}: not valid JSON (${flat(message)})`);
}

function parseJsonText(text: string, where: string): Cell {
  try {
    // JSON.parse yields only strings, numbers, booleans, null, arrays and plain objects: a Cell.
    return JSON.parse(text) as Cell;
  } catch (e) {
    return jsonError(e, text, where);
  }
}

function isObject(v: Cell | undefined): v is { [key: string]: Cell } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Columns in order of first appearance across all rows. */
function columnsOf(rows: Record<string, Cell>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) seen.add(k);
  return [...seen];
}

/** An item of a JSON array or a JSONL line as a row: an object as is, a string as its text. */
function itemRow(item: Cell, where: string, kind: 'object' | 'string'): Record<string, Cell> {
  if (kind === 'string') {
    if (typeof item !== 'string') fail(`${where}: expected a string like the first item, got ${describe(item)}`);
    const row = emptyRow();
    row.text = item;
    return row;
  }
  if (!isObject(item)) fail(`${where}: expected an object like the first item, got ${describe(item)}`);
  return item;
}

function describe(v: Cell): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function firstKind(item: Cell | undefined, where: string): 'object' | 'string' {
  if (typeof item === 'string') return 'string';
  if (isObject(item)) return 'object';
  return fail(`${where}: expected an object or a string, got ${item === undefined ? 'nothing' : describe(item)}`);
}

function parseJson(text: string, name: string): Table {
  const doc = parseJsonText(text, name);
  const notes: string[] = [];
  let items: Cell[];
  if (Array.isArray(doc)) {
    items = doc;
  } else if (isObject(doc) && Array.isArray(doc.examples)) {
    // BIG-bench task files (and coin_flip.json) keep their rows under "examples".
    items = doc.examples;
    notes.push('rows read from the "examples" array');
  } else {
    fail(`${name}: expected an array of objects or strings, or an object with an "examples" array`);
  }
  if (items.length === 0) fail(`${name}: the array of rows is empty`);
  const kind = firstKind(items[0], `${name} item 1`);
  const rows = items.map((item, k) => itemRow(item, `${name} item ${k + 1}`, kind));
  return { format: 'json', columns: columnsOf(rows), rows, notes };
}

function parseJsonl(text: string, name: string): Table {
  const rows: Record<string, Cell>[] = [];
  const lines: number[] = [];
  let blank = 0;
  let kind: 'object' | 'string' | undefined;
  splitLines(text).forEach((raw, k) => {
    if (raw.trim() === '') {
      blank++;
      return;
    }
    const where = `${name} line ${k + 1}`;
    let item: Cell;
    try {
      item = JSON.parse(raw) as Cell;
    } catch (e) {
      fail(`${where}: not valid JSON (${flat(e instanceof Error ? e.message : String(e))})`);
    }
    kind ??= firstKind(item, where);
    rows.push(itemRow(item, where, kind));
    lines.push(k + 1);
  });
  if (rows.length === 0) fail(`${name} has no rows`);
  const notes = blank > 0 ? [`${plural(blank, 'blank line')} skipped`] : [];
  return { format: 'jsonl', columns: columnsOf(rows), rows, lines, notes };
}

// ---------------------------------------------------------------- TXT

function parseTxt(text: string, name: string, labelPrefix: boolean): Table {
  const rows: Record<string, Cell>[] = [];
  const lines: number[] = [];
  let blank = 0;
  splitLines(text).forEach((raw, k) => {
    if (raw.trim() === '') {
      blank++;
      return;
    }
    const row = emptyRow();
    if (labelPrefix) {
      const m = /^(\S+)[ \t]+(.*)$/.exec(raw);
      if (!m || (m[2] ?? '').trim() === '') fail(`${name} line ${k + 1}: expected "<label> <text>"`);
      row.label = m[1] ?? '';
      row.text = m[2] ?? '';
    } else {
      row.text = raw;
    }
    rows.push(row);
    lines.push(k + 1);
  });
  if (rows.length === 0) fail(`${name} has no rows`);
  const notes = blank > 0 ? [`${plural(blank, 'blank line')} dropped`] : [];
  return { format: 'txt', columns: labelPrefix ? ['label', 'text'] : ['text'], rows, lines, notes };
}
