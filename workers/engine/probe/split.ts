/**
 * Seeded train/test splits over n rows (contracts/probe.ts ProbeSplit). `random` and
 * `kfold` reproduce scikit-learn's train_test_split and KFold(shuffle=True) index for
 * index (numpy's MT19937, mt19937.ts); `stratified` is this project's own.
 */
import type { ProbeSplitIndices } from '../../../src/contracts/probe';
import { fail } from '../errors';
import { MT19937 } from './mt19937';

function checkSeed(seed: number): void {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) fail(`probe: the seed must be an integer in 0..4294967295, got ${seed}`);
}

/** train_test_split(arange(n), test_size=f, random_state=seed): test = permutation[:ceil(f·n)], train = the rest, in that order. */
export function randomSplit(n: number, testFraction: number, seed: number): ProbeSplitIndices {
  checkSeed(seed);
  if (!(testFraction > 0 && testFraction < 1)) fail(`probe: the test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  // The same float product scikit-learn takes the ceiling of (0.4 · 5 = 2.0000000000000004 → 3).
  const nTest = Math.ceil(testFraction * n);
  const nTrain = n - nTest;
  if (nTest < 1 || nTrain < 1) fail(`probe: ${n} rows with test fraction ${testFraction} leave ${nTrain} to train on and ${nTest} to test: use more rows`);
  const perm = Array.from({ length: n }, (_, i) => i);
  new MT19937(seed).shuffle(perm);
  return { train: perm.slice(nTest), test: perm.slice(0, nTest) };
}

/**
 * Per class (in class order), that class's rows in row order, shuffled by one generator, and
 * round(f · n_c) of them (at least 1 and at most n_c − 1 when n_c ≥ 2) to the test set.
 */
export function stratifiedSplit(labels: ArrayLike<number>, classes: number, testFraction: number, seed: number): ProbeSplitIndices {
  checkSeed(seed);
  if (!(testFraction > 0 && testFraction < 1)) fail(`probe: the test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  const rng = new MT19937(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < classes; c++) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.push(i);
    rng.shuffle(rows);
    const k = rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.max(1, Math.round(testFraction * rows.length)));
    test.push(...rows.slice(0, k));
    train.push(...rows.slice(k));
  }
  if (test.length < 1 || train.length < 1) fail(`probe: a stratified split of ${labels.length} rows leaves nothing to test on: use more rows`);
  return { train, test };
}

/**
 * KFold(k, shuffle=True, random_state=seed): a shuffled arange cut into k folds, the first
 * n mod k one row longer; each fold's rows in ascending order (KFold yields them through a mask).
 */
export function kfoldSplit(n: number, k: number, seed: number): ProbeSplitIndices {
  checkSeed(seed);
  if (!(Number.isInteger(k) && k >= 2)) fail(`probe: k-fold needs an integer number of folds ≥ 2, got ${k}`);
  if (k > n) fail(`probe: ${k} folds need at least ${k} rows, the dataset has ${n}`);
  const perm = Array.from({ length: n }, (_, i) => i);
  new MT19937(seed).shuffle(perm);
  const folds: number[][] = [];
  let at = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    folds.push(perm.slice(at, at + size).sort((a, b) => a - b));
    at += size;
  }
  return { train: [], test: folds.flat(), folds };
}
