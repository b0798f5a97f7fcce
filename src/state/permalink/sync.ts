/**
 * Keeps the URL fragment equal to the experiment (debounced) and, on page open,
 * applies the experiment a link carries. A bad link gives a notice and the default page.
 */
import type { Intervention } from '../../contracts/run';
import { engine } from '../../services/engine';
import { loadDemo, loadHub } from '../load';
import { runPrompt } from '../run';
import { applyLinkDataset, datasetLinkChanged, datasetLinkFields } from '../datasets';
import { get, set, useStore, type State } from '../store';
import { decodeState, encodeState, stateFromHash } from './codec';
import type { ModelRef, PermalinkState } from './schema';

/** Hub models above this size ask before downloading when a link opens them. */
export const ASK_ABOVE_BYTES = 200 * 2 ** 20;
export const DEFAULT_HUB = 'https://huggingface.co';

export function modelRef(s: State): ModelRef | null {
  const m = s.model;
  if (!m) return s.pendingModel?.ref ?? null;
  if (m.source === 'demo') return { kind: 'demo' };
  const hub = /^hub:(.+)@([\w.-]+)$/.exec(m.source);
  if (hub) return { kind: 'hub', repo: hub[1] as string, revision: hub[2] as string };
  if (m.fingerprint) return { kind: 'local', files: m.files, fingerprint: m.fingerprint };
  return null;
}

export function currentState(s: State = get()): PermalinkState {
  return {
    v: 2,
    model: modelRef(s),
    prompts: s.prompt ? [s.prompt] : [],
    path: s.path,
    interventions: s.interventions.map(({ value, ...iv }) => (value ? { ...iv, value: { shape: value.shape, data: Array.from(value.data) } } : iv)),
    view: s.view,
    lens: s.lensSettings,
    attention: s.selectedHead,
    residualAlpha: s.residualAlpha,
    sweep: { modes: s.sweepModes, prompts: s.sweepPrompts },
    chains: { ...s.chainSettings, target: s.chainTarget },
    contextPolicy: s.contextPolicy,
    cka: s.ckaSettings,
    ...datasetLinkFields(s),
  };
}

let lastWritten = '';
/** The fragment this page wrote last; any other fragment arriving is a link pasted into this tab. */
let lastHash = '';
async function writeUrl(): Promise<void> {
  try {
    const packed = await encodeState(currentState());
    if (packed === lastWritten) return;
    lastWritten = packed;
    history.replaceState(null, '', `${location.pathname}${location.search}#s=${packed}`);
    lastHash = location.hash;
  } catch (e) {
    set({ notice: e instanceof Error ? e.message : String(e) });
  }
}

function toIntervention(iv: PermalinkState['interventions'][number]): Intervention {
  const { value, ...rest } = iv;
  return value ? { ...rest, value: { shape: value.shape, data: Float32Array.from(value.data) } } : rest;
}

async function openModel(ref: ModelRef): Promise<void> {
  if (ref.kind === 'demo') return loadDemo({ fromLink: true });
  if (ref.kind === 'local') {
    set({ pendingModel: { ref }, notice: `This link was made with local files (${ref.files.join(', ')}). Drop the same files to continue; files that differ are refused.` });
    return;
  }
  const req = { endpoint: DEFAULT_HUB, repo: ref.repo, revision: ref.revision };
  // Size of what a load would download (a failed listing just loads, and reports its own error).
  const listing = await engine.call((r) => r.hubList(req)).catch(() => undefined);
  const bytes = listing?.files.filter((f) => f.picked).reduce((s, f) => s + Math.max(0, f.size), 0);
  if (bytes !== undefined && bytes > ASK_ABOVE_BYTES) {
    set({ pendingModel: { ref, bytes } });
    return;
  }
  return loadHub(req, { fromLink: true });
}

/** The user agreed to download the large hub model a link names. */
export function confirmPendingHub(): Promise<void> {
  const p = get().pendingModel;
  if (!p || p.ref.kind !== 'hub') return Promise.resolve();
  set({ pendingModel: null });
  return loadHub({ endpoint: DEFAULT_HUB, repo: p.ref.repo, revision: p.ref.revision }, { fromLink: true });
}

/** Applies a link on page open; returns once the model (if any) is loading or waiting. */
export async function applyHash(hash: string): Promise<void> {
  const packed = stateFromHash(hash);
  if (packed === undefined) return;
  lastHash = hash;
  const r = await decodeState(packed);
  if (!r.ok) {
    set({ notice: `This link could not be read (${r.reason}). Showing the default page.` });
    history.replaceState(null, '', location.pathname + location.search);
    return;
  }
  const s = r.state;
  set({
    prompt: s.prompts[0] ?? '',
    path: s.path,
    interventions: s.interventions.map(toIntervention),
    view: s.view,
    lensSettings: s.lens,
    selectedHead: s.attention,
    ...(s.residualAlpha !== undefined ? { residualAlpha: s.residualAlpha } : {}),
    ...(s.sweep ? { sweepModes: s.sweep.modes, sweepPrompts: s.sweep.prompts } : {}),
    ...(s.contextPolicy ? { contextPolicy: s.contextPolicy } : {}),
    ...(s.cka ? { ckaSettings: s.cka } : {}),
    ...(s.chains ? { chainSettings: { mode: s.chains.mode, budget: s.chains.budget, exploration: s.chains.exploration, lengthPenalty: s.chains.lengthPenalty, seed: s.chains.seed, topK: s.chains.topK }, chainTarget: s.chains.target } : {}),
  });
  if (s.dataset) void applyLinkDataset(s.dataset);
  if (s.model) await openModel(s.model);
  else if (s.prompts[0] && get().model) await runPrompt(s.prompts[0]);
}

/** Starts URL syncing after the link (if any) has been applied. */
export function startSync(): () => void {
  let timer = 0;
  const unsub = useStore.subscribe((s, prev) => {
    if (s.model === prev.model && s.prompt === prev.prompt && s.path === prev.path && s.interventions === prev.interventions && s.view === prev.view && s.lensSettings === prev.lensSettings && s.selectedHead === prev.selectedHead && s.pendingModel === prev.pendingModel && s.residualAlpha === prev.residualAlpha && s.sweepModes === prev.sweepModes && s.sweepPrompts === prev.sweepPrompts && s.chainSettings === prev.chainSettings && s.chainTarget === prev.chainTarget && s.contextPolicy === prev.contextPolicy && s.ckaSettings === prev.ckaSettings && !datasetLinkChanged(s, prev)) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void writeUrl(), 250);
  });
  // A link pasted into the address bar of an open page changes only the fragment: apply it.
  const onHash = (): void => {
    if (location.hash !== lastHash) void applyHash(location.hash);
  };
  window.addEventListener('hashchange', onHash);
  return () => {
    unsub();
    window.removeEventListener('hashchange', onHash);
  };
}
