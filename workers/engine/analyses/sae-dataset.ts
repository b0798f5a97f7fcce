/**
 * `sae-dataset` (METHODS §9.3, §9.4): a dataset's rows under the request's run spec
 * (path, interventions) through a loaded SAE, every token except position 0 when it
 * holds the BOS token. Nothing [T, d_sae] is read back: per batch only [d_sae, k] top-k
 * tables and a few sums.
 *
 * Pass 1 (on the device, accumulated across batches): per feature fires = Σ 1[z > 0],
 * sum = Σ z, max = max z; per feature the top N (row, position, z) by tf.topk over the
 * batch's positions, merged on the host. Whole-set sums read back per batch and summed
 * in float64 on the host: SSE = Σ‖x − x̂‖², Σ‖x‖², Σx, Σ cos(x, x̂), so
 *   FVE = 1 − SSE / (Σ‖x‖² − N‖x̄‖²),  x̄ = Σx / N,   L0 = Σ fires / N,
 *   dead = #{f : fires_f = 0}, density_f = fires_f / N.
 * Pass 2 (exact, needs each max; on pass 1's inputs kept on the device when they fit in
 * `keepBytes`, else the rows run again): bin b = min(49, ⌊50 z / max_f⌋) of every z > 0, counted
 * per feature on the device (one bincount over f·50 + b); and per quantile group q = ⌊b / 10⌋
 * the largest few examples (one topk over a [5·d_sae, n] key: z in the group, else −1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SAE_DATASET_DEFAULTS, SAE_HIST_BINS, SAE_QUANTILES, type SaeDatasetResult, type SaeFeatureStat } from '../../../src/contracts/sae-dataset';
import type { Sae } from '../artifacts/sae';
import { batchInput, firstPosition, histBins, mergeTop, statsBytes, topTable, type SaeStats } from '../artifacts/sae-stats';
import { fail } from '../errors';
import type { ModelEntry, Registry } from '../registry';
import { defineAnalysis } from './analysis';
import { datasetRows, runRowBatches } from './dataset-rows';
import { hookWidth } from '../forward/hooks';
import { saeRunHook } from './sae';
import { saeEncode, saeForward } from './sae-encode';

/** The SAE artifact, checked to belong to the model. */
export function saeFor(registry: Registry, m: ModelEntry, id: string, what: string): Sae {
  if (!id) fail(`${what}: give the SAE artifact id (load one first)`);
  const a = registry.artifact('sae', id);
  if (a.model !== m.id) fail(`SAE ${id} belongs to model ${a.model}, not to ${m.id}`);
  return a.sae;
}

/** The run's hook the SAE reads along `path`, checked against d_in. */
export function saeHookOn(sae: Sae, m: ModelEntry, path: number[]): { hook: string; width: number } {
  const hook = saeRunHook(sae.info.hook, path);
  const width = hookWidth(m.model, hook, path);
  if (width !== sae.info.dIn) fail(`the SAE's d_in is ${sae.info.dIn} (${sae.info.sourceHook}) but this model's ${hook} is ${width} wide: the SAE was made for another model or hook`);
  return { hook, width };
}

/** Histogram of log10(density) of the features that fired: 20 bins from log10(1/N) (rounded down to a half decade) to 0. */
export function densityHistogram(fires: Float64Array, tokens: number): { edges: number[]; counts: number[] } {
  const lo = Math.min(-0.5, Math.floor(2 * Math.log10(1 / Math.max(tokens, 1))) / 2);
  const B = 20;
  const edges = Array.from({ length: B + 1 }, (_, i) => lo + (i * -lo) / B);
  const counts = new Array<number>(B).fill(0);
  for (const c of fires) if (c > 0) counts[Math.min(B - 1, Math.floor(((Math.log10(c / tokens) - lo) / -lo) * B))]! += 1;
  return { edges, counts };
}

function featureStat(s: Pick<SaeStats, 'fires' | 'max' | 'sum' | 'tokens'>, id: number): SaeFeatureStat {
  const fires = s.fires[id] as number;
  return { id, fires, density: s.tokens > 0 ? fires / s.tokens : 0, max: s.max[id] as number, meanActive: fires > 0 ? (s.sum[id] as number) / fires : 0 };
}
export { featureStat };

const NOTE = 'BOS at position 0 left out; histograms and quantile groups from a second pass once each feature\'s max is known (exact; on pass 1\'s inputs kept on the device when they fit in keepBytes); quantile examples are the largest few in each interval (SAEDashboard samples 5 at random)';

export const saeDatasetAnalysis = defineAnalysis({
  name: 'sae-dataset',
  defaults: SAE_DATASET_DEFAULTS,
  async run(ctx, o): Promise<SaeDatasetResult> {
    const t0 = Date.now();
    const m = ctx.model;
    const sae = saeFor(ctx.registry, m, o.sae, 'sae-dataset');
    for (const [k, v] of [['topN', o.topN], ['perQuantile', o.perQuantile]] as const) if (!(Number.isInteger(v) && v >= 1 && v <= 1000)) fail(`sae-dataset: ${k} must be an integer in 1..1000, got ${v}`);
    const { dataset, ids, path, interventions } = datasetRows(ctx.registry, m, ctx.ref, o.dataset, o.limit, 'sae-dataset');
    const { hook, width } = saeHookOn(sae, m, path);
    const dSae = sae.info.dSae;
    const bos = m.bosId;
    const keep = (i: number, j: number): boolean => j >= firstPosition(ids[i] as number[], bos);
    const batchRun = { path, interventions, capture: [hook], batchTokens: o.batchTokens, signal: ctx.signal, what: 'the SAE scan' };

    // Pass 1: counts, sums, max on the device; top-N merged on the host; set sums in float64.
    const top = topTable(dSae, o.topN);
    let acc: tf.Tensor1D[] = [tf.zeros([dSae]), tf.zeros([dSae]), tf.zeros([dSae])]; // fires, sum, max
    let N = 0;
    let sse = 0;
    let ssx = 0;
    let cosSum = 0;
    const sx = new Float64Array(width);
    // Pass 1's SAE inputs, kept on the device for pass 2 while they fit (else pass 2 runs the rows again).
    let cache: { x: tf.Tensor2D; rowOf: Int32Array; posOf: Int32Array }[] | null = [];
    let cacheBytes = 0;
    const dropCache = (): void => {
      for (const c of cache ?? []) c.x.dispose();
      cache = null;
    };
    let batched: boolean;
    try {
      batched = await runRowBatches(ctx.registry, m, ids, { ...batchRun, progress: (p) => ctx.progress({ ...p, pass: 1 }) }, async (g, fw) => {
        const { x, rowOf, posOf } = batchInput(fw, hook, width, g, ids, keep);
        const n = rowOf.length;
        if (n === 0) return void x.dispose();
        const k = Math.min(o.topN, n);
        const outs = tf.tidy(() => {
          const { z, recon } = saeForward(sae, x); // [n, dSae], [n, d_in]
          const { values, indices } = tf.topk(tf.transpose(z), k); // [dSae, k]
          const err = tf.sub(x, recon);
          const cos = tf.div(tf.sum(tf.mul(x, recon), 1), tf.maximum(tf.mul(tf.norm(x, 'euclidean', 1), tf.norm(recon, 'euclidean', 1)), 1e-12));
          const next = [tf.add(acc[0] as tf.Tensor1D, tf.sum(tf.cast(tf.greater(z, 0), 'float32'), 0)), tf.add(acc[1] as tf.Tensor1D, tf.sum(z, 0)), tf.maximum(acc[2] as tf.Tensor1D, tf.max(z, 0))];
          return { values, indices, sums: [tf.sum(tf.square(err)), tf.sum(tf.square(x)), tf.sum(cos), tf.sum(x, 0)], next };
        });
        cacheBytes += n * width * 4;
        if (cache && cacheBytes <= o.keepBytes) cache.push({ x, rowOf, posOf });
        else {
          dropCache();
          x.dispose();
        }
        tf.dispose(acc);
        acc = outs.next as tf.Tensor1D[];
        try {
          const [v, i, a, b, c, d] = await Promise.all([outs.values, outs.indices, ...outs.sums].map((t) => t.data()));
          mergeTop(top, v as Float32Array, i as Int32Array, k, rowOf, posOf);
          sse += (a as Float32Array)[0] as number;
          ssx += (b as Float32Array)[0] as number;
          cosSum += (c as Float32Array)[0] as number;
          (d as Float32Array).forEach((s, j) => (sx[j] = (sx[j] as number) + s));
          N += n;
        } finally {
          tf.dispose([outs.values, outs.indices, ...outs.sums]);
        }
      });
    } catch (e) {
      tf.dispose(acc);
      dropCache();
      throw e;
    }
    const [firesF, sumF, maxF] = await Promise.all(acc.map((t) => t.data()));
    tf.dispose(acc);
    if (N === 0) dropCache();
    if (N === 0) fail(`sae-dataset: the rows of ${dataset.info.name} hold no token besides BOS`);
    const fires = Float64Array.from(firesF as Float32Array);
    const sum = Float64Array.from(sumF as Float32Array);
    const max = Float32Array.from(maxF as Float32Array);

    // Pass 2: per-feature 50-bin histograms and quantile-group examples.
    const quantiles = Array.from({ length: SAE_QUANTILES }, () => topTable(dSae, o.perQuantile));
    const maxSafe = tf.tensor1d(Array.from(max, (v) => (v > 0 ? v : 1)));
    let hist: tf.Tensor1D = tf.zeros([dSae * SAE_HIST_BINS]); // feature-major counts
    const per = SAE_HIST_BINS / SAE_QUANTILES;
    try {
      const second = async (x: tf.Tensor2D, rowOf: Int32Array, posOf: Int32Array): Promise<void> => {
        const n = rowOf.length;
        const k = Math.min(o.perQuantile, n);
        const outs = tf.tidy(() => {
          const z = saeEncode(sae, x).z; // [n, dSae]
          const bins = histBins(z, maxSafe); // [n, dSae] int32
          const on = tf.greater(z, 0);
          // Feature-major bin ids f·50 + b of the firing entries (the rest to an overflow bin), counted in one bincount.
          const flat = tf.cast(tf.reshape(tf.where(on, tf.add(bins, tf.range(0, dSae * SAE_HIST_BINS, SAE_HIST_BINS, 'int32')), tf.fill(z.shape, dSae * SAE_HIST_BINS, 'int32')), [-1]), 'int32') as tf.Tensor1D;
          const h = tf.slice(tf.bincount(flat, tf.tensor1d([], 'float32'), dSae * SAE_HIST_BINS + 1), 0, dSae * SAE_HIST_BINS);
          // The quantile groups as one [Q·dSae, n] key (z inside group q, else −1): one topk for all.
          const q = tf.expandDims(tf.floorDiv(bins, per), 0); // [1, n, dSae]
          const inG = tf.logicalAnd(tf.equal(q, tf.reshape(tf.range(0, SAE_QUANTILES, 1, 'int32'), [SAE_QUANTILES, 1, 1])), tf.expandDims(on, 0)); // [Q, n, dSae]
          const key = tf.where(inG, tf.broadcastTo(tf.expandDims(z, 0), inG.shape), tf.fill(inG.shape, -1));
          const t = tf.topk(tf.reshape(tf.transpose(key, [0, 2, 1]), [SAE_QUANTILES * dSae, n]), k); // [Q·dSae, k]
          return { next: tf.add(hist, h) as tf.Tensor1D, tops: [t.values, t.indices] };
        });
        hist.dispose();
        hist = outs.next;
        try {
          const [v, i] = (await Promise.all(outs.tops.map((t) => t.data()))) as [Float32Array, Int32Array];
          quantiles.forEach((t, j) => mergeTop(t, v.subarray(j * dSae * k, (j + 1) * dSae * k), i.subarray(j * dSae * k, (j + 1) * dSae * k), k, rowOf, posOf));
        } finally {
          tf.dispose(outs.tops);
        }
      };
      if (cache) {
        const kept: { x: tf.Tensor2D; rowOf: Int32Array; posOf: Int32Array }[] = cache;
        for (const [j, c] of kept.entries()) {
          if (ctx.signal.aborted) fail('the SAE scan was cancelled');
          await second(c.x, c.rowOf, c.posOf);
          ctx.progress({ done: j + 1, total: kept.length, unit: 'batches', pass: 2 });
        }
      } else {
        await runRowBatches(ctx.registry, m, ids, { ...batchRun, progress: (p) => ctx.progress({ ...p, pass: 2 }) }, async (g, fw) => {
          const { x, rowOf, posOf } = batchInput(fw, hook, width, g, ids, keep);
          try {
            if (rowOf.length > 0) await second(x, rowOf, posOf);
          } finally {
            x.dispose();
          }
        });
      }
      const histF = Float64Array.from((await hist.data()) as Float32Array);

      const mean2 = sx.reduce((s, v) => s + v * v, 0) / N;
      const sst = ssx - mean2;
      const body: Omit<SaeStats, 'bytes'> = { sae: o.sae, dataset: o.dataset, datasetName: dataset.info.name, limit: o.limit, path, interventions, batchTokens: o.batchTokens, hook, dSae, ids, bosId: bos, tokens: N, fires, max, sum, top, quantiles, hist: histF };
      const stats: SaeStats = { ...body, bytes: statsBytes(body) };
      const a = ctx.registry.addArtifact({ kind: 'sae-stats', model: m.id, label: `SAE ${o.sae} · ${dataset.info.name} · ${N} tokens`, stats });
      const dead = fires.reduce((s, c) => s + (c === 0 ? 1 : 0), 0);
      const allIds = Array.from({ length: dSae }, (_, f) => f);
      const pick = (key: (f: number) => number): SaeFeatureStat[] => [...allIds].sort((p, q2) => key(q2) - key(p) || p - q2).slice(0, 50).map((f) => featureStat(stats, f));
      return {
        artifact: a.id, hook, dSae, rows: ids.length, tokens: N, bosSkipped: ids.filter((r) => firstPosition(r, bos) === 1).length,
        l0: fires.reduce((s, c) => s + c, 0) / N, fve: sst > 0 ? 1 - sse / sst : NaN, cos: cosSum / N, dead, deadFraction: dead / dSae,
        density: densityHistogram(fires, N), topByDensity: pick((f) => fires[f] as number), topByMax: pick((f) => max[f] as number),
        seconds: (Date.now() - t0) / 1000, batched, note: NOTE,
      };
    } finally {
      maxSafe.dispose();
      hist.dispose();
      dropCache();
    }
  },
});
