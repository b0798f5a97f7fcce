/**
 * `sae-ce` (contracts/sae-ce.ts): CE loss recovered over a dataset. Each batch's logits
 * [slots·len, V] stay on the device (next-token.ts sums the rows' next-token losses there); only
 * one number per batch comes back, summed in float64 on the host.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SAE_CE_DEFAULTS, type SaeCeResult } from '../../../src/contracts/sae-ce';
import type { Intervention } from '../../../src/contracts/run';
import { fail } from '../errors';
import { defineAnalysis } from './analysis';
import { datasetRows, runRowBatches, type RowBatch } from './dataset-rows';
import { nextTokenNll } from './next-token';
import { saeFor, saeHookOn } from './sae-dataset';

/** Σ −log p(next token) over the predicting positions of a batch's rows ([slots·len, V] logits). */
function batchCe(logits: tf.Tensor2D, g: RowBatch, ids: number[][]): Promise<number> {
  const at: number[] = [];
  const next: number[] = [];
  g.rows.forEach((i, k) => {
    const row = ids[i] as number[];
    for (let j = 0; j + 1 < row.length; j++) {
      at.push(k * g.len + j);
      next.push(row[j + 1] as number);
    }
  });
  return nextTokenNll(logits, at, next);
}

export const saeCeAnalysis = defineAnalysis({
  name: 'sae-ce',
  defaults: SAE_CE_DEFAULTS,
  async run(ctx, o): Promise<SaeCeResult> {
    const t0 = Date.now();
    const m = ctx.model;
    const sae = saeFor(ctx.registry, m, o.sae, 'sae-ce');
    const { ids, path, interventions } = datasetRows(ctx.registry, m, ctx.ref, o.dataset, o.limit, 'sae-ce');
    const { hook } = saeHookOn(sae, m, path);
    const predictions = ids.reduce((s, r) => s + r.length - 1, 0);
    if (predictions === 0) fail('sae-ce: every row has one token, so there is no next token to predict');
    const stages: { stage: 'clean' | 'sae' | 'zero'; extra: Intervention[] }[] = [
      { stage: 'clean', extra: [] },
      { stage: 'sae', extra: [{ hook, kind: 'sae', sae: { id: o.sae, keepError: false } }] },
      { stage: 'zero', extra: [{ hook, kind: 'zero' }] },
    ];
    const ce: Record<'clean' | 'sae' | 'zero', number> = { clean: 0, sae: 0, zero: 0 };
    for (const [n, st] of stages.entries()) {
      let sum = 0;
      const o2 = { path, interventions: [...interventions, ...st.extra], capture: [], logits: true, batchTokens: o.batchTokens, signal: ctx.signal, what: 'the CE scan' };
      await runRowBatches(ctx.registry, m, ids, { ...o2, progress: (p) => ctx.progress({ ...p, done: n * ids.length + p.done, total: 3 * ids.length, stage: st.stage }) }, async (g, fw) => {
        sum += await batchCe(fw.logits, g, ids);
      });
      ce[st.stage] = sum / predictions;
    }
    return {
      hook, rows: ids.length, predictions, ...ce, recovered: (ce.zero - ce.sae) / (ce.zero - ce.clean), seconds: (Date.now() - t0) / 1000,
    };
  },
});
