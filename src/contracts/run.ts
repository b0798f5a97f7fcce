/**
 * A forward run is plain data (nnsight's idea): the tokens, the layer path, the
 * interventions scoped to this run, and the hooks to bring back. Nothing else returns.
 */

/** TransformerLens hook names. `blocks.{step}` indexes the STEP of the path, not the layer. */
export type HookName = string;

/** A dense f32 array with its shape, C order. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

export type InterventionKind =
  /** Replace the selected entries with 0. */
  | 'zero'
  /** Replace with the mean over positions of this run (or `value` when given). */
  | 'mean'
  /** Replace with the same entries of `value` (usually another run's capture of this hook). */
  | 'patch'
  /** Add `value` (a vector over the last axis, or a full tensor of the hook's shape). */
  | 'add';

export interface Intervention {
  hook: HookName;
  kind: InterventionKind;
  /** Head indices, for hooks with a head axis (attn.hook_q/k/v/z/pattern). Omit = all. */
  heads?: number[];
  /** Token positions (query positions for hook_pattern). Omit = all. */
  positions?: number[];
  value?: Float32Tensor;
}

export interface RunSpec {
  tokens: number[];
  /** Layer indices executed in order: omit to skip, repeat to loop. Omit = all layers in order. */
  path?: number[];
  interventions?: Intervention[];
  capture?: HookName[];
}

export interface RunResult {
  path: number[];
  /** Logits at the last position, [V]. */
  logitsLast: Float32Array;
  captures: Record<HookName, Float32Tensor>;
}

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
