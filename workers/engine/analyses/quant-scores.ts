/**
 * Layer importance scores and orders of the quantization study (METHODS §7, §11).
 *   LIM(l), x_t = residual entering block l, y_t = leaving it, over every token t of the dataset:
 *     flatten  −Σ_t x_t·y_t / (√Σ_t|x_t|² · √Σ_t|y_t|²)      mean  −(1/N) Σ_t x_t·y_t / (|x_t|·|y_t|)
 *   (norms clamped at NORM_EPS as in the residual analysis).
 *   ZD(l) = (1/|maps|) Σ_maps #{w : |w − μ|/σ > 1} / #w, μ and σ (population) per matrix.
 * Orders list layers least important first: ascending score, ties by layer index.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { QuantOrder } from '../../../src/contracts/quant-study';
import { linearWeightF32 } from '../models/common/ops';
import type { BlockWeights, Linear } from '../models/common/types';
import { mulberry32 } from '../random';
import { NORM_EPS } from './residual';

export const BLOCK_LINEARS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

/** The block's linear maps that exist (GPT-2 has no gate). */
export function blockLinears(bw: BlockWeights): Linear[] {
  return BLOCK_LINEARS.map((n) => bw[n] as Linear | undefined).filter((l): l is Linear => l !== undefined);
}

/** Running LIM sums over tokens, per layer, in Float64. */
export class LimAccumulator {
  private readonly dot: Float64Array;
  private readonly xx: Float64Array;
  private readonly yy: Float64Array;
  private readonly cos: Float64Array;
  tokens = 0;

  constructor(readonly layers: number) {
    this.dot = new Float64Array(layers);
    this.xx = new Float64Array(layers);
    this.yy = new Float64Array(layers);
    this.cos = new Float64Array(layers);
  }

  /** Adds one row: residuals[l] [T, d] enters block l, residuals[l + 1] leaves it (L + 1 tensors). */
  async add(residuals: tf.Tensor2D[]): Promise<void> {
    const L = this.layers;
    const T = residuals[0]?.shape[0] ?? 0;
    const stats = tf.tidy(() => {
      const rows = Array.from({ length: L }, (_, l) => {
        const x = residuals[l] as tf.Tensor2D; // [T, d]
        const y = residuals[l + 1] as tf.Tensor2D; // [T, d]
        const dots = tf.sum(tf.mul(x, y), 1); // [T]
        const nx = tf.maximum(tf.norm(x, 'euclidean', 1), NORM_EPS);
        const ny = tf.maximum(tf.norm(y, 'euclidean', 1), NORM_EPS);
        return tf.stack([tf.sum(dots), tf.sum(tf.square(x)), tf.sum(tf.square(y)), tf.sum(tf.div(dots, tf.mul(nx, ny)))]);
      });
      return tf.stack(rows); // [L, 4]
    });
    const v = await stats.data();
    stats.dispose();
    for (let l = 0; l < L; l++) {
      this.dot[l] = (this.dot[l] as number) + (v[l * 4] as number);
      this.xx[l] = (this.xx[l] as number) + (v[l * 4 + 1] as number);
      this.yy[l] = (this.yy[l] as number) + (v[l * 4 + 2] as number);
      this.cos[l] = (this.cos[l] as number) + (v[l * 4 + 3] as number);
    }
    this.tokens += T;
  }

  flatten(): number[] {
    return Array.from(this.dot, (d, l) => -d / (Math.max(Math.sqrt(this.xx[l] as number), NORM_EPS) * Math.max(Math.sqrt(this.yy[l] as number), NORM_EPS)));
  }

  mean(): number[] {
    return Array.from(this.cos, (c) => -c / Math.max(1, this.tokens));
  }
}

/** Fraction of |z| > 1 in one matrix (Float64; a constant matrix has none). */
export function zdFraction(w: ArrayLike<number>): number {
  const n = w.length;
  let mu = 0;
  for (let i = 0; i < n; i++) mu += w[i] as number;
  mu /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((w[i] as number) - mu) ** 2;
  const sd = Math.sqrt(ss / n);
  if (!(sd > 0)) return 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (Math.abs((w[i] as number) - mu) / sd > 1) c++;
  return c / n;
}

/** ZD of one block: the mean of its linear maps' fractions. */
export async function zdOfBlock(bw: BlockWeights): Promise<number> {
  const maps = blockLinears(bw);
  let s = 0;
  for (const L of maps) {
    const w = linearWeightF32(L); // widened on demand when the map is packed 16-bit
    s += zdFraction(await w.data());
    w.dispose();
  }
  return s / maps.length;
}

/** Layers by ascending score (least important first), ties by index. */
export function ascending(score: number[]): number[] {
  return score.map((_, l) => l).sort((a, b) => (score[a] as number) - (score[b] as number) || a - b);
}

/**
 * A seeded permutation of 0..n−1 (Fisher–Yates with mulberry32: for i = n−1 … 1, j = ⌊u·(i+1)⌋).
 * The seed is spread first (s → (s + 1)·0x9E3779B1 mod 2³²): mulberry32's first draws of
 * adjacent seeds are close, so seeds 0, 1, 2 would otherwise often pick the same first layers.
 */
export function shuffled(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  const u = mulberry32(Math.imul(seed + 1, 0x9e3779b1) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

/** The order(s) of one kind: one list, or one per seed for `random`. */
export function ordersOf(kind: QuantOrder, lim: number[], zd: number[], zdHighFirst: boolean, seed: number, seeds: number): number[][] {
  if (kind === 'lim') return [ascending(lim)];
  if (kind === 'reverse') return [ascending(lim).reverse()];
  if (kind === 'zd') return [ascending(zdHighFirst ? zd.map((z) => -z) : zd)];
  return Array.from({ length: seeds }, (_, k) => shuffled(lim.length, seed + k));
}

/** m = round(f·L) (half up, as the reference's floor(f·L + 0.5)). */
export function lowCount(f: number, L: number): number {
  return Math.floor(f * L + 0.5);
}
