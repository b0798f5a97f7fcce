/** `residual`: residual-stream analytics of one run (METHODS §5–7). */

/** A mean over positions and the maximum over positions, one entry per step. */
export interface MeanMax {
  mean: Float64Array;
  max: Float64Array;
}

export interface MassiveActivation {
  /** The signed value of h_out at (position, dim). */
  value: number;
  position: number;
  dim: number;
}

export interface ResidualResult {
  path: number[];
  alpha: number;
  /** ‖a‖/‖h‖. */
  attnRel: MeanMax;
  /** ‖m‖/‖h+a‖. */
  mlpRel: MeanMax;
  /** ‖h_out − h‖/‖h‖. */
  layerRel: MeanMax;
  /** cos(a, h). */
  cosAttn: MeanMax;
  /** cos(m, h+a). */
  cosMlp: MeanMax;
  /** cos(h_out, h). */
  cosLayer: MeanMax;
  /** [S] LIM = mean over positions of −cos(h, h_out) (METHODS §7, per-token variant). */
  lim: Float64Array;
  /** [S] LIM with all tokens flattened into one T·d vector (the other §7 reading). */
  limFlat: Float64Array;
  /** [T][S]: 1 when step s is a void for token t (METHODS §6). */
  voids: Uint8Array[];
  /** [T][S]: Δ_s − τ_s, the signed distance from the void threshold (negative = void). */
  voidMargin: Float64Array[];
  /** [S+1][T]: ‖h‖ entering each step, then ‖h_out‖ of the last step. */
  residNorms: Float64Array[];
  /** [S][k]: the largest |h_out| entries of each step, largest first. */
  massive: MassiveActivation[][];
}

export interface ResidualOptions {
  /** Void threshold factor α (METHODS §6), 0..1. */
  alpha: number;
  /** How many of the largest |activations| to report per step. */
  massiveTopK: number;
}

export type ResidualProgress = never;

export const RESIDUAL_DEFAULTS: ResidualOptions = { alpha: 0.8, massiveTopK: 5 };
