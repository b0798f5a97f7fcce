/** Tuned lens: load one (an engine artifact), train one with progress, compare it with the logit lens. */
import type { TunedTrainSettings } from '../contracts/tuned-lens';
import { engine } from '../services/engine';
import { refreshMemory } from './engine';
import { cancelJob, message, runJob } from './job';
import { refreshLens } from './lens';
import { setView } from './run';
import { lines } from './sweep';
import { get, set } from './store';

/** Training (or comparison) texts: the lines typed, else the current prompt. */
function tunedCorpus(): string[] {
  const t = lines(get().tunedTexts);
  return t.length ? t : get().prompt ? [get().prompt] : [];
}

async function encodeAll(model: string, texts: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const t of texts) out.push((await engine.call((e) => e.encode(model, t))).map((v) => v.id));
  return out;
}

/** Makes `artifact` the page's tuned lens (dropping the one it replaces). */
function useLens(artifact: string): void {
  const old = get().tunedArtifact;
  if (old && old !== artifact) void engine.call((e) => e.artifactDrop(old)).catch(() => undefined);
}

export async function loadTunedLensFile(file: File): Promise<void> {
  const model = get().model;
  if (!model) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const a = await engine.call((e) => e.artifactImport('tuned-lens', model.modelId, bytes, file.name));
    if (get().model !== model) {
      void engine.call((e) => e.artifactDrop(a.id)).catch(() => undefined);
      return;
    }
    useLens(a.id);
    set({ tunedArtifact: a.id, tunedInfo: a.lens, tunedLosses: null, tunedComparison: null, error: null });
    void refreshMemory();
    await compareTunedLens();
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function trainTunedLens(): Promise<void> {
  const texts = tunedCorpus();
  const model = get().model;
  if (!model || texts.length === 0 || get().jobs.tuned) {
    if (texts.length === 0) set({ error: 'Give the tuned lens some training text (one line per text).' });
    return;
  }
  set({ tunedLosses: [], error: null });
  const r = await runJob({
    slot: 'tuned', mode: 'refuse', scope: 'model', label: 'tuned-lens training',
    work: async ({ jobId, progress }) => {
      const ids = await encodeAll(model.modelId, texts);
      return engine.analyze(jobId, 'tuned-train', { model: model.modelId, options: { ...get().tunedSettings, texts: ids } }, progress);
    },
    onProgress: (p) => set({ tunedLosses: [...(get().tunedLosses ?? []), p.loss] }),
    done: (r) => {
      useLens(r.artifact);
      set({ tunedArtifact: r.artifact, tunedInfo: r.info, tunedLosses: Array.from(r.losses) });
    },
  });
  if (!r) return;
  void refreshMemory();
  await compareTunedLens();
}

export function cancelTunedTraining(): void {
  cancelJob('tuned');
}

export async function compareTunedLens(): Promise<void> {
  const texts = tunedCorpus();
  const { model, tunedArtifact: lens } = get();
  if (!model || !lens || texts.length === 0) return;
  await runJob({
    slot: 'tunedCompare', stamp: 'tunedComparison', scope: () => [get().model, get().tunedArtifact],
    work: async ({ jobId }) => engine.analyze(jobId, 'tuned-compare', { model: model.modelId, options: { texts: await encodeAll(model.modelId, texts), lens } }),
    done: (r) => set({ tunedComparison: { logit: Array.from(r.logit), tuned: Array.from(r.tuned) } }),
  });
}

export async function exportTunedLens(): Promise<Uint8Array | null> {
  const id = get().tunedArtifact;
  if (!id) return null;
  try {
    return await engine.call((e) => e.artifactExport(id));
  } catch (e) {
    set({ error: message(e) });
    return null;
  }
}

/** Decode the lens view through the tuned lens and show it. */
export function showTunedInLens(): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, kind: 'tuned' } });
  setView('lens');
  return refreshLens();
}

export function setTunedSettings(p: Partial<TunedTrainSettings>): void {
  set({ tunedSettings: { ...get().tunedSettings, ...p } });
}

export function setTunedTexts(text: string): void {
  set({ tunedTexts: text });
}
