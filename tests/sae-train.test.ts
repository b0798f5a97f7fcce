/**
 * SAE training (METHODS §9.2) against the independent float64 PyTorch reference
 * (scripts/reference/sae_train.py → tests/golden/sae-train/reference.json): the same
 * synthetic activations, the same RandomState init and batch order; the loss, MSE, L0 and
 * FVE of every step and the final weights of a ReLU (L1) and a TopK (AuxK active) run agree
 * two-sided. Then the SAELens export reads back through loadSae with the same encode, bad
 * options fail in one line, and the CLI trains on the stories260K fixture to a sensible FVE.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SaeTrainArch } from '../src/contracts/sae-train';
import { SAE_TRAIN_DEFAULTS } from '../src/contracts/sae-train';
import { disposeSae, loadSae } from '../workers/engine/artifacts/sae';
import { saeForward } from '../workers/engine/analyses/sae-encode';
import type { Engine } from '../workers/engine/engine';
import { bufferSource, fileSetFromSources } from '../workers/engine/io/source';
import { checkTrainOptions, trainSaeOn, type SaeTrainCore } from '../workers/engine/sae-train/train';
import { BACKEND, engineFor, maxAbsDiff } from './helpers/node-engine';
import { initNodeBackend } from '../workers/node/host';

interface RefCase {
  options: { name: string; architecture: SaeTrainArch; width: number; k: number; l1: number; lr: number; steps: number; batch: number; seed: number; kAux: number; auxCoef: number; deadTokens: number };
  losses: number[]; mse: number[]; l0: number[]; fve: number[]; dead: number[];
  final: { W_enc: number[]; b_enc: number[]; W_dec: number[]; b_dec: number[] };
}
const ref = JSON.parse(readFileSync('tests/golden/sae-train/reference.json', 'utf8')) as { n: number; d: number; x: number[]; cases: RefCase[] };
const X = Float32Array.from(ref.x);

beforeAll(async () => {
  await initNodeBackend(BACKEND);
}, 60_000);

function core(c: RefCase['options']): SaeTrainCore {
  const { name: _name, ...o } = c;
  return { ...o, progressEvery: 1 };
}

/** Two-sided relative agreement: |a − e| ≤ tol·max(1, |e|) elementwise. */
function expectRel(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    expect(Number.isFinite(g), `${what}[${i}] = ${g}`).toBe(true);
    expect(Math.abs(g - w), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  }
}

describe.each(ref.cases)('sae-train $options.name', (c) => {
  it('matches PyTorch step by step and in its final weights', async () => {
    const before = tf.memory().numTensors;
    const r = await trainSaeOn(X, ref.n, ref.d, core(c.options));
    expect(r.done).toBe(c.options.steps);
    expectRel(r.losses, c.losses, 1e-4, 'loss');
    expectRel(r.curve.map((p) => p.mse), c.mse, 1e-4, 'mse');
    expectRel(r.curve.map((p) => p.l0), c.l0, 1e-6, 'l0');
    expectRel(r.curve.map((p) => p.fve), c.fve, 1e-4, 'fve');
    expectRel(r.curve.map((p) => p.dead), c.dead, 1e-6, 'dead fraction');
    const w = r.weights;
    for (const [name, t] of [['W_enc', w.wEnc], ['b_enc', w.bEnc], ['W_dec', w.wDec], ['b_dec', w.bDec]] as const) {
      const { diff, scale } = maxAbsDiff(await t.data(), c.final[name]);
      expect(diff, `${name} (scale ${scale})`).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
    }
    tf.dispose([w.wEnc, w.bEnc, w.wDec, w.bDec]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

describe('sae-train options', () => {
  const base: SaeTrainCore = { ...SAE_TRAIN_DEFAULTS, width: 32, k: 4 };
  it.each([
    [{ architecture: 'gated' as SaeTrainArch }, /^sae-train: architecture must be relu or topk, got "gated"$/],
    [{ width: 0 }, /^sae-train: width \(d_sae\) must be an integer ≥ 1, got 0$/],
    [{ k: 40 }, /^sae-train: k \(40\) must not exceed the width \(32\)$/],
    [{ lr: -1 }, /^sae-train: lr must be a positive number, got -1$/],
    [{ steps: 1.5 }, /^sae-train: steps must be an integer ≥ 1, got 1.5$/],
    [{ architecture: 'relu' as SaeTrainArch, l1: Number.NaN }, /^sae-train: l1 \(λ\) must be ≥ 0, got NaN$/],
    [{ seed: -1 }, /^sae-train: seed must be an integer in 0..2\^32−1, got -1$/],
  ])('%o fails in one line', (bad, msg) => {
    expect(() => checkTrainOptions({ ...base, ...bad }, 16)).toThrow(msg);
  });

  it('a cancel after some steps keeps the partial SAE; before the first step fails', async () => {
    const ac = new AbortController();
    const o = { ...core((ref.cases[1] as RefCase).options), steps: 50 };
    const r = await trainSaeOn(X, ref.n, ref.d, o, (_p, done) => { if (done === 3) ac.abort(); }, ac.signal);
    expect(r.done).toBe(3);
    expectRel(r.losses, (ref.cases[1] as RefCase).losses.slice(0, 3), 1e-4, 'partial losses');
    tf.dispose(Object.values(r.weights));
    const dead = new AbortController();
    dead.abort();
    await expect(trainSaeOn(X, ref.n, ref.d, o, undefined, dead.signal)).rejects.toThrow(/^the SAE training was cancelled$/);
  });
});

const STORIES = 'tests/fixtures/models/stories260K';
const TEXTS = 'public/datasets/stsa.binary.train.txt';

describe('sae-train analysis, export and reload', () => {
  let engine: Engine;
  let dataset: string;
  beforeAll(async () => {
    engine = await engineFor(STORIES);
    dataset = engine.datasetLoad(new Uint8Array(readFileSync('tests/fixtures/datasets/extract-stories260K.csv')), 'extract-stories260K.csv').id;
  }, 60_000);

  it('registers the SAE (BOS left out), and its SAELens folder loads back with the same encode', async () => {
    const before = tf.memory().numTensors;
    const points: number[] = [];
    const r = await engine.analyze('sae-train', { options: { dataset, hook: 'blocks.1.hook_resid_post', architecture: 'topk', width: 96, k: 8, steps: 30, batch: 32, lr: 3e-3, progressEvery: 10 } }, {
      onProgress: (p) => { if (p.phase === 'train' && p.point) points.push(p.point.step); },
    });
    expect(points).toEqual([10, 20, 30]);
    expect(r.curve.map((p) => p.step)).toEqual([10, 20, 30]);
    // 8 rows; the CSV's ids start with BOS (1) in one row only.
    const csv = readFileSync('tests/fixtures/datasets/extract-stories260K.csv', 'utf8').trim().split('\n').slice(1);
    const ids = csv.map((l) => (/"([^"]*)"/.exec(l)?.[1] ?? '').split(',').map(Number));
    const bosRows = ids.filter((row) => row[0] === 1).length;
    expect(r.tokens).toBe(ids.reduce((a, row) => a + row.length, 0) - bosRows);
    expect(r.note ?? '').toContain(`${bosRows} rows`);
    expect(r.sae).toMatchObject({ format: 'saelens', architecture: 'topk', hook: 'blocks.1.hook_resid_post', dIn: 64, dSae: 96, k: 8 });
    expect(r.final.l0).toBeLessThanOrEqual(8);
    const files = await engine.exportArtifactFiles(r.sae.id);
    expect(files.map((f) => f.name)).toEqual(['cfg.json', 'sae_weights.safetensors']);
    const cfg = JSON.parse(new TextDecoder().decode((files[0] as { bytes: Uint8Array }).bytes)) as Record<string, unknown>;
    expect(cfg).toMatchObject({ architecture: 'topk', d_in: 64, d_sae: 96, k: 8, apply_b_dec_to_input: true, normalize_activations: 'none', dtype: 'float32', metadata: { hook_name: 'blocks.1.hook_resid_post' } });
    const set = fileSetFromSources('trained', files.map((f) => bufferSource(f.bytes, f.name)));
    const back = await loadSae(set);
    const own = engine.registry.artifact('sae', r.sae.id).sae;
    const x = tf.tensor2d(X.subarray(0, 64 * 16).map((v, i) => v * ((i % 7) - 3)), [16, 64]);
    const a = saeForward(own, x);
    const b = saeForward(back, x);
    expect(Array.from(await b.z.data())).toEqual(Array.from(await a.z.data()));
    expect(Array.from(await b.recon.data())).toEqual(Array.from(await a.recon.data()));
    tf.dispose([x, a.z, a.recon, b.z, b.recon]);
    disposeSae(back);
    // The `sae` analysis reads it at once (its run cache holds tensors: counted before it).
    const held = engine.registry.artifact('sae', r.sae.id).sae;
    expect(tf.memory().numTensors).toBe(before + 4);
    expect([held.wEnc.shape, held.wDec.shape]).toEqual([[64, 96], [96, 64]]);
    const s = await engine.analyze('sae', { run: { tokens: ids[0] as number[] }, options: { sae: r.sae.id, topk: 4 } });
    expect(s.hook).toBe('blocks.1.hook_resid_post');
    expect(s.l0.every((v) => v <= 8)).toBe(true);
    engine.dropArtifact(r.sae.id);
  }, 120_000);

  it('a relu SAE trains and exports as standard; bad requests fail in one line', async () => {
    const r = await engine.analyze('sae-train', { options: { dataset, hook: 'blocks.0.hook_mlp_out', architecture: 'relu', width: 32, l1: 0.01, steps: 4, batch: 16, lr: 1e-3 } });
    expect(r.sae.architecture).toBe('standard');
    const cfg = JSON.parse(new TextDecoder().decode(((await engine.exportArtifactFiles(r.sae.id))[0] as { bytes: Uint8Array }).bytes)) as Record<string, unknown>;
    expect(cfg['architecture']).toBe('standard');
    expect(cfg['k']).toBeUndefined();
    engine.dropArtifact(r.sae.id);
    await expect(engine.analyze('sae-train', { options: { dataset, width: 8 } })).rejects.toThrow(/^sae-train: give a hook \(e\.g\. blocks\.3\.hook_resid_post\)$/);
    await expect(engine.analyze('sae-train', { options: { dataset, hook: 'blocks.1.hook_resid_post', width: 8, k: 9 } })).rejects.toThrow(/^sae-train: k \(9\) must not exceed the width \(8\)$/);
    await expect(engine.analyze('sae-train', { options: { dataset, hook: 'blocks.9.hook_resid_post', width: 8, k: 2 } })).rejects.toThrow(/blocks\.9/);
    await expect(engine.analyze('sae-train', { options: { hook: 'blocks.1.hook_resid_post', width: 8, k: 2 } })).rejects.toThrow(/^sae-train: give a dataset to train on$/);
  }, 120_000);
});

describe('strata sae-train', () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const cli = (args: string[]) => spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', timeout: 240_000 });

  it('trains on stories260K text to FVE > 0.5 and `strata sae` loads the folder', () => {
    const out = mkdtempSync(join(tmpdir(), 'sae-train-'));
    try {
      const r = cli(['sae-train', '--model', STORIES, '--dataset', TEXTS, '--limit', '200', '--hook', 'blocks.2.hook_resid_post', '--width', '256', '--k', '16', '--steps', '150', '--lr', '3e-3', '--batch', '512', '--every', '50', '--out', out, '--json']);
      expect(r.stderr).toMatch(/^step 50\/150 .*FVE/);
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { final: { fve: number; l0: number }; tokens: number; files: string[] };
      console.log(`stories260K blocks.2 TopK 64→256 k=16, 150 steps × 512 tokens: final batch FVE ${j.final.fve.toFixed(3)}, L0 ${j.final.l0}`);
      expect(j.final.fve).toBeGreaterThan(0.5);
      expect(j.final.l0).toBeLessThanOrEqual(16);
      const s = cli(['sae', '--model', STORIES, '--sae', out, '--prompt', 'Once upon a time there was a little girl', '--json']);
      expect(s.status, s.stderr).toBe(0);
      const sj = JSON.parse(s.stdout) as { architecture: string; dSae: number; fve: number; format: string };
      expect(sj).toMatchObject({ architecture: 'topk', dSae: 256, format: 'saelens' });
      expect(sj.fve).toBeGreaterThan(0.3);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it.each([
    [['--width', '8', '--k', '2', '--l1', '1'], /^strata: give exactly one of --k K \(TopK\) and --l1 λ \(ReLU\)\n$/],
    [['--width', '8', '--k', '2'], /^strata: --out DIR is required/],
    [['--k', '2', '--out', '/tmp/x'], /^strata: --width N is required/],
    [['--width', '0', '--k', '2', '--out', '/tmp/x'], /^strata: --width must be an integer ≥ 1, got "0"\n$/],
  ])('%j fails in one line', (extra, msg) => {
    const r = cli(['sae-train', '--model', STORIES, '--dataset', TEXTS, '--hook', 'blocks.1.hook_resid_post', ...extra]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});
