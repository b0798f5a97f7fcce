/** Residual-stream analytics (METHODS §5–7) on every family against scripts/reference/depth.py. */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResidualResult } from '../workers/engine/analyses/residual';
import { voidMargins } from '../workers/engine/analyses/residual';
import type { Engine } from '../workers/engine/engine';
import { depthFiles, expectClose, expectVoids, readDepth, TIE, type ResidualG } from './helpers/depth-golden';
import { engineFor } from './helpers/node-engine';

function compare(r: ResidualResult, g: ResidualG, what: string): number {
  expect(r.path).toEqual(g.path);
  for (const key of ['attnRel', 'mlpRel', 'layerRel', 'cosAttn', 'cosMlp', 'cosLayer'] as const) {
    expectClose(r[key].mean, g[key].map((x) => x.mean), `${what} ${key}.mean`);
    expectClose(r[key].max, g[key].map((x) => x.max), `${what} ${key}.max`);
  }
  expectClose(r.lim, g.lim, `${what} lim`);
  expectClose(r.limFlat, g.limFlat, `${what} limFlat`);
  expectClose(r.residNorms.flatMap((x) => [...x]), g.residNorms.flat(), `${what} residNorms`);
  expectClose(r.voidMargin.flatMap((x) => [...x]), g.voidMargin.flat(), `${what} voidMargin`);
  r.massive.forEach((top, s) => {
    const ref = g.massive[s] ?? [];
    expectClose(top.map((m) => m.value), ref.map((m) => m.value), `${what} massive[${s}].value`);
    top.forEach((m, i) => {
      // Where two |values| nearly tie, fp32 may order them either way: only the value is checked.
      const near = (j: number): boolean => j >= 0 && j < ref.length && Math.abs(Math.abs(ref[j]?.value as number) - Math.abs(ref[i]?.value as number)) < TIE;
      if (near(i - 1) || near(i + 1)) return;
      expect([m.position, m.dim], `${what} massive[${s}][${i}]`).toEqual([ref[i]?.position, ref[i]?.dim]);
    });
  });
  return expectVoids(r.voids, g, `${what} voids`);
}

describe.each(depthFiles)('residual analytics on %s', (file) => {
  const g = readDepth(file);
  let engine: Engine;
  beforeAll(async () => {
    engine = await engineFor(g.model);
  });
  afterAll(() => engine.unload());

  it('default path and a looping path agree with the reference; no tensor is left behind', async () => {
    const before = tf.memory().numTensors;
    let skipped = compare(await engine.analyze('residual', { run: { tokens: g.ids, path: undefined } }), g.residual, 'default');
    skipped += compare(await engine.analyze('residual', { run: { tokens: g.ids, path: g.residualPath.path }, options: { alpha: g.residualPath.alpha } }), g.residualPath, 'path');
    // What stays is the two runs' caches; dropping them leaves exactly what was there before.
    expect(engine.memory().runs).toHaveLength(2);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
    // Near-threshold void decisions are skipped, and there must be few of them.
    expect(skipped).toBeLessThanOrEqual(2);
  });
});

describe('void margins', () => {
  it('τ_0 = τ_1 = 0, then α times the range of the earlier Δ', () => {
    // norms n_-1..n_3 = 10, 12, 11, 15, 14 → Δ = 2, −1, 4, −1
    const m = voidMargins([10, 12, 11, 15, 14], 0.5);
    expect(Array.from(m)).toEqual([2, -1, 4 - 0.5 * 3, -1 - 0.5 * 5]);
  });
});
