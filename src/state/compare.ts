/** Side-by-side comparison: a second path of the same model, or a second model in its own worker. */
import type { LoadSummary } from '../contracts/engine-api';
import { compareEngine, engine, proxy } from '../services/engine';
import { message } from './actions';
import { get, set } from './store';

compareEngine.onCrash = (msg) => set({ compareModel: null, compareBusy: false, error: `The comparison engine stopped (${msg}); load model B again.` });

async function loadB(f: (jobId: number) => Promise<LoadSummary>): Promise<void> {
  set({ compareBusy: true, error: null });
  try {
    await compareEngine.call((r) => r.init());
    const compareModel = await f(compareEngine.newJob());
    set({ compareModel, compareBusy: false, compareProfiles: null });
  } catch (e) {
    set({ compareBusy: false, error: `Model B: ${message(e)}` });
  }
}

const noProgress = proxy(() => undefined);

export function loadCompareDemo(): Promise<void> {
  const base = new URL('models/demo', document.baseURI).href.replace(/\/$/, '');
  return loadB((j) => compareEngine.call((r) => r.loadUrl(j, base, 'demo', noProgress)));
}

export function loadCompareFiles(files: File[]): Promise<void> {
  return loadB((j) => compareEngine.call((r) => r.loadFiles(j, files, noProgress)));
}

/** Profiles of A (the current run) and B, for charts over relative depth. */
export async function runCompare(): Promise<void> {
  const { run, interventions, compareMode, compareModel, prompt, model } = get();
  if (!run || !model) {
    set({ error: 'Run a prompt first.' });
    return;
  }
  set({ compareBusy: true, error: null });
  try {
    const tokens = run.tokens.map((t) => t.id);
    const a = await engine.call((e) => e.depthProfile({ tokens, path: run.path, interventions }));
    let b;
    let labelB: string;
    if (compareMode === 'path') {
      b = await engine.call((e) => e.depthProfile({ tokens, interventions }));
      labelB = `${model.info.arch}, all ${model.info.layers} layers`;
    } else {
      if (!compareModel) throw new Error('Load model B first.');
      const idsB = (await compareEngine.call((e) => e.encode(prompt))).map((t) => t.id);
      b = await compareEngine.call((e) => e.depthProfile({ tokens: idsB }));
      labelB = `B: ${compareModel.info.arch} (${compareModel.info.layers} layers, ${compareModel.source})`;
    }
    const labelA = `A: ${model.info.arch}, path ${run.notation}`;
    set({ compareProfiles: { a, b, labelA, labelB }, compareBusy: false });
  } catch (e) {
    set({ compareBusy: false, error: message(e) });
  }
}
