/**
 * SAE vs probe (METHODS §9.5; contracts/sae-probe.ts): runs `sae-probe` over the SAEs loaded
 * for the model (src/state/sae.ts `loaded`) on the open labelled dataset, under the page's path
 * and interventions. Holds the result (small: per SAE and class a few numbers and the top
 * features), its stamp (stamps.ts parts: this load of the model, the path, the SAEs, dataset
 * and settings) and the job's progress; cancel keeps the SAEs finished so far.
 */
import { create } from 'zustand';
import type { ExtractPosition } from '../contracts/extract';
import type { SaeProbeProgress, SaeProbeResult } from '../contracts/sae-probe';
import { engine } from '../services/engine';
import { message } from './job';
import { selectSae, selectSaeFeature, useSae } from './sae';
import { changedParts, modelSerial, type Stamp } from './stamps';
import { get, type State } from './store';

export interface SaeProbeSettings {
  position: Exclude<ExtractPosition, 'all'>;
  /** 0 = every row. */
  limit: number;
  seed: number;
}

export interface SaeProbeState {
  settings: SaeProbeSettings;
  result: SaeProbeResult | null;
  /** What the result was computed for. */
  stamp: Stamp | null;
  /** Dataset name and SAE hooks of the result, for its caption. */
  caption: string;
  jobId: number | null;
  /** Cancel was asked: waiting for the engine's partial result. */
  cancelling: boolean;
  progress: SaeProbeProgress | null;
  error: string | null;
  /** Plot max(AUROC, 1 − AUROC) instead of the signed max. */
  eitherSign: boolean;
}

export const useSaeProbe = create<SaeProbeState>()(() => ({
  settings: { position: 'last', limit: 0, seed: 0 }, result: null, stamp: null, caption: '', jobId: null, cancelling: false, progress: null, error: null, eitherSign: false,
}));
const setSp = useSaeProbe.setState;
const getSp = useSaeProbe.getState;

/** The SAEs of the current model (the engine dropped those of a replaced model). */
function currentSaes(s: State): string[] {
  const sae = useSae.getState();
  return sae.model !== null && sae.model === s.model?.modelId ? sae.loaded.map((i) => i.id) : [];
}

/** The stamp the page would give a result now. */
export function saeProbeStampNow(s: State = get()): Stamp {
  return {
    model: modelSerial(s.model),
    path: JSON.stringify([s.path, s.interventions.map((iv) => [iv.hook, iv.kind, iv.heads, iv.positions, iv.sae?.id, iv.sae?.features])]),
    settings: JSON.stringify([currentSaes(s), s.dataset?.id ?? null, s.dataset?.mapping ?? null, getSp().settings]),
  };
}

/** Why the result is stale, in words (null: current or none). */
export function saeProbeStale(s: State = get()): string | null {
  const { stamp, result } = getSp();
  if (!stamp || !result) return null;
  const diff = changedParts(stamp, saeProbeStampNow(s));
  return diff.length ? diff.join(', ') : null;
}

/** Why it cannot run now (null = it can). */
export function saeProbeBlocker(s: State = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (currentSaes(s).length === 0) return 'Load an SAE for this model first (one per layer to see a curve).';
  if (!s.dataset) return 'Open a labelled dataset (a built-in set here or in the Datasets tab).';
  if (s.dataset.labels.length < 2) return `The dataset's label column (${s.dataset.mapping.label ?? 'none'}) must hold at least two classes.`;
  return null;
}

export function setSaeProbeSettings(patch: Partial<SaeProbeSettings>): void {
  setSp({ settings: { ...getSp().settings, ...patch } });
}

export function setEitherSign(on: boolean): void {
  setSp({ eitherSign: on });
}

export async function runSaeProbe(): Promise<void> {
  const s = get();
  const why = saeProbeBlocker(s);
  if (why) return setSp({ error: why });
  const model = s.model;
  const dataset = s.dataset;
  if (!model || !dataset) return;
  const old = getSp().jobId;
  if (old !== null) engine.cancel(old);
  const saes = currentSaes(s);
  const stamp = saeProbeStampNow(s);
  const { position, limit, seed } = getSp().settings;
  const jobId = engine.newJob();
  setSp({ jobId, cancelling: false, progress: null, error: null });
  try {
    const run = { model: model.modelId, tokens: [], ...(s.path ? { path: s.path } : {}), interventions: s.interventions };
    const result = await engine.analyze(jobId, 'sae-probe', { model: model.modelId, run, options: { dataset: dataset.id, saes, position, limit, seed } }, (p) => {
      if (getSp().jobId === jobId) setSp({ progress: p });
    });
    if (getSp().jobId !== jobId || get().model?.modelId !== model.modelId) return;
    const hooks = useSae.getState().loaded.filter((i) => saes.includes(i.id)).map((i) => i.hook);
    setSp({ result, stamp, caption: `${dataset.name} · ${hooks.join(', ')} · position ${String(position)} · seed ${seed}${limit ? ` · first ${limit} rows` : ''}`, jobId: null, cancelling: false, progress: null,
      error: result.partial ? `Cancelled after ${result.partial.done} of ${result.partial.total} SAEs: those are shown.` : null });
  } catch (e) {
    if (getSp().jobId !== jobId) return;
    setSp({ jobId: null, cancelling: false, progress: null, error: /cancel/i.test(message(e)) ? null : `SAE vs probe: ${message(e)}` });
  }
}

/** Stops the job; the engine answers with the SAEs finished so far (kept), or fails if none. */
export function cancelSaeProbe(): void {
  const { jobId, cancelling } = getSp();
  if (jobId === null || cancelling) return;
  engine.cancel(jobId);
  setSp({ cancelling: true });
}

/** Selects an SAE and one of its features in the SAE view. */
export async function showSaeFeature(sae: string, feature: number): Promise<void> {
  if (useSae.getState().info?.id !== sae) await selectSae(sae);
  await selectSaeFeature(feature);
}
