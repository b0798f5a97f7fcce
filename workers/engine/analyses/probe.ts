/**
 * `probe` (METHODS §3, concept depth): a linear probe per hook on a dataset's activations,
 * one point of the accuracy / F1 / ROC-AUC curves per hook, with seeded splits and
 * bootstrap intervals (contracts/probe.ts). The activations are an activation-set artifact,
 * or are extracted here first (the `extract` analysis, optionally on prefix-noised text).
 * Each hook's probe (trained on the train rows) is kept as a probe artifact. Cancel returns
 * the hooks finished so far (`partial`); a cancel before the first one fails.
 */
import type { ExtractResult } from '../../../src/contracts/extract';
import { PROBE_DEFAULTS, REFERENCE_POSITIVE, type ProbeOptions, type ProbeResult, type ProbeSplitIndices } from '../../../src/contracts/probe';
import type { ActivationSet } from '../artifacts/activation-set';
import type { Probe } from '../artifacts/probe';
import { fail, StrataError } from '../errors';
import { fitLogistic } from '../probe/logistic';
import { massMean, predictions, probabilities } from '../probe/mass-mean';
import { accuracy, aucOf, bootstrapIndices, bootstrapMetrics, f1Binary, f1Macro } from '../probe/metrics';
import { noisyRows } from '../probe/noise';
import { kfoldSplit, randomSplit, stratifiedSplit } from '../probe/split';
import { defineAnalysis, type AnalysisContext } from './analysis';
import { extractAnalysis } from './extract';

class Cancelled extends StrataError {}

/** Step of the path a hook reads and its relative depth step/(S−1); hook_embed 0, ln_final 1. */
export function depthOf(hook: string, S: number): { step: number | null; rel: number } {
  const m = /^blocks\.(\d+)\./.exec(hook);
  if (m) {
    const s = Number(m[1]);
    return { step: s, rel: S > 1 ? s / (S - 1) : 0 };
  }
  return { step: null, rel: hook.startsWith('ln_final') ? 1 : 0 };
}

/** Rows `idx` of a [*, d] Float32 matrix as a contiguous Float64 [idx.length, d]. */
function gather(data: Float32Array, d: number, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) {
    const o = (idx[r] as number) * d;
    for (let j = 0; j < d; j++) out[r * d + j] = data[o + j] as number;
  }
  return out;
}

/** Runs `extract` inside this analysis (on a prefix-noised copy of the dataset when asked). */
async function extractFor(ctx: AnalysisContext<'probe'>, o: ProbeOptions): Promise<ExtractResult> {
  if (!o.dataset) fail('probe: give a dataset (or an activation set) to probe');
  let dataset = o.dataset;
  let temp: string | undefined;
  if (o.noise) {
    const ds = ctx.registry.artifact('dataset', o.dataset).dataset;
    const rows = noisyRows(o.limit > 0 ? ds.rows.slice(0, o.limit) : ds.rows, o.noise);
    const a = ctx.registry.addArtifact({ kind: 'dataset', label: `${ds.info.name} + noise`, dataset: { info: { ...ds.info, name: `${ds.info.name} + noise "${o.noise.letters}"×${o.noise.length} seed ${o.noise.seed}` }, rows } });
    dataset = temp = a.id;
  }
  const exCtx: AnalysisContext<'extract'> = { ...ctx, progress: (p) => ctx.progress({ ...p, phase: 'extract' }) };
  try {
    return await extractAnalysis.run(exCtx, { ...extractAnalysis.defaults, dataset, hooks: o.hooks, position: o.position, limit: o.limit, batchTokens: o.batchTokens, maxBytes: o.maxBytes });
  } finally {
    if (temp) ctx.registry.dropArtifact(temp);
  }
}

function checkOptions(o: ProbeOptions): void {
  if (o.method !== 'logistic' && o.method !== 'mean-diff') fail(`probe: method must be logistic or mean-diff, got "${String(o.method)}"`);
  if (!(typeof o.C === 'number' && o.C > 0 && Number.isFinite(o.C))) fail(`probe: C must be a positive number, got ${String(o.C)}`);
  if (!['random', 'stratified', 'kfold'].includes(o.split)) fail(`probe: split must be random, stratified or kfold, got "${String(o.split)}"`);
  if (!(Number.isInteger(o.bootstrap) && o.bootstrap >= 0 && o.bootstrap <= 100000)) fail(`probe: bootstrap resamples must be an integer from 0 to 100000, got ${o.bootstrap}`);
  if (!(Number.isInteger(o.maxIter) && o.maxIter >= 1)) fail(`probe: maxIter must be a positive integer, got ${o.maxIter}`);
  if (!(o.tol > 0)) fail(`probe: tol must be positive, got ${o.tol}`);
  if ((o.position as unknown) === 'all') fail('probe: position "all" keeps every token; a probe reads one vector per row: use last, mean or an index');
}

interface HookScore { acc: number; f1: number; auc: number; ci: [number, number][]; iterations: number; converged: boolean; gradNorm: number; probe: Probe }

export const probeAnalysis = defineAnalysis({
  name: 'probe',
  defaults: PROBE_DEFAULTS,
  async run(ctx, o): Promise<ProbeResult> {
    const t0 = Date.now();
    checkOptions(o);
    let setId = o.activations;
    if (!setId) {
      const ex = await extractFor(ctx, o).catch((e: unknown) => {
        if (e instanceof Error && /cancelled/.test(e.message)) fail('the probe training was cancelled while extracting activations');
        throw e;
      });
      setId = ex.artifact;
    }
    const art = ctx.registry.artifact('activations', setId);
    const modelId = art.model;
    const set: ActivationSet = art.set;
    if (set.position === 'all') fail('probe: this activation set holds every token (position all); extract one position per row (last, mean or an index)');
    if (!set.labels) fail(`probe: the dataset ${set.metadata['dataset'] ?? ''} has no label column: pick one (e.g. --label-column label)`);
    const labels = set.labels;
    for (let i = 0; i < labels.length; i++) if ((labels[i] as number) < 0) fail(`probe: row ${i} has no label; every row needs one`);
    const classes = set.labelNames;
    const K = classes.length;
    if (K < 2) fail(`probe: the labels hold only one class (${classes[0] ?? 'none'}); a probe needs at least two`);
    const n = set.rows;
    const datasetName = set.metadata['dataset'] ?? '';
    // A noised copy is named after its dataset: the reference's positive class is the dataset's.
    const positive = o.positive ?? REFERENCE_POSITIVE[datasetName.replace(/ \+ noise .*$/, '')] ?? (classes[K - 1] as string);
    const pos = classes.indexOf(positive);
    if (pos < 0) fail(`probe: the positive class "${positive}" is not one of the labels (${classes.join(', ')})`);

    const split: ProbeSplitIndices = o.split === 'kfold' ? kfoldSplit(n, o.folds, o.seed)
      : o.split === 'stratified' ? stratifiedSplit(labels, K, o.testFraction, o.seed) : randomSplit(n, o.testFraction, o.seed);
    const folds = split.folds ?? [split.test];
    const trainOf = (f: number): number[] => (split.folds ? folds.filter((_, g) => g !== f).flat() : split.train);
    for (let f = 0; f < folds.length; f++) {
      const seen = new Set(Array.from(trainOf(f), (i) => labels[i] as number));
      if (seen.size < K) fail(`probe: the training rows${split.folds ? ` of fold ${f}` : ''} hold only ${seen.size} of the ${K} classes (${classes.filter((_, k) => !seen.has(k)).join(', ')} missing): use more rows, a stratified split or another seed`);
    }
    const test = split.test;
    const yTest = Int32Array.from(test, (i) => labels[i] as number);
    const counts = new Array<number>(K).fill(0);
    for (const c of yTest) counts[c] = (counts[c] as number) + 1;
    const chance = Math.max(...counts) / yTest.length;
    const resamples = bootstrapIndices(test.length, o.bootstrap, o.seed);
    const path = set.metadata['path'] ? (JSON.parse(set.metadata['path']) as number[]) : Array.from({ length: ctx.model.model.arch.layers }, (_, i) => i);
    const S = path.length;

    const tick = async (): Promise<void> => {
      await new Promise<void>((r) => setTimeout(r, 0));
      if (ctx.signal.aborted) throw new Cancelled('the probe training was cancelled');
    };
    const fitOpts = { C: o.C, maxIter: o.maxIter, tol: o.tol, solver: o.solver, tick };
    const fit = async (data: Float32Array, d: number, rows: number[]) => {
      const X = gather(data, d, rows);
      const y = Int32Array.from(rows, (i) => labels[i] as number);
      if (o.method === 'mean-diff') return { ...massMean(X, rows.length, d, y, K), iterations: 0, converged: true, gradNorm: 0 };
      return fitLogistic(X, rows.length, d, y, K, fitOpts);
    };

    const scoreHook = async (j: number): Promise<HookScore> => {
      const hook = set.hooks[j] as string;
      const d = set.widths[j] as number;
      const data = set.data[j] as Float32Array;
      // Test probabilities in `test` order ([n_test] for binary, [n_test, K] otherwise).
      const Kp = K === 2 ? 1 : K;
      const probs = new Float64Array(test.length * Kp);
      let iterations = 0;
      let converged = true;
      let gradNorm = 0;
      let last: { weight: Float64Array; bias: Float64Array } | undefined;
      let at = 0;
      for (let f = 0; f < folds.length; f++) {
        const r = await fit(data, d, trainOf(f));
        iterations = Math.max(iterations, r.iterations);
        converged &&= r.converged;
        gradNorm = Math.max(gradNorm, r.gradNorm);
        const rows = folds[f] as number[];
        probs.set(probabilities(gather(data, d, rows), rows.length, d, r.weight, r.bias), at * Kp);
        at += rows.length;
        last = r;
      }
      // k-fold: the kept probe is trained on every row.
      if (split.folds) last = await fit(data, d, Array.from({ length: n }, (_, i) => i));
      const pred = predictions(probs, test.length, K);
      const f1 = (p: ArrayLike<number>, y: ArrayLike<number>): number => (K === 2 ? f1Binary(p, y, pos) : f1Macro(p, y));
      const ci: [number, number][] = resamples.length ? bootstrapMetrics(resamples, yTest, pred, probs, K, pos) : [[Number.NaN, Number.NaN], [Number.NaN, Number.NaN], [Number.NaN, Number.NaN]];
      const acc = accuracy(pred, yTest);
      const f1v = f1(pred, yTest);
      const auc = aucOf(probs, yTest, K);
      const w = last as { weight: Float64Array; bias: Float64Array };
      const metrics = { acc, f1: f1v, auc, accCI: ci[0], f1CI: ci[1], aucCI: ci[2], n, test: test.length, iterations, converged };
      const probe: Probe = {
        hook, position: String(set.position), method: o.method, classes, d, weight: Float32Array.from(w.weight), bias: Float32Array.from(w.bias),
        metadata: {
          model: set.metadata['model'] ?? ctx.model.label, dataset: datasetName, path: JSON.stringify(path), C: String(o.C), positive,
          split: o.split, splitSeed: String(o.seed), testFraction: String(o.testFraction), ...(split.folds ? { folds: String(o.folds) } : {}),
          ...(o.noise ? { noise: JSON.stringify(o.noise) } : {}), ...(o.label ? { label: o.label } : {}), metrics: JSON.stringify(metrics),
        },
      };
      return { acc, f1: f1v, auc, ci, iterations, converged, gradNorm, probe };
    };

    const out: HookScore[] = [];
    let cancelled = false;
    for (let j = 0; j < set.hooks.length; j++) {
      try {
        await tick();
        out.push(await scoreHook(j));
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
        if (out.length === 0) throw e;
        cancelled = true;
        break;
      }
      const secs = (Date.now() - t0) / 1000;
      ctx.progress({ done: j + 1, total: set.hooks.length, unit: 'hooks', phase: 'train', ...(secs > 0 ? { rate: (j + 1) / secs, etaSeconds: (set.hooks.length - j - 1) / ((j + 1) / secs) } : {}) });
    }
    const hooks = set.hooks.slice(0, out.length);
    const depth = hooks.map((h) => depthOf(h, S));
    const probes = out.map((h) => ctx.registry.addArtifact({ kind: 'probe', model: modelId, label: `${h.probe.hook} · ${datasetName}`, probe: h.probe }).id);
    return {
      hooks, steps: depth.map((x) => x.step), relDepth: depth.map((x) => x.rel), n, classes, positive, chance,
      acc: out.map((h) => h.acc), f1: out.map((h) => h.f1), auc: out.map((h) => h.auc),
      accCI: out.map((h) => h.ci[0] as [number, number]), f1CI: out.map((h) => h.ci[1] as [number, number]), aucCI: out.map((h) => h.ci[2] as [number, number]),
      split, iterations: out.map((h) => h.iterations), converged: out.map((h) => h.converged), gradNorm: out.map((h) => h.gradNorm),
      probes, activations: setId, method: o.method, label: o.label || datasetName, seconds: (Date.now() - t0) / 1000,
      ...(cancelled ? { partial: { done: out.length, total: set.hooks.length, unit: 'hooks' } } : {}),
    };
  },
});
