/**
 * `sae-train` (METHODS §9.2 training, §9.3 metrics): train a sparse autoencoder on every
 * token of a dataset's rows at one hook, on the device, and register it as an SAE artifact
 * (SAELens layout; exported as a SAELens folder). Defaults follow SAELens where it has
 * them (lr 3e-4, l1 1.0, k 100, 4096 tokens per step, AuxK coefficient 1, k_aux d_in/2,
 * dead window 1000 steps).
 */
import type { PartialInfo } from './partial';
import type { Progress } from './run-ref';
import type { SaeInfo } from './sae';

/** `relu`: SAELens standard (L1 on z·‖W_dec,i‖); `topk`: k largest pre-acts, unit-norm decoder rows, AuxK. */
export type SaeTrainArch = 'relu' | 'topk';

export interface SaeTrainOptions {
  /** Dataset artifact id. */
  dataset: string;
  /** Strata hook, step-indexed as in `extract` (e.g. blocks.3.hook_resid_post). */
  hook: string;
  architecture: SaeTrainArch;
  /** d_sae. */
  width: number;
  /** TopK: latents kept per token. */
  k: number;
  /** ReLU: λ of the sparsity term. */
  l1: number;
  lr: number;
  steps: number;
  /** Tokens per step. */
  batch: number;
  /** Seeds the init and the batch order (numpy RandomState(seed) stream). */
  seed: number;
  /** Use only the first `limit` rows; 0 = all. */
  limit: number;
  /** AuxK: dead latents used per token; 0 = d_in / 2 (SAELens). */
  kAux: number;
  /** AuxK coefficient (SAELens aux_loss_coefficient). */
  auxCoef: number;
  /** A latent is dead when it has not fired for more than this many tokens; 0 = 1000 steps' worth (SAELens dead_feature_window). */
  deadTokens: number;
  /** Steps between progress reports (one curve point each; the last step always reports). */
  progressEvery: number;
  /** Extraction: tokens per forward batch (see `extract`). */
  batchTokens: number;
  /** Refuse when the activations would need more host memory than this, bytes. */
  maxBytes: number;
}

export const SAE_TRAIN_DEFAULTS: SaeTrainOptions = {
  dataset: '', hook: '', architecture: 'topk', width: 0, k: 100, l1: 1, lr: 3e-4, steps: 500, batch: 4096, seed: 0,
  limit: 0, kAux: 0, auxCoef: 1, deadTokens: 0, progressEvery: 10, batchTokens: 512, maxBytes: 512 * 2 ** 20,
};

/** One point of the training curves (batch metrics of the step just taken, before its update). */
export interface SaeTrainPoint {
  step: number;
  /** Total loss (mse + sparsity or AuxK term). */
  loss: number;
  /** mean over tokens of Σ_d (x − x̂)². */
  mse: number;
  /** mean over tokens of #(z > 0). */
  l0: number;
  /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over the batch. */
  fve: number;
  /** Fraction of latents dead (unfired for more than the dead window) after the step. */
  dead: number;
}

export interface SaeTrainProgress extends Progress {
  /** 'extract': rows through the model (done/total rows); 'train': done/total steps. */
  phase: 'extract' | 'train';
  /** Train phase: the step's curve point, on progress ticks (every `progressEvery` steps and the last). */
  point?: SaeTrainPoint;
}

export interface SaeTrainResult {
  /** The SAE artifact (also after a cancel: the SAE after the steps taken, `partial`). */
  sae: SaeInfo;
  /** Tokens trained on (dataset tokens at the hook, BOS positions left out). */
  tokens: number;
  /** Set when position 0 of rows holding the model's BOS token was left out. */
  note?: string;
  /** One point per progress tick. */
  curve: SaeTrainPoint[];
  /** The last point's metrics. */
  final: SaeTrainPoint;
  seconds: number;
  partial?: PartialInfo;
}
