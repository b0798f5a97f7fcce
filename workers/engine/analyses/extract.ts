/**
 * `extract`: a dataset's rows through the request's path and interventions, keeping
 * `[N, d]` per hook at one token position (contracts/extract.ts) in an activation-set
 * artifact on the host.
 *
 * Batching puts rows of similar length side by side on a batch axis (forward's `rows`),
 * right-padded: with the causal mask a real token never attends to padding, so each
 * row's activations are exactly those of running it alone. Runs with interventions go
 * one row at a time: an intervention's positions and its `mean` refer to one row. The position is selected on the device (a gather, or a [rows, tokens]
 * averaging matrix for `mean`) so only [rows, width] per hook is read back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EXTRACT_DEFAULTS, type ExtractPosition, type ExtractResult } from '../../../src/contracts/extract';
import type { ActivationSet } from '../artifacts/activation-set';
import { fail } from '../errors';
import { disposeForward, forward } from '../forward/forward';
import { checkHookName } from '../forward/hooks';
import type { ModelEntry } from '../registry';
import { defineAnalysis } from './analysis';

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

/** Width of one token's vector at a hook (heads flattened). */
function hookWidth(m: ModelEntry, hook: string, path: number[]): number {
  const a = m.model.arch;
  if (/attn\.hook_[qz]$/.test(hook)) return a.heads * a.headDim;
  if (/attn\.hook_[kv]$/.test(hook)) return a.kvHeads * a.headDim;
  if (hook.endsWith('mlp.hook_post')) {
    const step = Number(hook.split('.')[1]);
    return m.model.weights.blocks[path[step] as number]?.up.w.shape[1] ?? 0;
  }
  return a.dModel;
}

/** Token ids of one row (text through the tokenizer), checked against the model. */
function rowIds(m: ModelEntry, row: { text?: string; ids?: number[] }, i: number): number[] {
  let ids: number[];
  if (row.ids) ids = row.ids;
  else {
    if (!m.tokenizer) fail(`row ${i} is text but this model has no tokenizer.json: give the dataset an ids column`);
    if (!row.text) fail(`row ${i} has empty text`);
    ids = m.tokenizer.encode(row.text);
  }
  const { vocab, maxPositions } = m.model.arch;
  if (ids.length === 0) fail(`row ${i} has no tokens`);
  for (const t of ids) if (!(Number.isInteger(t) && t >= 0 && t < vocab)) fail(`row ${i}: token id ${t} is outside the vocabulary (0..${vocab - 1})`);
  if (maxPositions > 0 && ids.length > maxPositions) fail(`row ${i} has ${ids.length} tokens, more than the model's ${maxPositions} positions`);
  return ids;
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

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

export const extractAnalysis = defineAnalysis({
  name: 'extract',
  defaults: EXTRACT_DEFAULTS,
  async run(ctx, o): Promise<ExtractResult> {
    const t0 = Date.now();
    const m = ctx.model;
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const pos = o.position;
    if (!(pos === 'last' || pos === 'mean' || pos === 'all' || Number.isInteger(pos))) fail(`extract: position must be last, mean, all or an integer, got ${String(pos)}`);
    if (!(Number.isInteger(o.limit) && o.limit >= 0)) fail(`extract: limit must be a non-negative integer, got ${o.limit}`);
    const rows = o.limit > 0 ? ds.rows.slice(0, o.limit) : ds.rows;
    if (rows.length === 0) fail(`dataset ${ds.info.name} has no rows`);
    // Only the run spec's path and interventions matter here; its tokens are the dataset's.
    const path = ctx.ref?.path ?? Array.from({ length: m.model.arch.layers }, (_, i) => i);
    const interventions = ctx.ref?.interventions ?? [];
    const hooks = expandHooks(o.hooks, path.length);
    const widths = hooks.map((h) => hookWidth(m, h, path));
    const ids = rows.map((r, i) => rowIds(m, r, i));
    const picks = ids.map((r, i) => selected(r, pos, m.bosId, i));
    const vectors = pos === 'all' ? ids.reduce((s, r) => s + r.length, 0) : rows.length;
    const bytes = vectors * widths.reduce((a, b) => a + b, 0) * 4 + (pos === 'all' ? vectors * 8 : 0);
    if (bytes > o.maxBytes) fail(`extract: ${rows.length} rows × ${hooks.length} hooks need ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${(o.maxBytes / 2 ** 20).toFixed(0)} MiB allowed: use fewer rows (limit), fewer hooks or another position`);
    const data = widths.map((w) => new Float32Array(vectors * w));
    const batched = o.batchTokens > 0 && interventions.length === 0;

    // Batches: rows sorted by length, right-padded to a common length rounded up to 8
    // (few distinct shapes, so WebGPU compiles few programs) and filled with padding rows,
    // up to batchTokens tokens; a row longer than that goes alone.
    const order = ids.map((_, i) => i).sort((x, y) => (ids[x] as number[]).length - (ids[y] as number[]).length);
    const maxPos = m.model.arch.maxPositions || Infinity;
    const groups: { rows: number[]; len: number; slots: number }[] = [];
    for (const i of order) {
      const len = (ids[i] as number[]).length;
      const padded = Math.min(Math.ceil(len / 8) * 8, Math.max(len, maxPos));
      const g = groups[groups.length - 1];
      if (batched && g && g.len === padded && (g.rows.length + 1) * padded <= o.batchTokens) g.rows.push(i);
      else groups.push({ rows: [i], len: batched ? padded : len, slots: batched ? Math.max(1, Math.floor(o.batchTokens / padded)) : 1 });
    }
    // Where each row's vectors go in the output (original row order).
    const outAt: number[] = [];
    ids.reduce((s, r, i) => (outAt[i] = s, s + (pos === 'all' ? r.length : 1)), 0);

    let done = 0;
    for (const g of groups) {
      await tick();
      if (ctx.signal.aborted) fail('the extraction was cancelled');
      const Tr = g.len;
      const B = g.slots;
      const tokens = new Array<number>(B * Tr).fill(0);
      g.rows.forEach((i, k) => (ids[i] as number[]).forEach((t, j) => (tokens[k * Tr + j] = t)));
      const fw = forward(m.model, tokens, { path, interventions, capture: hooks, logits: false, ...(B > 1 ? { rows: B } : {}) });
      try {
        const T = tokens.length;
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
      } finally {
        disposeForward(fw);
      }
      done += g.rows.length;
      const secs = (Date.now() - t0) / 1000;
      const rate = secs > 0 ? done / secs : undefined;
      ctx.progress({ done, total: rows.length, unit: 'rows', ...(rate ? { rate, etaSeconds: (rows.length - done) / rate } : {}) });
    }

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
