/** Dataset files (CSV, TSV, JSON, JSONL): text and ids seeds, mutated as text, bytes and JSON; then parsed and mapped. */
import { openDataset } from '../../../workers/engine/datasets';
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, mutateText, text, truncate, utf8, type Rng } from '../mutate';
import { fixture } from './common';

const ROWS = [
  { text: 'The capital of France is Paris.', label: 'true', ids: [1, 370, 325] },
  { text: 'Berlin, "the city", is in Spain.', label: 'false', ids: [316, 7, 9, 126] },
  { text: 'Zwei plus zwei ist vier\tja', label: 'true', ids: [320, 210] },
];
const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
let seeds: { name: string; body: string }[] = [];

export const datasetsTarget: FuzzTarget = {
  name: 'datasets',
  about: 'datasets (CSV, TSV, JSON, JSONL; text and ids columns): quotes, delimiters, line breaks, NUL, long lines, invalid UTF-8, truncation, JSON type swaps; then parsed and mapped to rows',
  suiteCount: 600,
  // Inputs reach a few MB (long lines, repeats); the parser reads ~6 MB/s on a loaded 2-core machine.
  limitMs: 10000,
  async fixtures() {
    seeds = [
      { name: 'rows.csv', body: `text,label\n${ROWS.map((r) => `${q(r.text)},${r.label}`).join('\n')}\n` },
      { name: 'ids.csv', body: text(fixture('tests/fixtures/datasets/extract-stories260K.csv')) },
      { name: 'rows.tsv', body: `text\tlabel\n${ROWS.map((r) => `${r.text.replace(/\t/g, ' ')}\t${r.label}`).join('\n')}\n` },
      { name: 'rows.json', body: JSON.stringify(ROWS.map(({ text: t, label }) => ({ text: t, label }))) },
      { name: 'ids.json', body: JSON.stringify({ examples: ROWS.map(({ ids, label }) => ({ ids, label })) }) },
      { name: 'rows.jsonl', body: `${ROWS.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n')}\n` },
      { name: 'ids.jsonl', body: `${ROWS.map((r) => JSON.stringify({ input_ids: r.ids, label: r.label })).join('\n')}\n` },
    ];
  },
  generate(rng: Rng) {
    const s = rng.pick(seeds);
    const op = rng.int(10);
    let r: { bytes: Uint8Array; what: string };
    if (op < 5) {
      const m = mutateText(rng, s.body);
      r = { bytes: utf8(m.text), what: m.what };
    } else if (op < 7 && s.name.endsWith('.json')) {
      const j = mutateJson(rng, s.body);
      r = { bytes: utf8(j.text), what: j.what };
    } else if (op < 7 && s.name.endsWith('.jsonl')) {
      const lines = s.body.trimEnd().split('\n');
      const k = rng.int(lines.length);
      const j = mutateJson(rng, lines[k] as string);
      lines[k] = j.text;
      r = { bytes: utf8(`${lines.join('\n')}\n`), what: `line ${k + 1} ${j.what}` };
    } else if (op < 9) r = flipBytes(rng, utf8(s.body));
    else {
      const b = utf8(s.body);
      const breaks = [...s.body.matchAll(/[\n,\t"]/g)].map((m) => m.index);
      r = truncate(rng, b, [0, 1, ...breaks]);
    }
    // Sometimes the wrong extension for the contents.
    const name = rng.chance(0.05) ? rng.pick(['x.csv', 'x.tsv', 'x.json', 'x.jsonl', 'x.txt', 'x.bin', 'x']) : s.name;
    return { ...r, name, what: `${s.name} as ${name}: ${r.what}` };
  },
  async run(input) {
    const ds = openDataset(input.bytes, input.name ?? 'x.csv', { id: 'd1' });
    return { rows: ds.rows.map((r) => ({ ids: r.ids ?? [], label: r.label ?? '', text: r.text?.length ?? 0 })), n: ds.info.rows };
  },
  check(r) {
    const { rows } = r as { rows: { ids: number[] }[] };
    for (const [i, row] of rows.entries()) {
      const bad = row.ids.find((id) => !Number.isSafeInteger(id) || id < 0);
      if (bad !== undefined) return `row ${i} has id ${bad}`;
    }
    return undefined;
  },
};
