import * as tf from '@tensorflow/tfjs-core';
import type { LensOptions, LensResult } from '../../../src/contracts/run';
import { disposeForward, forward, readLastLogits } from '../forward/forward';
import type { LoadedModel } from '../models/common/types';
import { logitLens } from './logit-lens';

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

/** Row labels for a lens over a path: embed, one per step, the last being the output. */
export function lensLabels(path: number[]): string[] {
  return ['embed', ...path.map((l, s) => (s === path.length - 1 ? `final (step ${s}, layer ${l})` : `step ${s} (layer ${l})`))];
}

/** One forward, then the lens and residual norms reduced on the device. */
export async function trace(model: LoadedModel, tokens: number[], path: number[], opts: TraceOptions = {}): Promise<TraceResult> {
  const out = forward(model, tokens, {
    path,
    keepResiduals: true,
    capture: opts.attention ? ['blocks.*.attn.hook_pattern'] : [],
  });
  try {
    const T = out.logits.shape[0];
    const normsT = tf.tidy(() => tf.stack(out.residuals.map((r) => tf.norm(r, 'euclidean', 1))));
    const norms = await normsT.data();
    normsT.dispose();
    const residNorms = out.residuals.map((_, r) => Float32Array.from(norms.subarray(r * T, (r + 1) * T)));
    const logitsLast = await readLastLogits(out.logits);
    const lens = await logitLens(model, out.residuals, out.logits, lensLabels(path), opts);
    let attention: Float32Array[] | undefined;
    if (opts.attention) {
      attention = [];
      for (let s = 0; s < path.length; s++) {
        const p = out.captures.get(`blocks.${s}.attn.hook_pattern`);
        if (p) attention.push(Float32Array.from(await p.data()));
      }
    }
    return attention ? { path, logitsLast, residNorms, lens, attention } : { path, logitsLast, residNorms, lens };
  } finally {
    disposeForward(out);
  }
}
