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
  /** Checked between runs; a cancel returns the finished steps marked `partial` (before the first: a StrataError). */
  signal?: AbortSignal;
  /** A run spec's interventions, applied to the reference and to every skipped run alike. */
  interventions?: Intervention[];
  /** Device bytes under which the unskipped references are kept (default REFERENCE_CACHE_BYTES; 0 = rerun them). */
  referenceCacheBytes?: number;
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

/**
 * Bytes of device memory (Σ over prompts of (T−1)·(S·d + V)·4) under which every prompt's
 * unskipped reference is kept for the whole sweep; above it each (step, prompt) runs its
 * reference again (one more forward per skipped run set), so memory stays that of one prompt.
 */
export const REFERENCE_CACHE_BYTES = 128 * 2 ** 20;

/** Thrown between runs when the signal is aborted; turned into a partial result or a StrataError. */
class Cancelled extends Error {}

/**
 * The sweep over a prompt set; every per-prompt quantity is a max over prompts except
 * top1Agree (a share). Steps are the outer loop (each step over every prompt), so a cancel
 * keeps the steps already finished: the result is then marked `partial` and holds only those
 * (a cancel before the first step finished throws).
 */
export async function skipSweep(model: LoadedModel, prompts: number[][], path: number[], opts: SkipSweepOptions = {}): Promise<SkipSweepResult> {
  const modes = opts.modes ?? SKIP_MODES;
  if (prompts.length === 0) fail('the skip sweep needs at least one prompt');
  if (modes.length === 0) fail('the skip sweep needs at least one mode (layer, attn, mlp)');
  prompts.forEach((ids, i) => {
    validateRun(model, ids, path);
    if (ids.length < 2) fail(`prompt ${i} has ${ids.length} token: the skip sweep needs at least 2, because position 0 (BOS) is never skipped`);
  });
  const S = path.length;
  const base = opts.interventions ?? [];
  const result: Record<string, SkipModeResult> = {};
  for (const m of modes) result[m] = emptyMode(S);
  const positions = prompts.reduce((a, ids) => a + ids.length - 1, 0);
  const { dModel: d, vocab: V } = model.arch;
  const keepRefs = positions * (S * d + V) * 4 <= (opts.referenceCacheBytes ?? REFERENCE_CACHE_BYTES);
  const refs: Reference[] = [];
  let done = 0;
  let stepsDone = 0;
  const total = prompts.length * S;
  const check = (): void => {
    if (opts.signal?.aborted) throw new Cancelled();
  };
  try {
    if (keepRefs) {
      for (const ids of prompts) {
        check();
        refs.push(runDeltas(model, ids, path, base));
      }
    }
    for (let s = 0; s < S; s++) {
      // Per step, so that a cancel mid-step leaves the finished steps untouched.
      const acc = modes.map(() => ({ effect: new Float64Array(S), l2: 0, kl: 0, agree: 0 }));
      for (const [p, ids] of prompts.entries()) {
        check();
        const T = ids.length;
        const ref = keepRefs ? (refs[p] as Reference) : runDeltas(model, ids, path, base);
        try {
          for (const [k, m] of modes.entries()) {
            const alt = runDeltas(model, ids, path, [...base, ...skipInterventions(s, m, T)]);
            let statsT: tf.Tensor1D;
            try {
              statsT = compare(ref, alt);
            } finally {
              alt.dispose();
            }
            const stats = await statsT.data();
            statsT.dispose();
            const a = acc[k] as (typeof acc)[number];
            for (let l = 0; l < S; l++) a.effect[l] = Math.max(a.effect[l] as number, stats[l] as number);
            a.l2 = Math.max(a.l2, stats[S] as number);
            a.kl = Math.max(a.kl, stats[S + 1] as number);
            a.agree += stats[S + 2] as number;
          }
        } finally {
          if (!keepRefs) ref.dispose();
        }
        opts.onProgress?.(++done, total);
      }
      for (const [k, m] of modes.entries()) {
        const r = result[m] as SkipModeResult;
        const a = acc[k] as (typeof acc)[number];
        r.effect[s] = a.effect;
        r.outputL2[s] = a.l2;
        r.kl[s] = a.kl;
        r.top1Agree[s] = a.agree / positions;
      }
      stepsDone = s + 1;
    }
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    if (stepsDone === 0) fail('the skip sweep was cancelled');
  } finally {
    for (const r of refs) r.dispose();
  }
  const partial = stepsDone < S;
  for (const r of Object.values(result)) {
    if (partial) {
      r.outputL2 = r.outputL2.slice(0, stepsDone);
      r.kl = r.kl.slice(0, stepsDone);
      r.top1Agree = r.top1Agree.slice(0, stepsDone);
      r.effect = r.effect.slice(0, stepsDone);
      r.depthScore = NaN;
      continue;
    }
    let num = 0;
    let den = 0;
    r.outputL2.forEach((e, s) => {
      num += s * e;
      den += e;
    });
    r.depthScore = den > 0 ? num / den : 0;
  }
  return { path, prompts: prompts.length, modes: result, ...(partial ? { partial: { done: stepsDone, total: S, unit: 'layers' } } : {}) };
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
