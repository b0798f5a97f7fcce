/** Chain search (CoLa) for the current prompt, with progress and cancel. */
import type { ChainSearchSettings } from '../contracts/chain-search';
import { engine } from '../services/engine';
import { cancelJob, cancelledError, runJob } from './job';
import { get, set } from './store';

/** Target ids for the chain search: the typed continuation as it tokenizes after the prompt, else the full model's next token. */
async function chainTargetIds(model: string, prompt: number[]): Promise<number[]> {
  const { chainTarget, run, prompt: text } = get();
  if (!chainTarget) {
    const next = run?.next[0];
    if (!next) throw new Error('Run the prompt first: the default target is the full model\'s next token.');
    return [next.id];
  }
  const full = (await engine.call((e) => e.encode(model, text + chainTarget))).map((t) => t.id);
  const ok = full.length > prompt.length && prompt.every((id, i) => full[i] === id);
  if (!ok) throw new Error(`"${chainTarget}" does not tokenize as a continuation of the prompt; try starting it with a space`);
  return full.slice(prompt.length);
}

/** The prompt the search explains, by value (a rerun of the same prompt under another path keeps the result current). */
const promptKey = (): string => get().run?.ref.tokens.join(',') ?? '';

export async function runChainSearch(): Promise<void> {
  const s = get();
  if (!s.run || !s.model || s.jobs.chains) {
    if (!s.run) set({ error: 'Run a prompt first: the chain search explains its answer.' });
    return;
  }
  const model = s.model.modelId;
  const prompt = s.run.ref.tokens;
  set({ error: null });
  await runJob({
    // A cancel keeps the chains already evaluated (the result is marked partial).
    slot: 'chains', mode: 'refuse', stamp: 'chains', label: 'chain search', keepOnCancel: true,
    scope: () => [get().model, promptKey()],
    work: async ({ jobId, progress, alive }) => {
      const target = await chainTargetIds(model, prompt);
      if (!alive()) throw cancelledError();
      return engine.analyze(jobId, 'chain-search', { model, options: { ...s.chainSettings, examples: [{ prompt, target }] } }, progress);
    },
    done: (chains) => set({ chains }),
  });
}

export function cancelChainSearch(): void {
  cancelJob('chains');
}

export function setChainSettings(p: Partial<ChainSearchSettings>): void {
  set({ chainSettings: { ...get().chainSettings, ...p } });
}

export function setChainTarget(text: string): void {
  set({ chainTarget: text });
}
