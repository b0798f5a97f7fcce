/**
 * The probe's pure math against hand computations and numbers printed by numpy /
 * scikit-learn (written here as constants): MT19937 and the splits, AUC with ties, F1,
 * percentiles and bootstrap resamples, the difference-of-means probe, and the logistic
 * regression optimum (a 1-d case solved by bisection; random data by the optimality
 * condition and by the other solver).
 */
import { describe, expect, it } from 'vitest';
import { fitLogistic } from '../workers/engine/probe/logistic';
import { massMean, predictions, probabilities } from '../workers/engine/probe/mass-mean';
import { accuracy, aucOf, bootstrapCI, bootstrapIndices, bootstrapMetrics, f1Binary, f1Macro, percentile, rocAuc } from '../workers/engine/probe/metrics';
import { MT19937, permutation } from '../workers/engine/probe/mt19937';
import { noisyRows } from '../workers/engine/probe/noise';
import { kfoldSplit, randomSplit, stratifiedSplit } from '../workers/engine/probe/split';
import { mulberry32 } from '../workers/engine/random';

const close = (a: number, e: number, tol: number): boolean => Math.abs(a - e) <= tol;

describe('numpy MT19937 and scikit-learn splits', () => {
  it('the generator and permutation equal numpy.random.RandomState', () => {
    // numpy: MT19937()._legacy_seeding(42); random_raw(3); RandomState(42).permutation(10)
    const m = new MT19937(42);
    expect([m.nextUint32(), m.nextUint32(), m.nextUint32()]).toEqual([1608637542, 3421126067, 4083286876]);
    expect(permutation(10, 42)).toEqual([8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    expect(permutation(782, 0).slice(0, 8)).toEqual([382, 487, 351, 14, 145, 422, 753, 253]);
  });

  it('random = train_test_split, k-fold = KFold(shuffle=True), the same on every call', () => {
    // train_test_split(arange(10), test_size=0.4, random_state=42) -> ([7,2,9,4,3,6], [8,1,5,0])
    expect(randomSplit(10, 0.4, 42)).toEqual({ train: [7, 2, 9, 4, 3, 6], test: [8, 1, 5, 0] });
    expect(randomSplit(5, 0.4, 0)).toEqual({ train: [1, 3, 4], test: [2, 0] });
    // 0.4·3 = 1.2000000000000002: the ceiling scikit-learn takes gives 2 test rows of 3
    expect(randomSplit(3, 0.4, 0)).toEqual({ train: [0], test: [2, 1] });
    expect(randomSplit(7, 0.3, 123456789)).toEqual({ train: [1, 2, 4, 0], test: [6, 3, 5] });
    // KFold(3, shuffle=True, random_state=7).split(arange(10))
    const k = kfoldSplit(10, 3, 7);
    expect(k.folds).toEqual([[0, 2, 5, 8], [1, 7, 9], [3, 4, 6]]);
    expect(k.test).toEqual([0, 2, 5, 8, 1, 7, 9, 3, 4, 6]);
    expect(randomSplit(500, 0.4, 3)).toEqual(randomSplit(500, 0.4, 3));
    expect(() => randomSplit(1, 0.4, 0)).toThrow(/use more rows/);
    expect(() => randomSplit(10, 1.2, 0)).toThrow(/between 0 and 1/);
    expect(() => randomSplit(10, 0.4, -1)).toThrow(/seed/);
  });

  it('stratified: each class split in the given share, disjoint, covering, deterministic', () => {
    const labels = Int32Array.from({ length: 50 }, (_, i) => (i < 30 ? 0 : i < 45 ? 1 : 2));
    const s = stratifiedSplit(labels, 3, 0.4, 5);
    const count = (rows: number[], c: number) => rows.filter((i) => labels[i] === c).length;
    expect([0, 1, 2].map((c) => count(s.test, c))).toEqual([12, 6, 2]); // round(0.4·30), round(0.4·15), round(0.4·5)
    expect(new Set([...s.train, ...s.test]).size).toBe(50);
    expect(s.train.length + s.test.length).toBe(50);
    expect(stratifiedSplit(labels, 3, 0.4, 5)).toEqual(s);
    expect(stratifiedSplit(labels, 3, 0.4, 6)).not.toEqual(s);
  });
});

describe('metrics', () => {
  it('ROC-AUC: scikit-learn\'s example, ties at half weight, undefined with one class', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    // positives {0.5, 0.9} vs negatives {0.5, 0.5}: 0.9 beats both (2), 0.5 ties both (2 × ½) -> 3/4
    expect(rocAuc([0.5, 0.5, 0.5, 0.9], [false, true, false, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([1, 1, 1, 1], [false, true, false, true])).toBe(0.5);
    expect(rocAuc([0.2, 0.3], [true, true])).toBeNaN();
    // macro one-vs-rest over 3 classes: each class's AUC by hand
    const P = [0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8, 0.2, 0.5, 0.3];
    const y = [0, 1, 2, 1];
    // class 0: P0 = [.7,.3,.1,.2], positive row 0 -> beats all: 1; class 1: P1 = [.2,.4,.1,.5], positives rows 1,3 vs 0,2: 4/4 = 1;
    // class 2: P2 = [.1,.3,.8,.3], positive row 2 -> 1
    expect(aucOf(P, y, 3)).toBe(1);
    expect(aucOf([0.9, 0.1], [0, 1], 2)).toBe(0);
  });

  it('F1 of either class, macro F1, accuracy', () => {
    const pred = [1, 1, 0, 0, 1];
    const y = [1, 0, 0, 1, 1];
    expect(f1Binary(pred, y, 1)).toBeCloseTo(2 / 3, 12); // TP 2, FP 1, FN 1
    expect(f1Binary(pred, y, 0)).toBeCloseTo(1 / 2, 12); // TP 1, FP 1, FN 1
    expect(f1Macro(pred, y)).toBeCloseTo(7 / 12, 12);
    expect(f1Binary([0, 0], [0, 0], 1)).toBe(0); // never predicted nor present: scikit-learn's zero_division 0
    expect(accuracy(pred, y)).toBeCloseTo(0.6, 12);
  });

  it('percentile = numpy linear; bootstrap resamples = the Python port of mulberry32', () => {
    expect(percentile([4, 1, 3, 2], 2.5)).toBeCloseTo(1.075, 12);
    expect(percentile([4, 1, 3, 2], 97.5)).toBeCloseTo(3.925, 12);
    expect(percentile([], 50)).toBeNaN();
    const r = mulberry32(0);
    expect([r(), r(), r()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    // Python: [[int(r()*5) for _ in range(5)] for _ in range(3)] with mulberry32(0)
    expect(bootstrapIndices(5, 3, 0).map((a) => Array.from(a))).toEqual([[1, 0, 1, 0, 2], [2, 3, 3, 2, 2], [1, 0, 4, 2, 3]]);
    // mean of x = [10, 20, 30, 40, 50] over the three resamples: 18, 34, 30 -> percentiles by hand
    const x = [10, 20, 30, 40, 50];
    const ci = bootstrapCI(bootstrapIndices(5, 3, 0), (idx) => [Array.from(idx, (i) => x[i] as number).reduce((a, b) => a + b, 0) / idx.length, Number.NaN]);
    expect(ci[0]?.[0]).toBeCloseTo(18 + 0.05 * 12, 10); // sorted [18, 30, 34]: h = 0.05
    expect(ci[0]?.[1]).toBeCloseTo(30 + 0.95 * 4, 10); // h = 1.95
    expect(ci[1]?.[0]).toBeNaN(); // all draws undefined
  });

  it('the fast bootstrap (row counts, one sort) equals the metrics of the resampled arrays', () => {
    const rand = mulberry32(5);
    for (const K of [2, 3]) {
      const n = 41;
      const y = Int32Array.from({ length: n }, () => Math.floor(rand() * K));
      // Scores on a coarse grid, so that ties occur.
      const probs = Float64Array.from({ length: n * (K === 2 ? 1 : K) }, () => Math.round(rand() * 8) / 8);
      const pred = Int32Array.from({ length: n }, () => Math.floor(rand() * K));
      const res = bootstrapIndices(n, 300, 9);
      const fast = bootstrapMetrics(res, y, pred, probs, K, 1);
      const Kp = K === 2 ? 1 : K;
      const slow = bootstrapCI(res, (idx) => {
        const yy = Array.from(idx, (i) => y[i] as number);
        const pp = Array.from(idx, (i) => pred[i] as number);
        const pr = Array.from(idx, (i) => Array.from(probs.subarray(i * Kp, (i + 1) * Kp))).flat();
        return [accuracy(pp, yy), K === 2 ? f1Binary(pp, yy, 1) : f1Macro(pp, yy), aucOf(pr, yy, K)];
      });
      fast.flat().forEach((v, j) => expect(close(v, slow.flat()[j] as number, 1e-12), `K ${K} stat ${j}: ${v} vs ${slow.flat()[j]}`).toBe(true));
    }
  });
});

describe('probes', () => {
  it('difference of means: w = μ1 − μ0, b at the midpoint; K classes: nearest mean', () => {
    const X = Float64Array.from([0, 0, 2, 0, 0, 2, 2, 2]);
    const y = Int32Array.from([0, 0, 1, 1]);
    const m = massMean(X, 4, 2, y, 2);
    expect(Array.from(m.weight)).toEqual([0, 2]); // μ0 = (1, 0), μ1 = (1, 2)
    expect(Array.from(m.bias)).toEqual([-2]); // −(0,2)·(1,1)
    const p = probabilities(Float64Array.from([1, 1.5, 1, 0.2]), 2, 2, m.weight, m.bias);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12); // 2·1.5 − 2 = 1
    expect(Array.from(predictions(p, 2, 2))).toEqual([1, 0]);
    const m3 = massMean(Float64Array.from([0, 0, 4, 0, 0, 6]), 3, 2, Int32Array.from([0, 1, 2]), 3);
    expect(Array.from(m3.bias)).toEqual([-0, -8, -18]);
    expect(Array.from(predictions(probabilities(Float64Array.from([3.5, 0, 0.5, 3.5]), 2, 2, m3.weight, m3.bias), 2, 3))).toEqual([1, 2]);
  });

  it('logistic regression, 1-d: w = 2σ(−w) (bisection), b = 0, by both solvers', async () => {
    // x = ±1, y = 0/1, C = 1: ∂F/∂w = w − σ(−w) + σ(w) − 1 = w − 2σ(−w) = 0 and b = 0 by symmetry.
    let lo = 0;
    let hi = 2;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (mid - 2 / (1 + Math.exp(mid)) > 0) hi = mid;
      else lo = mid;
    }
    for (const solver of ['newton', 'newton-cg'] as const) {
      const f = await fitLogistic(Float64Array.from([-1, 1]), 2, 1, Int32Array.from([0, 1]), 2, { C: 1, maxIter: 100, tol: 1e-12, solver });
      expect(close(f.weight[0] as number, lo, 1e-10), `${solver}: w ${f.weight[0]} vs ${lo}`).toBe(true);
      expect(close(f.bias[0] as number, 0, 1e-10)).toBe(true);
      expect(f.converged).toBe(true);
    }
  });

  it('logistic regression on random data: zero gradient at the answer, the same from either solver, binary and 4 classes', async () => {
    const rand = mulberry32(11);
    const n = 60;
    const d = 7;
    const X = Float64Array.from({ length: n * d }, () => 3 * (rand() - 0.5));
    for (const K of [2, 4]) {
      const y = Int32Array.from({ length: n }, (_, i) => (Math.floor(X[i * d] as number + 1.5 + rand()) % K + K) % K);
      const C = 0.7;
      const a = await fitLogistic(X, n, d, y, K, { C, maxIter: 100, tol: 1e-11, solver: 'newton' });
      const b = await fitLogistic(X, n, d, y, K, { C, maxIter: 100, tol: 1e-11, solver: 'newton-cg' });
      expect(a.converged && b.converged).toBe(true);
      const scale = Math.max(...Array.from(a.weight, Math.abs));
      for (let j = 0; j < a.weight.length; j++) expect(close(a.weight[j] as number, b.weight[j] as number, 1e-8 * scale)).toBe(true);
      for (let j = 0; j < a.bias.length; j++) expect(close(a.bias[j] as number, b.bias[j] as number, 1e-8 * scale)).toBe(true);
      // Optimality written out independently: W/C + Σ_i (p_i − onehot_i) x_i = 0 and Σ_i (p_i − onehot_i) = 0.
      const P = probabilities(X, n, d, a.weight, a.bias);
      const Kw = K === 2 ? 1 : K;
      for (let k = 0; k < Kw; k++) {
        const cls = K === 2 ? 1 : k;
        for (let j = 0; j <= d; j++) {
          let g = j < d ? (a.weight[k * d + j] as number) / C : 0;
          for (let i = 0; i < n; i++) {
            const p = K === 2 ? (P[i] as number) : (P[i * K + k] as number);
            g += (p - (y[i] === cls ? 1 : 0)) * (j < d ? (X[i * d + j] as number) : 1);
          }
          expect(Math.abs(g), `K ${K} class ${k} coordinate ${j}`).toBeLessThanOrEqual(1e-7);
        }
      }
      if (K > 2) expect(Math.abs(Array.from(a.bias).reduce((s, v) => s + v, 0))).toBeLessThanOrEqual(1e-12);
    }
  });

  it('prefix noise: one drawn letter × length per row, seeded, text rows only', () => {
    const rows = [{ text: 'The sky is blue.', label: 't' }, { text: 'Grass is red.', label: 'f' }, { text: 'x' }];
    const a = noisyRows(rows, { letters: 'ab', length: 3, seed: 1 });
    expect(a.map((r) => r.text?.slice(0, 3))).toEqual(a.map((r) => (r.text?.[0] === 'a' ? 'aaa' : 'bbb')));
    expect(a.map((r) => r.text?.slice(3))).toEqual(rows.map((r) => r.text));
    expect(a[0]?.label).toBe('t');
    expect(noisyRows(rows, { letters: 'ab', length: 3, seed: 1 })).toEqual(a);
    const draws = mulberry32(1);
    expect(a.map((r) => r.text?.[0])).toEqual(rows.map(() => 'ab'[Math.floor(draws() * 2)]));
    expect(() => noisyRows([{ ids: [1, 2] }], { letters: 'ab', length: 3, seed: 0 })).toThrow(/row 0 is token ids/);
  });
});
