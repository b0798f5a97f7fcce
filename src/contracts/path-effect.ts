/** `path-effect`: how the run's path changes the last-position output against the full model. */
import type { PathEffect } from './depth';

export type { PathEffect };

export interface PathEffectOptions {
  /** Top-k listed for each side. */
  k: number;
  /** Target id; omit = the full model's top-1. */
  target?: number;
}

export type PathEffectProgress = never;
export const PATH_EFFECT_DEFAULTS: PathEffectOptions = { k: 5 };
