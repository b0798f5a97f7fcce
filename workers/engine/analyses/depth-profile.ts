/**
 * `depth-profile`: one run summarised for side-by-side comparison (two paths of a model,
 * or two models by relative depth): its residual analytics and, per lens row, the means
 * over positions of KL(P_final ‖ P_row), entropy (nats) and top-1 probability. Both
 * read the one cached run.
 */
import { DEPTH_PROFILE_DEFAULTS } from '../../../src/contracts/depth-profile';
import { defineAnalysis } from './analysis';
import { lensLabels, logitLens } from './logit-lens';
import { residualStats } from './residual';

const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / Math.max(1, a.length);

export const depthProfileAnalysis = defineAnalysis({
  name: 'depth-profile',
  defaults: DEPTH_PROFILE_DEFAULTS,
  async run(ctx) {
    const run = ctx.run();
    const model = ctx.model.model;
    const residual = await residualStats(model, run);
    const lens = await logitLens(model, run.residuals, run.logits, lensLabels(run.path), { topk: 1 }, ctx.signal);
    return {
      path: run.path,
      layers: model.arch.layers,
      residual,
      lensKl: lens.rows.map((r) => mean(r.klToFinal)),
      lensEntropy: lens.rows.map((r) => mean(r.entropy)),
      lensTop1: lens.rows.map((r) => mean(r.topProbs)),
    };
  },
});
