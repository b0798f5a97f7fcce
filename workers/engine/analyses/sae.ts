/**
 * `sae` (METHODS §9.1, §9.3): one run's hook through a loaded SAE, on the device. Only
 * the per-position top-k (ids and activations), L0, cosine, error norm and the two FVE
 * sums are read back, never [T, d_sae].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { SAE_DEFAULTS, type SaeResult } from '../../../src/contracts/sae';
import type { Sae } from '../artifacts/sae';
import { fail } from '../errors';
import { hookWidth } from '../forward/hooks';
import { nextTokenCe } from './next-token';
import { unembed } from '../models/common/ops';
import type { LoadedModel } from '../models/common/types';
import type { RunCache } from '../run-cache';
import { defineAnalysis } from './analysis';
import { saeForward } from './sae-encode';

/** The run's hook (by STEP) that an SAE's layer-indexed hook reads: the first step running that layer. */
export function saeRunHook(hook: string, path: number[]): string {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  if (!m) return hook;
  const layer = Number(m[1]);
  const step = path.indexOf(layer);
  if (step < 0) fail(`the SAE reads layer ${layer} (${hook}) but the path [${path.join(',')}] never runs it`);
  return `blocks.${step}.${m[2]}`;
}

/** [T, d_in] input of the SAE from a run (hook_z flattened), checked against the SAE's d_in. */
export function saeInput(sae: Sae, model: LoadedModel, run: RunCache): { hook: string; x: tf.Tensor2D } {
  const hook = saeRunHook(sae.info.hook, run.path);
  const width = hookWidth(model, hook, run.path);
  if (width !== sae.info.dIn) fail(`the SAE's d_in is ${sae.info.dIn} (${sae.info.sourceHook}) but this model's ${hook} is ${width} wide: the SAE was made for another model or hook`);
  run.ensure([hook]);
  const t = run.hook(hook);
  const T = t.shape[0] as number;
  return { hook, x: tf.reshape(t, [T, width]) as tf.Tensor2D };
}

export async function saeOnRun(sae: Sae, model: LoadedModel, run: RunCache, topk: number, feature?: number): Promise<SaeResult> {
  if (!(Number.isInteger(topk) && topk >= 1)) fail(`sae: topk must be a positive integer, got ${topk}`);
  if (feature !== undefined && !(Number.isInteger(feature) && feature >= 0 && feature < sae.info.dSae)) fail(`sae: feature ${feature} is outside 0..${sae.info.dSae - 1}`);
  const K = Math.min(topk, sae.info.dSae);
  const { hook, x } = saeInput(sae, model, run);
  const outs = tf.tidy(() => {
    const { z, recon } = saeForward(sae, x);
    const { values, indices } = tf.topk(z, K);
    const err = tf.sub(x, recon);
    const l0 = tf.sum(tf.cast(tf.greater(z, 0), 'float32'), 1);
    const errSq = tf.sum(tf.square(err), 1);
    const dot = tf.sum(tf.mul(x, recon), 1);
    const cos = tf.div(dot, tf.maximum(tf.mul(tf.norm(x, 'euclidean', 1), tf.norm(recon, 'euclidean', 1)), 1e-12));
    const sst = tf.sum(tf.square(tf.sub(x, tf.mean(x, 0, true))));
    const col = feature === undefined ? tf.zeros([0]) : tf.reshape(tf.slice(z, [0, feature], [-1, 1]), [-1]);
    return [values, indices, l0, cos, tf.sqrt(errSq), tf.sum(errSq), sst, col];
  });
  x.dispose();
  try {
    const [vals, ids, l0, cos, errNorm, sse, sst, col] = await Promise.all(outs.map((t) => t.data()));
    const T = l0?.length ?? 0;
    const rows = (a: ArrayLike<number>): number[][] => Array.from({ length: T }, (_, t) => Array.from({ length: K }, (_, j) => a[t * K + j] as number));
    const sumSq = sst?.[0] as number;
    return {
      hook, architecture: sae.info.architecture, dSae: sae.info.dSae,
      topIds: rows(ids as Int32Array), topActs: rows(vals as Float32Array),
      l0: Array.from(l0 as Float32Array), cos: Array.from(cos as Float32Array), errNorm: Array.from(errNorm as Float32Array),
      fve: sumSq > 0 ? 1 - (sse?.[0] as number) / sumSq : NaN,
      ...(feature !== undefined ? { featureActs: Array.from(col as Float32Array) } : {}),
    };
  } finally {
    tf.dispose(outs);
  }
}

/** W_dec[f]·W_U: the top and bottom `n` tokens (read back: 2n numbers). */
export async function featureLogits(sae: Sae, model: LoadedModel, f: number, pieces: (ids: number[]) => string[], n = 10): Promise<SaeResult['featureLogits']> {
  if (sae.info.hookZ) return undefined;
  const outs = tf.tidy(() => {
    const l = tf.reshape(unembed(tf.slice(sae.wDec, [f, 0], [1, -1]) as tf.Tensor2D, model.weights.unembed), [-1]) as tf.Tensor1D;
    const k = Math.min(n, l.shape[0]);
    const top = tf.topk(l, k);
    const bot = tf.topk(tf.neg(l), k);
    return [top.values, top.indices, tf.neg(bot.values), bot.indices];
  });
  try {
    const [tv, ti, bv, bi] = await Promise.all(outs.map((t) => t.data()));
    const rows = (v: ArrayLike<number>, i: ArrayLike<number>) => {
      const ids = Array.from(i);
      const text = pieces(ids);
      return ids.map((id, j) => ({ id, text: text[j] ?? String(id), logit: v[j] as number }));
    };
    return { top: rows(tv as Float32Array, ti as Int32Array), bottom: rows(bv as Float32Array, bi as Int32Array) };
  } finally {
    tf.dispose(outs);
  }
}

export const saeAnalysis = defineAnalysis({
  name: 'sae',
  defaults: SAE_DEFAULTS,
  run: async (ctx, opts) => {
    if (!opts.sae) fail('sae: give the SAE artifact id (load one first)');
    const a = ctx.registry.artifact('sae', opts.sae);
    if (a.model !== ctx.model.id) fail(`SAE ${opts.sae} belongs to model ${a.model}, not to ${ctx.model.id}`);
    const run = ctx.run();
    let r = await saeOnRun(a.sae, ctx.model.model, run, opts.topk, opts.feature);
    if (opts.feature !== undefined) {
      const fl = await featureLogits(a.sae, ctx.model.model, opts.feature, ctx.pieces);
      if (fl) r = { ...r, featureLogits: fl };
    }
    if (opts.ceLoss) {
      const ref = ctx.runRef();
      const with1 = (iv: Intervention): RunCache => ctx.runOf({ ...ref, interventions: [...(ref.interventions ?? []), iv] });
      const clean = await nextTokenCe(run.logits, run.tokens);
      const sae = await nextTokenCe(with1({ hook: r.hook, kind: 'sae', sae: { id: opts.sae, keepError: false } }).logits, run.tokens);
      const zero = await nextTokenCe(with1({ hook: r.hook, kind: 'zero' }).logits, run.tokens);
      r = { ...r, ce: { clean, sae, zero, score: (zero - sae) / (zero - clean) } };
    }
    return r;
  },
});
