/**
 * `cka`: representation similarity between two activation sets over the same dataset rows
 * (METHODS §2): linear CKA (feature or Gram form, the same value), the debiased
 * (unbiased-HSIC) estimator and minibatch CKA (Nguyen et al.); and the linear-map variant
 * (METHODS §5, Csordás et al.). Side A is the request's model under the request's run
 * (path + interventions; its tokens are the dataset's); side B is `b`, or A itself. The
 * activations are extracted in the engine (the `extract` analysis) and never reach the page.
 */
import type { Intervention } from './run';
import type { Progress } from './run-ref';

/** `linear`: biased HSIC (Kornblith's CKA); `debiased`: unbiased HSIC (U-centred Grams; can be negative; needs n ≥ 4). */
export type CkaKind = 'linear' | 'debiased';

/**
 * Which vectors of each row are compared (as in extraction):
 * - `last`: the row's last token; `mean`: the mean over its tokens (without a BOS at position 0);
 *   with two models of different tokenizers each reads the text through its own tokenizer,
 *   so `last`/`mean` are over each model's own tokens of the same text;
 * - `all`: every token pooled (n = total tokens). Both sides must read the same token ids
 *   (the same tokenizer), else it is refused: token t of one model is not token t of the other.
 */
export type CkaPosition = 'last' | 'mean' | 'all';

/** `feature`: ‖YᵀX‖²_F / (‖XᵀX‖_F‖YᵀY‖_F), O(n·d1·d2); `gram`: centred n×n Grams, O(n²·d); `auto`: the cheaper one. */
export type CkaForm = 'auto' | 'feature' | 'gram';

/** Side B of the comparison (every field defaults to side A's, except `path`: all of B's layers). */
export interface CkaSide {
  /** Model id (another model loaded in the same engine); default the request's model. */
  model?: string;
  /** Layer path of B; default all of B's layers in order. */
  path?: number[];
  interventions?: Intervention[];
  /** Hook names or `blocks.*.x` patterns over B's steps; default A's `hooks`. */
  hooks?: string[];
}

export interface CkaOptions {
  /** Dataset artifact id. */
  dataset: string;
  /** A's hook names or `blocks.*.x` patterns (indexed by step of A's path). */
  hooks: string[];
  /** Side B; omitted = A itself (the map is symmetric and each pair is computed once). */
  b?: CkaSide;
  position: CkaPosition;
  kind: CkaKind;
  /** Full (not minibatch) estimator's form; both give the same value. */
  form: CkaForm;
  /** Use only the first `limit` rows; 0 = all. */
  limit: number;
  /**
   * Minibatch CKA (Nguyen et al., efficient_CKA.py MinibatchCKA) when > 0: rows in seeded
   * shuffles (Fisher–Yates with mulberry32(seed): for i = n−1 … 1, j = ⌊u·(i+1)⌋, swap), cut into
   * batches of this many vectors; per batch and hook the Gram is centred (debiased: U-centred,
   * as the reference code; linear: H·K·H) and flattened; CKA_ij = Σ⟨G_i,G_j⟩ / √(Σ⟨G_i,G_i⟩·Σ⟨G_j,G_j⟩)
   * over all batches of all passes, in Float64. 0 = the full estimator.
   */
  minibatch: number;
  /** Shuffled passes over the rows (minibatch only; the reference uses 10). */
  passes: number;
  seed: number;
  /**
   * The last batch of a pass when it has fewer vectors: `drop` it (the reference; its terms
   * carry no 1/(n(n−3)) factor, which is only valid for equal batch sizes), or `scale` every
   * batch's terms by 1/(m(m−3)) (debiased) or 1/(m−1)² (linear) and keep it.
   */
  partial: 'drop' | 'scale';
  /** Position `all`: leave out position 0 of rows whose first token is the model's BOS (the same context-free vector in every row). */
  dropBos: boolean;
  /** Also fit the linear maps (CkaLinearMap). */
  linearMap: boolean;
  /** Ridge strength λ = ridge · tr(XcᵀXc)/d (relative to the mean eigenvalue of the source's train covariance). */
  ridge: number;
  /** Share of dataset rows held out to measure the maps' error (seeded split of rows, not tokens). */
  holdout: number;
  /** Tokens per extraction batch (see extract). */
  batchTokens: number;
  /** Refuse when activations plus Gram matrices would need more host memory than this, bytes. */
  maxBytes: number;
  /** Activation sets of an earlier cka result (`artifacts`) to use again when they were extracted for the same inputs. */
  reuse: string[];
}

/**
 * The linear-map variant (METHODS §5): for each hook i of A and each hook j of B, one
 * least-squares map with bias ŷ = (x − μx)·W + μy fitted on the train rows, W = (XcᵀXc + λI)⁻¹XcᵀYc
 * (λ per `ridge`; the bias is not penalised). A joint map to all of B's hooks at once is the
 * same fit, column by column. Errors are measured on the held-out rows only.
 */
export interface CkaLinearMap {
  /** [rows][cols] mean over held-out vectors of ‖ŷ − y‖₂ / ‖y‖₂ (‖y‖ clamped at 1e-6): Csordás et al.'s relative error. */
  error: number[][];
  /** [rows][cols] ‖Y − Ŷ‖²_F / ‖Y − mean(Y)‖²_F over held-out vectors (fraction of variance unexplained; mean of the held-out rows). */
  fvu: number[][];
  ridge: number;
  /** Vectors the maps were fitted on / measured on. */
  train: number;
  test: number;
}

export interface CkaResult {
  /** A's hooks (concrete names), in pattern then step order. */
  rows: string[];
  /** B's hooks. */
  cols: string[];
  kind: CkaKind;
  position: CkaPosition;
  /** Vectors compared per hook (rows, or pooled tokens for `all`). */
  n: number;
  /** Dataset rows used. */
  datasetRows: number;
  /** The estimator that ran. */
  form: 'feature' | 'gram' | 'minibatch';
  /** [rows][cols] CKA; finite (degenerate inputs are refused with a message). */
  cka: number[][];
  /** B is A itself (the map is symmetric). */
  symmetric: boolean;
  /**
   * Relative depth of each hook in its path of S steps: hook_embed 0; blocks.s.hook_resid_pre s/S;
   * attention-side hooks of step s (s+½)/S; MLP-side hooks and hook_resid_post (s+1)/S; ln_final 1.
   */
  depthRows: number[];
  depthCols: number[];
  /** The layer each hook's step runs (null for hook_embed and ln_final). */
  layerRows: (number | null)[];
  layerCols: (number | null)[];
  /** For each row, the column of its largest CKA (first on ties): the best-matching hook of B. */
  best: number[];
  pathA: number[];
  pathB: number[];
  /** Model labels ("demo", a folder, …). */
  modelA: string;
  modelB: string;
  minibatch?: { size: number; passes: number; seed: number; batches: number; partial: 'drop' | 'scale'; droppedPerPass: number };
  linearMap?: CkaLinearMap;
  /** What the user should know (own tokenizers, BOS dropped, batch clamped to n, …). */
  notes: string[];
  /** The activation sets it read (kept in the engine: pass them as `reuse` to skip extraction next time). */
  artifacts: string[];
  seconds: number;
}

export type CkaPhase = 'extract A' | 'extract B' | 'cka' | 'linear map';

export type CkaProgress = Progress & { phase: CkaPhase };

export const CKA_DEFAULTS: CkaOptions = {
  dataset: '', hooks: ['blocks.*.hook_resid_post'], position: 'last', kind: 'linear', form: 'auto', limit: 0,
  minibatch: 0, passes: 10, seed: 0, partial: 'drop', dropBos: true,
  linearMap: false, ridge: 1e-2, holdout: 0.25, batchTokens: 512, maxBytes: 1024 * 2 ** 20, reuse: [],
};
