/**
 * The CKA slice: settings, and the last map (src/contracts/cka.ts) with what it was computed
 * for. The activations stay in the engine as artifacts (reused by the next run when its
 * inputs are the same, dropped when they are not); the store holds the result's small
 * matrices. Three comparisons: the layers of the current model (under the current path),
 * the current model against model B (the compare view's model B, loaded in the same
 * engine), and the current path against all layers of the same model (rows = steps).
 */
import type { CkaOptions, CkaProgress, CkaResult } from '../contracts/cka';
import { engine } from '../services/engine';
import { parseHooks } from './datasets';
import { refreshMemory } from './engine';
import { cancelJob, runJob } from './job';
import type { CkaSettings } from './cka-slice';
import { get, set } from './store';

export type { CkaMode, CkaRecord, CkaSettings, CkaSlice } from './cka-slice';

/** Activation-set artifacts the last map read (engine ids): offered for reuse, dropped once a map no longer needs them. */
let held: string[] = [];

export function setCkaSettings(patch: Partial<CkaSettings>): void {
  set({ ckaSettings: { ...get().ckaSettings, ...patch } });
}

const pathText = (path: number[] | null, layers: number): string => (path ? `path [${path.join(', ')}]` : `all ${layers} layers`);

/** Why the current page cannot run this comparison (null = it can). */
export function ckaBlocker(s = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!s.dataset) return 'Open a dataset: pick a built-in set here or in the Datasets tab.';
  const c = s.ckaSettings;
  if (parseHooks(c.hooks).length === 0) return 'Name at least one hook, e.g. blocks.*.hook_resid_post.';
  if (c.mode === 'model' && !s.compareModel) return 'Load model B (here or in the Compare tab) to compare two models.';
  if (c.mode === 'path' && !s.path && s.interventions.length === 0) return 'The current path uses every layer in order: skip or repeat a layer in the path editor to compare it with all layers.';
  return null;
}

/** Runs the CKA map (and the linear maps when asked) for the current settings. */
export async function runCka(): Promise<void> {
  const s = get();
  const why = ckaBlocker(s);
  if (why) {
    set({ error: why });
    return;
  }
  const model = s.model;
  const dataset = s.dataset;
  if (!model || !dataset) return;
  const c = s.ckaSettings;
  const B = s.compareModel;
  const { path, interventions } = s;
  const hooks = parseHooks(c.hooks);
  const b: CkaOptions['b'] = c.mode === 'model' && B ? { model: B.modelId } : c.mode === 'path' ? {} : undefined;
  const options: Partial<CkaOptions> = {
    dataset: dataset.id, hooks, position: c.position, kind: c.kind, limit: Math.max(0, Math.trunc(c.limit)),
    minibatch: Math.max(0, Math.trunc(c.minibatch)), passes: Math.max(1, Math.trunc(c.passes)), seed: Math.max(0, Math.trunc(c.seed)),
    linearMap: c.linearMap, ridge: Math.max(0, c.ridge), holdout: c.holdout, reuse: held, ...(b ? { b } : {}),
  };
  const infoA = `${model.source} (${model.info.arch}, ${model.info.layers} layers)`;
  const labelA = `A: ${infoA}, ${pathText(path, model.info.layers)}${interventions.length ? `, ${interventions.length} intervention${interventions.length > 1 ? 's' : ''}` : ''}`;
  const labelB = c.mode === 'model' && B ? `B: ${B.source} (${B.info.arch}, ${B.info.layers} layers), all layers`
    : c.mode === 'path' ? `B: ${infoA}, all ${model.info.layers} layers, no interventions` : labelA.replace(/^A:/, 'B = A:');
  set({ error: null, notice: null });
  await runJob({
    slot: 'cka', mode: 'replace', stamp: 'cka', label: 'CKA', errorPrefix: 'CKA: ',
    scope: () => [get().model, get().dataset, get().compareModel],
    work: ({ jobId, progress }) => engine.analyze(jobId, 'cka', { model: model.modelId, run: { model: model.modelId, tokens: [], ...(path ? { path } : {}), interventions }, options }, (p: CkaProgress) => progress(p)),
    done: (result) => {
      const gone = held.filter((id) => !result.artifacts.includes(id));
      held = result.artifacts;
      for (const id of gone) void engine.call((e) => e.artifactDrop(id)).catch(() => undefined);
      set({ cka: { result, mode: c.mode, datasetName: dataset.name, labelA, labelB } });
      void refreshMemory();
    },
  });
}

export function cancelCka(): void {
  cancelJob('cka');
}

/** The map as CSV rows: one line per (A hook, B hook) pair, with depths and the linear-map errors. */
export function ckaCsv(r: CkaResult): (string | number)[][] {
  const out: (string | number)[][] = [['hookA', 'depthA', 'hookB', 'depthB', 'cka', 'bestForA', 'mapError', 'mapFvu']];
  r.rows.forEach((a, i) => r.cols.forEach((b, j) => out.push([
    a, r.depthRows[i] ?? NaN, b, r.depthCols[j] ?? NaN, r.cka[i]?.[j] ?? NaN, r.best[i] === j ? 1 : 0,
    r.linearMap?.error[i]?.[j] ?? '', r.linearMap?.fvu[i]?.[j] ?? '',
  ])));
  return out;
}
