/** Side-by-side comparison: a second path of the same model, or model B loaded beside A in the same engine. */
import type { LoadSource } from '../contracts/engine-api';
import { engine } from '../services/engine';
import { engineReady, refreshMemory } from './engine';
import { cancelledError, runJob } from './job';
import { demoSource, release } from './load';
import { get, set } from './store';

async function loadB(label: string, source: LoadSource): Promise<void> {
  set({ error: null });
  const b = await runJob({
    slot: 'compareLoad', mode: 'refuse', scope: 'none', label, errorPrefix: 'Model B: ',
    work: async ({ jobId, progress, alive }) => {
      await engineReady();
      if (!alive()) throw cancelledError();
      return engine.load(jobId, source, progress);
    },
    done: (compareModel) => {
      const prev = get().compareModel;
      set({ compareModel, compareProfiles: null });
      release(prev);
    },
  });
  if (b) void refreshMemory();
}

export function loadCompareDemo(): Promise<void> {
  return loadB('model B: demo', demoSource());
}

export function loadCompareFiles(files: File[]): Promise<void> {
  if (files.length === 0) return Promise.resolve();
  return loadB(`model B: ${files.length} file${files.length > 1 ? 's' : ''}`, { kind: 'files', files });
}

export function setCompareMode(mode: 'path' | 'model'): void {
  set({ compareMode: mode, compareProfiles: null });
}

/** Profiles of A (the current run, interventions included) and B, for charts over relative depth. */
export async function runCompare(): Promise<void> {
  const { run, compareMode, compareModel, prompt, model } = get();
  if (!run || !model) {
    set({ error: 'Run a prompt first.' });
    return;
  }
  set({ error: null });
  await runJob({
    slot: 'compare', stamp: 'compare', label: 'compare',
    scope: () => [get().model, get().run, get().compareModel, get().compareMode],
    work: async ({ jobId }) => {
      const a = await engine.analyze(jobId, 'depth-profile', { run: run.ref });
      const labelA = `A: ${model.info.arch}, path ${run.notation}`;
      if (compareMode === 'path') {
        // The same model, tokens and interventions on all layers in order.
        const { path: _path, ...full } = run.ref;
        const b = await engine.analyze(jobId, 'depth-profile', { run: full });
        return { a, b, labelA, labelB: `${model.info.arch}, all ${model.info.layers} layers` };
      }
      if (!compareModel) throw new Error('Load model B first.');
      // B reads the same text through its own tokenizer (ids run as they are when A's run had no text).
      const idsB = prompt ? (await engine.call((e) => e.encode(compareModel.modelId, prompt))).map((t) => t.id) : run.ref.tokens;
      const b = await engine.analyze(jobId, 'depth-profile', { run: { model: compareModel.modelId, tokens: idsB } });
      return { a, b, labelA, labelB: `B: ${compareModel.info.arch} (${compareModel.info.layers} layers, ${compareModel.source})` };
    },
    done: (compareProfiles) => set({ compareProfiles }),
  });
}
