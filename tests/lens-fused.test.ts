/**
 * The fused lens (analyses/lens-fused.ts) where its bookkeeping matters: the vocabulary in
 * uneven blocks (the running max, sums and top-k merged across blocks, the target in any
 * block) and the stacked rows in many small chunks. Checked against the float64 PyTorch
 * golden (top-1, its probability, entropy, KL(final‖row)) and, for what the golden lacks
 * (top-5, target probability and rank, KL(row‖final)), against the row-by-row lens (separate
 * code: log-softmax per row, itself checked against float64 in logit-lens.test.ts).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { KlDirection, LensResult } from '../src/contracts/lens';
import { fusedLensRows, lensChunks } from '../workers/engine/analyses/lens-fused';
import { logitLens, lensLabels } from '../workers/engine/analyses/logit-lens';
import type { LoadedModel } from '../workers/engine/models/common/types';
import type { GoldenCase } from './helpers/golden';
import { engineFor } from './helpers/node-engine';

const g = JSON.parse(readFileSync('tests/golden/gpt2.json', 'utf8')) as { model: string; cases: GoldenCase[] };

/** |a − e| ≤ abs + rel·|e| for every element (NaN fails). */
function close(a: ArrayLike<number>, e: ArrayLike<number>, abs: number, rel: number): boolean {
  return a.length === e.length && Array.from(e).every((x, i) => Math.abs((a[i] as number) - x) <= abs + rel * Math.abs(x));
}

/** The model with its [d, V] unembedding cut into three uneven column blocks. */
function splitVocab(model: LoadedModel): { model: LoadedModel; dispose: () => void } {
  const [blk] = model.weights.unembed;
  if (!blk?.w || model.weights.unembed.length !== 1) throw new Error('expected one f32 block');
  const V = blk.w.shape[1];
  const cuts = [0, 37, Math.floor(V / 2) + 5, V];
  const blocks = cuts.slice(0, -1).map((v0, i) => ({ v0, w: tf.slice(blk.w, [0, v0], [-1, (cuts[i + 1] as number) - v0]) as tf.Tensor2D }));
  return { model: { ...model, weights: { ...model.weights, unembed: blocks } }, dispose: () => tf.dispose(blocks.map((b) => b.w)) };
}

describe('fused lens: vocabulary blocks and row chunks', () => {
  // Chunks of 3 positions of one row (a row does not fit), and of 2 whole rows laid out [2, T, V_b].
  it.each([['final||row', 'positions'], ['row||final', 'positions'], ['final||row', 'rows'], ['row||final', 'rows']] as [KlDirection, 'positions' | 'rows'][])('KL %s, 3 vocab blocks, chunks by %s', async (kl, unit) => {
    const engine = await engineFor(g.model);
    const entry = engine.model();
    const c = g.cases[0] as GoldenCase;
    const run = engine.registry.run(undefined, c.ids, undefined);
    const split = splitVocab(entry.model);
    const V = run.logits.shape[1];
    try {
      const labels = lensLabels(run.path);
      const target = c.ids.map((_, t) => (t * 31 + 7) % V); // targets spread over all three blocks
      const opts = { topk: 5, kl, target };
      const perRow: LensResult = await logitLens(entry.model, run.residuals, run.logits, labels, { ...opts, perRow: true });
      // The fused rows straight, with a chunk budget of 3 rows' logits.
      const finalLp = tf.logSoftmax(run.logits) as tf.Tensor2D;
      const R = run.residuals.length - 1;
      const T = c.ids.length;
      const vMax = Math.max(...split.model.weights.unembed.map((b) => b.w?.shape[1] ?? 0));
      const budget = (unit === 'positions' ? 3 : 2 * T) * 4 * vMax;
      const st = await fusedLensRows(split.model, run.residuals.slice(0, -1), finalLp, Int32Array.from(target), 5, kl, undefined, budget);
      finalLp.dispose();
      for (let r = 0; r < R; r++) {
        const ref = perRow.rows[r];
        if (!ref) throw new Error('row');
        const sl = <A extends Float32Array | Int32Array>(a: A, w: number): A => a.slice(r * T * w, (r + 1) * T * w) as A;
        expect(Array.from(sl(st.topIds, 5)), `row ${r} top-5 ids`).toEqual(Array.from(ref.topIds));
        expect(close(Float32Array.from(sl(st.topLp, 5), Math.exp), ref.topProbs, 1e-6, 1e-4), `row ${r} top-5 probs`).toBe(true);
        expect(close(sl(st.entropy, 1), ref.entropy, 1e-5, 1e-4), `row ${r} entropy`).toBe(true);
        expect(close(sl(st.kl, 1), ref.klToFinal, 1e-5, 1e-4), `row ${r} KL`).toBe(true);
        expect(close(Float32Array.from(sl(st.targetLp, 1), Math.exp), ref.targetProb, 1e-7, 1e-4), `row ${r} target prob`).toBe(true);
        expect(Array.from(sl(st.rank, 1)), `row ${r} target rank`).toEqual(Array.from(ref.targetRank));
        if (kl === 'final||row') {
          const gold = c.lens[r];
          if (!gold) throw new Error('golden row');
          // Against float64: the top-1 under the default target is the golden's own row (target only changes ranks).
          expect(Array.from(sl(st.topIds, 5)).filter((_, i) => i % 5 === 0), `row ${r} top-1 vs float64`).toEqual(gold.top1);
          expect(close(Float32Array.from(sl(st.topLp, 5).filter((_, i) => i % 5 === 0), Math.exp), gold.top1Prob, 1e-4, 1e-3)).toBe(true);
          expect(close(sl(st.entropy, 1), gold.entropy, 1e-4, 1e-3), `row ${r} entropy vs float64`).toBe(true);
          expect(close(sl(st.kl, 1), gold.klToFinal, 1e-4, 1e-3), `row ${r} KL vs float64`).toBe(true);
        }
      }
      expect(st.rank.every((x) => x >= 1 && x <= V)).toBe(true);
    } finally {
      split.dispose();
    }
  });

  it('cuts the stacked rows into whole rows or runs of one row\'s positions, covering each (row, position) once', () => {
    expect(lensChunks(5, 4, 9)).toEqual([
      { r0: 0, rows: 2, t0: 0, positions: 4 }, { r0: 2, rows: 2, t0: 0, positions: 4 }, { r0: 4, rows: 1, t0: 0, positions: 4 },
    ]);
    expect(lensChunks(2, 5, 3)).toEqual([
      { r0: 0, rows: 1, t0: 0, positions: 3 }, { r0: 0, rows: 1, t0: 3, positions: 2 },
      { r0: 1, rows: 1, t0: 0, positions: 3 }, { r0: 1, rows: 1, t0: 3, positions: 2 },
    ]);
    for (const [R, T, fit] of [[13, 128, 250], [3, 7, 1], [1, 1, 1], [4, 400, 60]] as const) {
      const seen = new Int32Array(R * T);
      for (const c of lensChunks(R, T, fit)) {
        expect(c.rows * c.positions).toBeLessThanOrEqual(Math.max(fit, 1));
        for (let r = c.r0; r < c.r0 + c.rows; r++) for (let t = c.t0; t < c.t0 + c.positions; t++) seen[r * T + t]! += 1;
      }
      expect(seen.every((x) => x === 1), `R=${R} T=${T} fit=${fit}`).toBe(true);
    }
  });
});
