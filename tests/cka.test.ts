/**
 * `strata cka` against the independent float64 NumPy reference (scripts/reference/cka.py:
 * its own hooked forward, Kornblith's CKA, Nguyen's minibatch CKA, numpy.linalg.solve maps;
 * tests/golden/cka/<fixture>.json) on every fixture family, stories260K and the demo model:
 * one CLI subprocess per case, values to 1e-4 two-sided. Also the CLI's refusals.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engineFor } from './helpers/node-engine';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const FIXTURES = ['gpt2', 'gpt2-prefixed', 'llama-gqa', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gpt_neox', 'stories260K', 'demo'];

interface Run { status: number | null; stdout: string; stderr: string }

// Two CLI subprocesses at a time: the machine's cores are shared.
let running = 0;
const waiting: (() => void)[] = [];

async function cli(args: string[]): Promise<Run> {
  if (running >= 2) await new Promise<void>((res) => waiting.push(res));
  running++;
  try {
    return await new Promise<Run>((resolve, reject) => {
      const p = spawn(process.execPath, [tsx, 'workers/cli.ts', 'cka', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        resolve({ status: null, stdout, stderr: `${stderr}(timed out after 120 s: ${args.join(' ')})` });
      }, 120_000);
      p.on('error', (e) => { clearTimeout(timer); reject(e); });
      p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface Case { name: string; args: string[]; rows: string[]; cols: string[]; kind: string; n: number; cka: number[][]; linearMap?: { error: number[][]; fvu: number[][] } }
interface Golden { model: string; dataset: string; ids?: number[][]; cases: Case[] }
interface Out { rows: string[]; cols: string[]; kind: string; n: number; cka: number[][]; form: string; best: number[]; linearMap?: { error: number[][]; fvu: number[][] } }

/** Every entry within tol·max(1, |want|); NaN, a missing entry or a shape mismatch fails. */
function expectClose(got: number[][] | undefined, want: number[][], tol: number, what: string): number {
  expect(got?.length, `${what}: rows`).toBe(want.length);
  let worst = 0;
  want.forEach((row, i) => {
    expect(got?.[i]?.length, `${what}: row ${i} length`).toBe(row.length);
    row.forEach((w, j) => {
      const g = got?.[i]?.[j] ?? Number.NaN;
      const d = Math.abs(g - w);
      expect(d <= tol * Math.max(1, Math.abs(w)), `${what}[${i}][${j}]: got ${g}, want ${w} (|Δ| ${d})`).toBe(true);
      worst = Math.max(worst, d);
    });
  });
  return worst;
}

const worst: Record<string, number> = {};

describe.concurrent('strata cka against the NumPy reference', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture}: every case to 1e-4`, { timeout: 400_000 }, async () => {
      const g = JSON.parse(readFileSync(`tests/golden/cka/${fixture}.json`, 'utf8')) as Golden;
      expect(g.cases.map((c) => c.name)).toEqual(expect.arrayContaining(['last_map', 'path_mean_debiased', 'all_minibatch']));
      if (g.ids) {
        // The reference read the texts through its own tokenizer (tok.py, bbpe.py): the engine's must agree, or the inputs differ.
        const e = await engineFor(g.model);
        const texts = readFileSync(g.dataset, 'utf8').trim().split('\n').slice(1).map((l) => l.replace(/,(true|false)$/, '').replace(/^"(.*)"$/, '$1'));
        expect(texts.map((t) => e.encode(t))).toEqual(g.ids);
        e.unload();
      }
      for (const c of g.cases) {
        const r = await cli(['--model', g.model, '--dataset', g.dataset, ...c.args, '--json']);
        expect(r.stderr, `${fixture} ${c.name}: stderr`).toBe('');
        expect(r.status, `${fixture} ${c.name}: exit status`).toBe(0);
        const o = JSON.parse(r.stdout) as Out;
        expect(o.rows, `${fixture} ${c.name}: rows`).toEqual(c.rows);
        expect(o.cols, `${fixture} ${c.name}: cols`).toEqual(c.cols);
        expect(o.kind).toBe(c.kind);
        expect(o.n, `${fixture} ${c.name}: n`).toBe(c.n);
        expect(c.args.includes('--minibatch') ? o.form === 'minibatch' : o.form === 'feature' || o.form === 'gram', `${fixture} ${c.name}: form ${o.form}`).toBe(true);
        const w = expectClose(o.cka, c.cka, 1e-4, `${fixture} ${c.name} cka`);
        worst[`${fixture} ${c.name}`] = w;
        // The best match is the row's largest CKA (ties aside: skip rows whose top two are within the tolerance).
        c.cka.forEach((row, i) => {
          const sorted = [...row].sort((x, y) => y - x);
          if ((sorted[0] as number) - (sorted[1] ?? -Infinity) > 2e-4) expect(row[o.best[i] as number]).toBe(sorted[0]);
        });
        if (c.linearMap) {
          worst[`${fixture} ${c.name} map error`] = expectClose(o.linearMap?.error, c.linearMap.error, 1e-4, `${fixture} ${c.name} linear-map error`);
          worst[`${fixture} ${c.name} map fvu`] = expectClose(o.linearMap?.fvu, c.linearMap.fvu, 1e-4, `${fixture} ${c.name} linear-map fvu`);
        } else {
          expect(o.linearMap).toBeUndefined();
        }
      }
    });
  }
  it.sequential('worst deviation', () => {
    if (Object.keys(worst).length) console.log('cka |Δ| vs NumPy, worst per case:', Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join('; '));
  });
});

function oneLine(r: Run, what: string): string {
  expect(r.status === 0 || r.status === null, `${what}: exit status ${r.status}`).toBe(false);
  expect(r.stdout, `${what}: stdout`).toBe('');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, `${what}: stderr ${JSON.stringify(r.stderr)}`).toHaveLength(1);
  expect(lines[0]?.startsWith('strata: ')).toBe(true);
  return lines[0] ?? '';
}

describe.concurrent('strata cka refuses', () => {
  it('--help lists its flags', { timeout: 400_000 }, async () => {
    const r = await cli(['--help']);
    expect(r.status).toBe(0);
    for (const f of ['--model DIR', '--model2 DIR', '--dataset FILE', '--hooks', '--hooks2', '--position', '--kind', '--minibatch', '--seed', '--spec run.json', '--spec2 run.json', '--linear-map', '--ridge', '--holdout', '--json']) expect(r.stdout).toContain(f);
  });
  const texts = ['--dataset', 'tests/fixtures/datasets/cka-texts.csv', '--text-column', 'statement'];
  it('pooled tokens across two tokenizers', { timeout: 400_000 }, async () => {
    const r = await cli(['--model', 'public/models/demo', '--model2', 'tests/fixtures/models/stories260K', ...texts, '--position', 'all', '--json']);
    expect(oneLine(r, 'all across tokenizers')).toMatch(/position all pools every token, so both models must read the same tokens, but row 0 is \d+ tokens for model A and \d+ for model B/);
  });
  it('a hook that is the same vector in every row (the last token of every text is ".")', { timeout: 400_000 }, async () => {
    const r = await cli(['--model', 'public/models/demo', ...texts, '--hooks', 'hook_embed,blocks.*.hook_resid_post', '--json']);
    expect(oneLine(r, 'constant hook')).toMatch(/hook_embed of model A is the same vector in all 32 rows/);
  });
  it('the debiased estimator on 3 rows; bad flags', { timeout: 400_000 }, async () => {
    const m = ['--model', 'tests/fixtures/models/gpt2', '--dataset', 'tests/fixtures/datasets/cka-gpt2.csv'];
    expect(oneLine(await cli([...m, '--kind', 'debiased', '--limit', '3', '--json']), 'n < 4')).toMatch(/needs at least 4 vectors, .* has 3/);
    expect(oneLine(await cli([...m, '--kind', 'rbf', '--json']), 'kind')).toContain('--kind must be linear or debiased, got "rbf"');
    expect(oneLine(await cli([...m, '--position', '3', '--json']), 'position')).toContain('--position must be last, mean or all');
    expect(oneLine(await cli([...m, '--minibatch', '2', '--kind', 'debiased', '--json']), 'minibatch 2')).toMatch(/minibatch size must be an integer ≥ 4/);
    expect(oneLine(await cli([...m, '--hooks', 'blocks.*.hook_nonsense', '--json']), 'hook')).toContain('hook_nonsense');
  });
});
