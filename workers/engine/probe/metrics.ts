/**
 * Test-set metrics of a probe, as scikit-learn computes them, and seeded bootstrap
 * intervals. Classes are indices 0..K−1; predictions are class indices.
 */
import { mulberry32 } from '../random';

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : Number.NaN;
}

/** F1 of class `pos` (f1_score(average='binary', pos_label=pos)); 0 when it is never predicted nor present (zero_division). */
export function f1Binary(pred: ArrayLike<number>, y: ArrayLike<number>, pos: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const p = pred[i] === pos;
    const t = y[i] === pos;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const den = 2 * tp + fp + fn;
  return den ? (2 * tp) / den : 0;
}

/** Macro F1 over the classes present in y or pred (f1_score(average='macro')). */
export function f1Macro(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const labels = new Set<number>();
  for (let i = 0; i < y.length; i++) labels.add(y[i] as number).add(pred[i] as number);
  let s = 0;
  for (const c of labels) s += f1Binary(pred, y, c);
  return labels.size ? s / labels.size : Number.NaN;
}

/**
 * ROC-AUC of `score` for `positive[i]` true: the Mann–Whitney statistic with tied scores given
 * their average rank, which is the trapezoid area scikit-learn's roc_auc_score integrates.
 * NaN when either class is absent.
 */
export function rocAuc(score: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number));
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1] as number] === score[order[i] as number]) j++;
    const rank = (i + j) / 2 + 1; // average 1-based rank of the tie group
    for (let k = i; k <= j; k++) if (positive[order[k] as number]) { nPos++; rankSum += rank; }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Binary: AUC of P(class 1) (`probs` [n]); K classes: the macro mean over classes of the
 * one-vs-rest AUC of P(class k) (`probs` [n, K]; classes absent from y are left out).
 */
export function aucOf(probs: ArrayLike<number>, y: ArrayLike<number>, K: number): number {
  const n = y.length;
  if (K === 2) return rocAuc(probs, Array.from({ length: n }, (_, i) => y[i] === 1));
  let s = 0;
  let m = 0;
  for (let k = 0; k < K; k++) {
    const col = Array.from({ length: n }, (_, i) => probs[i * K + k] as number);
    const a = rocAuc(col, Array.from({ length: n }, (_, i) => y[i] === k));
    if (Number.isFinite(a)) { s += a; m++; }
  }
  return m ? s / m : Number.NaN;
}

/** numpy.percentile(values, q) with the default linear interpolation; NaN for no values. */
export function percentile(values: number[], q: number): number {
  const a = [...values].sort((x, y) => x - y);
  if (a.length === 0) return Number.NaN;
  const h = (a.length - 1) * (q / 100);
  const lo = Math.floor(h);
  const hi = Math.min(a.length - 1, lo + 1);
  return (a[lo] as number) + (h - lo) * ((a[hi] as number) - (a[lo] as number));
}

/**
 * Resample indices for the bootstrap: B draws of n rows with replacement, idx = floor(u·n)
 * with u from mulberry32(seed) in order (resample after resample), so every hook of one
 * run sees the same resamples.
 */
export function bootstrapIndices(n: number, B: number, seed: number): Int32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: B }, () => Int32Array.from({ length: n }, () => Math.floor(rand() * n)));
}

/** 95% percentile intervals (2.5, 97.5) of each statistic over the resamples, NaN draws left out. */
export function bootstrapCI(resamples: Int32Array[], stats: (idx: Int32Array) => number[]): [number, number][] {
  const draws: number[][] = [];
  for (const idx of resamples) {
    stats(idx).forEach((v, j) => {
      (draws[j] ??= []);
      if (Number.isFinite(v)) (draws[j] as number[]).push(v);
    });
  }
  return draws.map((d) => [percentile(d, 2.5), percentile(d, 97.5)]);
}

/**
 * The three bootstrap statistics (accuracy, F1, AUC as above) of every resample, from each
 * resample's row counts: O(n·K) per resample, no sorting (the rows are ordered by score once
 * per class, and a resample's AUC is the tie-aware Mann–Whitney count over that order with
 * multiplicities). Equal to computing them on the resampled arrays (tests/probe-math.test.ts).
 */
export function bootstrapMetrics(resamples: Int32Array[], y: Int32Array, pred: Int32Array, probs: Float64Array, K: number, pos: number): [number, number][] {
  const n = y.length;
  const cols = K === 2 ? [1] : Array.from({ length: K }, (_, k) => k);
  const score = (i: number, k: number): number => (K === 2 ? (probs[i] as number) : (probs[i * K + k] as number));
  const orders = cols.map((k) => Array.from({ length: n }, (_, i) => i).sort((a, b) => score(a, k) - score(b, k)));
  const counts = new Int32Array(n);
  const draws: number[][] = [[], [], []];
  for (const idx of resamples) {
    counts.fill(0);
    for (const i of idx) counts[i] = (counts[i] as number) + 1;
    let ok = 0;
    const tp = new Float64Array(K);
    const fp = new Float64Array(K);
    const fn = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      const c = counts[i] as number;
      if (!c) continue;
      const t = y[i] as number;
      const p = pred[i] as number;
      if (t === p) { ok += c; tp[t] = (tp[t] as number) + c; } else { fp[p] = (fp[p] as number) + c; fn[t] = (fn[t] as number) + c; }
    }
    const f1k = (k: number): number => { const den = 2 * (tp[k] as number) + (fp[k] as number) + (fn[k] as number); return den ? (2 * (tp[k] as number)) / den : 0; };
    let f1: number;
    if (K === 2) f1 = f1k(pos);
    else {
      let s = 0;
      let m = 0;
      for (let k = 0; k < K; k++) if ((tp[k] as number) + (fp[k] as number) + (fn[k] as number) > 0) { s += f1k(k); m++; }
      f1 = m ? s / m : Number.NaN;
    }
    let aucSum = 0;
    let aucN = 0;
    cols.forEach((k, ci) => {
      const order = orders[ci] as number[];
      let negBelow = 0;
      let num = 0;
      let nPos = 0;
      for (let a = 0; a < n;) {
        let b = a;
        while (b + 1 < n && score(order[b + 1] as number, k) === score(order[a] as number, k)) b++;
        let pw = 0;
        let nw = 0;
        for (let r = a; r <= b; r++) {
          const i = order[r] as number;
          const c = counts[i] as number;
          if (y[i] === k) pw += c;
          else nw += c;
        }
        num += pw * negBelow + 0.5 * pw * nw;
        negBelow += nw;
        nPos += pw;
        a = b + 1;
      }
      if (nPos > 0 && negBelow > 0) { aucSum += num / (nPos * negBelow); aucN++; }
    });
    draws[0]?.push(ok / n);
    if (Number.isFinite(f1)) draws[1]?.push(f1);
    if (aucN) draws[2]?.push(aucSum / aucN);
  }
  return draws.map((d) => [percentile(d, 2.5), percentile(d, 97.5)]);
}
