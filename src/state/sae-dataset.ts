/**
 * The SAE feature dashboard's state (contracts/sae-dataset.ts): a scan of the open dataset
 * through the selected SAE under the page's path and interventions (`sae-dataset`; the
 * per-feature tables stay in the engine as an `sae-stats` artifact, only its id and the
 * summary are here), the selected feature's dashboard (`sae-feature`) and a token search
 * (`sae-search`); with `ce` the scan also measures the CE loss recovered over the same rows
 * (`sae-ce`: three runs of every row). Each result keeps the stamp it was computed for (stamps.ts parts: this
 * load of the model, the path and interventions, the SAE, dataset and row limit).
 */
import { create } from 'zustand';
import type { SaeCeProgress, SaeCeResult } from '../contracts/sae-ce';
import type { SaeDatasetProgress, SaeDatasetResult, SaeFeatureResult, SaeSearchResult } from '../contracts/sae-dataset';
import { engine } from '../services/engine';
import { refreshMemory } from './engine';
import { message } from './job';
import { useSae } from './sae';
import { changedParts, modelSerial, type Stamp } from './stamps';
import { get, type State } from './store';

export interface SaeDashState {
  limit: number;
  /** Also the CE loss recovered (clean / spliced / zeroed runs of every row). */
  ce: boolean;
  /** Tokens either side of the activating one; 0 = whole row. */
  window: number;
  result: SaeDatasetResult | null;
  /** The CE loss recovered of the same scan (null: not asked). */
  ceResult: SaeCeResult | null;
  stamp: Stamp | null;
  caption: string;
  jobId: number | null;
  progress: SaeDatasetProgress | SaeCeProgress | null;
  error: string | null;
  feature: SaeFeatureResult | null;
  featureBusy: boolean;
  search: SaeSearchResult | null;
  searchBusy: boolean;
  searchError: string | null;
}

export const useSaeDash = create<SaeDashState>()(() => ({
  limit: 200, ce: false, window: 0, result: null, ceResult: null, stamp: null, caption: '', jobId: null, progress: null, error: null,
  feature: null, featureBusy: false, search: null, searchBusy: false, searchError: null,
}));
/**
 * Tokens per batch of the page's scans: rows are padded to a fixed batch, so short rows in a
 * 512-token batch mostly run padding; 128 keeps the waste small (the SAE encodes kept tokens only).
 */
const PAGE_BATCH_TOKENS = 128;

const setD = useSaeDash.setState;
const getD = useSaeDash.getState;

/** The selected SAE of the current model, if any. */
function currentSae(s: State): string | null {
  const sae = useSae.getState();
  return sae.model !== null && sae.model === s.model?.modelId ? sae.info?.id ?? null : null;
}

/** The stamp a scan would get now. */
export function saeDashStampNow(s: State = get()): Stamp {
  return {
    model: modelSerial(s.model),
    path: JSON.stringify([s.path, s.interventions.map((iv) => [iv.hook, iv.kind, iv.heads, iv.positions, iv.sae?.id, iv.sae?.features])]),
    settings: JSON.stringify([currentSae(s), s.dataset?.id ?? null, s.dataset?.mapping ?? null, getD().limit, getD().ce]),
  };
}

/** Why the scan is stale, in words (null: current or none). */
export function saeDashStale(s: State = get()): string | null {
  const { stamp, result } = getD();
  if (!stamp || !result) return null;
  const diff = changedParts(stamp, saeDashStampNow(s));
  return diff.length ? diff.join(', ') : null;
}

/** Why a scan cannot start now (null = it can). */
export function saeDashBlocker(s: State = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!currentSae(s)) return 'Load an SAE for this model first.';
  if (!s.dataset) return 'Open a dataset (a built-in set here or in the Datasets tab).';
  return null;
}

export function setSaeDashLimit(limit: number): void {
  setD({ limit: Math.max(0, Math.trunc(limit) || 0) });
}

export function setSaeDashCe(ce: boolean): void {
  setD({ ce });
}

export function setSaeDashWindow(window: number): Promise<void> {
  setD({ window });
  const f = getD().feature;
  return f ? loadDashFeature(f.feature) : Promise.resolve();
}

export async function scanDataset(): Promise<void> {
  const s = get();
  const why = saeDashBlocker(s);
  const sae = currentSae(s);
  if (why || !sae || !s.model || !s.dataset) return setD({ error: why });
  const old = getD();
  if (old.jobId !== null) engine.cancel(old.jobId);
  const model = s.model.modelId;
  const dataset = s.dataset;
  const stamp = saeDashStampNow(s);
  const jobId = engine.newJob();
  setD({ jobId, progress: null, error: null });
  try {
    const run = { model, tokens: [], ...(s.path ? { path: s.path } : {}), interventions: s.interventions };
    const options = { sae, dataset: dataset.id, limit: getD().limit, batchTokens: PAGE_BATCH_TOKENS };
    const onProgress = (p: SaeDatasetProgress | SaeCeProgress): void => {
      if (getD().jobId === jobId) setD({ progress: p });
    };
    const result = await engine.analyze(jobId, 'sae-dataset', { model, run, options }, onProgress);
    const ceResult = getD().ce && getD().jobId === jobId ? await engine.analyze(jobId, 'sae-ce', { model, run, options }, onProgress) : null;
    if (getD().jobId !== jobId || get().model?.modelId !== model) return;
    const prev = getD().result?.artifact;
    if (prev) void engine.call((e) => e.artifactDrop(prev)).catch(() => undefined);
    const info = useSae.getState().info;
    setD({ result, ceResult, stamp, caption: `${dataset.name}${getD().limit ? ` · first ${Math.min(getD().limit, dataset.rows)} rows` : ''} · SAE ${info?.hook ?? sae} (${info?.dSae ?? '?'} features)`, jobId: null, progress: null, feature: null, search: null });
    void refreshMemory();
    const f = useSae.getState().feature;
    if (f !== null) await loadDashFeature(f);
  } catch (e) {
    if (getD().jobId !== jobId) return;
    setD({ jobId: null, progress: null, error: /cancel/i.test(message(e)) ? 'Scan cancelled.' : `SAE scan: ${message(e)}` });
  }
}

export function cancelScan(): void {
  const { jobId } = getD();
  if (jobId !== null) engine.cancel(jobId);
}

/** Feature f's dashboard from the scan's artifact. */
export async function loadDashFeature(f: number): Promise<void> {
  const { result, window } = getD();
  const model = get().model?.modelId;
  if (!result || !model) return;
  if (!(f >= 0 && f < result.dSae)) return setD({ feature: null });
  setD({ featureBusy: true, error: null });
  try {
    const r = await engine.analyze(engine.newJob(), 'sae-feature', { model, options: { stats: result.artifact, feature: f, window } });
    if (getD().result?.artifact === result.artifact) setD({ feature: r, featureBusy: false });
  } catch (e) {
    setD({ featureBusy: false, error: `feature ${f}: ${message(e)}` });
  }
}

/** Features firing most on a token: `query` is a token id or a text (one token); over the scan's dataset, else the prompt. */
export async function searchToken(query: string): Promise<void> {
  const s = get();
  const model = s.model?.modelId;
  const sae = currentSae(s);
  if (!model || !sae) return setD({ searchError: 'load a model and an SAE first' });
  const q = query;
  if (q.trim() === '') return setD({ searchError: 'type a token (e.g. " Paris") or a token id' });
  const tok = /^\d+$/.test(q.trim()) ? { token: Number(q.trim()) } : { text: q };
  const stats = getD().result?.artifact;
  setD({ searchBusy: true, searchError: null });
  try {
    const r = stats
      ? await engine.analyze(engine.newJob(), 'sae-search', { model, options: { sae, stats, ...tok } })
      : s.run ? await engine.analyze(engine.newJob(), 'sae-search', { run: s.run.ref, options: { sae, ...tok } }) : null;
    if (!r) return setD({ searchBusy: false, searchError: 'run a prompt or scan a dataset first' });
    setD({ search: r, searchBusy: false });
  } catch (e) {
    setD({ searchBusy: false, searchError: message(e) });
  }
}
