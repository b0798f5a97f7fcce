/**
 * Training a sparse autoencoder on host activations x [N, d_in] (METHODS §9.2), on the
 * device with tf.variableGrads. Row layout as SAELens: W_enc [d_in, d_sae], W_dec [d_sae, d_in].
 *
 *   pre = (x − b_dec)·W_enc + b_enc                              [B, d_sae]
 *   ReLU: z = relu(pre);  loss = mean_tokens Σ_d (x − x̂)² + λ·mean_tokens Σ_i z_i·‖W_dec,i‖
 *   TopK: z = relu(pre) on the k largest pre-acts of each token, 0 elsewhere;
 *         loss = mean_tokens Σ_d (x − x̂)² + c·min(n_dead/k_aux, 1)·mean_tokens Σ_d (ê − e)²
 *         (AuxK, SAELens: e = x − x̂ held constant, ê = z_aux·W_dec without b_dec, z_aux = the
 *         k_aux = min(k_aux, n_dead) largest pre-acts among dead latents, not ReLU'd);
 *   x̂ = z·W_dec + b_dec.
 * Init (sae-train/init.ts): W_dec rows random directions of norm 0.1 (ReLU, SAELens's
 * decoder_init_norm) or 1 (TopK), W_enc = W_decᵀ, b_enc = 0, b_dec = 0 (not the data mean).
 * Each step: Adam (β 0.9, 0.999, ε 1e-8; tfjs's update is torch.optim.Adam's, bias-corrected);
 * TopK also removes from each W_dec row's gradient its component along the row before the
 * step and renormalises the rows to unit norm after it (sparsify), so ‖W_dec,i‖ = 1 always.
 * The top-k and AuxK selections are piecewise constant: they are computed as 0/1 masks from
 * the current weights outside the tape (same gradient as torch.topk's, no TopK gradient needed).
 * Dead: a latent that has not fired (z > 0) for more than `deadTokens` tokens (counted in
 * whole batches, as SAELens counts steps); the mask of step s uses steps < s.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SaeTrainOptions, SaeTrainPoint } from '../../../src/contracts/sae-train';
import { ensureGradients } from '../analyses/gradients';
import { fail } from '../errors';
import { batchOrder, initWeights, NumpyStream } from './init';

/** What the training loop needs of the options (the contract documents each field). */
export type SaeTrainCore = Pick<SaeTrainOptions,
  'architecture' | 'width' | 'k' | 'l1' | 'lr' | 'steps' | 'batch' | 'seed' | 'kAux' | 'auxCoef' | 'deadTokens' | 'progressEvery'>;

export interface SaeWeights {
  wEnc: tf.Tensor2D;
  bEnc: tf.Tensor1D;
  wDec: tf.Tensor2D;
  bDec: tf.Tensor1D;
}

export interface SaeTrainOutcome {
  weights: SaeWeights;
  /** [steps taken] total loss of each step's batch before its update. */
  losses: Float64Array;
  /** One point per progress tick. */
  curve: SaeTrainPoint[];
  /** Steps taken (< steps after a cancel). */
  done: number;
}

/** One-line checks of the training options against the data's width. */
export function checkTrainOptions(o: SaeTrainCore, dIn: number): void {
  const int = (v: number, name: string, min: number): void => {
    if (!(Number.isInteger(v) && v >= min)) fail(`sae-train: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  const pos = (v: number, name: string): void => {
    if (!(Number.isFinite(v) && v > 0)) fail(`sae-train: ${name} must be a positive number, got ${v}`);
  };
  if (o.architecture !== 'relu' && o.architecture !== 'topk') fail(`sae-train: architecture must be relu or topk, got "${String(o.architecture)}"`);
  int(o.width, 'width (d_sae)', 1);
  int(o.steps, 'steps', 1);
  int(o.batch, 'batch (tokens per step)', 1);
  int(o.progressEvery, 'progressEvery', 1);
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) fail(`sae-train: seed must be an integer in 0..2^32−1, got ${o.seed}`);
  pos(o.lr, 'lr');
  if (o.architecture === 'topk') {
    int(o.k, 'k', 1);
    if (o.k > o.width) fail(`sae-train: k (${o.k}) must not exceed the width (${o.width})`);
    int(o.kAux, 'kAux', 0);
    if (!(Number.isFinite(o.auxCoef) && o.auxCoef >= 0)) fail(`sae-train: auxCoef must be ≥ 0, got ${o.auxCoef}`);
  } else if (!(Number.isFinite(o.l1) && o.l1 >= 0)) fail(`sae-train: l1 (λ) must be ≥ 0, got ${o.l1}`);
  int(o.deadTokens, 'deadTokens', 0);
  if (dIn < 1) fail('sae-train: the activations have width 0');
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Rows `idx` of x [N, d] as [idx.length, d]. */
function rows(x: Float32Array, d: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * d);
  idx.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** 0/1 mask [B, N] of the k largest entries of each row of `key` (ties at the k-th value all kept). */
function topMask(key: tf.Tensor2D, k: number): tf.Tensor2D {
  const kth = tf.slice(tf.topk(key, k).values, [0, k - 1], [-1, 1]);
  return tf.cast(tf.greaterEqual(key, kth), 'float32') as tf.Tensor2D;
}

/** Trains on x [n, dIn] (host, f32); `onStep` after every step, with a curve point on progress ticks. The caller owns the returned weights. */
export async function trainSaeOn(
  x: Float32Array, n: number, dIn: number, o: SaeTrainCore,
  onStep?: (point: SaeTrainPoint | undefined, done: number) => void, signal?: AbortSignal,
): Promise<SaeTrainOutcome> {
  checkTrainOptions(o, dIn);
  if (n < 1) fail('sae-train: no activations to train on');
  if (x.length !== n * dIn) fail(`sae-train: ${x.length} values are not ${n} tokens × ${dIn}`);
  await ensureGradients();
  const topk = o.architecture === 'topk';
  const dSae = o.width;
  const rs = new NumpyStream(o.seed);
  const init = initWeights(rs, dIn, dSae, topk ? 1 : 0.1);
  const next = batchOrder(rs, n);
  const kAux = o.kAux > 0 ? o.kAux : Math.floor(dIn / 2);
  const deadWindow = o.deadTokens > 0 ? o.deadTokens : 1000 * o.batch;
  const wEnc = tf.tidy(() => tf.variable(tf.tensor2d(init.wEnc, [dIn, dSae])));
  const bEnc = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([dSae])));
  const wDec = tf.tidy(() => tf.variable(tf.tensor2d(init.wDec, [dSae, dIn])));
  const bDec = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([dIn])));
  const vars = [wEnc, bEnc, wDec, bDec];
  const opt = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  const since = new Float64Array(dSae);
  const losses: number[] = [];
  const curve: SaeTrainPoint[] = [];
  let done = 0;
  let last: SaeTrainPoint | undefined;
  let ok = false;
  try {
    for (let step = 0; step < o.steps; step++) {
      await tick();
      if (signal?.aborted) {
        if (step === 0) fail('the SAE training was cancelled');
        // The partial SAE's curve ends at its last step.
        if (last && curve[curve.length - 1] !== last) curve.push(last);
        break;
      }
      const dead = since.map((s) => (s > deadWindow ? 1 : 0));
      const nDead = dead.reduce((a, v) => a + v, 0);
      const B = o.batch;
      const xb = tf.tensor2d(rows(x, dIn, next(B)), [B, dIn]);
      // Constants of this step from the current weights: masks, the residual e, the metrics.
      const c = tf.tidy(() => {
        const pre = tf.add(tf.matMul(tf.sub(xb, bDec), wEnc), bEnc) as tf.Tensor2D;
        const mask = topk ? topMask(pre, o.k) : tf.onesLike(pre);
        const z = tf.mul(tf.relu(pre), mask) as tf.Tensor2D;
        const resid = tf.sub(xb, tf.add(tf.matMul(z, wDec), bDec)) as tf.Tensor2D;
        const fires = tf.cast(tf.greater(z, 0), 'float32');
        let aux: tf.Tensor2D | undefined;
        if (topk && nDead > 0 && o.auxCoef > 0) {
          const dm = tf.tensor1d(Float32Array.from(dead));
          const key = tf.where(tf.cast(dm, 'bool'), pre, tf.fill(pre.shape, -Infinity)) as tf.Tensor2D;
          aux = tf.mul(topMask(key, Math.min(kAux, nDead)), dm) as tf.Tensor2D;
        }
        const sq = tf.sum(tf.square(resid));
        const tot = tf.sum(tf.square(tf.sub(xb, tf.mean(xb, 0))));
        const stats = tf.stack([tf.div(sq, B), tf.div(tf.sum(fires), B), tf.sub(1, tf.div(sq, tot))]);
        return { mask, resid, aux, stats, fired: tf.sum(fires, 0) };
      });
      const scale = Math.min(nDead / kAux, 1);
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
        const pre = tf.add(tf.matMul(tf.sub(xb, bDec), wEnc), bEnc) as tf.Tensor2D;
        const z = topk ? tf.mul(tf.relu(pre), c.mask) : tf.relu(pre);
        const xh = tf.add(tf.matMul(z, wDec), bDec);
        const mse = tf.mean(tf.sum(tf.square(tf.sub(xh, xb)), 1));
        if (!topk) {
          const norms = tf.sqrt(tf.sum(tf.square(wDec), 1));
          return tf.add(mse, tf.mul(o.l1, tf.mean(tf.sum(tf.mul(z, norms), 1)))) as tf.Scalar;
        }
        if (!c.aux) return mse as tf.Scalar;
        const eh = tf.matMul(tf.mul(pre, c.aux), wDec);
        return tf.add(mse, tf.mul(o.auxCoef * scale, tf.mean(tf.sum(tf.square(tf.sub(eh, c.resid)), 1)))) as tf.Scalar;
      }), vars);
      // Always the same variable order: the optimiser keys its moment buffers by position.
      const named = tf.tidy(() => vars.map((v) => {
        const g = grads[v.name] as tf.Tensor;
        // sparsify: drop the part of each decoder row's gradient along the (unit) row.
        const t = topk && v === wDec ? tf.sub(g, tf.mul(tf.sum(tf.mul(g, wDec), 1, true), wDec)) : g.clone();
        return { name: v.name, tensor: tf.keep(t) };
      }));
      opt.applyGradients(named);
      if (topk) tf.tidy(() => wDec.assign(tf.div(wDec, tf.sqrt(tf.sum(tf.square(wDec), 1, true)))));
      const [lossV, stats, fired] = await Promise.all([value.data(), c.stats.data(), c.fired.data()]);
      tf.dispose([xb, value, c.mask, c.resid, c.stats, c.fired, ...(c.aux ? [c.aux] : []), ...Object.values(grads), ...named.map((t) => t.tensor)]);
      for (let i = 0; i < dSae; i++) since[i] = (fired[i] as number) > 0 ? 0 : (since[i] as number) + B;
      const loss = lossV[0] as number;
      if (!Number.isFinite(loss)) fail(`sae-train: the loss became ${loss} at step ${step + 1}; try a lower learning rate (now ${o.lr})`);
      losses.push(loss);
      done = step + 1;
      last = { step: done, loss, mse: stats[0] as number, l0: stats[1] as number, fve: stats[2] as number, dead: since.filter((s) => s > deadWindow).length / dSae };
      const onTick = done % o.progressEvery === 0 || done === o.steps;
      if (onTick) curve.push(last);
      onStep?.(onTick ? last : undefined, done);
    }
    ok = true;
    const weights: SaeWeights = { wEnc: wEnc.clone(), bEnc: bEnc.clone(), wDec: wDec.clone(), bDec: bDec.clone() };
    return { weights, losses: Float64Array.from(losses), curve, done };
  } finally {
    opt.dispose();
    tf.dispose(vars);
    if (!ok) curve.length = 0;
  }
}
