/** Loading the model the page works on: the demo, dropped files, a hub repo. */
import type { HubRequest, LoadSource, LoadSummary } from '../contracts/engine-api';
import { engine } from '../services/engine';
import { engineReady, refreshMemory } from './engine';
import { refreshCache } from './hub';
import { cancelJob, cancelledError, runJob } from './job';
import { runPrompt } from './run';
import { modelChange } from './model-change';
import { get, set } from './store';

export interface LoadOpts {
  /** A link is being applied: keep its view settings (a new model otherwise resets the lens target). */
  fromLink?: boolean;
}

/** The embedded demo checkpoint, served with the site. */
export function demoSource(): LoadSource {
  return { kind: 'url', base: new URL('models/demo', document.baseURI).href.replace(/\/$/, ''), label: 'demo' };
}

/** Frees a model the page no longer shows (unless it is still model A or B). */
export function release(prev: LoadSummary | null): void {
  if (!prev) return;
  const s = get();
  if (prev.modelId === s.model?.modelId || prev.modelId === s.compareModel?.modelId) return;
  void engine.call((e) => e.unload(prev.modelId)).catch(() => undefined).then(refreshMemory);
}

/**
 * Loads a model as model A. A load asked for while the engine still starts waits for it
 * (the progress line says so) instead of failing; one load at a time.
 */
async function load(label: string, source: LoadSource, opts: LoadOpts = {}): Promise<void> {
  if (get().jobs.load) return;
  set({ error: null, notice: null });
  const model = await runJob({
    slot: 'load', mode: 'refuse', scope: 'none', label,
    work: async ({ jobId, progress, alive }) => {
      await engineReady();
      if (!alive()) throw cancelledError();
      return engine.load(jobId, source, progress);
    },
    done: (model) => {
      const prev = get().model;
      const { patch, resets } = modelChange(get(), model, { keepTarget: opts.fromLink === true });
      const notes = [model.fromCache ? `Loaded ${model.fromCache} file${model.fromCache > 1 ? 's' : ''} from the local cache.` : '', ...resets.map((r) => `New model: ${r}.`)].filter(Boolean);
      set({ ...patch, pendingModel: null, notice: notes.length ? notes.join(' ') : null });
      release(prev);
    },
  });
  if (!model) return;
  void refreshMemory();
  if (model.sha) void refreshCache();
  if (get().prompt && model.hasTokenizer) await runPrompt(get().prompt);
}

export function loadDemo(opts: LoadOpts = {}): Promise<void> {
  return load('demo model', demoSource(), opts);
}

/**
 * Dropped or picked files; when a link is waiting for local files, they must match its fingerprint.
 * `halve`: keep F32 weights as F16 on WebGPU ("halve memory", the load panel's checkbox).
 */
export function loadFiles(files: File[], halve = false): Promise<void> {
  if (files.length === 0) return Promise.resolve();
  const pending = get().pendingModel?.ref;
  const expect = pending?.kind === 'local' ? pending.fingerprint : undefined;
  return load(`${files.length} file${files.length > 1 ? 's' : ''}`, { kind: 'files', files, ...(expect ? { expect } : {}), ...(halve ? { halve } : {}) }, { fromLink: expect !== undefined });
}

export function loadHub(req: HubRequest, opts: LoadOpts = {}, halve = false): Promise<void> {
  return load(`${req.repo}@${req.revision || 'main'}`, { kind: 'hub', req, ...(halve ? { halve } : {}) }, opts);
}

export function cancelLoad(): void {
  cancelJob('load');
}
