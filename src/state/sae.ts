/**
 * The SAE view's state: the SAEs loaded for the model (engine artifacts: ids and summaries
 * only; several, e.g. one per layer for SAE-vs-probe), the selected one (`info`), its result
 * on the current run, the selected feature, and feature edits that become a `sae`
 * intervention of every run (contracts/run.ts SaeSplice), so the lens and every view run
 * under them and permalinks carry them.
 */
import { create } from 'zustand';
import type { HubRequest } from '../contracts/engine-api';
import type { Intervention } from '../contracts/run';
import type { SaeInfo, SaeResult } from '../contracts/sae';
import { engine } from '../services/engine';
import { refreshMemory } from './engine';
import { message } from './job';
import { rerunPrompt } from './run';
import { get, set } from './store';

export type SaeEditOp = 'ablate' | 'clamp' | 'scale';

export interface SaeState {
  /** Every SAE loaded (or trained) for `model`, in load order. */
  loaded: SaeInfo[];
  /** The selected SAE (one of `loaded`). */
  info: SaeInfo | null;
  /** The model the SAEs belong to (the engine drops them with it). */
  model: string | null;
  result: SaeResult | null;
  /** Run id the result was computed on (results of other runs are stale). */
  runId: number | null;
  feature: number | null;
  busy: boolean;
  error: string | null;
}

export const useSae = create<SaeState>()(() => ({ loaded: [], info: null, model: null, result: null, runId: null, feature: null, busy: false, error: null }));
const setSae = useSae.setState;
const getSae = useSae.getState;

/** Features per position the view asks for. */
export const SAE_TOPK = 8;

/** Adds an SAE the engine has loaded for `model` and selects it (SAEs of another model are forgotten: the engine dropped them). */
export async function addLoadedSae(info: SaeInfo, model: string): Promise<void> {
  const prev = getSae();
  const loaded = prev.model === model ? prev.loaded.filter((s) => s.id !== info.id) : [];
  setSae({ loaded: [...loaded, info], info, model, result: null, runId: null, feature: null, busy: false, error: null });
  void refreshMemory();
  await refreshSae();
}

async function loadWith(call: (model: string) => Promise<SaeInfo>): Promise<void> {
  const model = get().model;
  if (!model) return setSae({ error: 'load a model first: an SAE belongs to a model' });
  setSae({ busy: true, error: null });
  try {
    await addLoadedSae(await call(model.modelId), model.modelId);
  } catch (e) {
    setSae({ busy: false, error: message(e) });
  }
}

export async function loadSaeFiles(files: File[], hook?: string, normScale?: number): Promise<void> {
  if (files.length === 0) return;
  const o = { ...(hook ? { hook } : {}), ...(normScale !== undefined ? { normScale } : {}) };
  await loadWith((model) => engine.call((e) => e.saeLoad(model, files, o)));
}

/** An SAE from a folder of a hub repo (`subfolder` '' = the top level). */
export async function loadSaeHub(req: HubRequest, subfolder: string, hook?: string, normScale?: number): Promise<void> {
  if (!req.repo) return setSae({ error: 'give the SAE release\'s repo id (owner/name) and its folder' });
  const o = { ...(hook ? { hook } : {}), ...(normScale !== undefined ? { normScale } : {}) };
  await loadWith((model) => engine.call((e) => e.saeHubLoad(model, req, subfolder, o)));
}

/** Makes another loaded SAE the view's. */
export function selectSae(id: string): Promise<void> {
  const info = getSae().loaded.find((s) => s.id === id);
  if (!info) return Promise.resolve();
  setSae({ info, result: null, runId: null, feature: null });
  return refreshSae();
}

/** Unloads an SAE (its splices leave the run spec). */
export async function dropSae(id: string): Promise<void> {
  const { loaded, info } = getSae();
  const rest = loaded.filter((s) => s.id !== id);
  const next = info?.id === id ? rest[rest.length - 1] ?? null : info;
  setSae({ loaded: rest, info: next, ...(info?.id === id ? { result: null, runId: null, feature: null } : {}) });
  void engine.call((e) => e.artifactDrop(id)).then(refreshMemory, () => undefined);
  const ivs = get().interventions;
  if (ivs.some((iv) => iv.kind === 'sae' && iv.sae?.id === id)) {
    set({ interventions: ivs.filter((iv) => !(iv.kind === 'sae' && iv.sae?.id === id)) });
    await rerunPrompt();
  }
  await refreshSae();
}

/** The SAE on the current run (and the selected feature's activations and logits). */
export async function refreshSae(): Promise<void> {
  const { info, feature, model } = getSae();
  const run = get().run;
  if (!info || !run || get().model?.modelId !== model) return;
  setSae({ busy: true, error: null });
  try {
    const result = await engine.analyze(engine.newJob(), 'sae', { run: run.ref, options: { sae: info.id, topk: SAE_TOPK, ...(feature !== null ? { feature } : {}) } });
    setSae({ result, runId: run.runId, busy: false });
  } catch (e) {
    setSae({ busy: false, error: message(e) });
  }
}

export function selectSaeFeature(f: number | null): Promise<void> {
  setSae({ feature: f });
  return refreshSae();
}

/** The SAE's splice in the run's interventions, if any. */
export function saeIntervention(ivs: Intervention[], id: string | undefined): Intervention | undefined {
  return ivs.find((iv) => iv.kind === 'sae' && iv.sae?.id === id);
}

/**
 * Edits the selected feature in every run (ablate, clamp to `value`, scale by `value`), or
 * clears the SAE's edits (op null); the prompt runs again and the views follow.
 */
export async function editSaeFeature(op: SaeEditOp | null, value?: number): Promise<void> {
  const { info, feature } = getSae();
  if (!info) return;
  const step = /^blocks\.(\d+)\./.exec(info.hook);
  const layer = step ? Number(step[1]) : undefined;
  const path = get().path;
  const s = layer === undefined ? undefined : path ? path.indexOf(layer) : layer;
  if (s !== undefined && s < 0) return setSae({ error: `the path never runs layer ${layer}, which the SAE reads` });
  const hook = s === undefined ? info.hook : info.hook.replace(/^blocks\.\d+\./, `blocks.${s}.`);
  const others = get().interventions.filter((iv) => !(iv.kind === 'sae' && iv.sae?.id === info.id));
  const next: Intervention[] = op === null || feature === null ? others
    : [...others, { hook, kind: 'sae', sae: { id: info.id, features: [{ id: feature, op, ...(op !== 'ablate' ? { value: value ?? 0 } : {}) }] } }];
  set({ interventions: next });
  await rerunPrompt();
  await refreshSae();
}
