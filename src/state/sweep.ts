/** Skip sweep over a prompt set, with progress and cancel. */
import type { SkipMode } from '../contracts/skip-sweep';
import { engine } from '../services/engine';
import { cancelJob, cancelledError, runJob } from './job';
import { get, set } from './store';

export function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Skip sweep over the prompt set (one per line; the current prompt when empty). */
export async function runSweep(): Promise<void> {
  const s = get();
  const model = s.model;
  if (!model || s.jobs.sweep) return;
  const typed = lines(s.sweepPrompts);
  const texts = typed.length ? typed : s.prompt ? [s.prompt] : [];
  if (texts.length === 0) {
    set({ error: 'Type a prompt (or a prompt set, one per line) for the skip sweep.' });
    return;
  }
  set({ error: null });
  await runJob({
    // A cancel keeps the layers already swept (the result is marked partial).
    slot: 'sweep', mode: 'refuse', scope: 'model', stamp: 'sweep', label: 'skip sweep', keepOnCancel: true,
    work: async ({ jobId, progress, alive }) => {
      const prompts: number[][] = [];
      for (const t of texts) prompts.push((await engine.call((e) => e.encode(model.modelId, t))).map((v) => v.id));
      if (!alive()) throw cancelledError();
      return engine.analyze(jobId, 'skip-sweep', { model: model.modelId, options: { prompts, modes: s.sweepModes } }, progress);
    },
    done: (sweep) => set({ sweep }),
  });
}

export function cancelSweep(): void {
  cancelJob('sweep');
}

export function toggleSweepMode(m: SkipMode): void {
  const modes = get().sweepModes;
  set({ sweepModes: modes.includes(m) ? modes.filter((x) => x !== m) : [...modes, m] });
}

export function setSweepPrompts(text: string): void {
  set({ sweepPrompts: text });
}
