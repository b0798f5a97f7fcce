/**
 * The SAE view's state: the loaded SAE (an engine artifact of model A: id and summary
 * only), its result on the current run, the selected feature, and feature edits that
 * become a `sae` intervention of every run (contracts/run.ts SaeSplice), so the lens and
 * every view run under them and permalinks carry them.
 */
import { create } from 'zustand';
import type { Intervention } from '../contracts/run';
import type { SaeInfo, SaeResult } from '../contracts/sae';
import { engine } from '../services/engine';
import { message } from './job';
import { rerunPrompt } from './run';
import { get, set } from './store';

export type SaeEditOp = 'ablate' | 'clamp' | 'scale';

export interface SaeState {
  info: SaeInfo | null;
  /** The model the SAE belongs to (it is dropped with it). */
  model: string | null;
  result: SaeResult | null;
  /** Run id the result was computed on (results of other runs are stale). */
  runId: number | null;
  feature: number | null;
  busy: boolean;
  error: string | null;
}

export const useSae = create<SaeState>()(() => ({ info: null, model: null, result: null, runId: null, feature: null, busy: false, error: null }));
const setSae = useSae.setState;
const getSae = useSae.getState;

/** Features per position the view asks for. */
export const SAE_TOPK = 8;

export async function loadSaeFiles(files: File[], hook?: string, normScale?: number): Promise<void> {
  const model = get().model;
  if (!model) return setSae({ error: 'load a model first: an SAE belongs to a model' });
  if (files.length === 0) return;
  setSae({ busy: true, error: null });
  try {
    const info = await engine.call((e) => e.saeLoad(model.modelId, files, { ...(hook ? { hook } : {}), ...(normScale !== undefined ? { normScale } : {}) }));
    const old = getSae().info;
    if (old && old.id !== info.id) void engine.call((e) => e.artifactDrop(old.id)).catch(() => undefined);
    setSae({ info, model: model.modelId, result: null, runId: null, feature: null, busy: false });
    await refreshSae();
  } catch (e) {
    setSae({ busy: false, error: message(e) });
  }
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
