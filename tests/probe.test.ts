/**
 * `strata probe` against scikit-learn (scripts/reference/probe.py, tests/golden/probe/*.json):
 * the reference's float64 activations and sklearn's LogisticRegression(C=1) on the same split.
 * The split indices equal; accuracy and F1 equal (to the goldens' 9 digits); ROC-AUC within
 * 1e-3; coefficients and intercepts within 1e-3 of the golden's largest |coef| (read back from
 * the probe files `--out` writes, by a minimal reader written here); bootstrap intervals:
 * accuracy/F1 to 1e-8, AUC to 1e-3. NaN fails every comparison. One subprocess per golden
 * (demo model, stories260K and every fixture family); in-process, the difference-of-means probe,
 * the Newton-CG solver and k-fold against the same goldens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineFor } from './helpers/node-engine';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');

interface Metrics { acc: number[]; f1: number[]; auc: number[]; coef: number[][]; intercept: number[][] }
interface Golden {
  model: string; dataset: string; hooks: string[]; relDepth: number[]; seed: number; hookPattern: string; n: number;
  classes: string[]; positive: string; bootstrap: number; split: { train: number[]; test: number[] };
  mapping: { text?: string; ids?: string; label: string };
  logistic: Metrics & { accCI: [number, number][]; f1CI: [number, number][]; aucCI: [number, number][] };
  meanDiff: Metrics;
  kfold?: Metrics & { folds: number[][] };
}
interface Out {
  hooks: string[]; relDepth: number[]; n: number; classes: string[]; acc: number[]; f1: number[]; auc: number[];
  accCI: [number, number][]; f1CI: [number, number][]; aucCI: [number, number][]; split: { train: number[]; test: number[] };
  iterations: number[]; positive: string; converged: boolean[];
}

const GOLDENS = readdirSync('tests/golden/probe').filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const load = (name: string): Golden => JSON.parse(readFileSync(`tests/golden/probe/${name}.json`, 'utf8')) as Golden;
const tmp = mkdtempSync(join(tmpdir(), 'strata-probe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let running = 0;
const waiting: (() => void)[] = [];
async function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [tsx, 'workers/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      p.on('error', reject);
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** weight and bias of a probe file (F32 only), and its metadata. */
function readProbe(file: string): { weight: Float32Array; bias: Float32Array; shape: number[]; md: Record<string, string> } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const get = (name: string): Float32Array => {
    const e = header[name];
    if (!e || e.dtype !== 'F32') throw new Error(`${file}: no F32 tensor ${name}`);
    const [a, b] = e.data_offsets;
    const out = new Float32Array((b - a) / 4);
    for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(8 + n + a + 4 * i);
    return out;
  };
  return { weight: get('weight'), bias: get('bias'), shape: header['weight']?.shape ?? [], md: header['__metadata__'] as unknown as Record<string, string> };
}

/** |got − want| ≤ tol for every element (NaN, missing or extra elements fail). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs((got[i] as number) - (want[i] as number));
    if (!(d <= worst)) { worst = Number.isNaN(d) ? Infinity : d; at = i; }
  }
  expect(worst <= tol, `${what}: |Δ| ${worst} at [${at}] (got ${got[at]}, want ${want[at]}) > ${tol}`).toBe(true);
}

/**
 * Coefficients within 1e-3 of the golden's largest |coefficient|; intercepts within 1e-3 of the
 * larger of that and the largest |intercept| (a mean-diff intercept −w·(μ0+μ1)/2 sums d products
 * of residual-sized means, so it carries the f32 activations' rounding at that size).
 */
function expectCoef(w: ArrayLike<number>, b: ArrayLike<number>, ew: number[], eb: number[], what: string): number {
  const scale = Math.max(...ew.map(Math.abs));
  expect(scale > 0, `${what}: golden coefficients are all zero`).toBe(true);
  expectClose(w, ew, 1e-3 * scale, `${what} coef`);
  expectClose(b, eb, 1e-3 * Math.max(scale, ...eb.map(Math.abs)), `${what} intercept`);
  let dev = 0;
  for (let i = 0; i < ew.length; i++) dev = Math.max(dev, Math.abs((w[i] as number) - (ew[i] as number)) / scale);
  return dev;
}

function args(g: Golden, name: string): string[] {
  const a = ['probe', '--model', g.model, '--dataset', g.dataset, '--hooks', g.hookPattern, '--position', 'last', '--seed', String(g.seed),
    '--bootstrap', String(g.bootstrap), '--label-column', g.mapping.label, '--positive', g.positive, '--out', join(tmp, name), '--json'];
  if (g.mapping.text) a.push('--text-column', g.mapping.text);
  if (g.mapping.ids) a.push('--ids-column', g.mapping.ids);
  return a;
}

describe.concurrent('strata probe against scikit-learn', () => {
  for (const name of GOLDENS) {
    it(name, { timeout: 600_000 }, async () => {
      const g = load(name);
      const r = await cli(args(g, name));
      expect(r.stderr, `${name}: stderr`).toBe('');
      expect(r.status, `${name}: exit status`).toBe(0);
      const o = JSON.parse(r.stdout) as Out;
      expect(o.hooks).toEqual(g.hooks);
      expectClose(o.relDepth, g.relDepth, 1e-12, `${name} relDepth`);
      expect(o.n).toBe(g.n);
      expect(o.classes).toEqual(g.classes);
      expect(o.positive).toBe(g.positive);
      expect(o.split.train).toEqual(g.split.train);
      expect(o.split.test).toEqual(g.split.test);
      expect(o.converged.every(Boolean), `${name}: converged ${o.converged}`).toBe(true);
      expectClose(o.acc, g.logistic.acc, 1e-8, `${name} acc`);
      expectClose(o.f1, g.logistic.f1, 1e-8, `${name} F1`);
      expectClose(o.auc, g.logistic.auc, 1e-3, `${name} AUC`);
      expectClose(o.accCI.flat(), g.logistic.accCI.flat(), 1e-8, `${name} acc CI`);
      expectClose(o.f1CI.flat(), g.logistic.f1CI.flat(), 1e-8, `${name} F1 CI`);
      expectClose(o.aucCI.flat(), g.logistic.aucCI.flat(), 1e-3, `${name} AUC CI`);
      g.hooks.forEach((h, j) => {
        const p = readProbe(join(tmp, name, `${h}.safetensors`));
        const K = g.classes.length;
        expect(p.shape).toEqual(K === 2 ? [p.weight.length] : [K, p.weight.length / K]);
        expect(p.md['hook']).toBe(h);
        expect(JSON.parse(p.md['classes'] ?? '[]')).toEqual(g.classes);
        expect(p.md['splitSeed']).toBe(String(g.seed));
        expectCoef(p.weight, p.bias, g.logistic.coef[j] as number[], g.logistic.intercept[j] as number[], `${name} ${h}`);
      });
    });
  }
});

describe('the demo model card reports these curves', () => {
  it('its English fact rows are scikit-learn\'s accuracies on the block outputs (3 decimals)', () => {
    const g = load('demo-facts-en');
    const card = readFileSync('public/models/demo/README.md', 'utf8');
    const row = (probe: string): number[] => {
      const line = card.split('\n').find((l) => l.startsWith(`| en | ${probe} |`));
      if (!line) throw new Error(`the card has no "| en | ${probe} |" row`);
      return line.split('|').slice(3, 9).map((c) => Number(c.trim()));
    };
    const blocks = g.hooks.map((h, j) => [h, j] as const).filter(([h]) => h.endsWith('hook_resid_post')).map(([, j]) => j);
    expectClose(row('logistic'), blocks.map((j) => g.logistic.acc[j] as number), 5e-4 + 1e-9, 'card: en logistic');
    expectClose(row('difference of means'), blocks.map((j) => g.meanDiff.acc[j] as number), 5e-4 + 1e-9, 'card: en difference of means');
  });
});

describe('probe in-process against the same goldens', () => {
  for (const name of ['demo-facts-en', 'demo-categories', 'gpt2', 'qwen2']) {
    it(`${name}: difference of means, Newton-CG${name === 'demo-facts-en' ? ', k-fold' : ''}`, { timeout: 600_000 }, async () => {
      const g = load(name);
      const engine = await engineFor(g.model);
      const ds = engine.datasetLoad(new Uint8Array(readFileSync(g.dataset)), g.dataset.split('/').pop() ?? '', { mapping: g.mapping });
      const x = await engine.analyze('extract', { options: { dataset: ds.id, hooks: g.hookPattern.split(','), position: 'last' } });
      const base = { activations: x.artifact, seed: g.seed, positive: g.positive, bootstrap: 0 };
      const weights = (ids: string[]) => ids.map((id) => engine.registry.artifact('probe', id).probe);
      const mm = await engine.analyze('probe', { options: { ...base, method: 'mean-diff' } });
      expectClose(mm.acc, g.meanDiff.acc, 1e-8, `${name} mean-diff acc`);
      expectClose(mm.auc, g.meanDiff.auc, 1e-3, `${name} mean-diff AUC`);
      weights(mm.probes).forEach((p, j) => expectCoef(p.weight, p.bias, g.meanDiff.coef[j] as number[], g.meanDiff.intercept[j] as number[], `${name} mean-diff ${p.hook}`));
      const cg = await engine.analyze('probe', { options: { ...base, solver: 'newton-cg' } });
      expect(cg.converged.every(Boolean)).toBe(true);
      expectClose(cg.acc, g.logistic.acc, 1e-8, `${name} newton-cg acc`);
      weights(cg.probes).forEach((p, j) => expectCoef(p.weight, p.bias, g.logistic.coef[j] as number[], g.logistic.intercept[j] as number[], `${name} newton-cg ${p.hook}`));
      if (g.kfold) {
        const kf = await engine.analyze('probe', { options: { ...base, split: 'kfold', folds: g.kfold.folds.length } });
        expect(kf.split.folds).toEqual(g.kfold.folds);
        expectClose(kf.acc, g.kfold.acc, 1e-8, `${name} k-fold acc`);
        expectClose(kf.auc, g.kfold.auc, 1e-3, `${name} k-fold AUC`);
        weights(kf.probes).forEach((p, j) => expectCoef(p.weight, p.bias, g.kfold?.coef[j] as number[], g.kfold?.intercept[j] as number[], `${name} k-fold ${p.hook}`));
      }
      // The engine's tokenizer gives the ids the reference's tokenizer gave (the goldens' first rows).
      const head = (JSON.parse(readFileSync(`tests/golden/probe/${name}.json`, 'utf8')) as { idsHead: number[][] }).idsHead;
      ds.preview.slice(0, 3).forEach((row, i) => expect(row.text !== undefined ? engine.encode(row.text) : row.ids).toEqual(head[i]));
      engine.unload();
    });
  }
});
