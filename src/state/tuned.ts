/** Tuned lens: load one (an engine artifact), train one with progress, compare it with the logit lens. */
import type { PartialInfo } from '../contracts/partial';
import { TUNED_DEFAULT_TEXTS_URL, type TunedTrainSettings, type TunedTrainWarning } from '../contracts/tuned-lens';
import { engine } from '../services/engine';
import { refreshMemory } from './engine';
import { cancelJob, cancelledError, message, runJob } from './job';
import { refreshLens } from './lens';
import { setView } from './run';
import { lines } from './sweep';
import { get, set } from './store';

/** The last training: how far it got, its warning, and its measured step time (for the next estimate). */
export interface TunedTrainingSummary {
  /** Model id it was trained for. */
  model: string;
  done: number;
  total: number;
  partial: PartialInfo | null;
  warning: TunedTrainWarning | null;
  /** Mean engine time of its last few steps, ms (null: no step finished). */
  msPerStep: number | null;
  batchTokens: number;
  /** Engine time spent running its texts through the model before the first step, ms. */
  prepareMs: number;
}

let defaultTexts: Promise<string[]> | undefined;

/**
 * The default training texts (when the box is empty): documents of the demo model's own
 * training lines (public/models/demo/lens-texts.json, scripts/demo/lens_texts.py); the
 * engine test of the defaults trains on the same file.
 */
function defaultCorpus(): Promise<string[]> {
  defaultTexts ??= (async () => {
    const url = new URL(TUNED_DEFAULT_TEXTS_URL, document.baseURI).href;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`the default tuned-lens texts could not be fetched from ${url} (HTTP ${res.status}); type some training text`);
    const body = (await res.json()) as { texts?: unknown };
    const texts = Array.isArray(body.texts) ? body.texts.filter((t): t is string => typeof t === 'string' && t.length > 0) : [];
    if (texts.length === 0) throw new Error(`${url} holds no texts; type some training text`);
    return texts;
  })();
  defaultTexts.catch(() => { defaultTexts = undefined; });
  return defaultTexts;
}

/** Training (or comparison) texts: the lines typed, else the default texts. */
async function tunedCorpus(): Promise<string[]> {
  const t = lines(get().tunedTexts);
  return t.length ? t : defaultCorpus();
}

/** Steps the page's measured step time averages over (the first steps also compile device programs). */
const TIMING_STEPS = 5;

/**
 * The time a training with `settings` would take, from the last training of this model
 * (its measured time per step, scaled by tokens per step): null when none was measured.
 */
export function tunedEstimate(settings: TunedTrainSettings, last: TunedTrainingSummary | null, model: string | undefined): { seconds: number; basis: string } | null {
  if (!last || last.model !== model || last.msPerStep === null) return null;
  const perStep = last.msPerStep / 1000 * (settings.batchTokens / last.batchTokens);
  const prepare = last.prepareMs / 1000;
  return {
    seconds: perStep * settings.steps + prepare,
    basis: `the last training of this model: ${(last.msPerStep / 1000).toFixed(1)} s per ${last.batchTokens}-token step, ${prepare.toFixed(0)} s to run its texts through the model`,
  };
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
  const model = get().model;
  if (!model || get().jobs.tuned) return;
  const settings = get().tunedSettings;
  const stepMs: number[] = [];
  let prepareMs = 0;
  set({ tunedLosses: [], tunedTraining: null, error: null });
  const r = await runJob({
    slot: 'tuned', mode: 'refuse', scope: 'model', label: 'tuned-lens training', keepOnCancel: true,
    work: async ({ jobId, progress, alive }) => {
      const ids = await encodeAll(model.modelId, await tunedCorpus());
      // Cancelled while encoding: the engine never saw this job, so it could not stop it.
      if (!alive()) throw cancelledError();
      return engine.analyze(jobId, 'tuned-train', { model: model.modelId, options: { ...settings, texts: ids } }, progress);
    },
    onProgress: (p) => {
      if (p.phase !== 'train') {
        prepareMs += p.ms;
        return;
      }
      // As the engine's estimate: the first step (which compiles device programs) only while it is the only one.
      if (p.done === 2) stepMs.length = 0;
      stepMs.push(p.ms);
      set({ tunedLosses: [...(get().tunedLosses ?? []), p.loss] });
    },
    done: (r) => {
      useLens(r.artifact);
      const recent = stepMs.slice(-TIMING_STEPS);
      const training: TunedTrainingSummary = {
        model: model.modelId, done: r.losses.length, total: settings.steps, partial: r.partial ?? null, warning: r.warning ?? null,
        msPerStep: recent.length ? recent.reduce((a, v) => a + v, 0) / recent.length : null, batchTokens: settings.batchTokens, prepareMs,
      };
      set({ tunedArtifact: r.artifact, tunedInfo: r.info, tunedLosses: Array.from(r.losses), tunedTraining: training, tunedComparison: null });
    },
  });
  if (!r) return;
  void refreshMemory();
  // A cancelled training is not compared on its own (the user stopped to save time); the button does it.
  if (!r.partial) await compareTunedLens();
}

export function cancelTunedTraining(): void {
  cancelJob('tuned');
}

export async function compareTunedLens(): Promise<void> {
  const { model, tunedArtifact: lens } = get();
  if (!model || !lens) return;
  await runJob({
    slot: 'tunedCompare', stamp: 'tunedComparison', scope: () => [get().model, get().tunedArtifact],
    work: async ({ jobId }) => engine.analyze(jobId, 'tuned-compare', { model: model.modelId, options: { texts: await encodeAll(model.modelId, await tunedCorpus()), lens } }),
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
