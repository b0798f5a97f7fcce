/** Running the prompt under the current path and interventions, and what follows a new run. */
import type { RunRef } from '../contracts/run-ref';
import { engine } from '../services/engine';
import { refreshAttention } from './attention';
import { refreshEffect, refreshResidual } from './depth';
import { refreshMemory } from './engine';
import { fitContext, type ContextPolicy } from './context';
import { cancelJob, message, runJob } from './job';
import { refreshLens } from './lens';
import { get, set, type CurrentRun, type ViewName } from './store';
import { parseTokenIds } from './token-ids';

/** The RunRef the page runs now: model A, the prompt's tokens, the path and the interventions. */
export function runRefFor(tokens: number[]): RunRef {
  const { model, path, interventions } = get();
  return { ...(model ? { model: model.modelId } : {}), tokens, ...(path ? { path } : {}), interventions };
}

export function runPrompt(text: string): Promise<void> {
  set({ prompt: text, promptIds: null });
  return runInput(text);
}

/** Runs token ids as they are (models without a tokenizer; the console and tests). */
export function runTokens(ids: number[]): Promise<void> {
  set({ promptIds: ids });
  return runInput(ids);
}

/** The token-id box: "1, 7, 42" (spaces or brackets also do), checked against the vocabulary, then run. */
export function runTokenText(text: string): Promise<void> {
  const model = get().model;
  if (!model) {
    set({ error: 'Load a model first (the demo is one click away).' });
    return Promise.resolve();
  }
  const parsed = parseTokenIds(text, model.info.vocab);
  if (!parsed.ok) {
    set({ error: parsed.error });
    return Promise.resolve();
  }
  return runTokens(parsed.ids);
}

/** Runs what was submitted last again (text or ids), e.g. under a new path. */
export function rerunPrompt(): Promise<void> {
  const ids = get().promptIds;
  return ids ? runInput(ids) : runInput(get().prompt);
}

/** Sets what runs do past the model's context; a question waiting for an answer takes it. */
export function setContextPolicy(policy: ContextPolicy): Promise<void> {
  set({ contextPolicy: policy });
  const note = get().contextNote;
  if (note?.pending && policy !== 'ask') return answerContext(policy);
  return Promise.resolve();
}

/** Answers the "past the context" question: the choice becomes the setting and the waiting prompt runs (null: do not run it). */
export async function answerContext(choice: Exclude<ContextPolicy, 'ask'> | null): Promise<void> {
  const note = get().contextNote;
  if (!note?.pending) return;
  const { pending, ...rest } = note;
  if (choice === null || get().model?.modelId !== note.model) {
    set({ contextNote: { ...rest, action: 'refused' } });
    return;
  }
  set({ contextPolicy: choice });
  await runInput(pending);
}

/** Encodes (text) — one at a time: a prompt submitted later wins over an encode still on its way. */
let inputSeq = 0;

/**
 * Runs the prompt (text, or ids) under the current path and interventions, then refreshes
 * the views that show it. A prompt past the model's context is fitted to it per the
 * setting first (src/state/context.ts); the line it gets says what was done.
 */
async function runInput(input: string | number[]): Promise<void> {
  const model = get().model;
  if (!model) {
    set({ error: 'Load a model first (the demo is one click away).' });
    return;
  }
  set({ error: null });
  const seq = ++inputSeq;
  let ids = typeof input === 'string' ? undefined : input;
  if (ids === undefined) {
    try {
      ids = (await engine.call((e) => e.encode(model.modelId, input as string))).map((t) => t.id);
    } catch (e) {
      if (seq === inputSeq) set({ error: message(e) });
      return;
    }
    if (seq !== inputSeq || get().model !== model) return;
  }
  const fit = fitContext(ids, model.info, get().contextPolicy, model.tokenizer?.bos);
  const v = fit.verdict;
  set({ contextNote: v ? { ...v, model: model.modelId, ...(fit.ids ? {} : v.action === 'asked' ? { pending: ids } : {}) } : null });
  if (!fit.ids) {
    // Nothing runs: a run still on its way (an older prompt) must not land as if it were this one.
    cancelJob('run');
    return;
  }
  const toRun = fit.ids;
  const run = await runJob({
    slot: 'run', scope: 'model', label: 'run',
    work: async (): Promise<CurrentRun> => {
      const ref = runRefFor(toRun);
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
  if (get().run) await rerunPrompt();
}

export function setView(view: ViewName): void {
  set({ view });
  if (view === 'attention') void refreshAttention();
  if (view === 'residual' && !get().residual) void refreshResidual();
}
