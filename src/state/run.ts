/** Running the prompt under the current path and interventions, and what follows a new run. */
import type { RunRef } from '../contracts/run-ref';
import { engine } from '../services/engine';
import { refreshAttention } from './attention';
import { refreshEffect, refreshResidual } from './depth';
import { refreshMemory } from './engine';
import { runJob } from './job';
import { refreshLens } from './lens';
import { get, set, type CurrentRun, type ViewName } from './store';

/** The RunRef the page runs now: model A, the prompt's tokens, the path and the interventions. */
export function runRefFor(tokens: number[]): RunRef {
  const { model, path, interventions } = get();
  return { ...(model ? { model: model.modelId } : {}), tokens, ...(path ? { path } : {}), interventions };
}

export function runPrompt(text: string): Promise<void> {
  set({ prompt: text });
  return runInput(text);
}

/** Runs token ids as they are (models without a tokenizer; the console and tests). */
export function runTokens(ids: number[]): Promise<void> {
  return runInput(ids);
}

/** Runs the prompt (text, or ids) under the current path and interventions, then refreshes the views that show it. */
async function runInput(input: string | number[]): Promise<void> {
  const model = get().model;
  if (!model) {
    set({ error: 'Load a model first (the demo is one click away).' });
    return;
  }
  set({ error: null });
  const run = await runJob({
    slot: 'run', scope: 'model', label: 'run',
    work: async (): Promise<CurrentRun> => {
      const ids = typeof input === 'string' ? (await engine.call((e) => e.encode(model.modelId, input))).map((t) => t.id) : input;
      const ref = runRefFor(ids);
      const { logitsLast: _drop, ...summary } = await engine.call((e) => e.run(ref));
      return { ...summary, ref };
    },
    // A newer run (path edit, new prompt) replaces this one; every result of the old run goes.
    done: (run) => {
      // The selected head must exist in the new run (a shorter path has fewer steps).
      const sel = get().selectedHead;
      const steps = run.path.length;
      const heads = model.info.heads;
      const selectedHead = sel.step < steps && sel.head < heads ? sel : { step: Math.min(sel.step, steps - 1), head: Math.min(sel.head, heads - 1) };
      set({ run, lens: null, attention: null, residual: null, effect: null, compareProfiles: null, selectedHead });
    },
  });
  if (!run) return;
  void refreshMemory();
  const view = get().view;
  await Promise.all([
    refreshLens(),
    view === 'attention' ? refreshAttention() : undefined,
    view === 'residual' ? refreshResidual() : undefined,
    get().path ? refreshEffect() : undefined,
  ]);
}

/** Sets the layer path (null = all layers in order) and reruns the prompt under it. */
export async function setPath(path: number[] | null): Promise<void> {
  const layers = get().model?.info.layers ?? 0;
  const full = path !== null && path.length === layers && path.every((l, i) => l === i);
  set({ path: full ? null : path, effect: null });
  if (get().run) await runPrompt(get().prompt);
}

export function setView(view: ViewName): void {
  set({ view });
  if (view === 'attention') void refreshAttention();
  if (view === 'residual' && !get().residual) void refreshResidual();
}
