/**
 * `sae-probe` (METHODS §9.5; contracts/sae-probe.ts): each SAE feature as a one-feature
 * classifier beside the linear probe at the SAE's hook. The activations come from `extract`
 * and the probes from `probe` (one run of each over the SAEs' hooks, the Concept-depth
 * settings and split); the TEST rows are then encoded on the device, z = encode(x)
 * [n_test, d_sae], read back one block of features at a time (rows chunked so the device
 * holds at most `deviceFloats` of z, the host at most `hostFloats`), and scored per feature on the host:
 *   AUROC_ik = rocAuc(z_i, y == k)  (Mann–Whitney, ties averaged; constant z_i → 0.5)
 *   F1_ik    = f1Binary(z_i > 0, y == k).
 * Cosines: W_dec rows normalised, against the probe direction and R seeded Gaussian directions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PROBE_DEFAULTS } from '../../../src/contracts/probe';
import { SAE_PROBE_DEFAULTS, type SaeFeatureScore, type SaeProbeClass, type SaeProbeEntry, type SaeProbeOptions, type SaeProbeResult } from '../../../src/contracts/sae-probe';
import type { Sae } from '../artifacts/sae';
import { fail } from '../errors';
import { probabilities } from '../probe/mass-mean';
import { f1Binary, rocAuc } from '../probe/metrics';
import { mulberry32 } from '../random';
import { defineAnalysis, type AnalysisContext } from './analysis';
import { depthOf, probeAnalysis } from './probe';
import { saeRunHook } from './sae';
import { saeEncode } from './sae-encode';

/** AUROCs this close are ties (the lowest feature id wins). */
const TIE = 1e-12;

/** Per class k (of `scored`), per feature i: AUROC and F1 of z_i on the test rows. */
interface FeatureTable { auc: Float64Array[]; f1: Float64Array[]; constant: number }

/** Scores features [f0, f0 + B) from their columns (`cols` [B, n] feature-major) into `t`. */
export function scoreColumns(cols: Float32Array, B: number, n: number, f0: number, y: Int32Array, scored: number[], t: FeatureTable): void {
  const truth = scored.map((k) => Array.from(y, (c) => c === k));
  const pred = new Int32Array(n);
  for (let b = 0; b < B; b++) {
    const col = cols.subarray(b * n, (b + 1) * n);
    let constant = true;
    for (let r = 1; r < n && constant; r++) if (col[r] !== col[0]) constant = false;
    if (constant) t.constant++;
    scored.forEach((k, c) => {
      for (let r = 0; r < n; r++) pred[r] = (col[r] as number) > 0 ? k : -1;
      (t.f1[c] as Float64Array)[f0 + b] = f1Binary(pred, y, k);
      (t.auc[c] as Float64Array)[f0 + b] = constant ? 0.5 : rocAuc(col, truth[c] as boolean[]);
    });
  }
}

/** Feature ids by score descending, ids ascending on ties (|Δ| ≤ 1e-12). */
export function rankFeatures(score: ArrayLike<number>, top: number): number[] {
  const ids = Array.from({ length: score.length }, (_, i) => i);
  ids.sort((a, b) => {
    const d = (score[b] as number) - (score[a] as number);
    return Math.abs(d) <= TIE ? a - b : d;
  });
  return ids.slice(0, top);
}

/** The test rows' z at every feature, encoded on the device, scored block by block. */
async function featureTable(ctx: AnalysisContext<'sae-probe'>, o: SaeProbeOptions, sae: Sae, x: Float32Array, n: number, y: Int32Array, scored: number[], tick: () => Promise<void>): Promise<FeatureTable> {
  const D = sae.info.dSae;
  const d = sae.info.dIn;
  const t: FeatureTable = { auc: scored.map(() => new Float64Array(D)), f1: scored.map(() => new Float64Array(D)), constant: 0 };
  const B = Math.max(1, Math.min(D, Math.floor(o.hostFloats / n)));
  const R = Math.max(1, Math.min(n, Math.floor(o.deviceFloats / D)));
  const cols = new Float32Array(B * n);
  for (let f0 = 0; f0 < D; f0 += B) {
    const nb = Math.min(B, D - f0);
    for (let r0 = 0; r0 < n; r0 += R) {
      await tick();
      const nr = Math.min(R, n - r0);
      const zt = tf.tidy(() => {
        const xt = tf.tensor2d(x.subarray(r0 * d, (r0 + nr) * d), [nr, d]); // [nr, d_in]
        const { z } = saeEncode(sae, xt); // [nr, d_sae]
        return tf.transpose(tf.slice(z, [0, f0], [nr, nb])); // [nb, nr]
      });
      try {
        const v = (await zt.data()) as Float32Array;
        for (let b = 0; b < nb; b++) cols.set(v.subarray(b * nr, (b + 1) * nr), b * n + r0);
      } finally {
        zt.dispose();
      }
    }
    scoreColumns(cols, nb, n, f0, y, scored, t);
    ctx.progress({ done: Math.min(D, f0 + nb), total: D, unit: 'features', phase: 'encode' });
  }
  return t;
}

/** Normal draws (Box–Muller over mulberry32), [count]. */
function gaussian(seed: number, count: number): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    out[i] = r * Math.cos(a);
    if (i + 1 < count) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/**
 * |cos| of directions [m, d_in] (rows) against every unit decoder row: per direction the signed
 * cos at `at[j]` (when given) and max_i |cos|. Reads back 2m numbers.
 */
async function decoderCos(sae: Sae, dirs: Float32Array, m: number, at: number[]): Promise<{ cosAt: number[]; maxAbs: number[] }> {
  const d = sae.info.dIn;
  const outs = tf.tidy(() => {
    const w = sae.wDec; // [d_sae, d_in]
    const wn = tf.div(w, tf.maximum(tf.norm(w, 'euclidean', 1, true), 1e-12));
    const v = tf.tensor2d(dirs, [m, d]);
    const vn = tf.div(v, tf.maximum(tf.norm(v, 'euclidean', 1, true), 1e-12));
    const c = tf.matMul(wn, vn, false, true); // [d_sae, m]
    const picked = at.length ? tf.gatherND(c, tf.tensor2d(at.map((f, j) => [f, j]), [at.length, 2], 'int32')) : tf.zeros([0]);
    return [tf.max(tf.abs(c), 0), picked];
  });
  try {
    const [mx, pk] = await Promise.all(outs.map((o) => o.data()));
    return { maxAbs: Array.from(mx as Float32Array), cosAt: Array.from(pk as Float32Array) };
  } finally {
    tf.dispose(outs);
  }
}

function checkOptions(o: SaeProbeOptions): void {
  if (!o.dataset) fail('sae-probe: give a labelled dataset');
  if (!Array.isArray(o.saes) || o.saes.length === 0) fail('sae-probe: give at least one SAE (load one first)');
  if ((o.position as unknown) === 'all') fail('sae-probe: position "all" keeps every token; use last, mean or an index');
  if (o.split === 'kfold') fail('sae-probe: split kfold has no single test split for the feature AUROCs; use random or stratified');
  if (!(Number.isInteger(o.top) && o.top >= 1)) fail(`sae-probe: top must be a positive integer, got ${o.top}`);
  if (!(Number.isInteger(o.deviceFloats) && o.deviceFloats >= 1 && Number.isInteger(o.hostFloats) && o.hostFloats >= 1)) fail(`sae-probe: deviceFloats and hostFloats must be positive integers, got ${o.deviceFloats} and ${o.hostFloats}`);
  if (!(Number.isInteger(o.controls) && o.controls >= 0 && o.controls <= 10000)) fail(`sae-probe: controls must be an integer from 0 to 10000, got ${o.controls}`);
}

export const saeProbeAnalysis = defineAnalysis({
  name: 'sae-probe',
  defaults: SAE_PROBE_DEFAULTS,
  async run(ctx, o): Promise<SaeProbeResult> {
    const t0 = Date.now();
    checkOptions(o);
    const m = ctx.model;
    const path = ctx.ref?.path ?? Array.from({ length: m.model.arch.layers }, (_, i) => i);
    const saes = o.saes.map((id) => {
      const a = ctx.registry.artifact('sae', id);
      if (a.model !== m.id) fail(`sae-probe: SAE ${id} belongs to model ${a.model}, not to ${m.id}`);
      return { id, sae: a.sae, hook: saeRunHook(a.sae.info.hook, path) };
    });
    const hooks = [...new Set(saes.map((s) => s.hook))];
    const pr = await probeAnalysis.run({ ...ctx, progress: (p) => ctx.progress(p) }, {
      ...PROBE_DEFAULTS, dataset: o.dataset, hooks, position: o.position, limit: o.limit, batchTokens: o.batchTokens, maxBytes: o.maxBytes,
      method: o.method, C: o.C, split: o.split, testFraction: o.testFraction, folds: o.folds, seed: o.seed, positive: o.positive,
      maxIter: o.maxIter, tol: o.tol, solver: o.solver, bootstrap: o.bootstrap,
    });
    const set = ctx.registry.artifact('activations', pr.activations).set;
    try {
      const labels = set.labels as Int32Array;
      const K = pr.classes.length;
      const posIdx = pr.classes.indexOf(pr.positive);
      const scored = K === 2 ? [posIdx] : pr.classes.map((_, k) => k);
      const test = pr.split.test;
      const n = test.length;
      const y = Int32Array.from(test, (i) => labels[i] as number);
      const S = path.length;
      let cancelled = pr.partial !== undefined;
      const tick = async (): Promise<void> => {
        await new Promise<void>((r) => setTimeout(r, 0));
        if (ctx.signal.aborted) { cancelled = true; throw new Error('cancelled'); }
      };
      const entries: SaeProbeEntry[] = [];
      for (const s of saes) {
        const j = pr.hooks.indexOf(s.hook);
        if (j < 0) break; // the probe was cancelled before this hook
        const hj = set.hooks.indexOf(s.hook);
        const d = set.widths[hj] as number;
        if (d !== s.sae.info.dIn) fail(`sae-probe: the SAE ${s.id} reads ${s.sae.info.dIn}-wide vectors (${s.sae.info.sourceHook}) but ${s.hook} is ${d} wide: the SAE was made for another model or hook`);
        const data = set.data[hj] as Float32Array;
        const x = new Float32Array(n * d); // [n_test, d_in]
        test.forEach((i, r) => x.set(data.subarray(i * d, (i + 1) * d), r * d));
        let table: FeatureTable;
        try {
          table = await featureTable(ctx, o, s.sae, x, n, y, scored, tick);
        } catch (e) {
          if (cancelled) break;
          throw e;
        }
        // The probe's P(k) on the same test rows.
        const probeId = pr.probes[j] as string;
        const probe = ctx.registry.artifact('probe', probeId).probe;
        const P = probabilities(x, n, d, probe.weight, probe.bias);
        const probeAucOf = (k: number): number => rocAuc(K === 2 ? Array.from(P, (p) => (k === 1 ? p : 1 - p)) : Array.from({ length: n }, (_, r) => P[r * K + k] as number), Array.from(y, (c) => c === k));
        const classes: SaeProbeClass[] = scored.map((k, c) => {
          const auc = table.auc[c] as Float64Array;
          const f1 = table.f1[c] as Float64Array;
          const score = (i: number): SaeFeatureScore => ({ feature: i, auc: auc[i] as number, f1: f1[i] as number });
          const top = rankFeatures(auc, o.top).map(score);
          const e = rankFeatures(Array.from(auc, (a) => Math.max(a, 1 - a)), 1)[0] as number;
          return {
            name: pr.classes[k] as string, count: y.filter((v) => v === k).length, best: top[0] as SaeFeatureScore,
            either: { feature: e, auc: Math.max(auc[e] as number, 1 - (auc[e] as number)), f1: f1[e] as number }, top, probeAuc: probeAucOf(k),
          };
        });
        let control: SaeProbeEntry['control'];
        if (o.controls > 0) {
          // Probe direction toward class k: binary ±w (w is class 1's), else row k of the weight.
          const dirs = new Float32Array(scored.length * d);
          scored.forEach((k, c) => {
            for (let q = 0; q < d; q++) dirs[c * d + q] = K === 2 ? (k === 1 ? 1 : -1) * (probe.weight[q] as number) : (probe.weight[k * d + q] as number);
          });
          const pc = await decoderCos(s.sae, dirs, scored.length, classes.map((c) => c.best.feature));
          classes.forEach((c, i) => { c.cosBest = pc.cosAt[i] as number; c.cosMax = pc.maxAbs[i] as number; });
          const rc = (await decoderCos(s.sae, gaussian(o.seed + 1, o.controls * d), o.controls, [])).maxAbs.sort((a, b) => a - b);
          control = { mean: rc.reduce((a, b) => a + b, 0) / rc.length, p95: rc[Math.min(rc.length - 1, Math.floor(0.95 * (rc.length - 1) + 0.5))] as number, n: o.controls };
        }
        const lm = /^blocks\.(\d+)\./.exec(s.sae.info.hook);
        const dep = depthOf(s.hook, S);
        entries.push({
          sae: s.id, saeHook: s.sae.info.hook, hook: s.hook, layer: lm ? Number(lm[1]) : null, step: dep.step, relDepth: dep.rel, dSae: s.sae.info.dSae,
          constant: table.constant, probeAcc: pr.acc[j] as number, probeAuc: pr.auc[j] as number, ...(o.keepProbes ? { probe: probeId } : {}), classes, ...(control ? { control } : {}),
        });
        ctx.progress({ done: entries.length, total: saes.length, unit: 'SAEs', phase: 'encode' });
      }
      if (entries.length === 0 && cancelled) fail('the SAE-vs-probe run was cancelled');
      return {
        labels: pr.classes, scored: scored.map((k) => pr.classes[k] as string), positive: pr.positive, n: pr.n, test: n, split: pr.split, entries,
        seconds: (Date.now() - t0) / 1000, ...(entries.length < saes.length ? { partial: { done: entries.length, total: saes.length, unit: 'SAEs' } } : {}),
      };
    } finally {
      ctx.registry.dropArtifact(pr.activations);
      if (!o.keepProbes) for (const id of pr.probes) ctx.registry.dropArtifact(id);
    }
  },
});
