/**
 * Runs fuzz cases in a worker thread under a watchdog: a case past its target's time limit
 * (plus grace) ends the thread, is recorded as a hang with its input (regenerated here
 * from seed, target and index), and a new thread carries on from the next case. A thread
 * that dies (an uncaught error, out of memory) is recorded as a crash the same way. Several
 * targets can share one thread (the seeded suite does: one start-up instead of one each).
 */
import { Worker } from 'node:worker_threads';
import { caseRng, DEFAULT_LIMIT_MS, OUTCOMES, toBase64, type Outcome } from './harness';
import { targetNamed } from './targets/index';
import { HB, type WorkerJob, type WorkerMessage, type WorkerPart } from './protocol';

export interface Failure {
  target: string;
  seed: number;
  index: number;
  outcome: Outcome;
  message: string;
  what: string;
  name?: string;
  /** The input bytes, base64 (replay with `npm run fuzz -- --replay FILE`). */
  input: string;
  ms: number;
}

export interface TargetReport {
  target: string;
  seed: number;
  count: number;
  counts: Record<Outcome, number>;
  /** Failing cases with their inputs (the first `keep`). */
  failures: Failure[];
  /** Seconds spent running this target's cases (set-up excluded). */
  seconds: number;
  /** Threads this target ran in (1 + one per hang or dead thread). */
  threads: number;
}

export interface PoolOptions {
  seed: number;
  /** Cases per target (or per target name). */
  count: number | ((target: string) => number);
  start?: number;
  /** Failures kept with their inputs, per target. */
  keep?: number;
  onProgress?: (target: string, done: number, counts: Record<Outcome, number>) => void;
}

/** Extra time a hung case gets beyond its limit before its thread is ended, ms (at most the limit again). */
const GRACE_MS = 2000;
const withGrace = (limit: number): number => limit + Math.min(GRACE_MS, limit);
const BOOT = new URL('./boot.mjs', import.meta.url);
const zero = (): Record<Outcome, number> => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;

export async function runTargets(names: string[], opts: PoolOptions): Promise<TargetReport[]> {
  const keep = opts.keep ?? 20;
  const start = opts.start ?? 0;
  const reports: TargetReport[] = [];
  for (const name of names) {
    await targetNamed(name).fixtures();
    const count = typeof opts.count === 'function' ? opts.count(name) : opts.count;
    reports.push({ target: name, seed: opts.seed, count, counts: zero(), failures: [], seconds: 0, threads: 0 });
  }
  /** What is left to run: a part per report, from `next`. */
  const todo = reports.map((r) => ({ report: r, next: start, end: start + r.count }));
  while (todo.length > 0) {
    const parts: WorkerPart[] = todo.map((t) => ({ target: t.report.target, start: t.next, count: t.end - t.next }));
    const heartbeat = new SharedArrayBuffer(64);
    const state = new Int32Array(heartbeat, 0, 12);
    const clock = new Float64Array(heartbeat, HB.clockByte, 1);
    const countsNow = (): Record<Outcome, number> => Object.fromEntries(OUTCOMES.map((o, k) => [o, Atomics.load(state, HB.counts + k)])) as Record<Outcome, number>;
    const job: WorkerJob = { seed: opts.seed, parts, heartbeat };
    // eslint-disable-next-line no-restricted-syntax -- a Node worker thread for the fuzz watchdog, not the engine's Web Worker
    const w = new Worker(BOOT, { workerData: job });
    for (const t of todo) t.report.threads++;
    const record = (part: number, f: Failure): void => {
      const r = todo[part]?.report;
      if (r && r.failures.length < keep) r.failures.push(f);
    };
    const regenerate = (part: number, index: number, outcome: Outcome, message: string): Failure => {
      const name = parts[part]?.target as string;
      const input = targetNamed(name).generate(caseRng(opts.seed, name, index), index);
      return { target: name, seed: opts.seed, index, outcome, message, what: input.what, input: toBase64(input.bytes), ms: 0, ...(input.name !== undefined ? { name: input.name } : {}) };
    };
    /** Ends the current part's bookkeeping: counts in, and where it resumes (or done). */
    const closePart = (part: number, extra: Partial<Record<Outcome, number>>, resume: number | undefined, ms: number, counts?: Record<Outcome, number>): void => {
      const t = todo[part];
      if (!t) return;
      // A finished part brings its counts (the heartbeat's are the next part's by then); a stopped one is read from the heartbeat.
      const now = counts ?? countsNow();
      for (const o of OUTCOMES) t.report.counts[o] += now[o] + (extra[o] ?? 0);
      t.report.seconds += ms / 1000;
      t.next = resume ?? t.end;
    };
    const outcome = await new Promise<{ stoppedAt?: number }>((resolve, reject) => {
      let finished = false;
      let partStarted = Date.now();
      const finish = (r: { stoppedAt?: number }): void => {
        if (finished) return;
        finished = true;
        clearInterval(watch);
        resolve(r);
      };
      const watch = setInterval(() => {
        const p = Atomics.load(state, HB.part);
        const limit = withGrace(targetNamed(parts[p]?.target as string).limitMs ?? DEFAULT_LIMIT_MS);
        if (Atomics.load(state, HB.running) === 1 && Date.now() - (clock[0] as number) > limit) {
          const i = Atomics.load(state, HB.index);
          record(p, regenerate(p, i, 'hang', `no answer within ${limit} ms (thread ended)`));
          closePart(p, { hang: 1 }, i + 1, Date.now() - partStarted);
          void w.terminate();
          finish({ stoppedAt: p });
        }
      }, 100);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'failure') record(m.part, { target: parts[m.part]?.target as string, seed: opts.seed, index: m.index, outcome: m.outcome, message: m.message, what: m.what, input: m.input, ms: m.ms, ...(m.name !== undefined ? { name: m.name } : {}) });
        else if (m.type === 'progress') {
          const t = todo[m.part];
          const now = countsNow();
          if (t) opts.onProgress?.(t.report.target, t.next - start + Object.values(now).reduce((a, b) => a + b, 0), Object.fromEntries(OUTCOMES.map((o) => [o, t.report.counts[o] + now[o]])) as Record<Outcome, number>);
        } else if (m.type === 'part-end') {
          closePart(m.part, {}, undefined, m.ms, m.counts);
          partStarted = Date.now();
        } else finish({});
      });
      const died = (why: string): void => {
        if (finished) return;
        const p = Atomics.load(state, HB.part);
        if (Atomics.load(state, HB.ready) !== 1) {
          finished = true;
          clearInterval(watch);
          reject(new Error(`fuzz target ${parts[p]?.target ?? '?'} could not set up in its worker thread: ${why}`));
          return;
        }
        const ran = Object.values(countsNow()).reduce((a, b) => a + b, 0);
        const i = (parts[p]?.start ?? 0) + ran;
        record(p, regenerate(p, i, 'crash', `the worker thread died: ${why}`));
        closePart(p, { crash: 1 }, i + 1, Date.now() - partStarted);
        finish({ stoppedAt: p });
      };
      w.on('error', (e) => died(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
      w.on('exit', (code) => died(`exit code ${code}`));
    });
    await w.terminate();
    // Parts before the one stopped are done; it and those after it go on in a new thread.
    const from = outcome.stoppedAt ?? todo.length;
    const rest = todo.slice(from).filter((t) => t.next < t.end);
    todo.splice(0, todo.length, ...rest);
  }
  return reports;
}
