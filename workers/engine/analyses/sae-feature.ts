/**
 * `sae-feature` and `sae-search` (METHODS §9.4), both reading an `sae-stats` artifact.
 *
 * sae-feature: feature f's dashboard. Contexts = the stored top examples and the
 * quantile-group examples; each one's row is run again under the stored run spec and
 * encoded on the device, and z[:, f] of that row is read back ([row length] numbers). The
 * histogram is the stored 50 bins over (0, max_f] with percent = count / tokens · 100;
 * quantile group q = [q·max/5, (q+1)·max/5) holds bins 10q..10q+9, contains = their count
 * / tokens (all tokens, zeros included). Logits ℓ = W_dec[f]·W_U (final norm's gain NOT
 * applied), from analyses/sae.ts featureLogits.
 *
 * sae-search: for one token t, over the positions p holding t (BOS at position 0 left
 * out) of the stats' dataset (or of the request's prompt when no stats are given):
 * meanAct_f = Σ_p z_pf / n, fireRate_f = Σ_p 1[z_pf > 0] / n, summed on the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SAE_FEATURE_DEFAULTS, SAE_HIST_BINS, SAE_QUANTILES, SAE_SEARCH_DEFAULTS, type SaeContext, type SaeFeatureResult, type SaeQuantileGroup, type SaeSearchHit, type SaeSearchResult } from '../../../src/contracts/sae-dataset';
import type { Sae } from '../artifacts/sae';
import { batchInput, firstPosition, topOf, type SaeStats } from '../artifacts/sae-stats';
import { fail } from '../errors';
import type { ModelEntry, Registry } from '../registry';
import { defineAnalysis } from './analysis';
import { runRowBatches } from './dataset-rows';
import { featureLogits, saeInput } from './sae';
import { featureStat, saeFor, saeHookOn } from './sae-dataset';
import { saeEncode } from './sae-encode';

function statsFor(registry: Registry, m: ModelEntry, id: string, what: string): SaeStats {
  if (!id) fail(`${what}: give the sae-stats artifact id (scan a dataset first)`);
  const a = registry.artifact('sae-stats', id);
  if (a.model !== m.id) fail(`sae-stats ${id} belongs to model ${a.model}, not to ${m.id}`);
  return a.stats;
}

/** z[:, f] at every position of each of `rows` (stats row indices), BOS at position 0 as 0. */
async function featureRows(registry: Registry, m: ModelEntry, sae: Sae, s: SaeStats, f: number, rows: number[], signal: AbortSignal): Promise<Map<number, Float32Array>> {
  const { hook, width } = saeHookOn(sae, m, s.path);
  const ids = rows.map((r) => s.ids[r] as number[]);
  const out = new Map<number, Float32Array>(rows.map((r, i) => [r, new Float32Array((ids[i] as number[]).length)]));
  await runRowBatches(registry, m, ids, { path: s.path, interventions: s.interventions, capture: [hook], batchTokens: s.batchTokens, signal, what: 'the feature dashboard' }, async (g, fw) => {
    const { x, rowOf, posOf } = batchInput(fw, hook, width, g, ids, (i, j) => j >= firstPosition(ids[i] as number[], s.bosId));
    const col = tf.tidy(() => tf.reshape(tf.slice(saeEncode(sae, x).z, [0, f], [-1, 1]), [-1]));
    x.dispose();
    try {
      const v = (await col.data()) as Float32Array;
      v.forEach((a, j) => ((out.get(rows[rowOf[j] as number] as number) as Float32Array)[posOf[j] as number] = a));
    } finally {
      col.dispose();
    }
  });
  return out;
}

export const saeFeatureAnalysis = defineAnalysis({
  name: 'sae-feature',
  defaults: SAE_FEATURE_DEFAULTS,
  async run(ctx, o): Promise<SaeFeatureResult> {
    const m = ctx.model;
    const s = statsFor(ctx.registry, m, o.stats, 'sae-feature');
    const f = o.feature;
    if (!(Number.isInteger(f) && f >= 0 && f < s.dSae)) fail(`sae-feature: feature ${f} is outside 0..${s.dSae - 1}`);
    if (!(Number.isInteger(o.window) && o.window >= 0)) fail(`sae-feature: window must be a non-negative integer, got ${o.window}`);
    const sae = saeFor(ctx.registry, m, s.sae, 'sae-feature');
    const top = topOf(s.top, f);
    const groups = Array.from({ length: SAE_QUANTILES }, (_, j) => topOf(s.quantiles[SAE_QUANTILES - 1 - j] as SaeStats['top'], f));
    const rows = [...new Set([...top, ...groups.flat()].map((e) => e.row))].sort((a, b) => a - b);
    const acts = await featureRows(ctx.registry, m, sae, s, f, rows, ctx.signal);
    const context = (e: { row: number; position: number; act: number }): SaeContext => {
      const ids = s.ids[e.row] as number[];
      const from = o.window > 0 ? Math.max(0, e.position - o.window) : 0;
      const to = o.window > 0 ? Math.min(ids.length, e.position + o.window + 1) : ids.length;
      return { row: e.row, position: e.position, act: e.act, from, tokens: ctx.pieces(ids.slice(from, to)), acts: Array.from((acts.get(e.row) as Float32Array).subarray(from, to)) };
    };
    const max = s.max[f] as number;
    const counts = Array.from(s.hist.subarray(f * SAE_HIST_BINS, (f + 1) * SAE_HIST_BINS));
    const per = SAE_HIST_BINS / SAE_QUANTILES;
    const quantiles: SaeQuantileGroup[] = groups.map((ex, j) => {
      const q = SAE_QUANTILES - 1 - j;
      const inside = counts.slice(q * per, (q + 1) * per).reduce((a, b) => a + b, 0);
      return { min: (q * max) / SAE_QUANTILES, max: ((q + 1) * max) / SAE_QUANTILES, contains: inside / s.tokens, examples: ex.map(context) };
    });
    const logits = await featureLogits(sae, m.model, f, ctx.pieces);
    return {
      feature: f, stat: featureStat(s, f), tokens: s.tokens, contexts: top.map(context), quantiles,
      histogram: { edges: Array.from({ length: SAE_HIST_BINS + 1 }, (_, i) => (i * max) / SAE_HIST_BINS), counts, percent: counts.map((c) => Math.round((c / s.tokens) * 1e5) / 1e3) },
      ...(logits ? { logits } : {}),
    };
  },
});

/** The token a search names: an id, or a text the tokenizer makes into exactly one token (a leading BOS dropped). */
function searchToken(m: ModelEntry, token: number | undefined, text: string | undefined, pieces: (ids: number[]) => string[]): number {
  if (token !== undefined) {
    if (!(Number.isInteger(token) && token >= 0 && token < m.model.arch.vocab)) fail(`sae-search: token ${token} is outside the vocabulary (0..${m.model.arch.vocab - 1})`);
    return token;
  }
  if (!text) fail('sae-search: give a token id or a text (e.g. " Paris")');
  if (!m.tokenizer) fail('sae-search: this model has no tokenizer.json, so give a token id');
  let ids = m.tokenizer.encode(text);
  if (ids.length > 1 && m.bosId !== undefined && ids[0] === m.bosId) ids = ids.slice(1);
  if (ids.length !== 1) fail(`sae-search: "${text}" is ${ids.length} tokens (${pieces(ids).join(' | ')}), not one: give a text that is one token, or its id`);
  return ids[0] as number;
}

/** Adds Σ z and Σ 1[z > 0] over x's rows to the running [dSae] sums (old ones disposed). */
function accumulate(sae: Sae, x: tf.Tensor2D, acc: tf.Tensor1D[]): tf.Tensor1D[] {
  const next = tf.tidy(() => {
    const z = saeEncode(sae, x).z;
    return [tf.add(acc[0] as tf.Tensor1D, tf.sum(z, 0)), tf.add(acc[1] as tf.Tensor1D, tf.sum(tf.cast(tf.greater(z, 0), 'float32'), 0))] as tf.Tensor1D[];
  });
  tf.dispose(acc);
  return next;
}

export const saeSearchAnalysis = defineAnalysis({
  name: 'sae-search',
  defaults: SAE_SEARCH_DEFAULTS,
  async run(ctx, o): Promise<SaeSearchResult> {
    const m = ctx.model;
    if (!(Number.isInteger(o.topn) && o.topn >= 1)) fail(`sae-search: topn must be a positive integer, got ${o.topn}`);
    const tok = searchToken(m, o.token, o.text, ctx.pieces);
    const s = o.stats ? statsFor(ctx.registry, m, o.stats, 'sae-search') : undefined;
    const sae = saeFor(ctx.registry, m, s ? s.sae : o.sae, 'sae-search');
    const dSae = sae.info.dSae;
    let acc: tf.Tensor1D[] = [tf.zeros([dSae]), tf.zeros([dSae])];
    let n = 0;
    try {
      if (s) {
        const { hook, width } = saeHookOn(sae, m, s.path);
        const keep = (r: number[], j: number): boolean => r[j] === tok && j >= firstPosition(r, s.bosId);
        const ids = s.ids.filter((r) => r.some((_, j) => keep(r, j)));
        await runRowBatches(ctx.registry, m, ids, { path: s.path, interventions: s.interventions, capture: [hook], batchTokens: s.batchTokens, signal: ctx.signal, progress: (p) => ctx.progress({ ...p, pass: 1 }), what: 'the feature search' }, async (g, fw) => {
          const { x, rowOf } = batchInput(fw, hook, width, g, ids, (i, j) => keep(ids[i] as number[], j));
          n += rowOf.length;
          try {
            acc = accumulate(sae, x, acc);
          } finally {
            x.dispose();
          }
        });
      } else {
        const run = ctx.run();
        const at = run.tokens.flatMap((t, j) => (t === tok && j >= firstPosition(run.tokens, m.bosId) ? [j] : []));
        if (at.length > 0) {
          const { x: all } = saeInput(sae, m.model, run);
          const x = tf.tidy(() => tf.gather(all, tf.tensor1d(at, 'int32')) as tf.Tensor2D);
          all.dispose();
          try {
            acc = accumulate(sae, x, acc);
          } finally {
            x.dispose();
          }
          n = at.length;
        }
      }
      const [sum, fires] = (await Promise.all(acc.map((t) => t.data()))) as Float32Array[];
      const hits: SaeSearchHit[] = n === 0 ? [] : Array.from({ length: dSae }, (_, f) => ({
        id: f, meanAct: (sum?.[f] as number) / n, fireRate: (fires?.[f] as number) / n,
        ...(s ? { overallRate: (s.fires[f] as number) / s.tokens, overallMean: (s.sum[f] as number) / s.tokens } : {}),
      }));
      const features = hits.filter((h) => h.meanAct > 0).sort((a, b) => b.meanAct - a.meanAct || a.id - b.id).slice(0, o.topn);
      return { token: { id: tok, text: ctx.pieces([tok])[0] ?? String(tok) }, over: s ? 'dataset' : 'prompt', occurrences: n, features };
    } finally {
      tf.dispose(acc);
    }
  },
});
