/**
 * The chain search's typed target shown as the tokens it becomes after the prompt, so
 * "Paris" and " Paris" are visibly different targets before a search starts.
 */
import { engine } from '../services/engine';
import { message } from './job';
import { get, set } from './store';

let latest = 0;

/** Tokenizes prompt + target and keeps the continuation's pieces (or why it is not one). */
export async function previewChainTarget(): Promise<void> {
  const { model, prompt, chainTarget } = get();
  const ticket = ++latest;
  if (!model || !model.hasTokenizer || !chainTarget || !prompt) {
    set({ chainTargetPreview: null });
    return;
  }
  try {
    const [head, full] = await Promise.all([
      engine.call((e) => e.encode(model.modelId, prompt)),
      engine.call((e) => e.encode(model.modelId, prompt + chainTarget)),
    ]);
    if (ticket !== latest) return;
    const ok = full.length > head.length && head.every((t, i) => full[i]?.id === t.id);
    set({ chainTargetPreview: ok ? { tokens: full.slice(head.length), text: chainTarget } : { problem: `"${chainTarget}" does not tokenize as a continuation of the prompt; try starting it with a space`, text: chainTarget } });
  } catch (e) {
    if (ticket === latest) set({ chainTargetPreview: { problem: message(e), text: chainTarget } });
  }
}
