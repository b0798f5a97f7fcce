/**
 * Tuned lens (METHODS §1): `tuned-lens` decodes a run through a lens artifact,
 * `tuned-train` trains one (a new artifact), `tuned-compare` scores it against the logit lens.
 */
import type { LensOptions, LensResult } from './lens';
import type { PartialInfo } from './partial';
import type { Progress } from './run-ref';

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

/** Training ended but the lens may be poor: the loss rose and training stopped ('diverged'), or it never fell ('no-progress'). */
export interface TunedTrainWarning {
  kind: 'diverged' | 'no-progress';
  /** Steps taken of `total`. */
  done: number;
  total: number;
  /** What happened, in one line (with the numbers and what to try). */
  message: string;
}

export interface TunedTrainResult {
  /** The new lens artifact (also for a partial or diverged training: the lens after the steps taken). */
  artifact: string;
  info: TunedLensInfo;
  /** Loss per step taken, nats: mean over layers of KL(P_final ‖ P_lens) on the step's batch before its update ([0] = the logit lens). */
  losses: Float64Array;
  /** Set when training was cancelled after `done` of `total` steps. */
  partial?: PartialInfo;
  warning?: TunedTrainWarning;
}

export interface TunedTrainProgress extends Progress {
  /** 'prepare': the texts are run through the model once (done/total texts); 'train': done/total steps. */
  phase: 'prepare' | 'train';
  /** The step's loss, nats; NaN while preparing. */
  loss: number;
  /** Engine time of the unit just finished, ms (a step: forward, backward and update; preparing: one text's forward). */
  ms: number;
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

/**
 * 20 steps of 64 tokens at peak lr 0.3 (tuned-lens: 250 steps of 2^18 tokens at 0.1): a browser
 * budget. Measured on the wasm backend, mean KL to the final layer on held-out text, layers 0..L−1:
 * - demo model, trained on the page's default texts (public/models/demo/lens-texts.json), held-out
 *   items of heldout.json: logit lens 5.09 2.86 2.04 0.82 0.38 0.09 nats → 1.64 1.30 0.91 0.46 0.26
 *   0.07 (at lr 0.1: 1.73 1.57 1.06 0.53 0.30 0.08; 60 steps × 256 tokens at lr 0.1, 12× the work,
 *   on 64 documents: 1.27 0.97 0.62 0.26 0.15 0.05);
 * - stories260K on TinyStories-like text: 21.4 11.3 5.19 2.28 0.98 → 3.45 2.45 1.89 1.23 0.67 (at lr
 *   0.1: 6.59 4.61 2.89 1.55 0.74; lr 0.01 barely moves: 19.1 … 0.92 after 20 × 128 tokens).
 * A 64-token step of the demo model takes ~5–10 s on SwiftShader WebGPU (60 × 256 took ~25 min).
 */
export const TUNED_TRAIN_DEFAULTS: TunedTrainOptions = { texts: [], steps: 20, lr: 0.3, momentum: 0.9, weightDecay: 1e-3, batchTokens: 64, seed: 0 };

/** Where the page's default training texts live (relative to the site), when the text box is empty. */
export const TUNED_DEFAULT_TEXTS_URL = 'models/demo/lens-texts.json';

export const TUNED_COMPARE_DEFAULTS: TunedCompareOptions = { texts: [] };
