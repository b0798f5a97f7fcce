/**
 * SAE encode / decode on the device (METHODS §9.1), all in f32. `x` is [T, d_in] (hook_z
 * already flattened to [T, H·d_head]); nothing here reads back. The caller owns and
 * disposes what is returned.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Sae } from '../artifacts/sae';

export interface SaeOutput {
  /** [T, d_sae] feature activations (SAELens feature_acts). */
  z: tf.Tensor2D;
  /** [T, d_in] reconstruction in the hook's units. */
  recon: tf.Tensor2D;
}

/** Input normalisation and its inverse (SAELens run_time_activation_norm_fn_in/out). */
function normalise(sae: Sae, x: tf.Tensor2D): { xn: tf.Tensor2D; undo: (y: tf.Tensor2D) => tf.Tensor2D } {
  const d = x.shape[1];
  if (sae.info.normalize === 'constant_norm_rescale') {
    // Per token x·√d / ‖x‖; the output is divided by the same factor.
    const c = tf.div(Math.sqrt(d), tf.norm(x, 'euclidean', 1, true));
    return { xn: tf.mul(x, c), undo: (y) => tf.div(y, c) };
  }
  if (sae.info.normalize === 'layer_norm') {
    // (x − μ)/(σ + 1e-5) with σ the unbiased (n − 1) std; output x̂·σ + μ.
    const mu = tf.mean(x, 1, true);
    const xc = tf.sub(x, mu);
    const sd = tf.sqrt(tf.div(tf.sum(tf.square(xc), 1, true), d - 1));
    return { xn: tf.div(xc, tf.add(sd, 1e-5)), undo: (y) => tf.add(tf.mul(y, sd), mu) };
  }
  // none, or expected_average_only_in (its scale is folded into the weights on load).
  return { xn: x, undo: (y) => y };
}

/** The k largest of each row of `key`, as a dense [T, N] tensor holding relu(values) at those places. */
function topkDense(key: tf.Tensor2D, k: number): tf.Tensor2D {
  const [T, N] = key.shape;
  const { values, indices } = tf.topk(key, Math.min(k, N));
  const kk = values.shape[1];
  const rows = tf.tile(tf.reshape(tf.range(0, T, 1, 'int32'), [T, 1]), [1, kk]);
  const idx = tf.reshape(tf.stack([rows, indices], 2), [T * kk, 2]);
  return tf.scatterND(idx, tf.reshape(tf.relu(values), [T * kk]), [T, N]) as tf.Tensor2D;
}

export function saeEncode(sae: Sae, x: tf.Tensor2D): { z: tf.Tensor2D; xn: tf.Tensor2D; undo: (y: tf.Tensor2D) => tf.Tensor2D } {
  const { xn, undo } = normalise(sae, x);
  const xin = sae.info.applyBDecToInput ? tf.sub(xn, sae.bDec) : xn;
  const a = sae.info.architecture;
  let z: tf.Tensor2D;
  if (a === 'gated') {
    // gate = 1[x'·W_enc + b_gate > 0]; z = gate · ReLU(x'·(W_enc ⊙ exp r_mag) + b_mag).
    const gate = tf.cast(tf.greater(tf.add(tf.matMul(xin, sae.wEnc), sae.bGate as tf.Tensor1D), 0), 'float32');
    z = tf.mul(gate, tf.relu(tf.add(tf.matMul(xin, sae.wMag as tf.Tensor2D), sae.bMag as tf.Tensor1D)));
  } else {
    const pre = tf.add(tf.matMul(xin, sae.wEnc), sae.bEnc) as tf.Tensor2D;
    if (sae.threshold) z = tf.mul(tf.relu(pre), tf.cast(tf.greater(pre, sae.threshold), 'float32')); // strict >
    else if (a === 'topk' || a === 'batchtopk') z = topkDense(sae.decNorm ? tf.mul(pre, sae.decNorm) : pre, sae.info.k ?? 1);
    else z = tf.relu(pre);
  }
  return { z, xn, undo };
}

/** Decode from feature activations (z in the SAE's units), then undo the normalisation. */
export function saeDecode(sae: Sae, z: tf.Tensor2D, x: tf.Tensor2D, undo: (y: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
  let zd = z;
  if (sae.decNorm) zd = tf.div(zd, sae.decNorm);
  if (sae.scaling) zd = tf.mul(zd, sae.scaling);
  let y = tf.add(tf.matMul(zd, sae.wDec), sae.bDec) as tf.Tensor2D;
  // sparsify's skip connection reads the raw input x.
  if (sae.wSkipT) y = tf.add(y, tf.matMul(x, sae.wSkipT));
  return undo(y);
}

/** Encode and decode [T, d_in] in one tidy. */
export function saeForward(sae: Sae, x: tf.Tensor2D): SaeOutput {
  return tf.tidy(() => {
    const { z, undo } = saeEncode(sae, x);
    return { z, recon: saeDecode(sae, z, x, undo) };
  });
}
