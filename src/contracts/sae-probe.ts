/**
 * SAE vs probe (METHODS §9.5, §3): every SAE feature as a one-feature classifier of a label,
 * beside the linear probe at the same hook. For feature i and class k (one-vs-rest; a binary
 * label: its positive class only), on the probe's TEST rows:
 *   AUROC_ik = roc_auc_score(y == k, z_i)     (raw activation as the score, ties averaged)
 *   F1_ik    = f1(y == k, z_i > 0)
 *   best_k   = argmax_i AUROC_ik ("max"), and argmax_i max(AUROC_ik, 1 − AUROC_ik) ("either sign").
 * Ties (AUROC within 1e-12) go to the lowest feature id; a constant feature scores 0.5.
 * The probe's AUROC per class is the one-vs-rest AUROC of its P(k) on the same rows.
 * Cosines: probe direction w_k (binary: ±w toward the positive class) against unit decoder
 * rows W_dec[i]; the control is the max |cos| of random Gaussian directions (seeded) over all rows.
 */
import type { ExtractPosition } from './extract';
import { PROBE_DEFAULTS, type ProbeOptions, type ProbeSplitIndices } from './probe';
import type { Progress } from './run-ref';

/**
 * The probe's settings are the Concept-depth probe's (ProbeOptions documents each; PROBE_DEFAULTS).
 * `positive`, binary: also the class the features are scored for (null = the probe's default).
 */
type ProbeSettings = Pick<ProbeOptions, 'method' | 'C' | 'split' | 'testFraction' | 'folds' | 'seed' | 'positive' | 'maxIter' | 'tol' | 'solver' | 'bootstrap'>;

export interface SaeProbeOptions extends ProbeSettings {
  /** Labelled dataset artifact id (binary or more classes). */
  dataset: string;
  /** SAE artifact ids of the request's model, each at some hook; one or many. */
  saes: string[];
  position: Exclude<ExtractPosition, 'all'>;
  /** First `limit` rows; 0 = all. */
  limit: number;
  batchTokens: number;
  maxBytes: number;
  /** Features listed per class, best AUROC first. */
  top: number;
  /** Random directions of the cosine control (0 = no cosines). */
  controls: number;
  /** Keep each hook's probe as an artifact (default: dropped once scored). */
  keepProbes: boolean;
  /** Memory bounds of the encoding, in floats: z on the device per row chunk ([rows, d_sae]), and z read back per feature block ([n_test, features]). */
  deviceFloats: number;
  hostFloats: number;
}

/** One feature as a classifier of one class. */
export interface SaeFeatureScore {
  feature: number;
  auc: number;
  f1: number;
}

export interface SaeProbeClass {
  /** The class name (one-vs-rest). */
  name: string;
  /** Test rows of this class. */
  count: number;
  /** max_i AUROC_ik and its feature (lowest id on ties) and that feature's F1. */
  best: SaeFeatureScore;
  /** max_i max(AUROC, 1 − AUROC): `auc` is that value (≥ 0.5), `feature` its feature, `f1` its F1. */
  either: SaeFeatureScore;
  /** The `top` features by AUROC (descending, ids ascending on ties). */
  top: SaeFeatureScore[];
  /** One-vs-rest AUROC of the probe's P(k) on the same rows. */
  probeAuc: number;
  /** cos(probe direction for k, W_dec[best.feature]), when cosines are on. */
  cosBest?: number;
  /** max_i |cos(probe direction for k, W_dec[i])|. */
  cosMax?: number;
}

export interface SaeProbeEntry {
  /** SAE artifact id. */
  sae: string;
  /** The SAE's hook by layer, and the run's hook (by step) it read. */
  saeHook: string;
  hook: string;
  /** Model layer of the hook (null: hook_embed / ln_final). */
  layer: number | null;
  step: number | null;
  /** step/(S − 1) as the Concept-depth view (hook_embed 0, ln_final 1). */
  relDepth: number;
  dSae: number;
  /** Features constant over the test rows (AUROC 0.5 for every class). */
  constant: number;
  /** The probe at this hook: its test accuracy and AUROC (binary: of P(class 1); else macro). */
  probeAcc: number;
  probeAuc: number;
  /** The probe artifact, when `keepProbes`. */
  probe?: string;
  classes: SaeProbeClass[];
  /** Random-direction control of max |cos| over decoder rows: mean and 95th percentile. */
  control?: { mean: number; p95: number; n: number };
}

export interface SaeProbeResult {
  /** All label names (sorted); `scored` are the classes each entry lists (binary: the positive one). */
  labels: string[];
  scored: string[];
  positive: string;
  n: number;
  /** Test rows (k-fold: every row). */
  test: number;
  split: ProbeSplitIndices;
  entries: SaeProbeEntry[];
  seconds: number;
  /** Cancelled: the SAEs finished so far. */
  partial?: { done: number; total: number; unit: string };
}

export type SaeProbeProgress = Progress & { phase: 'extract' | 'train' | 'encode' };

/** The Concept-depth probe's settings (PROBE_DEFAULTS), without bootstrap intervals (not reported here). */
const P = PROBE_DEFAULTS;
export const SAE_PROBE_DEFAULTS: SaeProbeOptions = {
  dataset: '', saes: [], position: P.position, limit: P.limit, batchTokens: P.batchTokens, maxBytes: P.maxBytes,
  method: P.method, C: P.C, split: P.split, testFraction: P.testFraction, folds: P.folds, seed: P.seed, positive: P.positive,
  maxIter: P.maxIter, tol: P.tol, solver: P.solver, bootstrap: 0, top: 10, controls: 100, keepProbes: false,
  deviceFloats: 2 ** 22, hostFloats: 2 ** 24,
};
