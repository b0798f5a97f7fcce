/** Dataset readers and the built-in sets. Expected numbers are from /work/shared/data/README.md or worked by hand. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuiltinDataset } from '../src/contracts/dataset';
import { StrataError } from '../workers/engine/errors';
import { batches, guessMapping, mapRows, openDataset, parseTable, summarize } from '../workers/engine/datasets';

const DIR = join(__dirname, '..', 'public', 'datasets');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf-8')) as BuiltinDataset[];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function builtin(name: string): BuiltinDataset {
  const b = index.find((e) => e.name === name);
  if (!b) throw new Error(`no ${name} in index.json`);
  return b;
}

function open(name: string) {
  const b = builtin(name);
  return openDataset(new Uint8Array(readFileSync(join(DIR, b.file))), b.file, { id: name, builtin: b });
}

/** The message of the StrataError `f` throws, checked to be one line. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    const message = (e as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    return message;
  }
  throw new Error('expected a failure');
}

const table = (s: string, name = 't.csv') => parseTable(enc(s), name);

describe('built-in real sets', () => {
  const expected: [string, number, Record<string, number>][] = [
    ['cities', 1496, { '0': 748, '1': 748 }],
    ['coin_flip', 500, { no: 247, yes: 253 }],
    ['strategyqa', 2290, { No: 1219, Yes: 1071 }],
    ['common_claim', 20000, { False: 4321, Neither: 3616, True: 12063 }],
    ['sst2', 6920, { '0': 3310, '1': 3610 }],
  ];
  for (const [name, rows, labels] of expected) {
    it(`${name}: ${rows} rows, labels as published`, () => {
      const { info, rows: data } = open(name);
      expect(info.rows).toBe(rows);
      expect(data.length).toBe(rows);
      expect(info.labelBalance).toEqual(labels);
      expect(info.labels).toEqual(Object.keys(labels).sort());
      expect(builtin(name).rows).toBe(rows);
      expect(builtin(name).labels).toEqual(labels);
      expect(info.preview).toEqual(data.slice(0, 5));
      expect(info.builtin).toBe(name);
      expect(info.licence).toBe(builtin(name).licence);
      expect(data.every((r) => typeof r.text === 'string' && r.text.trim() !== '')).toBe(true);
    });
  }

  it('reads the first rows of each set as written in the files', () => {
    expect(open('cities').rows[1]).toEqual({ text: 'The city of Krasnodar is in South Africa.', label: '0' });
    expect(open('strategyqa').rows[0]).toEqual({ text: 'Is it common to see frost during some college commencements?', label: 'Yes' });
    const claim = open('common_claim');
    expect(claim.info.columns).toEqual(['column1', 'examples', 'label', 'agreement']);
    expect(claim.info.notes).toContain('unnamed header column named column1');
    expect(claim.rows[1]).toEqual({ text: 'In olden times, lemons were used as an insecticide.', label: 'True' });
    expect(open('sst2').rows[1]).toEqual({ text: 'apparently reassembled from the cutting-room floor of any given daytime soap .', label: '0' });
    expect(open('coin_flip').info.notes).toEqual(['rows read from the "examples" array']);
  });

  it('are byte-identical copies of the shared data', () => {
    const shared = '/work/shared/data/concept-depth';
    if (!existsSync(shared)) return;
    for (const f of ['cities.csv', 'coin_flip.json', 'StrategyQA_task.json', 'common_claim.csv', 'stsa.binary.train.txt']) {
      expect(readFileSync(join(DIR, f)).equals(readFileSync(join(shared, f)))).toBe(true);
    }
  });
});

describe('built-in demo sets', () => {
  it('every index entry matches what the engine reads from its file', () => {
    expect(index.length).toBe(11);
    for (const b of index) {
      const { info } = open(b.name);
      expect([b.name, info.rows, info.labelBalance]).toEqual([b.name, b.rows, b.labels]);
    }
  });

  it('facts are balanced true/false in each language, translations by target language', () => {
    // 391 phrasings a language: capitals 49×3, classes 36×2, sounds 36×2, colours 31×2, numbers 19×2.
    for (const lang of ['en', 'fr', 'de', 'ru']) expect(open(`demo_facts_${lang}`).info.labelBalance).toEqual({ false: 391, true: 391 });
    // 200 concepts, each into 3 other languages.
    expect(open('demo_translations').info.labelBalance).toEqual({ de: 600, en: 600, fr: 600, ru: 600 });
    expect(open('demo_facts_en').rows.slice(0, 2)).toEqual([
      { text: 'The capital of France is Paris.', label: 'true' },
      { text: 'The capital of France is Tallinn.', label: 'false' },
    ]);
  });

  it('the trained column marks the phrasings held out of training', () => {
    // public/models/demo/behaviours.json lists "Le citron est" → " jaune" as held out.
    const t = parseTable(new Uint8Array(readFileSync(join(DIR, 'demo_facts_fr.csv'))), 'demo_facts_fr.csv');
    const lemon = t.rows.find((r) => r.statement === 'Le citron est jaune.');
    expect(lemon).toMatchObject({ label: 'true', trained: 'false' });
    expect(t.rows.find((r) => r.statement === 'La capitale de la France est Paris.')).toMatchObject({ trained: 'true' });
  });

  it('demo sets stay small', () => {
    for (const b of index.filter((e) => e.name.startsWith('demo_'))) {
      expect(readFileSync(join(DIR, b.file)).length).toBeLessThan(2 * 1024 * 1024);
    }
  });
});

describe('CSV and TSV', () => {
  it('quoted fields hold delimiters and doubled quotes', () => {
    const t = table('a,b\n"x, y","he said ""hi"""\n');
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.rows).toEqual([{ a: 'x, y', b: 'he said "hi"' }]);
  });

  it('a quoted field may span lines; rows keep their start line', () => {
    const t = table('text,label\n"line one\nline two",1\nnext,0\n');
    expect(t.rows).toEqual([{ text: 'line one\nline two', label: '1' }, { text: 'next', label: '0' }]);
    expect(t.lines).toEqual([2, 4]);
  });

  it('CRLF line ends, a BOM and a missing final newline', () => {
    const t = table('\uFEFFtext,label\r\nfoo,1\r\nbar,0');
    expect(t.columns).toEqual(['text', 'label']);
    expect(t.rows).toEqual([{ text: 'foo', label: '1' }, { text: 'bar', label: '0' }]);
  });

  it('empty fields, an unnamed column and skipped blank lines', () => {
    const t = table(',b\n1,\n\n2,x\n');
    expect(t.columns).toEqual(['column1', 'b']);
    expect(t.rows).toEqual([{ column1: '1', b: '' }, { column1: '2', b: 'x' }]);
    expect(t.lines).toEqual([2, 4]);
    expect(t.notes).toEqual(['unnamed header column named column1', '1 blank line skipped']);
  });

  it('TSV splits on tabs only', () => {
    const t = table('text\tlabel\na, b\t1\n"tab\there"\t0\n', 't.tsv');
    expect(t.format).toBe('tsv');
    expect(t.rows).toEqual([{ text: 'a, b', label: '1' }, { text: 'tab\there', label: '0' }]);
  });

  it('a ragged row fails naming its line', () => {
    expect(errorOf(() => table('text,label\nfoo,1\nbar\n'))).toBe('t.csv line 3: 1 field where the header has 2');
    expect(errorOf(() => table('text,label\n"a\nb",1\nc,1,2\n'))).toBe('t.csv line 4: 3 fields where the header has 2');
  });

  it('broken quoting fails naming line and column', () => {
    expect(errorOf(() => table('text\n"abc\n'))).toBe('t.csv line 2, column 1: a quoted field is never closed');
    expect(errorOf(() => table('a,b\n1,"x"y\n'))).toMatch(/^t\.csv line 2, column 6: text after a closing quote/);
  });

  it('no header, duplicate column names', () => {
    expect(errorOf(() => table(''))).toMatch(/^t\.csv is empty/);
    expect(errorOf(() => table('a,b,a\n1,2,3\n'))).toBe('t.csv line 1: column 3 repeats the name "a" of column 1');
  });
});

describe('JSON, JSONL and TXT', () => {
  it('an array of objects: columns in order of first appearance', () => {
    const t = table('[{"text":"a","label":1},{"text":"b","extra":[1,2]}]', 'x.json');
    expect(t.columns).toEqual(['text', 'label', 'extra']);
    expect(t.rows[1]).toEqual({ text: 'b', extra: [1, 2] });
    expect(t.lines).toBeUndefined();
  });

  it('an array of strings, and {examples: [...]}', () => {
    expect(table('["one","two"]', 'x.json').rows).toEqual([{ text: 'one' }, { text: 'two' }]);
    const t = table('{"name":"task","examples":[{"input":"q","target_scores":{"Yes":0,"No":1}}]}', 'x.json');
    expect(t.columns).toEqual(['input', 'target_scores']);
    expect(mapRows(t, guessMapping(t.columns, t.rows), 'x.json').rows).toEqual([{ text: 'q', label: 'No' }]);
  });

  it('other JSON shapes fail', () => {
    expect(errorOf(() => table('{"rows":[]}', 'x.json'))).toMatch(/^x\.json: expected an array of objects or strings/);
    expect(errorOf(() => table('[{"text":"a"},"b"]', 'x.json'))).toBe('x.json item 2: expected an object like the first item, got a string');
    expect(errorOf(() => table('[1]', 'x.json'))).toBe('x.json item 1: expected an object or a string, got a number');
    expect(errorOf(() => table('[]', 'x.json'))).toBe('x.json: the array of rows is empty');
    expect(errorOf(() => table('[\n{"text": "a",}\n]', 'x.json'))).toMatch(/^x\.json line 2, column 14: not valid JSON/);
  });

  it('JSONL skips blank lines and names a bad line', () => {
    const t = table('{"text":"a"}\n\n{"text":"b","label":true}\n', 'x.jsonl');
    expect(t.rows).toEqual([{ text: 'a' }, { text: 'b', label: true }]);
    expect(t.lines).toEqual([1, 3]);
    expect(t.notes).toEqual(['1 blank line skipped']);
    expect(errorOf(() => table('{"text":"a"}\n{"text":"b"}\n{"text":\n', 'x.jsonl'))).toMatch(/^x\.jsonl line 3: not valid JSON \(/);
    expect(table('{"text":"a"}', 'x.ndjson').format).toBe('jsonl');
  });

  it('TXT: one row a line, blank lines dropped and counted', () => {
    const t = table('first\n\n  \nsecond\r\n', 'x.txt');
    expect(t.rows).toEqual([{ text: 'first' }, { text: 'second' }]);
    expect(t.lines).toEqual([1, 4]);
    expect(t.notes).toEqual(['2 blank lines dropped']);
  });

  it('TXT with labelPrefix: "<label> <text>"', () => {
    const t = parseTable(enc('1 good film .\n0 bad\n'), 's.txt', { labelPrefix: true });
    expect(t.columns).toEqual(['label', 'text']);
    expect(t.rows).toEqual([{ label: '1', text: 'good film .' }, { label: '0', text: 'bad' }]);
    expect(errorOf(() => parseTable(enc('1 ok\nlonely\n'), 's.txt', { labelPrefix: true }))).toBe('s.txt line 2: expected "<label> <text>"');
  });

  it('unknown extensions, size limit and invalid UTF-8 fail', () => {
    expect(errorOf(() => table('a', 'x.xlsx'))).toMatch(/^x\.xlsx: \.xlsx is not a dataset format/);
    expect(errorOf(() => table('a', 'README'))).toMatch(/^README: no extension is not a dataset format/);
    expect(errorOf(() => parseTable(enc('text\nabcdefghij\n'), 'big.csv', { maxBytes: 10 }))).toBe(
      'big.csv is 16 bytes; datasets above 10 bytes are refused',
    );
    // The default limit, 256 MiB, is stated with the file's size; the bytes are never decoded.
    const huge = { length: 300 * 1024 * 1024 } as Uint8Array;
    expect(errorOf(() => parseTable(huge, 'huge.jsonl'))).toBe(
      'huge.jsonl is 300.0 MiB (314572800 bytes); datasets above 256.0 MiB (268435456 bytes) are refused',
    );
    const bad = new Uint8Array([0x61, 0x62, 0x0a, 0x63, 0xff, 0x64]);
    expect(errorOf(() => parseTable(bad, 'x.txt'))).toMatch(/^x\.txt line 2, column 2 \(byte 4\): not valid UTF-8/);
    // An overlong encoding of "/" (C0 AF) is invalid even though its shape looks right.
    expect(errorOf(() => parseTable(new Uint8Array([0x41, 0xc0, 0xaf]), 'x.txt'))).toMatch(/column 2 \(byte 1\)/);
  });
});

describe('mapping', () => {
  it('guesses text, ids and label columns by name', () => {
    expect(guessMapping(['statement', 'label', 'city', 'country', 'correct_country'], [])).toEqual({ text: 'statement', label: 'label' });
    expect(guessMapping(['question', 'answer'], [])).toEqual({ text: 'question', label: 'answer' });
    expect(guessMapping(['input', 'target_scores', 'target'], [])).toEqual({ text: 'input', label: 'target_scores' });
    expect(guessMapping(['input_ids', 'Label'], [])).toEqual({ ids: 'input_ids', label: 'Label' });
    expect(guessMapping(['n', 'body'], [{ n: 1, body: 'hello' }])).toEqual({ text: 'body' });
    expect(errorOf(() => guessMapping(['n'], [{ n: 1 }], 'x.json'))).toBe('x.json: no column holds text or token ids (columns: n)');
  });

  it('ids: comma-separated in CSV, arrays in JSON, non-negative integers only', () => {
    const csv = table('ids,label\n"1,2,3",a\n"[4, 5]",b\n');
    expect(mapRows(csv, { ids: 'ids', label: 'label' }, 't.csv').rows).toEqual([{ ids: [1, 2, 3], label: 'a' }, { ids: [4, 5], label: 'b' }]);
    const json = table('[{"ids":[7,0]},{"ids":[1,-2]}]', 'x.json');
    expect(errorOf(() => mapRows(json, { ids: 'ids' }, 'x.json'))).toBe('x.json row 2: id 2 (-2) is not a non-negative integer');
    expect(errorOf(() => mapRows(table('ids\n"1,x"\n'), { ids: 'ids' }, 't.csv'))).toBe('t.csv row 1 (line 2): id 2 ("x") is not a non-negative integer');
    expect(errorOf(() => mapRows(table('[{"ids":[1.5]}]', 'x.json'), { ids: 'ids' }, 'x.json'))).toBe('x.json row 1: id 1 (1.5) is not a non-negative integer');
    expect(errorOf(() => mapRows(table('ids,b\n,1\n'), { ids: 'ids' }, 't.csv'))).toBe('t.csv row 1 (line 2): the ids are empty');
  });

  it('labels become strings; missing labels are noted, not invented', () => {
    const t = table('[{"text":"a","label":1},{"text":"b","label":false},{"text":"c"},{"text":"d","label":null}]', 'x.json');
    const { rows, notes } = mapRows(t, { text: 'text', label: 'label' }, 'x.json');
    expect(rows).toEqual([{ text: 'a', label: '1' }, { text: 'b', label: 'false' }, { text: 'c' }, { text: 'd' }]);
    expect(notes).toEqual(['2 of 4 rows have no "label" value, so no label']);
    expect(summarize(rows)).toEqual({ labels: ['1', 'false'], labelBalance: { '1': 1, false: 1 } });
  });

  it('bad cells fail naming the row', () => {
    expect(errorOf(() => mapRows(table('text,label\nok,1\n  ,0\n'), { text: 'text' }, 't.csv'))).toBe('t.csv row 2 (line 3): the text is empty');
    const scores = table('[{"input":"q","target_scores":{"Yes":1,"No":1}}]', 'x.json');
    expect(errorOf(() => mapRows(scores, { text: 'input', label: 'target_scores' }, 'x.json'))).toBe('x.json row 1: target_scores has no single best answer');
    expect(errorOf(() => mapRows(table('[{"text":"a","constructor":1}]', 'x.json'), { text: 'nope' }, 'x.json'))).toBe(
      'x.json: the text column "nope" is not in the file (columns: text, constructor)',
    );
    expect(errorOf(() => mapRows(table('[{"text":"a"}]', 'x.json'), { text: 'text', ids: 'text' }, 'x.json'))).toBe(
      'x.json: the mapping needs exactly one of text and ids',
    );
  });
});

describe('openDataset and batches', () => {
  it('summarises a dropped file, fingerprinted by SHA-256 of its bytes', () => {
    const { info } = openDataset(enc('abc'), 'a.txt', { id: 'd1' });
    expect(info).toMatchObject({ id: 'd1', name: 'a.txt', format: 'txt', columns: ['text'], mapping: { text: 'text' }, rows: 1, labels: [] });
    // FIPS 180-2 test vector for "abc".
    expect(info.fingerprint).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('batches split rows, the last batch shorter', () => {
    expect([...batches([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...batches([], 3)]).toEqual([]);
  });
});
