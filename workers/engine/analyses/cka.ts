/**
 * `cka`: layer × layer similarity of two activation sets over the same dataset rows —
 * one model's layers, two models (both in the registry: activations stay in the engine)
 * or two paths of one model (rows = steps) — as linear or debiased CKA, full (feature or
 * Gram form, whichever is cheaper) or minibatch; optionally the linear-map variant.
 * Definitions: contracts/cka.ts and METHODS §2, §5. Progress in phases; cancel between
 * batches, hooks and pairs.
 */
import { CKA_DEFAULTS, type CkaOptions, type CkaPhase, type CkaResult } from '../../../src/contracts/cka';
import type { ActivationSet } from '../artifacts/activation-set';
import { fail } from '../errors';
import { defineAnalysis } from './analysis';
import { featurePair, featureStats, formCost, gramPair, gramStats, type Vectors } from './cka-math';
import { linearMaps, heldOutRows } from './cka-linear-map';
import { minibatchCka } from './cka-minibatch';
import { fullPath, hookDepth, sameTokens, sideActivations, type Side } from './cka-sides';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function checkOptions(o: CkaOptions): void {
  if (o.kind !== 'linear' && o.kind !== 'debiased') fail(`cka: kind must be linear or debiased, got ${String(o.kind)}`);
  if (o.position !== 'last' && o.position !== 'mean' && o.position !== 'all') fail(`cka: position must be last, mean or all, got ${String(o.position)}`);
  if (o.form !== 'auto' && o.form !== 'feature' && o.form !== 'gram') fail(`cka: form must be auto, feature or gram, got ${String(o.form)}`);
  if (!(Number.isInteger(o.minibatch) && o.minibatch >= 0)) fail(`cka: minibatch must be 0 (full) or a batch size, got ${o.minibatch}`);
  if (!(Number.isInteger(o.limit) && o.limit >= 0)) fail(`cka: limit must be a non-negative integer, got ${o.limit}`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0)) fail(`cka: seed must be a non-negative integer, got ${o.seed}`);
  if (o.partial !== 'drop' && o.partial !== 'scale') fail(`cka: partial must be drop or scale, got ${String(o.partial)}`);
  if (o.hooks.length === 0) fail('cka: give at least one hook (e.g. blocks.*.hook_resid_post)');
}

/** Vectors per hook, keeping the vectors `keep` (all when null). */
function vectorsOf(set: ActivationSet, keep: Int32Array | null, side: string): Vectors[] {
  return set.hooks.map((h, j) => {
    const d = set.widths[j] as number;
    const all = set.data[j] as Float32Array;
    const name = `${h} of model ${side}`;
    if (!keep) return { data: all, n: set.vectors, d, name };
    const data = new Float32Array(keep.length * d);
    keep.forEach((v, k) => data.set(all.subarray(v * d, (v + 1) * d), k * d));
    return { data, n: keep.length, d, name };
  });
}

/** Position `all`: the vectors kept (position 0 of a row starting with BOS left out when asked) and the row of each. */
function pooled(set: ActivationSet, ids: number[][], bos: (number | undefined)[], dropBos: boolean): { keep: Int32Array; rowOf: Int32Array } {
  const row = set.row ?? fail('cka: the activation set has no row index for position all');
  const pos = set.pos ?? fail('cka: the activation set has no position index for position all');
  const keep: number[] = [];
  for (let v = 0; v < set.vectors; v++) {
    const first = (ids[row[v] as number] as number[])[0];
    if (dropBos && pos[v] === 0 && bos.some((b) => b !== undefined && b === first)) continue;
    keep.push(v);
  }
  const k = Int32Array.from(keep);
  return { keep: k, rowOf: Int32Array.from(k, (v) => row[v] as number) };
}

/**
 * The full estimator: each hook's statistics once (centred features or centred Gram), then
 * every pair (the upper triangle when B is A, mirrored).
 */
async function fullMap<S>(VA: Vectors[], VB: Vectors[], symmetric: boolean, stats: (v: Vectors) => S, pair: (x: S, y: S) => number, step: (done: number, total: number) => Promise<void>): Promise<number[][]> {
  const pairs = symmetric ? (VA.length * (VA.length + 1)) / 2 : VA.length * VB.length;
  let done = 0;
  const sa: S[] = [];
  for (const v of VA) { sa.push(stats(v)); await step(done, pairs); }
  const sb: S[] = [];
  if (!symmetric) for (const v of VB) { sb.push(stats(v)); await step(done, pairs); }
  const cols = symmetric ? sa : sb;
  const out = VA.map(() => new Array<number>(VB.length).fill(0));
  for (let i = 0; i < sa.length; i++) {
    for (let j = symmetric ? i : 0; j < cols.length; j++) {
      const x = pair(sa[i] as S, cols[j] as S);
      (out[i] as number[])[j] = x;
      if (symmetric) (out[j] as number[])[i] = x;
      await step(++done, pairs);
    }
  }
  return out;
}

export const ckaAnalysis = defineAnalysis({
  name: 'cka',
  defaults: CKA_DEFAULTS,
  async run(ctx, o): Promise<CkaResult> {
    const t0 = Date.now();
    checkOptions(o);
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const rows = o.limit > 0 ? ds.rows.slice(0, o.limit) : ds.rows;
    if (rows.length === 0) fail(`dataset ${ds.info.name} has no rows`);
    const mA = ctx.model;
    const A: Side = { model: mA, path: ctx.ref?.path ?? fullPath(mA), interventions: ctx.ref?.interventions ?? [], hooks: o.hooks };
    const symmetric = o.b === undefined;
    const mB = o.b?.model !== undefined ? ctx.registry.model(o.b.model) : mA;
    const B: Side = o.b === undefined ? A : { model: mB, path: o.b.path ?? fullPath(mB), interventions: o.b.interventions ?? [], hooks: o.b.hooks ?? o.hooks };
    const notes: string[] = [];
    // Pooled tokens must be the same tokens on both sides: checked before any model runs.
    const ids = o.position === 'all' ? sameTokens(mA, mB, rows) : undefined;
    if (mB !== mA && o.position !== 'all' && rows.some((r) => r.text !== undefined)) {
      notes.push(`each model reads the texts through its own tokenizer: ${o.position === 'last' ? 'the last token' : 'the mean over the tokens'} of each row is that model's own`);
    }

    const created: string[] = [];
    const progress = (phase: CkaPhase, unit: string) => async (done: number, total: number): Promise<void> => {
      await tick();
      if (ctx.signal.aborted) fail('the CKA was cancelled');
      const secs = (Date.now() - t0) / 1000;
      ctx.progress({ phase, done, total, unit, ...(secs > 0 ? { rate: done / secs } : {}) });
    };
    try {
      const a = await sideActivations(ctx, A, o, 'extract A', o.reuse);
      if (a.created) created.push(a.artifact);
      const b = symmetric ? a : await sideActivations(ctx, B, o, 'extract B', [a.artifact, ...o.reuse]);
      if (b.created) created.push(b.artifact);

      let keep: Int32Array | null = null;
      let rowOf: Int32Array = Int32Array.from(rows, (_, i) => i);
      if (ids) {
        const p = pooled(a.set, ids, [mA.bosId, mB.bosId], o.dropBos);
        if (b.set.vectors !== a.set.vectors) fail(`cka: model A holds ${a.set.vectors} token vectors but model B ${b.set.vectors}: both must read the same tokens`);
        if (p.keep.length < a.set.vectors) notes.push(`position all: ${a.set.vectors - p.keep.length} BOS vectors at position 0 left out (the same context-free vector in every row)`);
        keep = p.keep;
        rowOf = p.rowOf;
      }
      const VA = vectorsOf(a.set, keep, 'A');
      const VB = symmetric ? VA : vectorsOf(b.set, keep, 'B');
      const n = VA[0]?.n ?? 0;
      if ((VB[0]?.n ?? 0) !== n) fail(`cka: model A gives ${n} vectors but model B ${VB[0]?.n ?? 0}: both sides must hold the same rows`);

      let cka: number[][];
      let form: CkaResult['form'];
      let minibatch: CkaResult['minibatch'];
      if (o.minibatch > 0) {
        const out = await minibatchCka(VA, symmetric ? null : VB, o.kind, { size: o.minibatch, passes: o.passes, seed: o.seed, partial: o.partial }, progress('cka', 'batches'));
        cka = out.cka;
        form = 'minibatch';
        minibatch = { size: out.size, passes: o.passes, seed: o.seed, batches: out.batches, partial: o.partial, droppedPerPass: out.droppedPerPass };
        if (out.size < o.minibatch) notes.push(`the minibatch size ${o.minibatch} is more than the ${n} vectors: one batch of ${n} per pass (the full estimator)`);
      } else {
        const cost = formCost(n, VA.map((v) => v.d), VB.map((v) => v.d), symmetric);
        const gramFits = cost.gramBytes + a.set.bytes + (symmetric ? 0 : b.set.bytes) <= o.maxBytes;
        if (o.form === 'gram' && !gramFits) fail(`cka: the Gram form over ${n} vectors needs ${(cost.gramBytes / 2 ** 20).toFixed(1)} MiB of Gram matrices, more than the ${(o.maxBytes / 2 ** 20).toFixed(0)} MiB allowed: use the feature form or minibatch CKA`);
        form = o.form === 'auto' ? (gramFits && cost.gram < cost.feature ? 'gram' : 'feature') : o.form;
        const step = progress('cka', 'pairs');
        cka = form === 'gram'
          ? await fullMap(VA, VB, symmetric, (v) => gramStats(v, o.kind), gramPair, step)
          : await fullMap(VA, VB, symmetric, (v) => featureStats(v, o.kind), (x, y) => featurePair(x, y, o.kind), step);
      }

      let linearMap: CkaResult['linearMap'];
      if (o.linearMap) {
        const test = heldOutRows(rows.length, o.holdout, o.seed);
        const tr: number[] = [];
        const te: number[] = [];
        rowOf.forEach((r, v) => (test.has(r) ? te : tr).push(v));
        linearMap = await linearMaps(VA, VB, Int32Array.from(tr), Int32Array.from(te), o.ridge, progress('linear map', 'maps'));
      }

      const depthA = a.set.hooks.map((h) => hookDepth(h, A.path));
      const depthB = b.set.hooks.map((h) => hookDepth(h, B.path));
      const best = cka.map((row) => row.reduce((bi, x, j) => (x > (row[bi] as number) ? j : bi), 0));
      return {
        rows: a.set.hooks, cols: b.set.hooks, kind: o.kind, position: o.position, n, datasetRows: rows.length, form, cka, symmetric,
        depthRows: depthA.map((x) => x.depth), depthCols: depthB.map((x) => x.depth), layerRows: depthA.map((x) => x.layer), layerCols: depthB.map((x) => x.layer),
        best, pathA: A.path, pathB: B.path, modelA: mA.label, modelB: mB.label,
        ...(minibatch ? { minibatch } : {}), ...(linearMap ? { linearMap } : {}),
        notes, artifacts: [...new Set([a.artifact, b.artifact])], seconds: (Date.now() - t0) / 1000,
      };
    } catch (e) {
      for (const id of created) ctx.registry.dropArtifact(id);
      throw e;
    }
  },
});
