/**
 * The concept-depth slice's shape and first value (no store import, so store.ts can spread
 * it into its initial state without a cycle); the actions are in probes.ts. The store holds
 * each curve's per-hook numbers and ids; the probes themselves stay in the engine.
 */
import type { LoadSummary, TokenView } from '../contracts/engine-api';
import type { PrefixNoise, ProbeInfo, ProbeMethod, ProbeResult, ProbeSplit } from '../contracts/probe';

export type ProbeTarget = 'A' | 'B';
export type ProbePerturbation = 'none' | 'noise' | 'quantize';
export type ProbeMetric = 'acc' | 'f1' | 'auc';

export interface ProbeSettings {
  /** Hook names or `blocks.*.x` patterns. */
  hooks: string;
  position: 'last' | 'mean' | 'index';
  /** With position 'index' (negative counts from the end). */
  index: number;
  method: ProbeMethod;
  C: number;
  split: ProbeSplit;
  testFraction: number;
  folds: number;
  seed: number;
  /** F1's positive class; '' = the reference code's for its datasets, else the last label. */
  positive: string;
  /** Dataset rows used (0 = all). */
  limit: number;
  bootstrap: number;
  /** Train on model A (the current path and interventions) or on model B (all its layers). */
  target: ProbeTarget;
  perturb: ProbePerturbation;
  noise: PrefixNoise;
  bits: number;
  /** Quantisation group size (0 = the default). */
  groupSize: number;
  metric: ProbeMetric;
  /** Jumping point: the first step whose metric is at least this much above the step before it. */
  jump: number;
  /** Converging point: the first step from which the metric stays within this of its maximum. */
  converge: number;
}

export interface ProbeCurve {
  /** Page-side id ("c1", "c2", …). */
  id: string;
  /** What the curve was computed for, in words: model, path, dataset, hook, perturbation. */
  label: string;
  /** Engine id of the model it was trained on (model A, B, or a quantised copy). */
  model: string;
  datasetName: string;
  path: number[] | null;
  perturbation: string;
  result: ProbeResult;
  visible: boolean;
}

export interface ProbeScore {
  /** Probe artifact id and what it is. */
  probe: string;
  title: string;
  hook: string;
  classes: string[];
  /** The class whose probability the strip shows. */
  classIndex: number;
  tokens: TokenView[];
  /** [T] probability of `classIndex`. */
  probs: number[];
  /** [d] the probe's weight row for `classIndex` (its direction). */
  direction: number[];
  /** The run these numbers are for. */
  runId: number;
}

export interface ProbesSlice {
  probeSettings: ProbeSettings;
  probeCurves: ProbeCurve[];
  /** The curve whose per-hook table is open. */
  probeCurveOpen: string | null;
  /** Quantised copies of a model made for probing, by "modelId|bits|group". */
  probeCopies: { key: string; base: string; summary: LoadSummary }[];
  /** Probes read from files. */
  probeImported: ProbeInfo[];
  probeScore: ProbeScore | null;
  /** Scale of the probe's unit direction when it is added as a steering vector. */
  probeSteerScale: number;
}

export const PROBES_INITIAL: ProbesSlice = {
  probeSettings: {
    hooks: 'blocks.*.hook_resid_post', position: 'last', index: -1, method: 'logistic', C: 1, split: 'random', testFraction: 0.4, folds: 5, seed: 0,
    positive: '', limit: 0, bootstrap: 1000, target: 'A', perturb: 'none', noise: { letters: 'ab', length: 3, seed: 0 }, bits: 4, groupSize: 0,
    metric: 'acc', jump: 0.1, converge: 0.02,
  },
  probeCurves: [],
  probeCurveOpen: null,
  probeCopies: [],
  probeImported: [],
  probeScore: null,
  probeSteerScale: 4,
};
