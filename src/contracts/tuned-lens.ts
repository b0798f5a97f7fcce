/**
 * Tuned lens (METHODS §1): `tuned-lens` decodes a run through a lens artifact,
 * `tuned-train` trains one (a new artifact), `tuned-compare` scores it against the logit lens.
 */
import type { LensOptions, LensResult } from './lens';

/** What the page shows about a loaded or trained lens (plain data). */
export interface TunedLensInfo {
  layers: number;
  dModel: number;
  /** Where it came from: the file name, or "trained in the page". */
  source: string;
  /** Layers whose file had no `{i}.bias` (taken as zero). */
  missingBias: number[];
}

export interface TunedTrainSettings {
  steps: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchTokens: number;
  seed: number;
}

export interface TunedLensOptions extends LensOptions {
  /** Artifact id of the lens; omit = the newest lens of the run's model. */
  lens?: string;
}

export interface TunedLensResult extends LensResult {
  /** [S+1]: the translator each row used; null = none (the last row, or no translator for that layer's output). */
  translators: (number | null)[];
}

export interface TunedTrainOptions extends TunedTrainSettings {
  /** Training texts as token ids, one per entry. */
  texts: number[][];
}

export interface TunedTrainResult {
  /** The new lens artifact. */
  artifact: string;
  info: TunedLensInfo;
  /** Loss per step, nats. */
  losses: Float64Array;
}

export interface TunedTrainProgress {
  done: number;
  total: number;
  unit: string;
  /** The step's loss, nats. */
  loss: number;
}

export interface TunedCompareOptions {
  texts: number[][];
  lens?: string;
}

export interface TunedCompareResult {
  /** Mean KL(P_final ‖ P_layer) per layer input, nats: logit lens and tuned lens. */
  logit: Float64Array;
  tuned: Float64Array;
}

export const TUNED_LENS_DEFAULTS: TunedLensOptions = { topk: 5, kl: 'final||row' };

export const TUNED_TRAIN_DEFAULTS: TunedTrainOptions = { texts: [], steps: 60, lr: 0.1, momentum: 0.9, weightDecay: 1e-3, batchTokens: 256, seed: 0 };

export const TUNED_COMPARE_DEFAULTS: TunedCompareOptions = { texts: [] };
