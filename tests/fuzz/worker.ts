/**
 * One fuzz worker thread (started by pool.ts through boot.mjs): runs the job's parts in
 * order, each a range of cases of one target. Before each case it writes the case index
 * and the time into a shared heartbeat, so the parent can stop a case that never returns
 * (a synchronous loop cannot be interrupted from inside); the outcome counters live in the
 * heartbeat too, so they are exact even when the thread is ended mid-case. Failures are
 * posted as they happen.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { caseRng, FAILURES, OUTCOMES, runCase, toBase64, type Outcome } from './harness';
import { HB, type WorkerJob, type WorkerMessage } from './protocol';
import { targetNamed } from './targets/index';

const job = workerData as WorkerJob;
const port = parentPort;
if (!port) throw new Error('tests/fuzz/worker.ts runs as a worker thread (pool.ts)');
const state = new Int32Array(job.heartbeat, 0, 12);
const clock = new Float64Array(job.heartbeat, HB.clockByte, 1);
for (const [p, part] of job.parts.entries()) {
  const target = targetNamed(part.target);
  Atomics.store(state, HB.ready, 0);
  for (let k = 0; k < OUTCOMES.length; k++) Atomics.store(state, HB.counts + k, 0);
  Atomics.store(state, HB.part, p);
  await target.fixtures();
  await target.init?.();
  Atomics.store(state, HB.ready, 1);
  const t0 = performance.now();
  let last = Date.now();
  for (let i = part.start; i < part.start + part.count; i++) {
    const input = target.generate(caseRng(job.seed, target.name, i), i);
    Atomics.store(state, HB.index, i);
    clock[0] = Date.now();
    Atomics.store(state, HB.running, 1);
    const r = await runCase(target, input);
    Atomics.store(state, HB.running, 0);
    Atomics.add(state, HB.counts + OUTCOMES.indexOf(r.outcome), 1);
    if (FAILURES.includes(r.outcome)) {
      port.postMessage({
        type: 'failure', part: p, index: i, outcome: r.outcome, message: r.message ?? '', what: input.what, input: toBase64(input.bytes), ms: r.ms,
        ...(input.name !== undefined ? { name: input.name } : {}),
      } satisfies WorkerMessage);
    }
    if (Date.now() - last > 1000) {
      last = Date.now();
      port.postMessage({ type: 'progress', part: p } satisfies WorkerMessage);
    }
  }
  const counts = Object.fromEntries(OUTCOMES.map((o, k) => [o, Atomics.load(state, HB.counts + k)])) as Record<Outcome, number>;
  port.postMessage({ type: 'part-end', part: p, ms: performance.now() - t0, counts } satisfies WorkerMessage);
}
port.postMessage({ type: 'end' } satisfies WorkerMessage);
