/** `depth-profile`: residual analytics and a lens summary of one run, for side-by-side comparison. */
import type { ResidualResult } from './residual';

/** One run summarised for side-by-side comparison (two paths, or two models by relative depth). */
export interface DepthProfile {
  path: number[];
  layers: number;
  residual: ResidualResult;
  /** [S+1] means over positions of the logit lens: KL(P_final ‖ P_row) (nats), entropy (nats), top-1 probability. */
  lensKl: number[];
  lensEntropy: number[];
  lensTop1: number[];
}

export type DepthProfileOptions = Record<string, never>;

export type DepthProfileProgress = never;

export const DEPTH_PROFILE_DEFAULTS: DepthProfileOptions = {};
