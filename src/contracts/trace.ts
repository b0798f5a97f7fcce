/** `trace`: one run's last logits, residual norms, logit lens and (optionally) attention: the CLI's `trace`. */
import type { LensOptions, LensResult } from './lens';

export interface TraceOptions extends LensOptions {
  attention?: boolean;
}

export interface TraceResult {
  path: number[];
  /** [V] logits at the last position. */
  logitsLast: Float32Array;
  /** [S+1][T]: L2 norm of the residual entering each step, then of the final residual (before the final norm). */
  residNorms: Float32Array[];
  lens: LensResult;
  /** [S] × [H, T, T] attention patterns when asked for. */
  attention?: Float32Array[];
}

export type TraceProgress = never;

export const TRACE_DEFAULTS: TraceOptions = { topk: 1 };
