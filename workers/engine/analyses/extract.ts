/**
 * `extract`: a dataset's rows through the request's path and interventions, keeping
 * `[N, d]` per hook at one token position (contracts/extract.ts) in an activation-set
 * artifact on the host.
 *
 * The rows go through dataset-rows.ts (batched, right-padded, exact under the causal
 * mask; one row at a time with interventions). The position is selected on the device (a
 * gather, or a [rows, tokens] averaging matrix for `mean`) so only [rows, width] per hook
 * is read back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EXTRACT_DEFAULTS, type ExtractPosition, type ExtractResult } from '../../../src/contracts/extract';
import type { ActivationSet } from '../artifacts/activation-set';
import { fail } from '../errors';
import { checkHookName, hookWidth } from '../forward/hooks';
import { defineAnalysis } from './analysis';
import { datasetRows, runRowBatches } from './dataset-rows';

/** Concrete hook names for patterns over S steps, in pattern order then step order. */
export function expandHooks(patterns: string[], S: number): string[] {
  if (patterns.length === 0) fail('extract: give at least one hook (e.g. blocks.*.hook_resid_post)');
  const out: string[] = [];
  for (const p of patterns) {
    const names = p.startsWith('blocks.*.') ? Array.from({ length: S }, (_, s) => `blocks.${s}.${p.slice('blocks.*.'.length)}`) : [p];
    for (const n of names) {
      checkHookName(n, S);
      if (/hook_(pattern|attn_scores)$/.test(n)) fail(`extract: ${n} is [heads, positions, positions], not one vector per token; extract attn.hook_z or hook_attn_out instead`);
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** The positions of a row that the chosen position keeps (mean: averaged; else one, or all). */
function selected(ids: number[], position: ExtractPosition, bos: number | undefined, i: number): number[] {
  const T = ids.length;
  if (position === 'last') return [T - 1];
  if (position === 'all') return Array.from({ length: T }, (_, t) => t);
  if (position === 'mean') {
    const from = bos !== undefined && ids[0] === bos ? 1 : 0;
    if (from >= T) fail(`row ${i} holds only the BOS token, so its mean over the other positions is empty`);
    return Array.from({ length: T - from }, (_, t) => t + from);
  }
  const p = position < 0 ? T + position : position;
  if (!(Number.isInteger(position) && p >= 0 && p < T)) fail(`row ${i} has ${T} tokens, so position ${position} does not exist`);
  return [p];
}

export const extractAnalysis = defineAnalysis({
  name: 'extract',
  defaults: EXTRACT_DEFAULTS,
  async run(ctx, o): Promise<ExtractResult> {
    const t0 = Date.now();
    const m = ctx.model;
    const pos = o.position;
    if (!(pos === 'last' || pos === 'mean' || pos === 'all' || Number.isInteger(pos))) fail(`extract: position must be last, mean, all or an integer, got ${String(pos)}`);
    const { dataset: ds, rows, ids, path, interventions } = datasetRows(ctx.registry, m, ctx.ref, o.dataset, o.limit, 'extract');
    const hooks = expandHooks(o.hooks, path.length);
    const widths = hooks.map((h) => hookWidth(m.model, h, path));
    const picks = ids.map((r, i) => selected(r, pos, m.bosId, i));
    const vectors = pos === 'all' ? ids.reduce((s, r) => s + r.length, 0) : rows.length;
    const bytes = vectors * widths.reduce((a, b) => a + b, 0) * 4 + (pos === 'all' ? vectors * 8 : 0);
    if (bytes > o.maxBytes) fail(`extract: ${rows.length} rows × ${hooks.length} hooks need ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${(o.maxBytes / 2 ** 20).toFixed(0)} MiB allowed: use fewer rows (limit), fewer hooks or another position`);
    const data = widths.map((w) => new Float32Array(vectors * w));
    // Where each row's vectors go in the output (original row order).
    const outAt: number[] = [];
    ids.reduce((s, r, i) => (outAt[i] = s, s + (pos === 'all' ? r.length : 1)), 0);

    const batched = await runRowBatches(ctx.registry, m, ids, { path, interventions, capture: hooks, batchTokens: o.batchTokens, signal: ctx.signal, progress: ctx.progress, what: 'the extraction' }, async (g, fw) => {
      const Tr = g.len;
      const T = g.slots * Tr;
      // Which batch tokens are kept, row by row (padding never is).
      const sel = tf.tidy(() => {
        if (pos === 'mean') {
          const w = new Float32Array(g.rows.length * T);
          g.rows.forEach((i, k) => { const p = picks[i] as number[]; for (const t of p) w[k * T + k * Tr + t] = 1 / p.length; });
          const avg = tf.tensor2d(w, [g.rows.length, T]);
          return hooks.map((h, j) => tf.matMul(avg, tf.reshape(fw.captures.get(h) as tf.Tensor, [T, widths[j] as number])));
        }
        const idx = tf.tensor1d(g.rows.flatMap((i, k) => (picks[i] as number[]).map((t) => k * Tr + t)), 'int32');
        return hooks.map((h, j) => tf.gather(tf.reshape(fw.captures.get(h) as tf.Tensor, [T, widths[j] as number]), idx));
      });
      try {
        const vals = await Promise.all(sel.map((t) => t.data()));
        vals.forEach((v, j) => {
          const w = widths[j] as number;
          let from = 0;
          for (const i of g.rows) {
            const n = (picks[i] as number[]).length;
            const count = pos === 'mean' ? 1 : n;
            (data[j] as Float32Array).set((v as Float32Array).subarray(from * w, (from + count) * w), (outAt[i] as number) * w);
            from += count;
          }
        });
      } finally {
        tf.dispose(sel);
      }
    });

    const labelled = rows.some((r) => r.label !== undefined);
    const labelNames = [...new Set(rows.flatMap((r) => (r.label === undefined ? [] : [r.label])))].sort();
    const set: ActivationSet = {
      hooks, widths, data, vectors, rows: rows.length, position: pos, labelNames, bytes,
      ...(labelled ? { labels: Int32Array.from(rows, (r) => (r.label === undefined ? -1 : labelNames.indexOf(r.label))) } : {}),
      ...(pos === 'all' ? { row: Int32Array.from(ids.flatMap((r, i) => r.map(() => i))), pos: Int32Array.from(ids.flatMap((r) => r.map((_, t) => t))) } : {}),
      metadata: { model: m.label, arch: m.info.arch, dataset: ds.info.name, position: String(pos), path: JSON.stringify(path), labels: JSON.stringify(labelNames), interventions: String(interventions.length) },
    };
    const a = ctx.registry.addArtifact({ kind: 'activations', model: m.id, label: `${ds.info.name} · ${hooks.length} hooks · ${String(pos)}`, set });
    const note = batched ? undefined : interventions.length ? 'one row at a time: the run has interventions' : 'one row at a time (batchTokens = 0)';
    return { artifact: a.id, rows: rows.length, hooks, widths, d: widths[0] as number, position: pos, vectors, bytes, seconds: (Date.now() - t0) / 1000, batched, ...(note ? { note } : {}) };
  },
});
