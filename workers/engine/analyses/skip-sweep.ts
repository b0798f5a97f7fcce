/**
 * Skip sweep (METHODS.md §5, Csordás et al. 2025): skip each step of the path in turn
 * at positions [1, T) — never position 0 (BOS) — and measure the effect on the output
 * and on every later step's update Δ_l = h_{l+1} − h_l (= resid_post − resid_pre of step l).
 *
 * Skips are plain interventions on the ordinary forward:
 *   'layer': zero hook_attn_out and hook_mlp_out at positions ≥ 1, so
 *            resid_post = resid_pre + 0 + 0 = resid_pre there (output := input), while
 *            position 0 is untouched (causal attention: it never reads later positions);
 *   'attn':  zero hook_attn_out at positions ≥ 1 (the MLP then reads h instead of h + a);
 *   'mlp':   zero hook_mlp_out at positions ≥ 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { fail } from '../errors';
import { SKIP_SWEEP_DEFAULTS } from '../../../src/contracts/skip-sweep';
import { defaultPath, disposeForward, forward, validateRun } from '../forward/forward';
import { defineAnalysis } from './analysis';
import type { LoadedModel } from '../models/common/types';
import { NORM_EPS } from './residual';
import type { SkipMode, SkipModeResult, SkipSweepResult } from '../../../src/contracts/skip-sweep';

export const SKIP_MODES: readonly SkipMode[] = ['layer', 'attn', 'mlp'];

export interface SkipSweepOptions {
  modes?: readonly SkipMode[];
  /** Called after each skipped step of each prompt: `done` of `total` (= prompts × steps) units. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between skipped steps; a cancel throws a StrataError. */
  signal?: AbortSignal;
  /** A run spec's interventions, applied to the reference and to every skipped run alike. */
  interventions?: Intervention[];
}

export type { SkipMode, SkipModeResult, SkipSweepResult };

/** The interventions that skip step `s` in `mode` at positions 1..T−1. */
export function skipInterventions(s: number, mode: SkipMode, T: number): Intervention[] {
  const positions = Array.from({ length: T - 1 }, (_, i) => i + 1);
  const ivs: Intervention[] = [];
  if (mode !== 'mlp') ivs.push({ hook: `blocks.${s}.hook_attn_out`, kind: 'zero', positions });
  if (mode !== 'attn') ivs.push({ hook: `blocks.${s}.hook_mlp_out`, kind: 'zero', positions });
  return ivs;
}

interface Reference {
  /** [S] × [T−1, d]: Δ_l at positions ≥ 1. */
  deltas: tf.Tensor2D[];
  /** [T−1, V] log-probabilities at positions ≥ 1. */
  logp: tf.Tensor2D;
  dispose: () => void;
}

const CAPTURE = ['blocks.*.hook_resid_pre', 'blocks.*.hook_resid_post'];

/** Δ_l at positions ≥ 1 and the log-probabilities there, for one (possibly intervened) run. */
function runDeltas(model: LoadedModel, tokens: number[], path: number[], interventions: Intervention[]): Reference {
  const out = forward(model, tokens, { path, capture: CAPTURE, interventions });
  try {
    const T = tokens.length;
    const d = model.arch.dModel;
    const V = out.logits.shape[1];
    const tail = (x: tf.Tensor2D, w: number): tf.Tensor2D => tf.slice(x, [1, 0], [T - 1, w]);
    const deltas = path.map((_, s) => tf.tidy(() => {
      const pre = out.captures.get(`blocks.${s}.hook_resid_pre`) as tf.Tensor2D;
      const post = out.captures.get(`blocks.${s}.hook_resid_post`) as tf.Tensor2D;
      return tf.sub<tf.Tensor2D>(tail(post, d), tail(pre, d));
    }));
    const logp = tf.tidy(() => tf.logSoftmax(tail(out.logits, V)));
    return { deltas, logp, dispose: () => tf.dispose([...deltas, logp]) };
  } finally {
    disposeForward(out);
  }
}

/** [S + 3]: the effect on each step, then max L2, max KL and the count of equal argmaxes. */
function compare(ref: Reference, alt: Reference): tf.Tensor1D {
  return tf.tidy(() => {
    const effect = ref.deltas.map((dRef, l) => {
      const diff = tf.norm(tf.sub(dRef, alt.deltas[l] as tf.Tensor2D), 'euclidean', 1);
      return tf.max(tf.div(diff, tf.maximum(tf.norm(dRef, 'euclidean', 1), NORM_EPS)));
    });
    const p = tf.exp(ref.logp);
    const l2 = tf.max(tf.norm(tf.sub(tf.exp(alt.logp), p), 'euclidean', 1));
    const kl = tf.maximum(tf.max(tf.sum(tf.mul(p, tf.sub(ref.logp, alt.logp)), 1)), 0);
    const agree = tf.sum(tf.cast(tf.equal(tf.argMax(ref.logp, 1), tf.argMax(alt.logp, 1)), 'float32'));
    return tf.stack([...effect, l2, kl, agree]) as tf.Tensor1D;
  });
}

function emptyMode(S: number): SkipModeResult {
  return {
    outputL2: new Float64Array(S),
    kl: new Float64Array(S),
    top1Agree: new Float64Array(S),
    effect: Array.from({ length: S }, () => new Float64Array(S)),
    depthScore: 0,
  };
}

/** The sweep over a prompt set; every per-prompt quantity is a max over prompts except top1Agree (a share). */
export async function skipSweep(model: LoadedModel, prompts: number[][], path: number[], opts: SkipSweepOptions = {}): Promise<SkipSweepResult> {
  const modes = opts.modes ?? SKIP_MODES;
  if (prompts.length === 0) fail('the skip sweep needs at least one prompt');
  if (modes.length === 0) fail('the skip sweep needs at least one mode (layer, attn, mlp)');
  prompts.forEach((ids, i) => {
    validateRun(model, ids, path);
    if (ids.length < 2) fail(`prompt ${i} has ${ids.length} token: the skip sweep needs at least 2, because position 0 (BOS) is never skipped`);
  });
  const S = path.length;
  const result: Record<string, SkipModeResult> = {};
  for (const m of modes) result[m] = emptyMode(S);
  let positions = 0;
  let done = 0;
  const total = prompts.length * S;
  for (const ids of prompts) {
    const T = ids.length;
    positions += T - 1;
    const base = opts.interventions ?? [];
    const ref = runDeltas(model, ids, path, base);
    try {
      for (let s = 0; s < S; s++) {
        if (opts.signal?.aborted) fail('the skip sweep was cancelled');
        for (const m of modes) {
          const alt = runDeltas(model, ids, path, [...base, ...skipInterventions(s, m, T)]);
          let statsT: tf.Tensor1D;
          try {
            statsT = compare(ref, alt);
          } finally {
            alt.dispose();
          }
          const stats = await statsT.data();
          statsT.dispose();
          const r = result[m] as SkipModeResult;
          const row = r.effect[s] as Float64Array;
          for (let l = 0; l < S; l++) row[l] = Math.max(row[l] as number, stats[l] as number);
          r.outputL2[s] = Math.max(r.outputL2[s] as number, stats[S] as number);
          r.kl[s] = Math.max(r.kl[s] as number, stats[S + 1] as number);
          r.top1Agree[s] = (r.top1Agree[s] as number) + (stats[S + 2] as number);
        }
        opts.onProgress?.(++done, total);
      }
    } finally {
      ref.dispose();
    }
  }
  for (const r of Object.values(result)) {
    for (let s = 0; s < S; s++) r.top1Agree[s] = (r.top1Agree[s] as number) / positions;
    let num = 0;
    let den = 0;
    r.outputL2.forEach((e, s) => {
      num += s * e;
      den += e;
    });
    r.depthScore = den > 0 ? num / den : 0;
  }
  return { path, prompts: prompts.length, modes: result };
}

/**
 * `skip-sweep` over `prompts` (default: the request's run tokens), skipping each step of
 * the request's path (default: the full path) under its interventions.
 */
export const skipSweepAnalysis = defineAnalysis({
  name: 'skip-sweep',
  defaults: SKIP_SWEEP_DEFAULTS,
  run(ctx, opts) {
    const prompts = opts.prompts.length ? opts.prompts : [ctx.runRef().tokens];
    return skipSweep(ctx.model.model, prompts, ctx.ref?.path ?? defaultPath(ctx.model.model.arch.layers), {
      interventions: ctx.ref?.interventions ?? [],
      modes: opts.modes,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.progress({ done, total, unit: 'layer skips' }),
    });
  },
});
