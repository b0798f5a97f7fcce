/**
 * The one job helper every action uses: it gives the job an engine job id, shows it in
 * the store (busy, progress), cancels it on request, and stores its result only if the
 * model / run it was computed for is still current (otherwise the result is dropped).
 */
import { engine } from '../services/engine';
import { stampNow, type ResultName } from './stamps';
import { get, set, type JobProgress, type JobSlot, type JobState } from './store';

/** An error as the one line the page shows. */
export function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^Error: /, '');
}

/**
 * What a result belongs to: 'run' = the current model and run, 'model' = the current
 * model, 'none' = nothing (it is always current), or a function returning the values
 * that must be unchanged (compared with Object.is).
 */
export type Scope = 'run' | 'model' | 'none' | (() => readonly unknown[]);

function scopeValues(scope: Scope): readonly unknown[] {
  if (scope === 'none') return [];
  const s = get();
  if (scope === 'model') return [s.model];
  if (scope === 'run') return [s.model, s.run];
  return scope();
}

export interface JobContext<P> {
  jobId: number;
  /** Reports progress into the store (ignored once the job is no longer current). */
  progress: (p: P) => void;
  /** False once the job was cancelled, replaced, or its scope changed. */
  alive: () => boolean;
}

export interface JobSpec<K extends JobSlot, T> {
  slot: K;
  label?: string;
  /** While a job runs in this slot: 'replace' cancels it and takes its place (default); 'refuse' does nothing. */
  mode?: 'replace' | 'refuse';
  scope?: Scope;
  work: (ctx: JobContext<JobProgress[K]>) => Promise<T>;
  /** Stores the result; called only when it is still current. */
  done: (result: T) => void;
  /** Called with each progress report of a current job, after the store's progress is updated. */
  onProgress?: (p: JobProgress[K]) => void;
  /** The result slot this job fills: its stamp (what it was computed for) is stored with it. */
  stamp?: ResultName;
  /** Prefix of the error shown when the job fails. */
  errorPrefix?: string;
  /** Called when the job fails (also when it was cancelled or is stale), e.g. to clear partial state. */
  onFail?: () => void;
  /**
   * For work whose engine analysis answers a cancel with a partial result (skip sweep, chain
   * search, tuned-lens training): a cancel keeps the slot, marked `cancelling`, until the
   * engine answers, and that answer is stored by `done` like any result (still only when
   * current). A cancel that reaches work before its engine call should throw cancelledError().
   */
  keepOnCancel?: boolean;
}

/** Job ids cancelled from the page (a queued job may not have reached the engine yet). */
const cancelled = new Set<number>();
/** Job ids whose partial result is kept on cancel (JobSpec.keepOnCancel). */
const keeping = new Set<number>();

function current<K extends JobSlot>(slot: K, jobId: number): boolean {
  return get().jobs[slot]?.jobId === jobId;
}

function setSlot<K extends JobSlot>(slot: K, state: JobState<JobProgress[K]> | undefined): void {
  const jobs: Record<string, JobState | undefined> = { ...get().jobs };
  if (state) jobs[slot] = state as JobState;
  else delete jobs[slot];
  set({ jobs });
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Runs a job; resolves with its result once stored, or undefined when it failed, was
 * cancelled, replaced or refused, or its result was stale (never rejects).
 */
export async function runJob<K extends JobSlot, T>(spec: JobSpec<K, T>): Promise<T | undefined> {
  const { slot, mode = 'replace', scope = 'run' } = spec;
  const running = get().jobs[slot];
  if (running) {
    if (mode === 'refuse') return undefined;
    cancelJob(slot);
  }
  const jobId = engine.newJob();
  const before = scopeValues(scope);
  // Taken now: the job computes for the inputs as they are when it starts.
  const stampAt = spec.stamp ? stampNow(spec.stamp, get()) : undefined;
  const alive = (): boolean => current(slot, jobId) && !cancelled.has(jobId) && same(before, scopeValues(scope));
  // A cancelled keepOnCancel job still delivers: its answer is the partial result.
  const deliverable = (): boolean => current(slot, jobId) && (!cancelled.has(jobId) || keeping.has(jobId)) && same(before, scopeValues(scope));
  if (spec.keepOnCancel) keeping.add(jobId);
  setSlot(slot, { jobId, label: spec.label ?? slot, progress: null });
  const progress = (p: JobProgress[K]): void => {
    if (!alive()) return;
    const j = get().jobs[slot];
    if (j) setSlot(slot, { ...j, progress: p });
    spec.onProgress?.(p);
  };
  try {
    const result = await spec.work({ jobId, progress, alive });
    if (!deliverable()) {
      if (current(slot, jobId)) setSlot(slot, undefined);
      spec.onFail?.();
      return undefined;
    }
    setSlot(slot, undefined);
    spec.done(result);
    if (spec.stamp && stampAt) set({ stamps: { ...get().stamps, [spec.stamp]: stampAt } });
    return result;
  } catch (e) {
    const wasAlive = alive();
    if (current(slot, jobId)) setSlot(slot, undefined);
    spec.onFail?.();
    // Errors of cancelled or superseded work are not the user's concern.
    if (wasAlive && !/cancel/i.test(message(e))) set({ error: `${spec.errorPrefix ?? ''}${message(e)}` });
    return undefined;
  } finally {
    cancelled.delete(jobId);
    keeping.delete(jobId);
  }
}

/**
 * Cancels the job in a slot: the engine stops it; the page forgets it at once, or, for a
 * keepOnCancel job, marks it `cancelling` and waits for its partial result.
 */
export function cancelJob(slot: JobSlot): void {
  const j = get().jobs[slot];
  if (!j || cancelled.has(j.jobId)) return;
  cancelled.add(j.jobId);
  engine.cancel(j.jobId);
  setSlot(slot, keeping.has(j.jobId) ? { ...j, cancelling: true } : undefined);
}

/** Forgets every job (the engine restarted: none of them will finish). */
export function clearJobs(): void {
  for (const j of Object.values(get().jobs)) if (j) cancelled.add(j.jobId);
  set({ jobs: {} });
}

/** A rejection for work that noticed it was cancelled before reaching the engine. */
export function cancelledError(): Error {
  return new Error('cancelled');
}
