/**
 * The linear-map variant of representation similarity (METHODS §5, Csordás et al. 2025):
 * for each source hook of A, a least-squares map with bias to each hook of B, fitted on the
 * train rows (ridge λ = ridge · tr(XcᵀXc)/d, bias unpenalised: centre, fit, add the means back),
 * and measured on the held-out rows. Float64 throughout; contracts/cka.ts (CkaLinearMap)
 * defines the two error measures.
 */
import type { CkaLinearMap } from '../../../src/contracts/cka';
import { fail } from '../errors';
import { mulberry32 } from '../random';
import { shuffled } from './cka-minibatch';
import type { Vectors } from './cka-math';

/** Which dataset rows are held out: a seeded shuffle of 0..rows−1, its first ⌈holdout·rows⌉ (at least 1). */
export function heldOutRows(rows: number, holdout: number, seed: number): Set<number> {
  if (!(holdout > 0 && holdout < 1)) fail(`cka: holdout must be a fraction between 0 and 1 (exclusive), got ${holdout}`);
  const k = Math.max(1, Math.ceil(holdout * rows));
  if (rows - k < 2) fail(`cka: the linear maps need at least 2 train rows and 1 held-out row; ${rows} rows with holdout ${holdout} leave ${rows - k} to fit`);
  return new Set(shuffled(rows, mulberry32(seed)).subarray(0, k));
}

/** Column means over the rows idx. */
function meansOf(v: Vectors, idx: Int32Array): Float64Array {
  const m = new Float64Array(v.d);
  for (const r of idx) for (let c = 0; c < v.d; c++) m[c] = (m[c] as number) + (v.data[r * v.d + c] as number);
  for (let c = 0; c < v.d; c++) m[c] = (m[c] as number) / idx.length;
  return m;
}

/** Σ over rows idx of (x − μx)ᵀ(y − μy): [dx × dy]. */
function crossOf(x: Vectors, mx: Float64Array, y: Vectors, my: Float64Array, idx: Int32Array): Float64Array {
  const C = new Float64Array(x.d * y.d);
  const a = new Float64Array(x.d);
  const b = new Float64Array(y.d);
  for (const r of idx) {
    for (let i = 0; i < x.d; i++) a[i] = (x.data[r * x.d + i] as number) - (mx[i] as number);
    for (let j = 0; j < y.d; j++) b[j] = (y.data[r * y.d + j] as number) - (my[j] as number);
    for (let i = 0; i < x.d; i++) {
      const ai = a[i] as number;
      if (ai === 0) continue;
      const o = i * y.d;
      for (let j = 0; j < y.d; j++) C[o + j] = (C[o + j] as number) + ai * (b[j] as number);
    }
  }
  return C;
}

/** In-place Cholesky G = L·Lᵀ (lower triangle); refuses a matrix that is not positive definite. */
function cholesky(G: Float64Array, d: number, what: string): Float64Array {
  for (let j = 0; j < d; j++) {
    let s = G[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (G[j * d + k] as number) ** 2;
    if (!(s > 0)) fail(`cka: the train covariance of ${what} is singular (fewer train rows than its width ${d}, or collinear components): set a ridge > 0`);
    const l = Math.sqrt(s);
    G[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = G[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (G[i * d + k] as number) * (G[j * d + k] as number);
      G[i * d + j] = t / l;
    }
  }
  return G;
}

/** Solves L·Lᵀ·W = C for W [d × m] in place of C. */
function cholSolve(L: Float64Array, d: number, C: Float64Array, m: number): Float64Array {
  for (let col = 0; col < m; col++) {
    for (let i = 0; i < d; i++) {
      let s = C[i * m + col] as number;
      for (let k = 0; k < i; k++) s -= (L[i * d + k] as number) * (C[k * m + col] as number);
      C[i * m + col] = s / (L[i * d + i] as number);
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = C[i * m + col] as number;
      for (let k = i + 1; k < d; k++) s -= (L[k * d + i] as number) * (C[k * m + col] as number);
      C[i * m + col] = s / (L[i * d + i] as number);
    }
  }
  return C;
}

/**
 * The maps from every hook of A to every hook of B. `train`/`test` index the vectors (rows of
 * each Vectors). `step(done, total)` is awaited after each map (progress, cancel).
 */
export async function linearMaps(A: Vectors[], B: Vectors[], train: Int32Array, test: Int32Array, ridge: number, step: (done: number, total: number) => Promise<void>): Promise<CkaLinearMap> {
  if (!(ridge >= 0 && Number.isFinite(ridge))) fail(`cka: ridge must be a non-negative number, got ${ridge}`);
  if (train.length < 2 || test.length < 1) fail(`cka: the linear maps need at least 2 train vectors and 1 held-out vector (have ${train.length} and ${test.length})`);
  const error = A.map(() => new Array<number>(B.length).fill(0));
  const fvu = A.map(() => new Array<number>(B.length).fill(0));
  const total = A.length * B.length;
  let done = 0;
  const yStats = B.map((y) => ({ mean: meansOf(y, train), testMean: meansOf(y, test) }));
  for (const [i, x] of A.entries()) {
    const mx = meansOf(x, train);
    const G = crossOf(x, mx, x, mx, train);
    let trace = 0;
    for (let c = 0; c < x.d; c++) trace += G[c * x.d + c] as number;
    if (!(trace > 0)) fail(`cka: ${x.name} is the same vector in every train row, so no map from it can be fitted: pick another hook or position`);
    const lambda = (ridge * trace) / x.d;
    for (let c = 0; c < x.d; c++) G[c * x.d + c] = (G[c * x.d + c] as number) + lambda;
    const L = cholesky(G, x.d, x.name);
    for (const [j, y] of B.entries()) {
      const { mean: my, testMean } = yStats[j] as (typeof yStats)[number];
      const W = cholSolve(L, x.d, crossOf(x, mx, y, my, train), y.d);
      let rel = 0;
      let sse = 0;
      let sst = 0;
      const p = new Float64Array(y.d);
      for (const r of test) {
        // ŷ = (x − μx)·W + μy, row by row of W (contiguous).
        p.set(my);
        for (let k = 0; k < x.d; k++) {
          const ak = (x.data[r * x.d + k] as number) - (mx[k] as number);
          if (ak === 0) continue;
          const o = k * y.d;
          for (let c = 0; c < y.d; c++) p[c] = (p[c] as number) + ak * (W[o + c] as number);
        }
        let err2 = 0;
        let norm2 = 0;
        for (let c = 0; c < y.d; c++) {
          const t = y.data[r * y.d + c] as number;
          err2 += ((p[c] as number) - t) ** 2;
          norm2 += t * t;
          sst += (t - (testMean[c] as number)) ** 2;
        }
        sse += err2;
        rel += Math.sqrt(err2) / Math.max(Math.sqrt(norm2), 1e-6);
      }
      (error[i] as number[])[j] = rel / test.length;
      if (!(sst > 0)) fail(`cka: ${y.name} is the same vector in every held-out row, so the fraction of its variance a map explains is undefined: use more rows or a larger holdout`);
      (fvu[i] as number[])[j] = sse / sst;
      await step(++done, total);
    }
  }
  return { error, fvu, ridge, train: train.length, test: test.length };
}
