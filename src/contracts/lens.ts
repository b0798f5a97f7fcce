/** `lens`: the logit lens over one run (METHODS §1); rows reduced on the device. */
import type { LensOptions, LensResult } from './run';

export type { LensOptions, LensResult };
export type LensProgress = never;

export const LENS_DEFAULTS: Required<Pick<LensOptions, 'topk' | 'kl'>> & LensOptions = { topk: 5, kl: 'final||row' };
