/**
 * Concept depth (METHODS §3): linear probes at every hook of a dataset's activations,
 * one curve of accuracy / F1 / ROC-AUC over relative depth. `probe` trains (extracting
 * the activations first unless an activation set is given), `probe-score` applies one
 * trained probe to every position of a run. Shared by the engine, the page and the CLI.
 */
import type { ExtractPosition } from './extract';
import type { Progress } from './run-ref';

export type ProbeMethod = 'logistic' | 'mean-diff';

/**
 * How rows are split:
 * - `random`: scikit-learn's `train_test_split(test_size, random_state=seed)` exactly (numpy's
 *   MT19937 permutation: the same indices as the reference code on every machine);
 * - `stratified`: per class, the same generator's permutation, round(testFraction·n_c) of each
 *   class to the test set (not scikit-learn's StratifiedShuffleSplit);
 * - `kfold`: `KFold(folds, shuffle=True, random_state=seed)`; every row is scored once by the probe
 *   trained without its fold, metrics over the pooled scores.
 */
export type ProbeSplit = 'random' | 'stratified' | 'kfold';

/** Random letters glued onto the front of each row's text, no space (the reference code: "aaa" or "bbb"). */
export interface PrefixNoise {
  /** The letters one is drawn from per row (reference: "ab"). */
  letters: string;
  /** How many times the drawn letter is repeated (reference: 3). */
  length: number;
  seed: number;
}

export interface ProbeOptions {
  /** An activation-set artifact to probe; '' = extract `dataset` first (hooks, position, limit below). */
  activations: string;
  /** Dataset artifact id (when `activations` is ''). */
  dataset: string;
  hooks: string[];
  /** Not `all`: a probe reads one vector per row. */
  position: Exclude<ExtractPosition, 'all'>;
  limit: number;
  batchTokens: number;
  maxBytes: number;
  /** Prefix noise on every row's text before extraction (null = clean). */
  noise: PrefixNoise | null;
  method: ProbeMethod;
  /** Inverse L2 strength (scikit-learn's C); the intercept is not penalised, features are not scaled. */
  C: number;
  split: ProbeSplit;
  testFraction: number;
  folds: number;
  seed: number;
  /** F1's positive class (a label name); null = the reference code's for a known dataset, else the last label. */
  positive: string | null;
  /** Newton iterations at most. */
  maxIter: number;
  /** Converged when max|gradient| ≤ tol · max|gradient at zero|. */
  tol: number;
  /** `newton`: dense Hessian + Cholesky; `newton-cg`: Hessian-vector products + preconditioned CG; auto: dense while the parameters are ≤ 512. */
  solver: 'auto' | 'newton' | 'newton-cg';
  /** Bootstrap resamples of the test set for the 95% intervals (0 = none). */
  bootstrap: number;
  /** Name for the result's curve and the probes' metadata (default: the dataset's name). */
  label: string;
}

export interface ProbeSplitIndices {
  train: number[];
  test: number[];
  /** k-fold: the test rows of each fold (train = empty, test = every row in fold order). */
  folds?: number[][];
}

export interface ProbeResult {
  hooks: string[];
  /** Step of the path each hook reads (null for hook_embed / ln_final). */
  steps: (number | null)[];
  /** step/(S−1); hook_embed 0, ln_final.hook_normalized 1. */
  relDepth: number[];
  /** Labelled rows used. */
  n: number;
  classes: string[];
  /** F1's positive class (binary). */
  positive: string;
  /** Test rows per class: the majority share is the chance line. */
  chance: number;
  acc: number[];
  /** Binary: F1 of `positive`; more classes: macro F1. */
  f1: number[];
  /** Binary: ROC-AUC of P(class 1) (ties as scikit-learn); more classes: macro one-vs-rest. */
  auc: number[];
  accCI: [number, number][];
  f1CI: [number, number][];
  aucCI: [number, number][];
  split: ProbeSplitIndices;
  /** Newton iterations per hook (0 for mean-diff); k-fold: the most over folds. */
  iterations: number[];
  converged: boolean[];
  /** max|gradient| / max|gradient at zero| at the end, per hook. */
  gradNorm: number[];
  /** Probe artifact per hook (trained on the train rows; k-fold: on all rows). */
  probes: string[];
  /** The activation-set artifact read (extracted here unless given). */
  activations: string;
  method: ProbeMethod;
  label: string;
  seconds: number;
  /** Set when the run was cancelled: the hooks finished so far. */
  partial?: { done: number; total: number; unit: string };
}

export type ProbeProgress = Progress & { phase: 'extract' | 'train' };

export const PROBE_DEFAULTS: ProbeOptions = {
  activations: '', dataset: '', hooks: ['blocks.*.hook_resid_post'], position: 'last', limit: 0, batchTokens: 512, maxBytes: 1024 * 2 ** 20,
  noise: null, method: 'logistic', C: 1, split: 'random', testFraction: 0.4, folds: 5, seed: 0, positive: null,
  maxIter: 100, tol: 1e-10, solver: 'auto', bootstrap: 1000, label: '',
};

/** The reference code's positive class (its y = 1) for the Concept Depth sets, by built-in name or file name. */
export const REFERENCE_POSITIVE: Record<string, string> = {
  cities: '0', 'cities.csv': '0',
  coin_flip: 'no', 'coin_flip.json': 'no',
  strategyqa: 'No', 'StrategyQA_task.json': 'No',
  common_claim: 'False', 'common_claim.csv': 'False',
  sst2: '1', 'stsa.binary.train.txt': '1',
};

/** A trained probe as the page lists it. */
export interface ProbeInfo {
  id: string;
  hook: string;
  position: string;
  method: ProbeMethod;
  classes: string[];
  d: number;
  dataset: string;
  /** The model label it was trained on. */
  model: string;
  /** Its test metrics when known (JSON of {acc, f1, auc}). */
  metrics?: string;
}

export interface ProbeScoreOptions {
  /** Probe artifact id. */
  probe: string;
}

export interface ProbeScoreResult {
  hook: string;
  classes: string[];
  /** [T] P(class 1) for a binary probe, [T, K] softmax for more classes (row-major). */
  probs: Float32Array;
  /** [K', d] the probe's weight (K' = 1 for binary): its direction for an `add` intervention. */
  weight: Float32Array;
  d: number;
}

/** Fake quantisation of every block's linear maps (METHODS §11): quantise, then dequantise to f32. */
export interface QuantizeOptions {
  bits: number;
  /** Inputs per group of one output row; 0 = the default (8 bits: the whole row; fewer: 128, lowered by 32 until it divides the row). */
  groupSize: number;
  /** Default: symmetric for 8 bits, asymmetric (min/max) below (Quanto's). */
  symmetric?: boolean;
}
