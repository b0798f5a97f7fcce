/** Residual-stream analytics and the path's effect, for the current run. */
import { engine } from '../services/engine';
import { runJob } from './job';
import { get, set } from './store';

export async function refreshEffect(): Promise<void> {
  const { run, path, lensSettings } = get();
  if (!run || !path) return;
  await runJob({
    slot: 'effect', scope: 'run', stamp: 'effect',
    work: ({ jobId }) => engine.analyze(jobId, 'path-effect', { run: run.ref, options: lensSettings.targetId !== null ? { target: lensSettings.targetId } : {} }),
    done: (effect) => set({ effect }),
  });
}

export async function refreshResidual(alpha = get().residualAlpha): Promise<void> {
  set({ residualAlpha: alpha });
  const run = get().run;
  if (!run) return;
  await runJob({
    slot: 'residual', scope: 'run', stamp: 'residual',
    work: ({ jobId }) => engine.analyze(jobId, 'residual', { run: run.ref, options: { alpha } }),
    done: (residual) => set({ residual }),
  });
}
