/** `lens`: the logit lens over one run (METHODS §1); rows reduced on the device. */

/** Which KL the lens reports (METHODS.md §1: sources differ). */
export type KlDirection =
  /** KL(P_final ‖ P_row), tuned-lens convention; the default. */
  | 'final||row'
  /** KL(P_row ‖ P_final), Csordás et al. */
  | 'row||final'
  /** KL(P_final ‖ P_row) with both clipped below at 1/(10V), nostalgebraist's logit lens. */
  | 'final||row-clipped';

export interface LensOptions {
  topk?: number;
  /** Target token id per position, or one id for all positions. Omit = final top-1. */
  target?: number | number[];
  kl?: KlDirection;
  /** Decode row by row instead of all rows in one batched pass (slower; the bench compares the two). */
  perRow?: boolean;
  /** Only positions [start, end) (the cells a view shows); omit = all. Targets index this range. */
  range?: [number, number];
}

export interface LensRow {
  /** "embed", "step 3 (layer 1)", or "final". */
  label: string;
  /** [T, k] top token ids and probabilities, row-major. */
  topIds: Int32Array;
  topProbs: Float32Array;
  /** [T] in nats. */
  entropy: Float32Array;
  /** [T], direction per LensOptions.kl, ≥ 0. */
  klToFinal: Float32Array;
  /** [T] probability and 1-based rank (count of logits ≥ the target's) of the target. */
  targetProb: Float32Array;
  targetRank: Int32Array;
}

export interface LensResult {
  k: number;
  /** The KL direction these rows were computed with. */
  kl: KlDirection;
  /** First position of the range these rows cover. */
  start: number;
  positions: number;
  /** Target id per position. */
  target: Int32Array;
  /** S+1 rows: row 0 decodes the embeddings, row s+1 the output of step s; the last equals the model output. */
  rows: LensRow[];
  /** Display pieces of every id in the result (filled in by the engine API when a tokenizer is loaded). */
  pieces?: Record<number, string>;
}

export type LensProgress = never;

export const LENS_DEFAULTS: Required<Pick<LensOptions, 'topk' | 'kl'>> & LensOptions = { topk: 5, kl: 'final||row' };
