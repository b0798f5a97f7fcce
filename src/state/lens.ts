/** The lens view: decode the current run through the logit lens or a tuned lens, and its settings. */
import type { KlDirection } from '../contracts/lens';
import { engine } from '../services/engine';
import { runJob } from './job';
import { get, set, type LensMetric } from './store';

/** Decodes the positions [start, end) the lens view shows (the last 64 when omitted). */
export async function refreshLens(range?: [number, number]): Promise<void> {
  const run = get().run;
  if (!run) return;
  const T = run.tokens.length;
  const r: [number, number] = range ?? [Math.max(0, T - 64), T];
  const s = get().lensSettings;
  const opts = { topk: s.topk, kl: s.kl, range: r, ...(s.targetId !== null ? { target: s.targetId } : {}) };
  const lens = s.kind === 'tuned' ? get().tunedArtifact : null;
  await runJob({
    slot: 'lens', scope: 'run', stamp: 'lens',
    work: ({ jobId }) => (lens
      ? engine.analyze(jobId, 'tuned-lens', { run: run.ref, options: { ...opts, lens } })
      : engine.analyze(jobId, 'lens', { run: run.ref, options: opts })),
    done: (result) => set({ lens: result }),
  });
}

/** The window the lens shows now (to decode the same positions under new settings). */
function shown(): [number, number] | undefined {
  const l = get().lens;
  return l ? [l.start, l.start + l.positions] : undefined;
}

export function setMetric(metric: LensMetric): void {
  set({ lensSettings: { ...get().lensSettings, metric } });
}

export function setTarget(targetId: number | null): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, targetId, metric: targetId === null ? get().lensSettings.metric : 'targetProb' } });
  return refreshLens(shown());
}

export function setLensKl(kl: KlDirection): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, kl } });
  return refreshLens(shown());
}

export function setLensKind(kind: 'logit' | 'tuned'): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, kind } });
  return refreshLens(shown());
}

/** Top-k of the lens detail and of the next-token strip (one k for both), 1..10. */
export function setLensTopk(topk: number): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, topk: Math.max(1, Math.min(10, Math.round(topk))) } });
  return refreshLens(shown());
}
