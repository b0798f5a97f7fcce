/** `skip-sweep`: skip each step of the full path over a prompt set (METHODS §5). */
import type { PartialInfo } from './partial';
import type { Progress } from './run-ref';

export type SkipMode = 'layer' | 'attn' | 'mlp';

export interface SkipModeResult {
  /** [S] max over prompts and positions ≥ 1 of ‖softmax(z′) − softmax(z)‖₂ (probability units). */
  outputL2: Float64Array;
  /** [S] max over prompts and positions ≥ 1 of KL(P ‖ P′) in nats (P = unskipped model), clamped at 0. */
  kl: Float64Array;
  /** [S] share of (prompt, position ≥ 1) pairs whose argmax is unchanged, 0..1. */
  top1Agree: Float64Array;
  /** [S][S] effect[s][l] = max over prompts and positions ≥ 1 of ‖Δ_l − Δ′_l‖/‖Δ_l‖ (‖Δ_l‖ clamped at 1e-6). */
  effect: Float64Array[];
  /** Σ s·outputL2[s] / Σ outputL2[s]: the output-weighted mean step index (0-based); NaN in a partial result (it needs every step). */
  depthScore: number;
}

export interface SkipSweepResult {
  path: number[];
  prompts: number;
  modes: Partial<Record<SkipMode, SkipModeResult>>;
  /**
   * Set when the sweep was cancelled: only the first `done` of the path's `total` steps were
   * skipped (over every prompt), so outputL2, kl, top1Agree and effect hold `done` entries (effect
   * rows keep all S columns) — equal to the first `done` entries of the whole sweep.
   */
  partial?: PartialInfo;
}

export interface SkipSweepOptions {
  /** Token ids per prompt; empty = the run's tokens. */
  prompts: number[][];
  modes: SkipMode[];
}

export type SkipSweepProgress = Progress;

export const SKIP_SWEEP_DEFAULTS: SkipSweepOptions = { prompts: [], modes: ['layer', 'attn', 'mlp'] };
