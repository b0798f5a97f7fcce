/**
 * Training an SAE in the page (contracts/sae-train.ts, METHODS §9.2): the settings, the
 * running job (its id, live curve points, cancel) and the last result (small: the SAE's
 * summary and its curves). The SAE trains on every token of the open dataset at one hook of
 * model A, all layers in order, without the page's interventions; when it ends (also after
 * a cancel: the partial SAE) it joins the SAE view's SAEs and becomes the selected one.
 */
import { create } from 'zustand';
import type { SaeTrainOptions, SaeTrainPoint, SaeTrainProgress, SaeTrainResult } from '../contracts/sae-train';
import { engine } from '../services/engine';
import { message } from './job';
import { addLoadedSae } from './sae';
import { get, type State } from './store';

/** Hook sites the panel offers (TransformerLens names). */
export const SAE_TRAIN_SITES = ['hook_resid_post', 'hook_resid_pre', 'hook_resid_mid', 'hook_mlp_out', 'hook_attn_out'] as const;
export type SaeTrainSite = (typeof SAE_TRAIN_SITES)[number];

/** The panel's settings: where (layer, site) and the training options it exposes. */
export type SaeTrainSettings = { layer: number; site: SaeTrainSite } &
  Pick<SaeTrainOptions, 'architecture' | 'width' | 'k' | 'l1' | 'lr' | 'steps' | 'batch' | 'seed' | 'limit'>;

export interface SaeTrainState {
  settings: SaeTrainSettings;
  jobId: number | null;
  cancelling: boolean;
  progress: SaeTrainProgress | null;
  /** Curve points of the running job (one per progress tick). */
  live: SaeTrainPoint[];
  result: SaeTrainResult | null;
  error: string | null;
}

export const useSaeTrain = create<SaeTrainState>()(() => ({
  settings: { layer: 1, site: 'hook_resid_post', architecture: 'topk', width: 256, k: 16, l1: 1, lr: 1e-3, steps: 200, batch: 256, seed: 0, limit: 0 },
  jobId: null, cancelling: false, progress: null, live: [], result: null, error: null,
}));
const setT = useSaeTrain.setState;
const getT = useSaeTrain.getState;

export function setSaeTrainSettings(patch: Partial<SaeTrainSettings>): void {
  setT({ settings: { ...getT().settings, ...patch } });
}

/** Why it cannot start now (null = it can). */
export function saeTrainBlocker(s: State = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!s.dataset) return 'Open a dataset (a built-in set here or in the Datasets tab): every token of its rows is a training vector.';
  const { layer } = getT().settings;
  if (!(Number.isInteger(layer) && layer >= 0 && layer < s.model.info.layers)) return `Pick a layer from 0 to ${s.model.info.layers - 1}.`;
  return null;
}

export async function startSaeTrain(): Promise<void> {
  const s = get();
  const why = saeTrainBlocker(s);
  if (why) return setT({ error: why });
  const model = s.model;
  const dataset = s.dataset;
  if (!model || !dataset) return;
  const old = getT().jobId;
  if (old !== null) engine.cancel(old);
  const o = getT().settings;
  const jobId = engine.newJob();
  setT({ jobId, cancelling: false, progress: null, live: [], error: null });
  // About 40 points per curve whatever the step count.
  const progressEvery = Math.max(1, Math.round(o.steps / 40));
  try {
    const result = await engine.analyze(jobId, 'sae-train', {
      model: model.modelId,
      options: {
        dataset: dataset.id, hook: `blocks.${o.layer}.${o.site}`, architecture: o.architecture, width: o.width, k: o.k, l1: o.l1, lr: o.lr,
        steps: o.steps, batch: o.batch, seed: o.seed, limit: o.limit, progressEvery,
      },
    }, (p) => {
      if (getT().jobId !== jobId) return;
      setT({ progress: p, ...(p.point ? { live: [...getT().live, p.point] } : {}) });
    });
    if (getT().jobId !== jobId || get().model?.modelId !== model.modelId) return;
    setT({ result, jobId: null, cancelling: false, progress: null, live: result.curve,
      error: result.partial ? `Cancelled after ${result.partial.done} of ${result.partial.total} steps: that SAE is kept.` : null });
    await addLoadedSae(result.sae, model.modelId);
  } catch (e) {
    if (getT().jobId !== jobId) return;
    setT({ jobId: null, cancelling: false, progress: null, error: /cancel/i.test(message(e)) ? null : `SAE training: ${message(e)}` });
  }
}

/** Stops the job; the engine answers with the SAE of the steps taken (kept), or fails before the first. */
export function cancelSaeTrain(): void {
  const { jobId, cancelling } = getT();
  if (jobId === null || cancelling) return;
  engine.cancel(jobId);
  setT({ cancelling: true });
}

/** The trained SAE as a SAELens folder's two files (cfg.json, sae_weights.safetensors), for the view to download. */
export async function trainedSaeFiles(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const r = getT().result;
  if (!r) return [];
  try {
    return await engine.call((e) => e.artifactExportFiles(r.sae.id));
  } catch (e) {
    setT({ error: `SAE export: ${message(e)}` });
    return [];
  }
}
