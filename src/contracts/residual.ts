/** `residual`: residual-stream analytics of one run (METHODS §5–7). */
import type { ResidualResult } from './depth';

export type { ResidualResult };

export interface ResidualOptions {
  /** Void threshold factor α (METHODS §6), 0..1. */
  alpha: number;
  /** How many of the largest |activations| to report per step. */
  massiveTopK: number;
}

export type ResidualProgress = never;
export const RESIDUAL_DEFAULTS: ResidualOptions = { alpha: 0.8, massiveTopK: 5 };
