/**
 * The fuzz harness: targets, outcomes and one case run in-process. A target is a parser
 * that reads a user's bytes; every mutated input must end as
 * - `ok`       the parser succeeded and its numbers are finite (and within what it promises),
 * - `refused`  it threw the project's StrataError with a one-line message,
 * and never as
 * - `crash`    any other exception, or a StrataError whose message is empty or several lines,
 * - `hang`     over the target's per-case time limit (a never-settling promise here; a
 *              synchronous loop is stopped by pool.ts's watchdog, which ends the worker thread),
 * - `leak`     tf.memory().numTensors differs after the case,
 * - `nonfinite` a success carrying NaN/±Inf (or numbers the parser promises never to give).
 *
 * Adding a target (GGUF, npz, SAE cfg.json, probes, …): write tests/fuzz/targets/<name>.ts
 * exporting a FuzzTarget — `fixtures()` reads the valid seed files (no backend), `init()`
 * starts what `run` needs, `generate(rng)` makes one mutated input (bytes, plus the file
 * name when it matters), `run(input)` parses it and returns the numbers of a success to be
 * checked — then add it to TARGETS in tests/fuzz/targets/index.ts. The seeded suite
 * (tests/fuzz/fuzz.test.ts) and `npm run fuzz -- --target <name>` pick it up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { StrataError } from '../../workers/engine/errors';
import { hashSeed, Rng } from './mutate';

export interface FuzzInput {
  bytes: Uint8Array;
  /** File name the parser sees, when it matters (datasets pick the format by extension). */
  name?: string;
  /** The mutation, for the report. */
  what: string;
}

export interface FuzzTarget {
  name: string;
  about: string;
  /** Reads the valid seed files; no backend needed (the watchdog regenerates inputs with it). */
  fixtures(): Promise<void>;
  /** Starts what `run` needs (the tfjs backend); once per process. */
  init?(): Promise<unknown>;
  /** One mutated input; `index` is the case number (most targets need only the rng seeded from it). */
  generate(rng: Rng, index: number): FuzzInput;
  /** Parses; on success resolves with the values to check (numbers must be finite), or throws. */
  run(input: FuzzInput): Promise<unknown>;
  /** Extra invariants of a success beyond finiteness; a message when violated. */
  check?(result: unknown): string | undefined;
  /** Per-case time limit, ms. */
  limitMs?: number;
  /** The case touches tfjs: numTensors is compared before and after. */
  tensors?: boolean;
  /** Cases the seeded suite runs (it must stay under 60 s for all targets on 2 cores). */
  suiteCount: number;
}

export const OUTCOMES = ['ok', 'refused', 'crash', 'hang', 'leak', 'nonfinite'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const FAILURES: readonly Outcome[] = ['crash', 'hang', 'leak', 'nonfinite'];

export interface CaseResult {
  outcome: Outcome;
  /** The error message or the problem found. */
  message?: string;
  ms: number;
}

export const DEFAULT_LIMIT_MS = 5000;

/** The rng of case `index` of `target` under `seed`: each case can be regenerated alone. */
export function caseRng(seed: number, target: string, index: number): Rng {
  return new Rng(hashSeed(seed, target, index));
}

/** The first non-finite number in a result (typed arrays, arrays, objects), as a path; undefined when all are finite. */
export function firstNonFinite(v: unknown, path = '$', depth = 0): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} = ${v}`;
  if (typeof v === 'bigint' || v === null || typeof v !== 'object' || depth > 50) return undefined;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x === 'number' && !Number.isFinite(x)) return `${path}[${i}] = ${x}`;
    }
    return undefined;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const r = firstNonFinite(x, `${path}.${String(k)}`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const r = firstNonFinite(x, `${path}.${k}`, depth + 1);
    if (r) return r;
  }
  return undefined;
}

function timeout(ms: number): { promise: Promise<never>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    id = setTimeout(() => reject(new HangError(ms)), ms);
  });
  return { promise, cancel: () => clearTimeout(id) };
}

class HangError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Runs one input and classifies what happened. */
export async function runCase(target: FuzzTarget, input: FuzzInput): Promise<CaseResult> {
  const limit = target.limitMs ?? DEFAULT_LIMIT_MS;
  const before = target.tensors ? tf.memory().numTensors : 0;
  const t0 = performance.now();
  const clock = timeout(limit);
  let result: CaseResult;
  try {
    const value = await Promise.race([target.run(input), clock.promise]);
    const bad = firstNonFinite(value) ?? target.check?.(value);
    result = bad ? { outcome: 'nonfinite', message: bad, ms: 0 } : { outcome: 'ok', ms: 0 };
  } catch (e) {
    if (e instanceof HangError) result = { outcome: 'hang', message: e.message, ms: 0 };
    else if (e instanceof StrataError && e.message.trim() !== '' && !/[\r\n]/.test(e.message)) result = { outcome: 'refused', message: e.message, ms: 0 };
    else result = { outcome: 'crash', message: `${e instanceof Error ? e.name : typeof e}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500), ms: 0 };
  } finally {
    clock.cancel();
  }
  result.ms = performance.now() - t0;
  // A synchronous overrun the race could not interrupt is still a hang.
  if (result.ms > limit && result.outcome !== 'hang') result = { outcome: 'hang', message: `took ${result.ms.toFixed(0)} ms (limit ${limit} ms); would have been ${result.outcome}`, ms: result.ms };
  if (target.tensors && result.outcome !== 'hang') {
    const after = tf.memory().numTensors;
    if (after !== before) result = { outcome: 'leak', message: `numTensors ${before} → ${after} (case was ${result.outcome}${result.message ? `: ${result.message}` : ''})`, ms: result.ms };
  }
  return result;
}

/** Bytes as base64 and back, for the failure file. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}
export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
