/**
 * `sae-ce` (METHODS §9.3, "CE loss recovered"): how much of the model's next-token loss the
 * SAE's reconstruction keeps, over a dataset's rows under the request's run spec. Three runs of
 * every row: clean, the reconstruction spliced in at the SAE's hook (no error term), and the hook
 * zeroed (the baseline). Each is the mean next-token cross-entropy over every prediction of
 * every row (position j predicts token j+1, no position masked; nats):
 *   CE_v = Σ_rows Σ_{j<T−1} −log p_v(x_{j+1} | x_≤j) / Σ_rows (T − 1)
 *   recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean)    (1 = lossless, 0 = as bad as zeroing)
 * The SAE and zero runs go one row at a time (an intervention's positions refer to one row).
 */
import type { Progress } from './run-ref';

export interface SaeCeOptions {
  /** SAE artifact id. */
  sae: string;
  /** Dataset artifact id. */
  dataset: string;
  /** Only the first `limit` rows; 0 = all. */
  limit: number;
  /** Tokens per batch of the clean run (rows side by side); 0 = one row at a time. */
  batchTokens: number;
}

export const SAE_CE_DEFAULTS: SaeCeOptions = { sae: '', dataset: '', limit: 0, batchTokens: 512 };

export interface SaeCeResult {
  hook: string;
  rows: number;
  /** Next-token predictions scored (Σ (T − 1)). */
  predictions: number;
  /** Mean CE in nats: clean, reconstruction spliced, hook zeroed. */
  clean: number;
  sae: number;
  zero: number;
  /** (zero − sae) / (zero − clean). */
  recovered: number;
  seconds: number;
}

export type SaeCeProgress = Progress & { stage: 'clean' | 'sae' | 'zero' };
