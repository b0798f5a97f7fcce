/** What pool.ts and worker.ts exchange (kept apart so the pool never runs the worker's top level). */
import type { Outcome } from './harness';

export interface WorkerPart {
  target: string;
  start: number;
  count: number;
}

export interface WorkerJob {
  seed: number;
  parts: WorkerPart[];
  /**
   * 64 bytes. Int32: [0] part index, [1] case index, [2] 1 while a case runs, [3] 1 once the
   * part's target is set up, [4..] one counter per outcome (OUTCOMES order) for the part;
   * Float64 at byte 48: the running case's start time (Date.now()).
   */
  heartbeat: SharedArrayBuffer;
}

export const HB = { part: 0, index: 1, running: 2, ready: 3, counts: 4, clockByte: 48 } as const;

export type WorkerMessage =
  | { type: 'failure'; part: number; index: number; outcome: Outcome; message: string; what: string; name?: string; input: string; ms: number }
  | { type: 'part-end'; part: number; ms: number; counts: Record<Outcome, number> }
  | { type: 'progress'; part: number }
  | { type: 'end' };
