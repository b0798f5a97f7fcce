import * as tf from '@tensorflow/tfjs-core';
import { gatherPacked, matMulPacked, type Packed16 } from '../../kernels/packed16';
import type { Activation, Linear, Norm, UnembedBlock } from './types';

/**
 * The model's shared ops. Linear maps and the (un)embedding hold either f32 tensors or packed
 * 16-bit rows (WebGPU, kernels/packed16.ts); these functions are the only place that tells
 * them apart, so forwards and analyses never ask which backend or storage they run on.
 */

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

/** All of a packed [rows, cols] matrix widened to f32 [rows, cols] (a gather of every row). */
export function widenPacked(p: Packed16): tf.Tensor2D {
  return tf.tidy(() => gatherPacked(tf.range(0, p.rows, 1, 'int32') as tf.Tensor1D, p));
}

/**
 * x [T, K] · Wᵀ for W packed [N, K] → [T, N], differentiable in x: the gradient dy [T, N] · W
 * widens W to f32 on demand (4 bytes per parameter while the gradient runs), so the
 * tuned-lens trainer's backward through the unembedding works on 16-bit weights too.
 */
function packedMatMul(x: tf.Tensor2D, p: Packed16): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: matMulPacked(xi as tf.Tensor2D, p),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.matMul(dy as tf.Tensor2D, widenPacked(p))),
  })) as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

/** x [T, in] → [T, out] (the one linear-map op: f32 matmul, or the packed 16-bit program). */
export function applyLinear(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const y = l.packed ? packedMatMul(x, l.packed) : (tf.matMul(x, l.w) as tf.Tensor2D);
    return l.b ? tf.add<tf.Tensor2D>(y, l.b) : y;
  });
}

/** [in, out] of a linear map, whichever way it is stored. */
export function linearDims(l: Linear): [number, number] {
  return l.packed ? [l.packed.cols, l.packed.rows] : [l.w.shape[0], l.w.shape[1]];
}

/**
 * W as an f32 [in, out] tensor for code that needs the matrix itself (quantization, weight
 * analyses, gradients w.r.t. weights). The caller disposes the result: for f32 maps it is a
 * clone sharing the data; for packed 16-bit maps it is WIDENED ON DEMAND (a new [in, out]
 * f32 tensor, 4 bytes per parameter for as long as the caller keeps it).
 */
export function linearWeightF32(l: Linear): tf.Tensor2D {
  if (!l.packed) return tf.clone(l.w);
  const p = l.packed;
  return tf.tidy(() => tf.transpose(widenPacked(p)));
}

/** Vocabulary entries in a block (columns of an f32 block, rows of a packed one). */
export function blockSize(b: UnembedBlock): number {
  return b.packed ? b.packed.rows : b.w.shape[1];
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
    const parts = blocks.map((b) => (b.packed ? packedMatMul(xNormed, b.packed) : tf.matMul(xNormed, b.w)));
    const z = parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1);
    return (finalSoftcap ? softcap(z, finalSoftcap) : z) as tf.Tensor2D;
  });
}

/**
 * Token embeddings [T, d] from vocabulary blocks (the untied embedding's, or the tied
 * unembedding's): gathered per block, then put back in token order. f32 blocks are [d, n]
 * columns, packed blocks [n, d] rows (all blocks of one matrix are stored the same way).
 */
export function embedTokens(tokens: number[], blocks: UnembedBlock[]): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    const order: number[] = [];
    const rows = blocks[0]?.packed !== undefined;
    for (const b of blocks) {
      const n = blockSize(b);
      const mine = tokens.flatMap((t, i) => (t >= b.v0 && t < b.v0 + n ? [i] : []));
      if (mine.length === 0) continue;
      const ids = tf.tensor1d(mine.map((i) => (tokens[i] as number) - b.v0), 'int32');
      parts.push(b.packed ? gatherPacked(ids, b.packed) : (tf.gather(b.w, ids, 1) as tf.Tensor2D));
      order.push(...mine);
    }
    const axis = rows ? 0 : 1;
    let got = parts.length === 1 ? (parts[0] as tf.Tensor2D) : (tf.concat(parts, axis) as tf.Tensor2D); // [d, T] or [T, d] in `order`
    if (parts.length > 1) {
      const inverse = new Array<number>(tokens.length);
      order.forEach((pos, j) => { inverse[pos] = j; });
      got = tf.gather(got, tf.tensor1d(inverse, 'int32'), axis) as tf.Tensor2D;
    }
    return rows ? got : (tf.transpose(got) as tf.Tensor2D);
  });
}

