/**
 * What an analysis is: its kind, its DEFAULTS (from the kind's contract file, shared
 * with the page and the CLI) and `run(context, options)`. The context resolves the
 * request's model and run cache, so an analysis never starts a forward of the same
 * spec twice and never sees the page or the host.
 */
import type { AnalysisKind, OptionsOf, ProgressOf, ResultOf } from '../../../src/contracts/analyses';
import type { RunRef } from '../../../src/contracts/run-ref';
import type { ModelEntry, Registry } from '../registry';
import type { RunCache } from '../run-cache';

export interface AnalysisContext<K extends AnalysisKind> {
  registry: Registry;
  /** The request's model: the run's, else the one named, else the model loaded last. */
  model: ModelEntry;
  /** The request's run spec, when it names one. */
  ref: RunRef | undefined;
  /** The request's run spec (fails when the request names none). */
  runRef: () => RunRef;
  /** The request's run cache with at least `capture` held (no forward when it exists). */
  run: (capture?: string[]) => RunCache;
  /** Another run's cache (held for the rest of this analysis, like `run`'s). */
  runOf: (ref: RunRef, capture?: string[]) => RunCache;
  signal: AbortSignal;
  progress: (p: ProgressOf<K>) => void;
  /** Display text of token ids for this model. */
  pieces: (ids: number[]) => string[];
}

export interface Analysis<K extends AnalysisKind> {
  name: K;
  defaults: OptionsOf<K>;
  run: (ctx: AnalysisContext<K>, opts: OptionsOf<K>) => Promise<ResultOf<K>>;
}

/** Typed identity: keeps each analysis file's object checked against its contract. */
export function defineAnalysis<K extends AnalysisKind>(a: Analysis<K>): Analysis<K> {
  return a;
}
