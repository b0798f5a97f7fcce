import * as tf from '@tensorflow/tfjs-core';
import type { KlDirection, LensOptions, LensResult, LensRow } from '../../../src/contracts/lens';
import { fail } from '../errors';
import { decodeResidual } from '../forward/decode-residual';
import type { LoadedModel } from '../models/common/types';
import { LENS_DEFAULTS } from '../../../src/contracts/lens';
import { defineAnalysis } from './analysis';
import { fusedLensRows } from './lens-fused';

/** Row labels for a lens over a path: embed, one per step, the last being the output. */
export function lensLabels(path: number[]): string[] {
  return ['embed', ...path.map((l, s) => (s === path.length - 1 ? `final (step ${s}, layer ${l})` : `step ${s} (layer ${l})`))];
}

/** A lens result with the display piece of every id it holds (targets and top-k). */
export function withPieces<R extends LensResult>(r: R, pieces: (ids: number[]) => string[]): R {
  const ids = [...new Set([...r.target, ...r.rows.flatMap((row) => Array.from(row.topIds))])];
  const texts = pieces(ids);
  return { ...r, pieces: Object.fromEntries(ids.map((id, i) => [id, texts[i] ?? String(id)])) };
}

/** `lens`: the logit lens of the request's run, from its cache. */
export const lensAnalysis = defineAnalysis({
  name: 'lens',
  defaults: LENS_DEFAULTS,
  async run(ctx, opts) {
    const r = ctx.run();
    return withPieces(await logitLens(ctx.model.model, r.residuals, r.logits, lensLabels(r.path), opts, ctx.signal), ctx.pieces);
  },
});

/**
 * Logit lens (METHODS.md §1). Row 0 decodes the embeddings, row s+1 the output of
 * step s; the last row is the model's own output (`finalLogits`), never normed twice.
 * Each row's [T, V] logits live on the device only while that row is reduced to top-k,
 * entropy (nats), KL to final and the target's probability and rank; only those come back.
 */
export async function logitLens(
  model: LoadedModel,
  /** S+1 residuals [T, d]; the last is the final residual (its row uses finalLogits). */
  residuals: tf.Tensor2D[],
  /** [T, V] the model output. */
  finalLogits: tf.Tensor2D,
  labels: string[],
  opts: LensOptions = {},
  signal?: AbortSignal,
  /**
   * Maps row r's residual [T, d] (already cut to the range) before the final norm; the
   * tuned lens passes its translators here. Never called for the last row (the model output).
   */
  translate?: (row: number, h: tf.Tensor2D) => tf.Tensor2D,
): Promise<LensResult> {
  const [T0, V] = finalLogits.shape;
  const [start, end] = opts.range ?? [0, T0];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= T0 && start < end)) fail(`lens range [${start}, ${end}) is not inside 0..${T0}`);
  const T = end - start;
  // Only the requested positions are decoded: cost scales with the cells shown.
  const sliceRows = (x: tf.Tensor2D): tf.Tensor2D => (T === T0 ? x : tf.slice(x, [start, 0], [T, x.shape[1]]));
  const k = Math.min(opts.topk ?? 5, V);
  if (!(k >= 1)) fail(`topk must be at least 1, got ${opts.topk}`);
  const kl: KlDirection = opts.kl ?? 'final||row';
  const finalLp = tf.tidy(() => tf.logSoftmax(sliceRows(finalLogits)));
  try {
    const target = await targetIds(finalLp, opts.target, T, V);
    const targetT = tf.tensor2d(target, [T, 1], 'int32');
    const rows: LensRow[] = [];
    try {
      // Every row but the output decoded together (lens-fused.ts); the clipped KL needs each row's p, so it goes row by row.
      const fused = kl !== 'final||row-clipped' && residuals.length > 1 && !opts.perRow;
      const early = fused ? await fusedRows(model, residuals.slice(0, -1), sliceRows, finalLp, target, k, kl, signal, translate) : [];
      for (let r = 0; r < residuals.length; r++) {
        if (signal?.aborted) fail('the logit lens was cancelled');
        const pre = early[r];
        if (pre) {
          rows.push({ label: labels[r] ?? `row ${r}`, ...pre });
          continue;
        }
        const last = r === residuals.length - 1;
        const stats = tf.tidy(() => {
          const h = sliceRows(residuals[r] as tf.Tensor2D);
          const lp = last ? finalLp : decodeResidual(model, translate ? translate(r, h) : h);
          return reduceRow(lp, finalLp, targetT, k, kl);
        });
        const [topIds, topVals, entropy, klv, tprob, trank] = await Promise.all([
          stats.topIds.data(), stats.topLp.data(), stats.entropy.data(), stats.kl.data(), stats.targetLp.data(), stats.rank.data(),
        ]);
        tf.dispose(Object.values(stats));
        rows.push({
          label: labels[r] ?? `row ${r}`,
          topIds: Int32Array.from(topIds),
          topProbs: Float32Array.from(topVals, Math.exp),
          entropy: Float32Array.from(entropy),
          klToFinal: Float32Array.from(klv),
          targetProb: Float32Array.from(tprob, Math.exp),
          targetRank: Int32Array.from(trank, Math.round),
        });
      }
    } finally {
      targetT.dispose();
    }
    return { k, kl, start, positions: T, target, rows };
  } finally {
    finalLp.dispose();
  }
}

/** Rows 0..R−1 through the fused decoder, split back into lens rows (without labels). */
async function fusedRows(
  model: LoadedModel, residuals: tf.Tensor2D[], sliceRows: (x: tf.Tensor2D) => tf.Tensor2D, finalLp: tf.Tensor2D, target: Int32Array,
  k: number, kl: KlDirection, signal: AbortSignal | undefined, translate: ((row: number, h: tf.Tensor2D) => tf.Tensor2D) | undefined,
): Promise<Omit<LensRow, 'label'>[]> {
  const T = finalLp.shape[0];
  const hs = residuals.map((h, r) => tf.tidy(() => (translate ? translate(r, sliceRows(h)) : sliceRows(h))));
  let st;
  try {
    st = await fusedLensRows(model, hs, finalLp, target, k, kl, signal);
  } finally {
    // Sliced or translated rows are new tensors; the run cache's own residuals stay.
    tf.dispose(hs.filter((h, r) => h !== residuals[r]));
  }
  return residuals.map((_, r) => ({
    topIds: st.topIds.slice(r * T * k, (r + 1) * T * k),
    topProbs: Float32Array.from(st.topLp.subarray(r * T * k, (r + 1) * T * k), Math.exp),
    entropy: st.entropy.slice(r * T, (r + 1) * T),
    klToFinal: st.kl.slice(r * T, (r + 1) * T),
    targetProb: Float32Array.from(st.targetLp.subarray(r * T, (r + 1) * T), Math.exp),
    targetRank: st.rank.slice(r * T, (r + 1) * T),
  }));
}

async function targetIds(finalLp: tf.Tensor2D, target: LensOptions['target'], T: number, V: number): Promise<Int32Array> {
  if (target === undefined) {
    const am = tf.argMax(finalLp, 1);
    const ids = Int32Array.from(await am.data());
    am.dispose();
    return ids;
  }
  const ids = typeof target === 'number' ? new Int32Array(T).fill(target) : Int32Array.from(target);
  if (ids.length !== T) fail(`lens target has ${ids.length} ids for ${T} positions`);
  for (const t of ids) if (t < 0 || t >= V) fail(`lens target id ${t} is outside the vocabulary (0..${V - 1})`);
  return ids;
}

/** Reductions of one row's log-probabilities lp [T, V] (all on the device). */
function reduceRow(lp: tf.Tensor2D, finalLp: tf.Tensor2D, target: tf.Tensor2D, k: number, dir: KlDirection) {
  const { values: topLp, indices: topIds } = tf.topk(lp, k);
  const p = tf.exp(lp);
  // −Σ p·log p; p underflows to exactly 0 where lp is very negative, so 0·log 0 = 0.
  const entropy = tf.neg(tf.sum(tf.mul(p, lp), 1));
  let kl: tf.Tensor;
  if (dir === 'row||final') {
    kl = tf.sum(tf.mul(p, tf.sub(lp, finalLp)), 1);
  } else if (dir === 'final||row') {
    kl = tf.sum(tf.mul(tf.exp(finalLp), tf.sub(finalLp, lp)), 1);
  } else {
    // nostalgebraist's logit lens: both distributions clipped below at 1/(10V), not renormalised.
    const floor = 1 / (10 * lp.shape[1]);
    const pf = tf.maximum(tf.exp(finalLp), floor);
    kl = tf.sum(tf.mul(pf, tf.sub(tf.log(pf), tf.log(tf.maximum(p, floor)))), 1);
  }
  // Flat gather at t·V + target[t] (the batched gather crashes the wasm backend in tfjs 4.22).
  const [T, V] = lp.shape;
  const flatIdx = tf.add(tf.mul(tf.range(0, T, 1, 'int32'), tf.scalar(V, 'int32')), tf.reshape(target, [T]));
  const targetLp = tf.reshape(tf.gather(tf.reshape(lp, [T * V]), flatIdx), [T, 1]);
  // Rank = count of logits ≥ the target's (1-based; ties count against it) = V − #(lp < target).
  // step() instead of greaterEqual: the broadcast compare is ~25× slower on tfjs-wasm (measured).
  const rank = tf.sub(V, tf.sum(tf.step(tf.sub(targetLp, lp)), 1));
  return { topIds, topLp, entropy, kl: tf.relu(kl), targetLp, rank };
}
