/**
 * Linear CKA on the host, every sum in Float64 (METHODS §2). Pure functions of vectors
 * (an activation set's [n, d] rows); no tensors, no engine.
 *
 * Feature form: centre the columns, CKA = ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F‖YcᵀYc‖_F); debiased by
 * Kornblith's correction (feature_space_linear_cka). Gram form: K = XXᵀ centred as
 * Kornblith's center_gram (biased: H·K·H; unbiased: U-centring), CKA = ⟨K̃,L̃⟩/(‖K̃‖‖L̃‖).
 * Both forms give the same value; each hook's statistics are computed once and every pair
 * reuses them. A float32 input is read as is: a product of two float32 values is exact in
 * float64, so only the sums round.
 */
import type { CkaKind } from '../../../src/contracts/cka';
import { fail } from '../errors';

/** One hook's vectors: `n` rows of width `d`, row-major; `name` says which in messages. */
export interface Vectors {
  data: Float32Array | Float64Array;
  n: number;
  d: number;
  name: string;
}

/** Rows below which an estimator is undefined. */
export function minRows(kind: CkaKind): number {
  return kind === 'debiased' ? 4 : 2;
}

/** Refuses NaN/Inf and too few rows, naming the hook and the vector. */
export function checkVectors(v: Vectors, kind: CkaKind): void {
  if (v.data.length !== v.n * v.d) fail(`cka: ${v.name} holds ${v.data.length} numbers, not ${v.n} × ${v.d}`);
  if (v.n < minRows(kind)) fail(`cka: the ${kind === 'debiased' ? 'debiased estimator (unbiased HSIC)' : 'linear CKA'} needs at least ${minRows(kind)} vectors, ${v.name} has ${v.n}: use more rows`);
  for (let i = 0; i < v.data.length; i++) {
    if (!Number.isFinite(v.data[i] as number)) fail(`cka: ${v.name} holds ${String(v.data[i])} at vector ${Math.floor(i / v.d)}, component ${i % v.d}: CKA of non-finite activations is undefined`);
  }
}

export function columnMeans(v: Vectors): Float64Array {
  const m = new Float64Array(v.d);
  for (let r = 0; r < v.n; r++) for (let c = 0; c < v.d; c++) m[c] = (m[c] as number) + (v.data[r * v.d + c] as number);
  for (let c = 0; c < v.d; c++) m[c] = (m[c] as number) / v.n;
  return m;
}

/**
 * Refuses a hook whose vectors do not vary across rows (a constant column set: its centred
 * Gram is zero, so HSIC(X, X) = 0 and CKA is 0/0). "Does not vary" = ‖Xc‖_F ≤ 1e-9·‖X‖_F:
 * float32 activations that do vary differ by at least ~1e-7 of their size.
 */
export function checkVaries(v: Vectors, mean: Float64Array): void {
  let all = 0;
  let centred = 0;
  for (let r = 0; r < v.n; r++) {
    for (let c = 0; c < v.d; c++) {
      const x = v.data[r * v.d + c] as number;
      all += x * x;
      const y = x - (mean[c] as number);
      centred += y * y;
    }
  }
  if (!(centred > 1e-18 * all) || centred === 0) fail(`cka: ${v.name} is the same vector in all ${v.n} rows (nothing varies, so HSIC(X, X) = 0 and CKA is 0/0): pick another hook or position`);
}

/** Σ over the n rows of Xc's row × Yc's row, as the d1 × d2 matrix XcᵀYc; returns ‖XcᵀYc‖²_F. */
export function crossFrob2(a: Vectors, ma: Float64Array, b: Vectors, mb: Float64Array): number {
  if (a.n !== b.n) fail(`cka: ${a.name} has ${a.n} vectors but ${b.name} has ${b.n}: both sides must hold the same rows`);
  const d1 = a.d;
  const d2 = b.d;
  const C = new Float64Array(d1 * d2);
  const x = new Float64Array(d1);
  const y = new Float64Array(d2);
  for (let r = 0; r < a.n; r++) {
    for (let i = 0; i < d1; i++) x[i] = (a.data[r * d1 + i] as number) - (ma[i] as number);
    for (let j = 0; j < d2; j++) y[j] = (b.data[r * d2 + j] as number) - (mb[j] as number);
    for (let i = 0; i < d1; i++) {
      const xi = x[i] as number;
      if (xi === 0) continue;
      const o = i * d2;
      for (let j = 0; j < d2; j++) C[o + j] = (C[o + j] as number) + xi * (y[j] as number);
    }
  }
  let s = 0;
  for (let k = 0; k < C.length; k++) s += (C[k] as number) * (C[k] as number);
  return s;
}

/** Kornblith's debiasing of a feature-form dot product (feature_space_linear_cka, debiased=True). */
function debias(xty: number, rowsX: Float64Array, rowsY: Float64Array, sumX: number, sumY: number, n: number): number {
  let dot = 0;
  for (let r = 0; r < n; r++) dot += (rowsX[r] as number) * (rowsY[r] as number);
  return xty - (n / (n - 2)) * dot + (sumX * sumY) / ((n - 1) * (n - 2));
}

/** What the feature form keeps per hook. */
export interface FeatureStats {
  v: Vectors;
  mean: Float64Array;
  /** ‖xc_r‖² per row and their sum (debiased form). */
  rowSq: Float64Array;
  sumSq: number;
  /** The hook's self-similarity: ‖XcᵀXc‖²_F (debiased: corrected); the CKA normaliser is its root. */
  self: number;
}

export function featureStats(v: Vectors, kind: CkaKind): FeatureStats {
  checkVectors(v, kind);
  const mean = columnMeans(v);
  checkVaries(v, mean);
  const rowSq = new Float64Array(v.n);
  let sumSq = 0;
  for (let r = 0; r < v.n; r++) {
    let s = 0;
    for (let c = 0; c < v.d; c++) {
      const y = (v.data[r * v.d + c] as number) - (mean[c] as number);
      s += y * y;
    }
    rowSq[r] = s;
    sumSq += s;
  }
  const xx = crossFrob2(v, mean, v, mean);
  const self = kind === 'debiased' ? debias(xx, rowSq, rowSq, sumSq, sumSq, v.n) : xx;
  if (!(self > 0)) fail(`cka: the debiased self-similarity of ${v.name} is ${self.toPrecision(3)} ≤ 0 (too few distinct rows), so debiased CKA is undefined: use more rows or the linear kind`);
  return { v, mean, rowSq, sumSq, self };
}

/** CKA of two hooks from their feature statistics. */
export function featurePair(a: FeatureStats, b: FeatureStats, kind: CkaKind): number {
  const xy = crossFrob2(a.v, a.mean, b.v, b.mean);
  const dot = kind === 'debiased' ? debias(xy, a.rowSq, b.rowSq, a.sumSq, b.sumSq, a.v.n) : xy;
  return finiteRatio(dot / Math.sqrt(a.self * b.self), a.v.name, b.v.name);
}

function finiteRatio(x: number, a: string, b: string): number {
  if (!Number.isFinite(x)) fail(`cka: CKA of ${a} and ${b} came out ${String(x)} (an overflow in the sums): scale the activations down or use fewer rows`);
  return x;
}

/** K = XXᵀ over the rows `idx` of v (all rows when omitted), n×n, Float64. */
export function gramOf(v: Vectors, idx?: ArrayLike<number>): Float64Array {
  const n = idx ? idx.length : v.n;
  const d = v.d;
  const K = new Float64Array(n * n);
  // Local and monomorphic: V8 keeps the inner loop tight (a property load per element costs ~2×).
  const x = v.data;
  for (let i = 0; i < n; i++) {
    const oi = (idx ? (idx[i] as number) : i) * d;
    for (let j = 0; j <= i; j++) {
      const oj = (idx ? (idx[j] as number) : j) * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[oi + c] as number) * (x[oj + c] as number);
      K[i * n + j] = s;
      K[j * n + i] = s;
    }
  }
  return K;
}

/**
 * Kornblith's center_gram, in place. Biased: subtract column means and row means, add back
 * the grand mean (H·K·H). Unbiased (U-centring): zero the diagonal; m = colsum/(n−2);
 * m −= Σm/(2(n−1)); K −= m_i + m_j; zero the diagonal again.
 */
export function centreGram(K: Float64Array, n: number, unbiased: boolean): Float64Array {
  const m = new Float64Array(n);
  if (unbiased) for (let i = 0; i < n; i++) K[i * n + i] = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[j] = (m[j] as number) + (K[i * n + j] as number);
  let total = 0;
  for (let j = 0; j < n; j++) {
    m[j] = (m[j] as number) / (unbiased ? n - 2 : n);
    total += m[j] as number;
  }
  const shift = unbiased ? total / (2 * (n - 1)) : total / n / 2;
  for (let j = 0; j < n; j++) m[j] = (m[j] as number) - shift;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = (K[i * n + j] as number) - (m[i] as number) - (m[j] as number);
  if (unbiased) for (let i = 0; i < n; i++) K[i * n + i] = 0;
  return K;
}

export function frobDot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  return s;
}

/** What the Gram form keeps per hook: the centred Gram and ⟨K̃, K̃⟩. */
export interface GramStats {
  name: string;
  n: number;
  k: Float64Array;
  self: number;
}

export function gramStats(v: Vectors, kind: CkaKind): GramStats {
  checkVectors(v, kind);
  checkVaries(v, columnMeans(v));
  const k = centreGram(gramOf(v), v.n, kind === 'debiased');
  const self = frobDot(k, k);
  if (!(self > 0)) fail(`cka: the ${kind === 'debiased' ? 'U-centred' : 'centred'} Gram matrix of ${v.name} is zero, so CKA with it is undefined: use more rows or another hook`);
  return { name: v.name, n: v.n, k, self };
}

export function gramPair(a: GramStats, b: GramStats): number {
  if (a.n !== b.n) fail(`cka: ${a.name} has ${a.n} vectors but ${b.name} has ${b.n}: both sides must hold the same rows`);
  return finiteRatio(frobDot(a.k, b.k) / Math.sqrt(a.self * b.self), a.name, b.name);
}

/** Multiply-adds of each full form over these hooks and pairs, and the Gram form's bytes. */
export function formCost(n: number, widthsA: number[], widthsB: number[], symmetric: boolean): { feature: number; gram: number; gramBytes: number } {
  const hooks = symmetric ? widthsA : [...widthsA, ...widthsB];
  let pairs = 0;
  widthsA.forEach((da, i) => widthsB.forEach((db, j) => { if (!symmetric || j >= i) pairs += da * db; }));
  const count = symmetric ? (widthsA.length * (widthsA.length + 1)) / 2 : widthsA.length * widthsB.length;
  const feature = n * pairs + hooks.reduce((s, d) => s + n * d * d, 0);
  const gram = hooks.reduce((s, d) => s + (n * n * d) / 2, 0) + count * n * n;
  return { feature, gram, gramBytes: hooks.length * n * n * 8 };
}

/** One pair's CKA in the chosen form (tests and small callers; the analysis reuses per-hook statistics). */
export function linearCka(x: Vectors, y: Vectors, kind: CkaKind, form: 'feature' | 'gram'): number {
  if (form === 'feature') return featurePair(featureStats(x, kind), featureStats(y, kind), kind);
  return gramPair(gramStats(x, kind), gramStats(y, kind));
}
