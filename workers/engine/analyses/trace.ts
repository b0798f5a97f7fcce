/** `trace`: one run's last logits, residual norms, logit lens and (optionally) attention (the CLI's trace). */
import * as tf from '@tensorflow/tfjs-core';
import { TRACE_DEFAULTS, type TraceOptions, type TraceResult } from '../../../src/contracts/trace';
import { readLastLogits } from '../forward/forward';
import type { RunCache } from '../run-cache';
import type { LoadedModel } from '../models/common/types';
import { defineAnalysis } from './analysis';
import { lensLabels, logitLens } from './logit-lens';

export type { TraceOptions, TraceResult };

/** [S+1][T] L2 norms of the residual entering each step, then of the final residual, reduced on the device. */
export async function residualNorms(run: RunCache): Promise<Float32Array[]> {
  const T = run.logits.shape[0];
  const normsT = tf.tidy(() => tf.stack(run.residuals.map((r) => tf.norm(r, 'euclidean', 1))));
  const norms = await normsT.data();
  normsT.dispose();
  return run.residuals.map((_, r) => Float32Array.from(norms.subarray(r * T, (r + 1) * T)));
}

/** The lens and residual norms of one cached run, with attention when asked. */
export async function trace(model: LoadedModel, run: RunCache, opts: TraceOptions = {}): Promise<TraceResult> {
  if (opts.attention) run.ensure(['blocks.*.attn.hook_pattern']);
  const { path } = run;
  const residNorms = await residualNorms(run);
  const logitsLast = await readLastLogits(run.logits);
  const lens = await logitLens(model, run.residuals, run.logits, lensLabels(path), opts);
  if (!opts.attention) return { path, logitsLast, residNorms, lens };
  const attention: Float32Array[] = [];
  for (let s = 0; s < path.length; s++) attention.push(Float32Array.from(await run.hook(`blocks.${s}.attn.hook_pattern`).data()));
  return { path, logitsLast, residNorms, lens, attention };
}

export const traceAnalysis = defineAnalysis({
  name: 'trace',
  defaults: TRACE_DEFAULTS,
  run: (ctx, opts) => trace(ctx.model.model, ctx.run(), opts),
});
