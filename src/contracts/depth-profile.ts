/** `depth-profile`: residual analytics and a lens summary of one run, for side-by-side comparison. */
import type { DepthProfile } from './depth';

export type { DepthProfile };
export type DepthProfileOptions = Record<string, never>;
export type DepthProfileProgress = never;
export const DEPTH_PROFILE_DEFAULTS: DepthProfileOptions = {};
