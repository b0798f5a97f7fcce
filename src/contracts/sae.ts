/**
 * Sparse autoencoders (METHODS §9, MODELS.md "SAE formats"): what a loaded SAE is, and
 * the `sae` analysis (encode / decode one run's hook on the device, top-k per position).
 */

/** Where the SAE's files came from. */
export type SaeFormat = 'saelens' | 'saelens-legacy' | 'gemma-scope' | 'sparsify';

/** Inference architectures (SAELens names; sparsify's TopK is `topk`). */
export type SaeArchitecture = 'standard' | 'jumprelu' | 'topk' | 'batchtopk' | 'gated';

/** SAELens `normalize_activations`. */
export type SaeNormalization = 'none' | 'expected_average_only_in' | 'constant_norm_rescale' | 'layer_norm';

/** A loaded SAE, as the page and the CLI see it. */
export interface SaeInfo {
  id: string;
  format: SaeFormat;
  architecture: SaeArchitecture;
  /** The hook as the files name it (SAELens `hook_name`, sparsify's hookpoint, Gemma Scope's folder). */
  sourceHook: string;
  /** The same site as a Strata hook with the LAYER index (`blocks.{layer}.hook_resid_post`): mapped onto a step at run time. */
  hook: string;
  dIn: number;
  dSae: number;
  /** TopK: latents kept per token. */
  k?: number;
  normalize: SaeNormalization;
  applyBDecToInput: boolean;
  /** SAELens `reshape_activations: hook_z`: [T, H, d_head] flattened to [T, H·d_head]. */
  hookZ: boolean;
  /** The input scale folded in for `expected_average_only_in` (s = √d_in / E‖x‖), when given. */
  normScale?: number;
  /** Things the user should know (last-layer resid_post, center_writing_weights, dtype cast). */
  warnings: string[];
}

export interface SaeOptions {
  /** The SAE artifact id. */
  sae: string;
  /** Features reported per position (the largest activations, reduced on the device). */
  topk: number;
  /** Also return this feature's activation at every position (the token strip). */
  feature?: number;
  /** Also compute the CE-loss score on the prompt (three runs: clean, SAE spliced, hook zeroed). */
  ceLoss?: boolean;
}

export const SAE_DEFAULTS: SaeOptions = { sae: '', topk: 8 };

export interface SaeResult {
  /** The run's hook the SAE read (its step index in the path). */
  hook: string;
  architecture: SaeArchitecture;
  dSae: number;
  /** [T][K] feature ids, largest activation first (positions with fewer than K active pad with zero activations). */
  topIds: number[][];
  /** [T][K] their activations. */
  topActs: number[][];
  /** [T] active features per position (z > 0). */
  l0: number[];
  /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², sums and x̄ over the prompt's positions. */
  fve: number;
  /** [T] cos(x, x̂). */
  cos: number[];
  /** [T] ‖x − x̂‖ (the error term's norm). */
  errNorm: number[];
  /** [T] activation of `options.feature` at each position, when asked. */
  featureActs?: number[];
  /**
   * The feature's decoder direction through the unembedding, ℓ = W_dec[f]·W_U (final norm's
   * gain NOT applied, as SAEDashboard): the 10 largest and 10 smallest logits. Residual-space
   * hooks only (hook_z SAEs: absent).
   */
  featureLogits?: { top: SaeLogit[]; bottom: SaeLogit[] };
  /**
   * METHODS §9.3 on the prompt: next-token cross-entropy (nats, mean over positions 0..T−2, no
   * position masked — BOS included) of the run, with the reconstruction spliced in (no error
   * term), and with the hook zeroed; score = (zero − sae)/(zero − clean).
   */
  ce?: { clean: number; sae: number; zero: number; score: number };
}

export interface SaeLogit {
  id: number;
  text: string;
  logit: number;
}
