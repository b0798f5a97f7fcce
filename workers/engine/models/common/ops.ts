import * as tf from '@tensorflow/tfjs-core';
import type { Activation, Linear, Norm, UnembedBlock } from './types';

/** LayerNorm or RMSNorm over the last axis, in f32. */
export function applyNorm<T extends tf.Tensor>(x: T, n: Norm): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    if (n.kind === 'rmsnorm') {
      const ms = tf.mean(tf.square(x), axis, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, n.eps))), n.weight) as T;
    }
    const { mean, variance } = tf.moments(x, axis, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, n.eps)));
    return (n.bias ? tf.add(tf.mul(y, n.weight), n.bias) : tf.mul(y, n.weight)) as T;
  });
}

/** x [T, in] → [T, out]. */
export function applyLinear(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const y = tf.matMul(x, l.w) as tf.Tensor2D;
    return l.b ? tf.add<tf.Tensor2D>(y, l.b) : y;
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function activate<T extends tf.Tensor>(x: T, act: Activation): T {
  return tf.tidy(() => {
    switch (act) {
      case 'silu':
        return tf.mul(x, tf.sigmoid(x)) as T;
      case 'relu':
        return tf.relu(x) as T;
      case 'gelu':
        // Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
      case 'gelu_tanh': {
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner))) as T;
      }
    }
  });
}

/**
 * RoPE in HF rotate_half layout on the first `rot` dims of x [T, H, hd];
 * cos/sin are [T, 1, rot/2]. Dims past `rot` pass through (GPT-NeoX partial rotary).
 */
export function applyRope(x: tf.Tensor3D, cos: tf.Tensor3D, sin: tf.Tensor3D, rot: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [T, H, hd] = x.shape;
    const half = rot / 2;
    const x1 = tf.slice(x, [0, 0, 0], [T, H, half]);
    const x2 = tf.slice(x, [0, 0, half], [T, H, half]);
    const parts = [tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))];
    if (rot < hd) parts.push(tf.slice(x, [0, 0, rot], [T, H, hd - rot]));
    return tf.concat(parts, 2) as tf.Tensor3D;
  });
}

export function softcap<T extends tf.Tensor>(x: T, cap: number): T {
  return tf.tidy(() => tf.mul(tf.tanh(tf.div(x, cap)), cap) as T);
}

/** Logits [T, V] from a normed residual [T, d] through the column-blocked unembedding. */
export function unembed(xNormed: tf.Tensor2D, blocks: UnembedBlock[], finalSoftcap?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const parts = blocks.map((b) => tf.matMul(xNormed, b.w));
    const z = parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1);
    return (finalSoftcap ? softcap(z, finalSoftcap) : z) as tf.Tensor2D;
  });
}

/**
 * Token embeddings [T, d] from [d, V] column blocks (the untied embedding's, or the
 * tied unembedding's): gathered per block, then put back in token order.
 */
export function embedTokens(tokens: number[], blocks: UnembedBlock[]): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    const order: number[] = [];
    for (const b of blocks) {
      const n = b.w.shape[1];
      const mine = tokens.flatMap((t, i) => (t >= b.v0 && t < b.v0 + n ? [i] : []));
      if (mine.length === 0) continue;
      parts.push(tf.gather(b.w, tf.tensor1d(mine.map((i) => (tokens[i] as number) - b.v0), 'int32'), 1) as tf.Tensor2D);
      order.push(...mine);
    }
    let cols = parts.length === 1 ? (parts[0] as tf.Tensor2D) : (tf.concat(parts, 1) as tf.Tensor2D); // [d, T] in `order`
    if (parts.length > 1) {
      const inverse = new Array<number>(tokens.length);
      order.forEach((pos, j) => { inverse[pos] = j; });
      cols = tf.gather(cols, tf.tensor1d(inverse, 'int32'), 1) as tf.Tensor2D;
    }
    return tf.transpose(cols) as tf.Tensor2D;
  });
}
