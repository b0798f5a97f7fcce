/** The attention view: patterns and head summaries of the current run. */
import { engine } from '../services/engine';
import { runJob } from './job';
import { get, set } from './store';

export async function refreshAttention(): Promise<void> {
  const run = get().run;
  if (!run || get().attention) return;
  await runJob({
    slot: 'attention', scope: 'run', stamp: 'attention',
    work: ({ jobId }) => engine.analyze(jobId, 'attention', { run: run.ref }),
    done: (attention) => set({ attention }),
  });
}

export function selectHead(step: number, head: number): void {
  set({ selectedHead: { step, head } });
}
