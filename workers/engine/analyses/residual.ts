/**
 * Residual-stream analytics over one forward run (METHODS.md §5–7): relative
 * contributions and cosines of attention, MLP and the whole step, LIM, the L2
 * adaptive-computation void map, residual norms and the largest activations.
 *
 * Notation per step s of the path, per position t (vectors over the width d):
 *   h = resid_pre (the step's input), a = attn_out, m = mlp_out, h_out = resid_post.
 * Every family satisfies h_out = h + a + m (hooks.ts). With a parallel residual
 * (GPT-NeoX) the MLP reads ln2(h), not h + a, but m is still added on top of h + a,
 * so mlpRel keeps the same formula ‖m‖/‖h+a‖ and cos(m, h+a): it measures m against
 * the stream it is added to, not against the MLP's input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';
import type { LoadedModel } from '../models/common/types';
import type { RunCache } from '../run-cache';
import type { MassiveActivation, MeanMax, ResidualResult } from '../../../src/contracts/residual';
import { RESIDUAL_DEFAULTS } from '../../../src/contracts/residual';
import { defineAnalysis } from './analysis';

/** Denominator clamp for ratios and cosines (METHODS §5), in the activations' own units. */
export const NORM_EPS = 1e-6;

export interface ResidualOptions {
  /** Void threshold factor α (METHODS §6). Default 0.8. */
  alpha?: number;
  /** How many of the largest |activations| to report per step. Default 5. */
  massiveTopK?: number;
}

export type { MassiveActivation, MeanMax, ResidualResult };

/** Rows of the per-step [K, T] statistics read back from the device. */
const Row = { NH: 0, NA: 1, NHA: 2, NM: 3, NOUT: 4, ND: 5, DOT_AH: 6, DOT_MHA: 7, DOT_OUTH: 8 } as const;
type Row = (typeof Row)[keyof typeof Row];
const ROWS = 9;

/** Per-position statistics of one step, on the device: [ROWS, T]. */
function stepStats(h: tf.Tensor2D, a: tf.Tensor2D, m: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const ha = tf.add<tf.Tensor2D>(h, a);
    const norm = (x: tf.Tensor2D): tf.Tensor1D => tf.norm(x, 'euclidean', 1) as tf.Tensor1D;
    const dot = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(x, y), 1);
    // Order must match Row.
    return tf.stack([norm(h), norm(a), norm(ha), norm(m), norm(out), norm(tf.sub<tf.Tensor2D>(out, h)), dot(a, h), dot(m, ha), dot(out, h)]) as tf.Tensor2D;
  });
}

const clamp = (x: number): number => Math.max(x, NORM_EPS);

function meanMax(S: number, T: number, f: (s: number, t: number) => number): MeanMax {
  const mean = new Float64Array(S);
  const max = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let sum = 0;
    let mx = -Infinity;
    for (let t = 0; t < T; t++) {
      const v = f(s, t);
      sum += v;
      mx = Math.max(mx, v);
    }
    mean[s] = sum / T;
    max[s] = mx;
  }
  return { mean, max };
}

/**
 * L2 adaptive computation (METHODS §6) for one token: norms n[-1..S-1] as
 * `norms[0..S]`; returns per step Δ_l − τ_l (void iff < 0).
 * τ_l = α·(max_{j<l} Δ_j − min_{j<l} Δ_j), so τ_0 = 0 and τ_1 = 0 (one earlier Δ).
 */
export function voidMargins(norms: ArrayLike<number>, alpha: number): Float64Array {
  const S = norms.length - 1;
  const out = new Float64Array(S);
  let lo = Infinity;
  let hi = -Infinity;
  for (let l = 0; l < S; l++) {
    const delta = (norms[l + 1] as number) - (norms[l] as number);
    const tau = l === 0 ? 0 : alpha * (hi - lo);
    out[l] = delta - tau;
    lo = Math.min(lo, delta);
    hi = Math.max(hi, delta);
  }
  return out;
}

/** The four residual hooks of a cached run, everything reduced on the device. */
export async function residualStats(model: LoadedModel, run: RunCache, opts: ResidualOptions = {}): Promise<ResidualResult> {
  const alpha = opts.alpha ?? RESIDUAL_DEFAULTS.alpha;
  const k = opts.massiveTopK ?? RESIDUAL_DEFAULTS.massiveTopK;
  if (!(alpha >= 0 && alpha <= 1)) fail(`residual: alpha must be in 0..1, got ${alpha}`);
  if (!(Number.isInteger(k) && k >= 1)) fail(`residual: massiveTopK must be a positive integer, got ${k}`);
  run.ensure(['hook_resid_pre', 'hook_attn_out', 'hook_mlp_out', 'hook_resid_post'].map((n) => `blocks.*.${n}`));
  const { path } = run;
  const S = path.length;
  const T = run.tokens.length;
  const d = model.arch.dModel;
  const kk = Math.min(k, T * d);
  {
    const get = (s: number, n: string): tf.Tensor2D => run.hook(`blocks.${s}.${n}`) as tf.Tensor2D;
    const [statsT, idxT, valsT] = tf.tidy(() => {
      const stats = tf.stack(path.map((_, s) => stepStats(get(s, 'hook_resid_pre'), get(s, 'hook_attn_out'), get(s, 'hook_mlp_out'), get(s, 'hook_resid_post'))));
      const flat = tf.stack(path.map((_, s) => tf.reshape(get(s, 'hook_resid_post'), [T * d]))) as tf.Tensor2D;
      const { indices } = tf.topk(tf.abs(flat), kk);
      // Signed values at each row's top-|x| indices: row s's flat offset is s·T·d (int32 throughout).
      const offsets = tf.mul(tf.reshape(tf.range(0, S, 1, 'int32'), [S, 1]), tf.scalar(T * d, 'int32'));
      return [stats, indices, tf.gather(tf.reshape(flat, [S * T * d]), tf.add(indices, offsets))] as const;
    });
    const [stats, idx, vals] = await Promise.all([statsT.data(), idxT.data(), valsT.data()]);
    tf.dispose([statsT, idxT, valsT]);
    const at = (s: number, r: Row, t: number): number => stats[(s * ROWS + r) * T + t] as number;

    const cos = (r: Row, n1: Row, n2: Row) => (s: number, t: number): number => at(s, r, t) / (clamp(at(s, n1, t)) * clamp(at(s, n2, t)));
    const cosLayer = meanMax(S, T, cos(Row.DOT_OUTH, Row.NOUT, Row.NH));
    const lim = cosLayer.mean.map((c) => -c);
    const limFlat = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      let dotSum = 0;
      let inSq = 0;
      let outSq = 0;
      for (let t = 0; t < T; t++) {
        dotSum += at(s, Row.DOT_OUTH, t);
        inSq += at(s, Row.NH, t) ** 2;
        outSq += at(s, Row.NOUT, t) ** 2;
      }
      limFlat[s] = -dotSum / (clamp(Math.sqrt(inSq)) * clamp(Math.sqrt(outSq)));
    }

    // Norms n_{-1} = ‖h entering step 0‖, n_l = ‖h_out of step l‖ (equal to the next step's input).
    const residNorms = Array.from({ length: S + 1 }, (_, r) => Float64Array.from({ length: T }, (_, t) => (r < S ? at(r, Row.NH, t) : at(S - 1, Row.NOUT, t))));
    const voidMargin: Float64Array[] = [];
    const voids: Uint8Array[] = [];
    for (let t = 0; t < T; t++) {
      const norms = [at(0, Row.NH, t), ...path.map((_, s) => at(s, Row.NOUT, t))];
      const margin = voidMargins(norms, alpha);
      voidMargin.push(margin);
      voids.push(Uint8Array.from(margin, (x) => (x < 0 ? 1 : 0)));
    }

    const massive = path.map((_, s) => Array.from({ length: kk }, (_, i) => {
      const flat = idx[s * kk + i] as number;
      return { value: vals[s * kk + i] as number, position: Math.floor(flat / d), dim: flat % d };
    }));

    return {
      path,
      alpha,
      attnRel: meanMax(S, T, (s, t) => at(s, Row.NA, t) / clamp(at(s, Row.NH, t))),
      mlpRel: meanMax(S, T, (s, t) => at(s, Row.NM, t) / clamp(at(s, Row.NHA, t))),
      layerRel: meanMax(S, T, (s, t) => at(s, Row.ND, t) / clamp(at(s, Row.NH, t))),
      cosAttn: meanMax(S, T, cos(Row.DOT_AH, Row.NA, Row.NH)),
      cosMlp: meanMax(S, T, cos(Row.DOT_MHA, Row.NM, Row.NHA)),
      cosLayer,
      lim,
      limFlat,
      voids,
      voidMargin,
      residNorms,
      massive,
    };
  }
}

export const residualAnalysis = defineAnalysis({
  name: 'residual',
  defaults: RESIDUAL_DEFAULTS,
  run: (ctx, opts) => residualStats(ctx.model.model, ctx.run(), opts),
});
