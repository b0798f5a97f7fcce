/**
 * The CLI's `extract` contract (activations over a dataset into a .safetensors file)
 * against the independent float64 reference (scripts/reference/extract.py,
 * tests/golden/extract/<fixture>.json), one subprocess per case as in
 * tests/cli-trace.test.ts. The .safetensors output is read by a minimal reader written
 * here (no engine code). Fixtures run concurrently; the cases of one fixture run in turn.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const HOOKS = 'blocks.*.hook_resid_post,hook_embed,ln_final.hook_normalized';
const FIXTURES = ['gpt2', 'gpt2-prefixed', 'llama-gqa', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gpt_neox', 'stories260K'];

interface Run { status: number | null; stdout: string; stderr: string }

// At most this many CLI subprocesses at once (tsx start-up is CPU-bound).
const MAX_PROCS = Math.max(2, Math.min(4, availableParallelism()));
let running = 0;
const waiting: (() => void)[] = [];

async function cli(args: string[]): Promise<Run> {
  if (running >= MAX_PROCS) await new Promise<void>((res) => waiting.push(res));
  running++;
  try {
    return await new Promise<Run>((resolve, reject) => {
      const p = spawn(process.execPath, [tsx, 'workers/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        resolve({ status: null, stdout, stderr: `${stderr}(timed out after 60 s: ${args.join(' ')})` });
      }, 60_000);
      p.on('error', (e) => { clearTimeout(timer); reject(e); });
      p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

// ---------------------------------------------------------------- minimal safetensors reader

interface StTensor { dtype: string; shape: number[]; data: Float32Array | Int32Array }
interface StFile { tensors: Record<string, StTensor>; metadata: Record<string, string> | undefined }

function readSafetensors(file: string): StFile {
  const buf = readFileSync(file);
  if (buf.length < 8) throw new Error(`${file}: shorter than 8 bytes`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error(`${file}: header length ${n} past the end`);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const base = 8 + n;
  const tensors: Record<string, StTensor> = {};
  let metadata: Record<string, string> | undefined;
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = v as Record<string, string>; continue; }
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [a, b] = e.data_offsets;
    const count = e.shape.reduce((x, y) => x * y, 1);
    if (b - a !== 4 * count) throw new Error(`${name}: ${b - a} bytes for shape [${e.shape.join(',')}] ${e.dtype}`);
    if (base + b > buf.length) throw new Error(`${name}: data past the end`);
    const dv = new DataView(buf.buffer, buf.byteOffset + base + a, b - a);
    let data: Float32Array | Int32Array;
    if (e.dtype === 'F32') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
    } else if (e.dtype === 'I32') {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = dv.getInt32(4 * i, true);
    } else {
      throw new Error(`${name}: unexpected dtype ${e.dtype}`);
    }
    tensors[name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}

// ---------------------------------------------------------------- goldens

interface Case {
  name: string;
  position: string;
  hooks: string;
  limit: number | null;
  spec: { path: number[]; interventions: unknown[] } | null;
  path: number[];
  rows: number;
  hookNames: string[];
  d: number;
  labelNames: string[];
  labels: number[];
  tensors: Record<string, { shape: number[]; data: number[] }>;
  row?: number[];
  pos?: number[];
}
interface Golden { model: string; dataset: string; cases: Case[] }

/** Max |a-b| ≤ 1e-4·max(1, max|b|), two-sided; NaN or a length mismatch fails. */
function expectTensorClose(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (const x of want) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] ?? Number.NaN;
    const d = Math.abs(g - (want[i] ?? Number.NaN));
    if (!(d <= worst)) { worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d; at = i; }
  }
  const tol = 1e-4 * Math.max(1, scale);
  expect(worst <= tol, `${what}: |Δ| ${worst} at [${at}] (got ${got[at]}, want ${want[at]}) > ${tol}`).toBe(true);
}

const tmp = mkdtempSync(join(tmpdir(), 'strata-extract-'));
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

function caseArgs(g: Golden, c: Case, out: string, specFile: string | null): string[] {
  const args = ['extract', '--model', g.model, '--dataset', g.dataset, '--hooks', c.hooks, '--position', c.position, '--out', out, '--json'];
  if (c.limit !== null) args.push('--limit', String(c.limit));
  if (specFile) args.push('--spec', specFile);
  return args;
}

async function checkCase(fixture: string, g: Golden, c: Case): Promise<void> {
  const what = `${fixture} ${c.name}`;
  const out = join(tmp, `${fixture}-${c.name}.safetensors`);
  let specFile: string | null = null;
  if (c.spec) {
    specFile = join(tmp, `${fixture}-${c.name}.run.json`);
    writeFileSync(specFile, JSON.stringify(c.spec));
  }
  const r = await cli(caseArgs(g, c, out, specFile));
  expect(r.stderr, `${what}: stderr`).toBe('');
  expect(r.status, `${what}: exit status`).toBe(0);
  const j = JSON.parse(r.stdout) as { rows: number; hooks: string[]; d: number; position: string | number; seconds: number };
  expect(j.rows, `${what}: rows`).toBe(c.rows);
  expect(j.hooks, `${what}: hooks`).toEqual(c.hookNames);
  expect(j.d, `${what}: d`).toBe(c.d);
  expect(j.position === c.position || (/^-?\d+$/.test(c.position) && j.position === Number(c.position)), `${what}: position ${JSON.stringify(j.position)}`).toBe(true);
  expect(typeof j.seconds === 'number' && j.seconds >= 0, `${what}: seconds`).toBe(true);

  const st = readSafetensors(out);
  const all = c.position === 'all';
  const expectedKeys = [...c.hookNames, 'labels', ...(all ? ['row', 'pos'] : [])].sort();
  expect(Object.keys(st.tensors).sort(), `${what}: tensor names`).toEqual(expectedKeys);
  const tokens = all ? (c.row ?? []).length : c.rows;
  for (const h of c.hookNames) {
    const t = st.tensors[h];
    const want = c.tensors[h];
    if (!t || !want) throw new Error(`${what}: ${h} missing`);
    expect(t.dtype, `${what}: ${h} dtype`).toBe('F32');
    expect(t.shape, `${what}: ${h} shape`).toEqual([tokens, c.d]);
    expect(want.shape).toEqual([tokens, c.d]);
    expectTensorClose(t.data, want.data, `${what}: ${h}`);
  }
  const labels = st.tensors['labels'];
  expect(labels?.dtype, `${what}: labels dtype`).toBe('I32');
  expect(labels?.shape, `${what}: labels shape`).toEqual([c.rows]);
  expect(Array.from(labels?.data ?? []), `${what}: labels`).toEqual(c.labels);
  if (all) {
    for (const k of ['row', 'pos'] as const) {
      const t = st.tensors[k];
      expect(t?.dtype, `${what}: ${k} dtype`).toBe('I32');
      expect(t?.shape, `${what}: ${k} shape`).toEqual([tokens]);
      expect(Array.from(t?.data ?? []), `${what}: ${k}`).toEqual(c[k]);
    }
  }
  const md = st.metadata ?? {};
  expect(md['model'], `${what}: metadata model`).toBe(g.model);
  // the dataset as given or its file name
  expect([g.dataset, g.dataset.split('/').pop()], `${what}: metadata dataset ${md['dataset']}`).toContain(md['dataset']);
  expect(md['position'], `${what}: metadata position`).toBe(c.position);
  expect(JSON.parse(md['path'] ?? 'null'), `${what}: metadata path`).toEqual(c.path);
  expect(JSON.parse(md['labels'] ?? 'null'), `${what}: metadata labels`).toEqual(c.labelNames);
}

describe.concurrent('strata extract against the reference', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture}: every position and the spec case`, { timeout: 300_000 }, async () => {
      // Read when the test runs: stories260K may be regenerated while the suite starts.
      const g = JSON.parse(readFileSync(`tests/golden/extract/${fixture}.json`, 'utf8')) as Golden;
      expect(g.cases.map((c) => c.name)).toEqual(expect.arrayContaining(['last', 'mean', 'all', 'pos1', 'spec_last']));
      expect(g.cases.every((c) => c.hooks === HOOKS)).toBe(true);
      for (const c of g.cases) await checkCase(fixture, g, c);
    });
  }
});

// ---------------------------------------------------------------- bad input

function expectOneLineError(r: Run, what: string): string {
  expect(r.status === 0 || r.status === null, `${what}: exit status ${r.status}`).toBe(false);
  expect(r.stdout, `${what}: stdout`).toBe('');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, `${what}: stderr ${JSON.stringify(r.stderr)}`).toHaveLength(1);
  expect(lines[0]?.startsWith('strata: '), `${what}: stderr ${JSON.stringify(r.stderr)}`).toBe(true);
  expect(lines[0], `${what}: the extract command exists`).not.toMatch(/unknown command/i);
  return lines[0] ?? '';
}

/** The message names row index 2 of the data (0-based 2, 1-based 3, or CSV line 4). */
function expectNamesRow2(msg: string): void {
  const m = /\b(row|line)\s*#?\s*(\d+)/i.exec(msg);
  expect(m, `names a row: ${msg}`).not.toBeNull();
  const [kind, n] = [m?.[1]?.toLowerCase(), Number(m?.[2])];
  expect(kind === 'row' ? n === 2 || n === 3 : n === 4, `names row index 2 (0-based 2, 1-based 3, or line 4): ${msg}`).toBe(true);
}

describe.concurrent('strata extract rejects bad input', () => {
  const model = 'tests/fixtures/models/gpt2';
  const dataset = 'tests/fixtures/datasets/extract-gpt2.csv';
  const out = (n: string): string => join(tmp, `bad-${n}.safetensors`);

  it('unknown hook pattern', async () => {
    const r = await cli(['extract', '--model', model, '--dataset', dataset, '--hooks', 'blocks.*.hook_resid_post,blocks.*.hook_nonsense', '--out', out('hook'), '--json']);
    expect(expectOneLineError(r, 'unknown hook')).toContain('hook_nonsense');
    expect(existsSync(out('hook'))).toBe(false);
  });

  it('--position beyond a row\'s length names the row', async () => {
    // rows of 9, 10, 3, 8 tokens: position 6 first fails on row index 2
    const r = await cli(['extract', '--model', model, '--dataset', 'tests/fixtures/datasets/extract-bad-short.csv', '--hooks', 'hook_embed', '--position', '6', '--out', out('short'), '--json']);
    expectNamesRow2(expectOneLineError(r, 'position 6'));
  });

  it('--position 99 fails', async () => {
    const r = await cli(['extract', '--model', model, '--dataset', dataset, '--hooks', 'hook_embed', '--position', '99', '--out', out('99'), '--json']);
    expect(expectOneLineError(r, 'position 99')).toMatch(/\b(row|line)\b/i);
  });

  it('missing --out', async () => {
    const r = await cli(['extract', '--model', model, '--dataset', dataset, '--hooks', 'hook_embed', '--json']);
    expect(expectOneLineError(r, 'missing --out')).toContain('--out');
  });

  it('a non-integer id names the row', async () => {
    // row index 2 holds "7,2.5,9"
    const r = await cli(['extract', '--model', model, '--dataset', 'tests/fixtures/datasets/extract-bad-ids.csv', '--hooks', 'hook_embed', '--out', out('ids'), '--json']);
    expectNamesRow2(expectOneLineError(r, 'non-integer id'));
  });
});
