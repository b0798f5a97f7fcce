/** `path-effect`: how the run's path changes the last-position output against the full model. */
export interface TokenProb {
  id: number;
  text: string;
  prob: number;
}

/** How a layer path changes the output at the last position, against the full model. */
export interface PathEffect {
  path: number[];
  /** Top-k of the full model (all layers in order) and of the path. */
  full: TokenProb[];
  edited: TokenProb[];
  /** KL(P_full ‖ P_path) in nats, ≥ 0. */
  kl: number;
  /** ‖P_path − P_full‖₂ (probability units, 0..√2). */
  l2: number;
  /** The target token (default: the full model's top-1): probability and 1-based rank under each. */
  target: { id: number; text: string; probFull: number; probPath: number; rankFull: number; rankPath: number };
}

export interface PathEffectOptions {
  /** Top-k listed for each side. */
  k: number;
  /** Target id; omit = the full model's top-1. */
  target?: number;
}

export type PathEffectProgress = never;

export const PATH_EFFECT_DEFAULTS: PathEffectOptions = { k: 5 };
