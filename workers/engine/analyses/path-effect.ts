import * as tf from '@tensorflow/tfjs-core';
import type { PathEffect } from '../../../src/contracts/path-effect';
import { PATH_EFFECT_DEFAULTS } from '../../../src/contracts/path-effect';
import { fail } from '../errors';
import { defaultPath } from '../forward/forward';
import type { RunCache } from '../run-cache';
import { defineAnalysis } from './analysis';

/** Log-probabilities [V] at the last position of one cached run. */
async function lastLogProbs(run: RunCache): Promise<Float32Array> {
  const [T, V] = run.logits.shape;
  const lp = tf.tidy(() => tf.logSoftmax(tf.slice(run.logits, [T - 1, 0], [1, V])));
  const data = Float32Array.from(await lp.data());
  lp.dispose();
  return data;
}

function topk(lp: Float32Array, k: number): number[] {
  const idx = Array.from(lp.keys());
  idx.sort((a, b) => (lp[b] as number) - (lp[a] as number));
  return idx.slice(0, k);
}

/** Rank = number of log-probabilities ≥ the token's (1-based; ties count against it). */
function rankOf(lp: Float32Array, id: number): number {
  const v = lp[id] as number;
  let r = 0;
  for (const x of lp) if (x >= v) r++;
  return r;
}

/**
 * The path's effect on the next-token distribution (issue 5 item 2): the run (its path)
 * against the full model's run, both with the run's interventions (both read from the
 * run caches: the page already holds both); reductions over the [V] vector at the last
 * position only, in float64 on the host.
 */
export async function pathEffect(
  fullRun: RunCache, pathRun: RunCache, piece: (id: number) => string, opts: { k?: number; target?: number } = {},
): Promise<PathEffect> {
  const path = pathRun.path;
  const full = await lastLogProbs(fullRun);
  const edited = await lastLogProbs(pathRun);
  const V = full.length;
  const k = Math.min(opts.k ?? 5, V);
  let kl = 0;
  let l2 = 0;
  for (let i = 0; i < V; i++) {
    const p = Math.exp(full[i] as number);
    const q = Math.exp(edited[i] as number);
    kl += p * ((full[i] as number) - (edited[i] as number));
    l2 += (q - p) ** 2;
  }
  const target = opts.target ?? (topk(full, 1)[0] as number);
  if (!(Number.isInteger(target) && target >= 0 && target < V)) fail(`target id ${target} is outside the vocabulary (0..${V - 1})`);
  const tp = (lp: Float32Array) => topk(lp, k).map((id) => ({ id, text: piece(id), prob: Math.exp(lp[id] as number) }));
  return {
    path,
    full: tp(full),
    edited: tp(edited),
    kl: Math.max(0, kl),
    l2: Math.sqrt(l2),
    target: {
      id: target, text: piece(target),
      probFull: Math.exp(full[target] as number), probPath: Math.exp(edited[target] as number),
      rankFull: rankOf(full, target), rankPath: rankOf(edited, target),
    },
  };
}

export const pathEffectAnalysis = defineAnalysis({
  name: 'path-effect',
  defaults: PATH_EFFECT_DEFAULTS,
  run(ctx, opts) {
    const ref = ctx.runRef();
    const pathRun = ctx.run();
    const fullRun = ctx.runOf({ ...ref, path: defaultPath(ctx.model.model.arch.layers) });
    return pathEffect(fullRun, pathRun, (id) => ctx.pieces([id])[0] ?? String(id), opts);
  },
});
