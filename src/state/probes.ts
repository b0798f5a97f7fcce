/**
 * Concept depth (METHODS §3): train a probe at every hook of the open dataset on model A
 * (under the current path and interventions), model B, or a perturbed copy (prefix noise, a
 * fake-quantised copy made in the engine), and keep each run as one curve for overlays.
 * Probes stay in the engine as artifacts: exported as safetensors, scored on the current
 * prompt, their direction added as a steering vector.
 */
import type { Intervention } from '../contracts/run';
import type { LoadSummary } from '../contracts/engine-api';
import type { ProbeOptions, ProbeProgress, ProbeResult, ProbeScoreResult } from '../contracts/probe';
import { engine } from '../services/engine';
import { parseHooks } from './datasets';
import { refreshMemory } from './engine';
import { cancelJob, message, runJob } from './job';
import type { ProbeCurve, ProbeScore, ProbeSettings } from './probes-slice';
import { rerunPrompt } from './run';
import { get, set, type State } from './store';

export type { ProbeCurve, ProbeMetric, ProbePerturbation, ProbeScore, ProbeSettings, ProbeTarget, ProbesSlice } from './probes-slice';

let nextCurve = 1;
/** The steering intervention this view added (by identity, so it can be taken out again). */
let steer: Intervention | null = null;

export function setProbeSettings(patch: Partial<ProbeSettings>): void {
  set({ probeSettings: { ...get().probeSettings, ...patch } });
}

/** "all 6 layers", "skip 3", "skip 1, 4" or the list for repeats and reorders. */
export function pathWords(path: number[] | null, layers: number): string {
  if (!path) return `all ${layers} layers`;
  const increasing = path.every((l, i) => i === 0 || l > (path[i - 1] as number));
  if (increasing) {
    const skipped = Array.from({ length: layers }, (_, l) => l).filter((l) => !path.includes(l));
    if (skipped.length) return `skip ${skipped.join(', ')}`;
  }
  return `path [${path.join(', ')}]`;
}

/** The short name of a hook pattern list ("resid_post", "ln2 (MLP input)"). */
function hooksWords(hooks: string): string {
  const h = parseHooks(hooks);
  if (h.length === 1 && h[0] === 'blocks.*.hook_resid_post') return 'block output';
  if (h.length === 1 && h[0] === 'blocks.*.ln2.hook_normalized') return 'MLP input';
  return h.join(', ');
}

/** A model in a curve label: "demo", the hub repo, or its architecture for dropped files. */
function modelWords(m: LoadSummary): string {
  if (m.source.startsWith('hub:')) return m.source.slice(4);
  if (m.source.startsWith('files:')) return `${m.info.arch}, ${m.info.layers} layers (files)`;
  return m.source;
}

function perturbationWords(p: ProbeSettings): string {
  if (p.perturb === 'noise') return `noise "${p.noise.letters}"×${p.noise.length} seed ${p.noise.seed}`;
  if (p.perturb === 'quantize') return `${p.bits}-bit${p.groupSize ? ` g${p.groupSize}` : ''}`;
  return 'clean';
}

/** Why the current page cannot train (null = it can). */
export function probeBlocker(s: State = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!s.dataset) return 'Open a labelled dataset: pick a built-in set here or in the Datasets tab.';
  if (s.dataset.labels.length < 2) return `The dataset's label column (${s.dataset.mapping.label ?? 'none'}) must hold at least two classes: pick another column in the Datasets tab.`;
  const p = s.probeSettings;
  if (parseHooks(p.hooks).length === 0) return 'Name at least one hook, e.g. blocks.*.hook_resid_post.';
  if (p.target === 'B' && !s.compareModel) return 'Load model B first (demo or files below).';
  if (p.perturb === 'noise' && s.dataset.mapping.ids) return 'Prefix noise glues letters onto text: this dataset is token ids.';
  return null;
}

/** A quantised copy of `base` with these settings: made once, then reused. */
async function quantizedCopy(jobId: number, base: LoadSummary, bits: number, groupSize: number): Promise<LoadSummary> {
  const key = `${base.modelId}|${bits}|${groupSize}`;
  const have = get().probeCopies.find((c) => c.key === key);
  if (have) return have.summary;
  const summary = await engine.call((e) => e.modelQuantize(jobId, base.modelId, { bits, groupSize }));
  set({ probeCopies: [...get().probeCopies, { key, base: base.modelId, summary }] });
  return summary;
}

/** Trains probes at every hook for the current settings; the result becomes a new curve. */
export async function trainProbes(): Promise<void> {
  const s = get();
  const why = probeBlocker(s);
  if (why) {
    set({ error: why });
    return;
  }
  const A = s.model;
  const dataset = s.dataset;
  if (!A || !dataset) return;
  const p = s.probeSettings;
  const base = p.target === 'B' && s.compareModel ? s.compareModel : A;
  // Model B runs all its layers; A (and copies of A) the page's path and interventions.
  const path = base === A ? s.path : null;
  const interventions = base === A ? s.interventions : [];
  const options: Partial<ProbeOptions> = {
    dataset: dataset.id, hooks: parseHooks(p.hooks), position: p.position === 'index' ? Math.trunc(p.index) : p.position,
    limit: Math.max(0, Math.trunc(p.limit)), method: p.method, C: p.C, split: p.split, testFraction: p.testFraction,
    folds: Math.max(2, Math.trunc(p.folds)), seed: Math.max(0, Math.trunc(p.seed)), positive: p.positive || null,
    bootstrap: Math.max(0, Math.trunc(p.bootstrap)), noise: p.perturb === 'noise' ? p.noise : null,
  };
  const pert = perturbationWords(p);
  set({ error: null, notice: null });
  await runJob({
    slot: 'probes', stamp: 'probes', errorPrefix: 'Probes: ', label: p.perturb === 'quantize' ? `making a ${p.bits}-bit copy…` : 'starting…',
    scope: () => [get().model, get().dataset, get().compareModel],
    work: async ({ jobId, progress }) => {
      const target = p.perturb === 'quantize' ? await quantizedCopy(jobId, base, p.bits, p.groupSize) : base;
      const run = { model: target.modelId, tokens: [], ...(path ? { path } : {}), interventions };
      const result = await engine.analyze(jobId, 'probe', { model: target.modelId, run, options }, (q: ProbeProgress) => progress(q));
      return { result, target };
    },
    done: ({ result, target }) => {
      // The activations were only needed for training; the probes (small) stay.
      void engine.call((e) => e.artifactDrop(result.activations)).catch(() => undefined);
      const who = base === A ? 'A' : 'B';
      const label = `${who} ${modelWords(base)} · ${pathWords(path, base.info.layers)} · ${dataset.name} · ${hooksWords(p.hooks)} · ${p.method}${p.method === 'logistic' ? ` C ${p.C}` : ''} · ${pert}${result.partial ? ` (cancelled: ${result.partial.done} of ${result.partial.total} hooks)` : ''}`;
      const curve: ProbeCurve = { id: `c${nextCurve++}`, label, model: target.modelId, datasetName: dataset.name, path, perturbation: pert, result, visible: true };
      set({ probeCurves: [...get().probeCurves, curve], probeCurveOpen: curve.id });
      if (result.partial) set({ notice: `Probe training cancelled after ${result.partial.done} of ${result.partial.total} hooks: the curve shows those.` });
      void refreshMemory();
    },
  });
}

export function cancelProbes(): void {
  cancelJob('probes');
}

export function toggleCurve(id: string): void {
  set({ probeCurves: get().probeCurves.map((c) => (c.id === id ? { ...c, visible: !c.visible } : c)) });
}

export function openCurve(id: string | null): void {
  set({ probeCurveOpen: id });
}

/** Forgets a curve and drops its probes from the engine. */
export function removeCurve(id: string): void {
  const c = get().probeCurves.find((x) => x.id === id);
  if (!c) return;
  for (const pid of c.result.probes) void engine.call((e) => e.artifactDrop(pid)).catch(() => undefined);
  set({ probeCurves: get().probeCurves.filter((x) => x.id !== id), probeCurveOpen: get().probeCurveOpen === id ? null : get().probeCurveOpen });
}

/** A file name for one hook's probe: dataset stem, hook, curve id. */
export function probeFileName(c: ProbeCurve, j: number): string {
  const stem = c.datasetName.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'dataset';
  return `probe-${stem}-${c.result.hooks[j] ?? j}-${c.id}.safetensors`;
}

/** One hook's probe as safetensors bytes (weight, bias, metadata). */
export async function exportProbe(probe: string): Promise<Uint8Array | null> {
  try {
    return await engine.call((e) => e.artifactExport(probe));
  } catch (e) {
    set({ error: `The probe could not be exported: ${message(e)}` });
    return null;
  }
}

/** Reads a probe file (.safetensors with weight, bias and a hook in its metadata) for model A. */
export async function importProbeFile(file: File): Promise<void> {
  const model = get().model;
  if (!model) {
    set({ error: 'Load a model first: a probe reads one of its hooks.' });
    return;
  }
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = await engine.call((e) => e.probeImport(model.modelId, bytes, file.name));
    set({ probeImported: [...get().probeImported, info.probe], error: null });
  } catch (e) {
    set({ error: `${file.name}: ${message(e)}` });
  }
}

/** Scores the current prompt with a probe at every position (the probability strip). */
export async function scoreProbe(probe: string, title: string, classIndex?: number): Promise<void> {
  const run = get().run;
  if (!run) {
    set({ error: 'Run a prompt first (type it above): the probe scores its tokens.' });
    return;
  }
  try {
    const r: ProbeScoreResult = await engine.analyze(engine.newJob(), 'probe-score', { run: run.ref, options: { probe } });
    const K = r.classes.length;
    const k = classIndex ?? (K === 2 ? 1 : 0);
    const T = run.tokens.length;
    const probs = K === 2 ? Array.from(r.probs, (v) => (k === 1 ? v : 1 - v)) : Array.from({ length: T }, (_, t) => r.probs[t * K + k] as number);
    const row = K === 2 ? 0 : k;
    const sign = K === 2 && k === 0 ? -1 : 1;
    const direction = Array.from(r.weight.subarray(row * r.d, (row + 1) * r.d), (v) => sign * v);
    const score: ProbeScore = { probe, title, hook: r.hook, classes: r.classes, classIndex: k, tokens: run.tokens, probs, direction, runId: run.runId };
    set({ probeScore: score, error: null });
  } catch (e) {
    set({ error: `The probe could not score the prompt: ${message(e)}` });
  }
}

export function setSteerScale(scale: number): void {
  set({ probeSteerScale: scale });
}

/** Adds the scored probe's unit direction × scale at its hook (every position) and reruns the prompt. */
export async function steerWithProbe(): Promise<void> {
  const sc = get().probeScore;
  if (!sc) return;
  const norm = Math.hypot(...sc.direction);
  if (!(norm > 0)) {
    set({ error: 'This probe has a zero direction: nothing to steer with.' });
    return;
  }
  const scale = get().probeSteerScale;
  const iv: Intervention = { hook: sc.hook, kind: 'add', value: { shape: [sc.direction.length], data: Float32Array.from(sc.direction, (v) => (v / norm) * scale) } };
  const others = get().interventions.filter((x) => x !== steer);
  steer = iv;
  set({ interventions: [...others, iv] });
  await rerunPrompt();
  await scoreProbe(sc.probe, sc.title, sc.classIndex);
}

/** Takes the steering vector out again. */
export async function clearSteer(): Promise<void> {
  if (!steer) return;
  const sc = get().probeScore;
  set({ interventions: get().interventions.filter((x) => x !== steer) });
  steer = null;
  await rerunPrompt();
  if (sc) await scoreProbe(sc.probe, sc.title, sc.classIndex);
}

export function isSteering(s: State = get()): boolean {
  return steer !== null && s.interventions.includes(steer);
}

/** Every curve, one row per hook, for CSV export. */
export function probesCsv(curves: ProbeCurve[]): (string | number)[][] {
  const out: (string | number)[][] = [['curve', 'label', 'hook', 'step', 'relDepth', 'n', 'test', 'acc', 'accLo', 'accHi', 'f1', 'f1Lo', 'f1Hi', 'auc', 'aucLo', 'aucHi', 'iterations', 'converged', 'chance']];
  for (const c of curves) {
    const r: ProbeResult = c.result;
    r.hooks.forEach((h, j) => out.push([
      c.id, c.label, h, r.steps[j] ?? '', r.relDepth[j] ?? NaN, r.n, r.split.test.length, r.acc[j] ?? NaN, r.accCI[j]?.[0] ?? NaN, r.accCI[j]?.[1] ?? NaN,
      r.f1[j] ?? NaN, r.f1CI[j]?.[0] ?? NaN, r.f1CI[j]?.[1] ?? NaN, r.auc[j] ?? NaN, r.aucCI[j]?.[0] ?? NaN, r.aucCI[j]?.[1] ?? NaN,
      r.iterations[j] ?? 0, r.converged[j] ? 1 : 0, r.chance,
    ]));
  }
  return out;
}
