/** `skip-sweep`: skip each step of the full path over a prompt set (METHODS §5). */
import type { SkipMode, SkipSweepResult } from './depth';
import type { Progress } from './run-ref';

export type { SkipSweepResult };

export interface SkipSweepOptions {
  /** Token ids per prompt; empty = the run's tokens. */
  prompts: number[][];
  modes: SkipMode[];
}

export type SkipSweepProgress = Progress;
export const SKIP_SWEEP_DEFAULTS: SkipSweepOptions = { prompts: [], modes: ['layer', 'attn', 'mlp'] };
