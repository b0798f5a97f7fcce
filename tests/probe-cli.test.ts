/**
 * `strata probe` flags beyond the scikit-learn comparison (tests/probe.test.ts): --help, the
 * same split on every run, perturbations (--quantize, --noise-prefix) each giving their own
 * curve, k-fold and mean-diff through the CLI, and bad input as one `strata:` line.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');

// At most two CLI processes at once (the machine has two cores; tsx start-up is CPU-bound).
let running = 0;
const waiting: (() => void)[] = [];
async function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await spawnCli(args);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [tsx, 'workers/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface Out { hooks: string[]; acc: number[]; auc: number[]; split: { train: number[]; test: number[]; folds?: number[][] }; iterations: number[]; model?: string; classes: string[] }

const GPT2 = ['--model', 'tests/fixtures/models/gpt2', '--dataset', 'tests/fixtures/datasets/probe-gpt2.csv', '--bootstrap', '0', '--json'];
const CITIES = ['--model', 'tests/fixtures/models/stories260K', '--dataset', 'public/datasets/cities.csv', '--limit', '120', '--bootstrap', '0', '--json'];

async function ok(args: string[]): Promise<Out> {
  const r = await cli(['probe', ...args]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

async function bad(args: string[], pattern: RegExp): Promise<void> {
  const r = await cli(['probe', ...args]);
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^strata: /);
  expect(lines[0]).toMatch(pattern);
}

describe.concurrent('strata probe', () => {
  it('--help lists the flags; the command is listed', { timeout: 600_000 }, async () => {
    const h = await cli(['probe', '--help']);
    expect(h.status).toBe(0);
    for (const f of ['--dataset', '--label-column', '--hooks', '--position', '--method', '--C', '--test-fraction', '--seed', '--spec', '--json', '--quantize', '--noise-prefix', '--split', '--out']) expect(h.stdout).toContain(f);
    expect((await cli(['--help'])).stdout).toMatch(/probe\s+train a linear probe/);
  });

  it('the same seed gives the same split and numbers; another seed another split; a readable summary', { timeout: 600_000 }, async () => {
    const [a, b, c] = await Promise.all([ok(GPT2), ok(GPT2), ok([...GPT2, '--seed', '5'])]);
    expect(b).toEqual({ ...a, seconds: (b as unknown as { seconds: number }).seconds });
    expect(c.split.test).not.toEqual(a.split.test);
    const s = await cli(['probe', ...GPT2.filter((x) => x !== '--json')]);
    expect(s.stdout).toMatch(/^probe: logistic on 240 rows of probe-gpt2\.csv \(hi \/ lo; F1 of "lo"\), random split seed 0: 96 tested/);
    expect(s.stdout).toMatch(/blocks\.2\.hook_resid_post\s+1\.00\s+acc/);
  });

  it('perturbations: a 4-bit copy and prefix noise each give their own curve', { timeout: 600_000 }, async () => {
    const [clean, q4, q8, noisy, noisy2] = await Promise.all([ok(CITIES), ok([...CITIES, '--quantize', '4']), ok([...CITIES, '--quantize', '8']),
      ok([...CITIES, '--noise-prefix', '3']), ok([...CITIES, '--noise-prefix', '3', '--noise-letters', 'xyz', '--noise-seed', '4'])]);
    expect(q4.model).toMatch(/4-bit RTN asym/);
    expect(q8.model).toMatch(/8-bit RTN sym per row/);
    expect(clean.split).toEqual(q4.split);
    for (const o of [q4, noisy, noisy2]) expect(o.hooks).toEqual(clean.hooks);
    // Perturbed activations give other probes: some hook's AUC moves.
    const moved = (o: Out) => Math.max(...o.auc.map((v, j) => Math.abs(v - (clean.auc[j] as number))));
    expect(moved(q4)).toBeGreaterThan(1e-6);
    expect(moved(noisy)).toBeGreaterThan(1e-6);
    expect(moved(noisy2)).toBeGreaterThan(1e-6);
  });

  it('k-fold, mean-diff and a --spec path through the CLI', { timeout: 600_000 }, async () => {
    const spec = `${process.env['TMPDIR'] ?? '/tmp'}/strata-probe-spec-${process.pid}.json`;
    writeFileSync(spec, JSON.stringify({ path: [0, 2] }));
    const [k, m, sp] = await Promise.all([ok([...GPT2, '--split', 'kfold', '--folds', '4']), ok([...GPT2, '--method', 'mean-diff']), ok([...GPT2, '--spec', spec])]);
    // The path [0, 2] has two steps: two hooks at relative depth 0 and 1.
    expect(sp.hooks).toEqual(['blocks.0.hook_resid_post', 'blocks.1.hook_resid_post']);
    expect((sp as unknown as { relDepth: number[] }).relDepth).toEqual([0, 1]);
    expect(k.split.folds?.map((f) => f.length)).toEqual([60, 60, 60, 60]);
    expect(k.split.test).toHaveLength(240);
    expect(m.iterations.every((i) => i === 0)).toBe(true);
  });

  it('bad input: one line naming what is wrong', { timeout: 600_000 }, async () => {
    await Promise.all([
      bad([...GPT2, '--position', 'all'], /one vector per row/),
      bad([...GPT2, '--method', 'svm'], /--method must be logistic or mean-diff/),
      bad([...GPT2, '--test-fraction', '1.5'], /--test-fraction must be between 0 and 1/),
      bad([...GPT2, '--C', '0'], /--C must be a positive number/),
      bad([...GPT2, '--positive', 'maybe'], /positive class "maybe" is not one of the labels \(hi, lo\)/),
      bad([...GPT2, '--noise-prefix', '3'], /row 0 is token ids/),
      bad([...GPT2, '--group-size', '16'], /--group-size goes with --quantize/),
      bad([...GPT2, '--quantize', '4', '--group-size', '24'], /group size 24 does not divide a row of 32/),
      bad(['--model', 'tests/fixtures/models/gpt2', '--dataset', 'tests/fixtures/datasets/extract-gpt2.csv', '--label-column', 'label', '--limit', '2', '--json'], /hold only 1 of the 2 classes/),
    ]);
  });

  it('the probe files of --out hold the metadata the issue names', { timeout: 600_000 }, async () => {
    const dir = `${process.env['TMPDIR'] ?? '/tmp'}/strata-probe-out-${process.pid}`;
    await ok([...GPT2, '--out', dir, '--hooks', 'blocks.1.hook_resid_post']);
    const buf = readFileSync(`${dir}/blocks.1.hook_resid_post.safetensors`);
    const n = Number(buf.readBigUInt64LE(0));
    const h = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, Record<string, string>>;
    const md = h['__metadata__'] ?? {};
    for (const k of ['model', 'hook', 'position', 'dataset', 'splitSeed', 'metrics', 'classes', 'method', 'C']) expect(md[k], k).toBeTruthy();
    expect(JSON.parse(md['metrics'] ?? '{}')).toHaveProperty('acc');
    expect(h['weight']).toMatchObject({ dtype: 'F32', shape: [32] });
    expect(h['bias']).toMatchObject({ dtype: 'F32', shape: [1] });
  });
});
