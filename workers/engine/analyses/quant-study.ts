/**
 * `quant-study` (contracts/quant-study.ts; METHODS §7, §11): the layer-wise quantization
 * study. One full-precision pass over the dataset gives LIM per layer and the fp perplexity;
 * ZD comes from the weights. Every block's linear maps are RTN-quantised once at the low and
 * once at the high bit width (quantize.ts); a configuration (the set of layers at low bits)
 * is then a model sharing every other tensor with the original, and its perplexity
 *   ppl = exp(Σ_rows Σ_{t<T−1} −log p(x_{t+1} | x_≤t) / Σ_rows (T − 1))
 * (nextTokenCe per row × (T − 1), rows cut to `context` tokens, rows of one token skipped)
 * is computed once per distinct set, whatever order or fraction asks for it.
 * Average bits = Σ_l bits_l · params_l / Σ_l params_l over the block linear maps (full
 * precision counts as 32: f32 on the device).
 * A cancel keeps the curve points finished (partial); before the first one it fails.
 */
import * as tf from '@tensorflow/tfjs-core';
import { QUANT_STUDY_DEFAULTS, type QuantCurve, type QuantOrder, type QuantPoint, type QuantStudyOptions, type QuantStudyResult } from '../../../src/contracts/quant-study';
import type { QuantizeOptions } from '../../../src/contracts/probe';
import { fail } from '../errors';
import { defaultPath, disposeForward, forward } from '../forward/forward';
import { linearDims } from '../models/common/ops';
import type { BlockWeights, LoadedModel } from '../models/common/types';
import { quantizeBlockLinears } from '../quantize';
import type { ModelEntry } from '../registry';
import { defineAnalysis } from './analysis';
import { rowIds } from './dataset-rows';
import { blockLinears, LimAccumulator, lowCount, ordersOf, zdOfBlock } from './quant-scores';
import { nextTokenCe } from './next-token';

const ORDERS: readonly QuantOrder[] = ['lim', 'zd', 'random', 'reverse'];
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

class Cancelled extends Error {}

/** One-line refusals of bad options. */
export function checkQuantOptions(o: QuantStudyOptions, layers: number): void {
  const bitsOk = (b: number): boolean => Number.isInteger(b) && b >= 2 && b <= 16;
  if (!o.dataset) fail('quant-study: give a dataset (load one first)');
  if (!bitsOk(o.lowBits)) fail(`quant-study: lowBits must be an integer from 2 to 16, got ${o.lowBits}`);
  if (!(o.highBits === 0 || bitsOk(o.highBits))) fail(`quant-study: highBits must be 0 (full precision) or an integer from 2 to 16, got ${o.highBits}`);
  if (o.highBits !== 0 && o.highBits < o.lowBits) fail(`quant-study: highBits (${o.highBits}) is below lowBits (${o.lowBits})`);
  if (!(Number.isInteger(o.group) && o.group >= 0)) fail(`quant-study: group must be a non-negative integer (0 = the default), got ${o.group}`);
  if (!['auto', 'symmetric', 'asymmetric'].includes(o.scheme)) fail(`quant-study: scheme must be auto, symmetric or asymmetric, got "${String(o.scheme)}"`);
  if (!Array.isArray(o.orders) || o.orders.length === 0) fail('quant-study: give at least one order (lim, zd, random, reverse)');
  for (const k of o.orders) if (!ORDERS.includes(k)) fail(`quant-study: unknown order "${String(k)}" (orders: ${ORDERS.join(', ')})`);
  if (!Array.isArray(o.fractions) || o.fractions.length === 0) fail('quant-study: give at least one fraction in [0, 1]');
  for (const f of o.fractions) if (!(typeof f === 'number' && f >= 0 && f <= 1)) fail(`quant-study: fraction ${String(f)} is not in [0, 1]`);
  if (o.limKind !== 'mean' && o.limKind !== 'flatten') fail(`quant-study: limKind must be mean or flatten, got "${String(o.limKind)}"`);
  if (o.zdDirection !== 'low-first' && o.zdDirection !== 'high-first') fail(`quant-study: zdDirection must be low-first or high-first, got "${String(o.zdDirection)}"`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0)) fail(`quant-study: seed must be a non-negative integer, got ${o.seed}`);
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1 && o.seeds <= 100)) fail(`quant-study: seeds must be an integer from 1 to 100, got ${o.seeds}`);
  if (!(Number.isInteger(o.context) && o.context >= 2)) fail(`quant-study: context must be an integer ≥ 2, got ${o.context}`);
  if (!(Number.isInteger(o.limit) && o.limit >= 0)) fail(`quant-study: limit must be a non-negative integer, got ${o.limit}`);
  if (layers < 1) fail('quant-study: the model has no layers');
}

function rtnOptions(o: QuantStudyOptions, bits: number): QuantizeOptions {
  return { bits, groupSize: o.group, ...(o.scheme === 'auto' ? {} : { symmetric: o.scheme === 'symmetric' }) };
}

/** The model with block l's linear maps from lo[l] when l is in `low`, else from hi[l] (shared tensors, nothing new). */
function configModel(base: LoadedModel, lo: BlockWeights[], hi: BlockWeights[], low: Set<number>): LoadedModel {
  return { ...base, weights: { ...base.weights, blocks: base.weights.blocks.map((b, l) => (low.has(l) ? lo[l] : hi[l]) ?? b) } };
}

/** Σ NLL and Σ (T − 1) of the rows under a model, one row at a time. */
async function nllOf(model: LoadedModel, rows: number[][], signal: AbortSignal, step: () => void): Promise<{ nll: number; count: number }> {
  let nll = 0;
  let count = 0;
  for (const ids of rows) {
    await tick();
    if (signal.aborted) throw new Cancelled();
    const fw = forward(model, ids, { path: defaultPath(model.arch.layers) });
    try {
      nll += (await nextTokenCe(fw.logits, ids)) * (ids.length - 1);
      count += ids.length - 1;
    } finally {
      disposeForward(fw);
    }
    step();
  }
  return { nll, count };
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  // Equal values (every seed picked the same set) keep their exact value.
  const mean = xs.every((x) => x === xs[0]) ? (xs[0] as number) : xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

/** Token ids of the dataset's rows (first `context` tokens each). */
function datasetIds(m: ModelEntry, rows: { text?: string; ids?: number[] }[], context: number): number[][] {
  return rows.map((r, i) => rowIds(m, r, i).slice(0, context));
}

export const quantStudyAnalysis = defineAnalysis({
  name: 'quant-study',
  defaults: QUANT_STUDY_DEFAULTS,
  async run(ctx, o): Promise<QuantStudyResult> {
    const t0 = Date.now();
    const m = ctx.model;
    const base = m.model;
    const L = base.arch.layers;
    checkQuantOptions(o, L);
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const all = o.limit > 0 ? ds.rows.slice(0, o.limit) : ds.rows;
    if (all.length === 0) fail(`quant-study: dataset ${ds.info.name} has no rows`);
    const rows = datasetIds(m, all, o.context);
    const scored = rows.filter((r) => r.length >= 2);
    if (scored.length === 0) fail(`quant-study: every row of ${ds.info.name} has a single token, so there is no next token to score`);

    // Orders need the scores first; the number of distinct sets is known only then, so the total grows once.
    let done = 0;
    let total = rows.length + 2 * L;
    const report = (stage: 'scores' | 'quantize' | 'configs'): void => ctx.progress({ done, total, unit: 'forwards', stage });

    // 1. Full precision: LIM over every token and the fp NLL.
    const lim = new LimAccumulator(L);
    let fpNll = 0;
    let fpCount = 0;
    for (const ids of rows) {
      await tick();
      if (ctx.signal.aborted) fail('the quantization study was cancelled');
      const fw = forward(base, ids, { path: defaultPath(L), keepResiduals: true });
      try {
        await lim.add(fw.residuals);
        if (ids.length >= 2) {
          fpNll += (await nextTokenCe(fw.logits, ids)) * (ids.length - 1);
          fpCount += ids.length - 1;
        }
      } finally {
        disposeForward(fw);
      }
      done++;
      report('scores');
    }
    const fp = Math.exp(fpNll / fpCount);
    const limFlat = lim.flatten();
    const limMean = lim.mean();
    const zd: number[] = [];
    const params: number[] = [];
    for (const bw of base.weights.blocks) {
      zd.push(await zdOfBlock(bw));
      params.push(blockLinears(bw).reduce((s, l) => s + linearDims(l)[0] * linearDims(l)[1], 0));
    }

    // 2. Every block at low and at high bits, once.
    const made: tf.Tensor[] = [];
    try {
      const lo: BlockWeights[] = [];
      const hi: BlockWeights[] = [];
      const step = async (): Promise<void> => {
        await tick();
        if (ctx.signal.aborted) fail('the quantization study was cancelled');
      };
      for (const bw of base.weights.blocks) {
        lo.push((await quantizeBlockLinears(bw, rtnOptions(o, o.lowBits), made, step)).block);
        done++;
        report('quantize');
        hi.push(o.highBits === 0 ? bw : (await quantizeBlockLinears(bw, rtnOptions(o, o.highBits), made, step)).block);
        done++;
        report('quantize');
      }

      // 3. The curves: each distinct low set evaluated once.
      const limScore = o.limKind === 'mean' ? limMean : limFlat;
      const plans = o.orders.map((kind) => ({ kind, orders: ordersOf(kind, limScore, zd, o.zdDirection === 'high-first', o.seed, o.seeds) }));
      const keyOf = (s: number[]): string => [...s].sort((a, b) => a - b).join(',');
      const sets = new Set<string>([keyOf([])]);
      for (const p of plans) for (const ord of p.orders) for (const f of o.fractions) sets.add(keyOf(ord.slice(0, lowCount(f, L))));
      total += sets.size * scored.length;
      const ppl = new Map<string, number>();
      const evaluate = async (low: number[]): Promise<number> => {
        const k = keyOf(low);
        const known = ppl.get(k);
        if (known !== undefined) return known;
        const model = configModel(base, lo, hi, new Set(low));
        const r = await nllOf(model, scored, ctx.signal, () => { done++; report('configs'); });
        const v = Math.exp(r.nll / r.count);
        ppl.set(k, v);
        return v;
      };
      const bitsAvg = (low: number[]): number => {
        const s = new Set(low);
        const hb = o.highBits === 0 ? 32 : o.highBits;
        return params.reduce((a, p, l) => a + p * (s.has(l) ? o.lowBits : hb), 0) / params.reduce((a, b) => a + b, 0);
      };

      const curves: QuantCurve[] = plans.map((p) => ({ order: p.kind, layers: p.orders[0] ?? [], points: [] }));
      let high = NaN;
      let cancelled = false;
      let pointsDone = 0;
      const pointsTotal = plans.length * o.fractions.length;
      try {
        high = await evaluate([]);
        for (const [i, p] of plans.entries()) {
          for (const f of o.fractions) {
            const n = lowCount(f, L);
            const vals: number[] = [];
            for (const ord of p.orders) vals.push(await evaluate(ord.slice(0, n)));
            const q = meanSd(vals);
            const first = (p.orders[0] ?? []).slice(0, n).sort((a, b) => a - b);
            const point: QuantPoint = {
              fraction: f, lowCount: n, perplexity: q.mean, sd: q.sd, lowLayers: first,
              avgBits: p.orders.reduce((a, ord) => a + bitsAvg(ord.slice(0, n)), 0) / p.orders.length,
            };
            curves[i]?.points.push(point);
            pointsDone++;
          }
        }
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
        if (pointsDone === 0) fail('the quantization study was cancelled');
        cancelled = true;
      }
      return {
        layers: L, fp, high, lowBits: o.lowBits, highBits: o.highBits, group: o.group, scheme: o.scheme,
        limFlat, limMean, zd, params, curves, rows: scored.length, tokens: lim.tokens, configs: ppl.size,
        seconds: (Date.now() - t0) / 1000,
        ...(cancelled ? { partial: { done: pointsDone, total: pointsTotal, unit: 'points' } } : {}),
      };
    } finally {
      made.forEach((t) => t.dispose());
    }
  },
});
