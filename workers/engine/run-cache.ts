/**
 * The device-resident cache of one forward under one run spec (model, tokens, path,
 * interventions): the logits, the residual entering each step and the final residual,
 * and whichever named hooks an analysis asked for. Every analysis of the run reads it;
 * a hook not captured yet re-runs the forward once with the union of hooks (so a view
 * that needs attention patterns pays for them only when opened).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../src/contracts/run';
import { fail } from './errors';
import { FiniteWatch } from './forward/finite';
import { disposeForward, forward, type ForwardOutput } from './forward/forward';
import { hookMatcher, type SaeSplicer } from './forward/hooks';
import type { LoadedModel } from './models/common/types';

let nextRunId = 1;

/** A stable key of a run spec: equal specs share one cache. */
export function runKey(model: string, tokens: number[], path: number[], interventions: Intervention[]): string {
  const ivs = interventions.map((iv) => ({ ...iv, value: iv.value ? { shape: iv.value.shape, data: Array.from(iv.value.data) } : undefined }));
  return JSON.stringify([model, tokens, path, ivs]);
}

export class RunCache {
  readonly id = nextRunId++;
  private out: ForwardOutput;
  private patterns: string[];
  /** Analyses reading this run right now; a pinned run is never evicted. */
  pins = 0;
  /** The run's finiteness sums (forward/finite.ts), read back once by assertFinite. */
  private readonly watch = new FiniteWatch();
  private finite: Promise<void> | undefined;

  constructor(
    readonly modelId: string,
    private readonly model: LoadedModel,
    readonly tokens: number[],
    readonly path: number[],
    readonly interventions: Intervention[],
    readonly key: string,
    capture: string[] = [],
    /** Resolves SAE splices in `interventions` (the registry's SAE artifacts). */
    private readonly splice?: SaeSplicer,
  ) {
    this.patterns = [...new Set(capture)];
    this.out = forward(model, tokens, { path, interventions, capture: this.patterns, keepResiduals: true, watch: this.watch, splice });
  }

  /** Fails (every time it is asked) when the run's residual or logits went NaN/±Inf, naming the step and hook. */
  assertFinite(): Promise<void> {
    this.finite ??= this.watch.settle();
    return this.finite;
  }

  /**
   * Makes sure every hook matching `patterns` is held (one re-run for the missing ones if
   * not). The tensors already held stay the same objects: another analysis of this run
   * may be reading them across an await (a WebGPU read-back), so only the re-run's new
   * captures are added and its copies of the rest are dropped.
   */
  ensure(patterns: string[]): void {
    const missing = patterns.filter((p) => !this.patterns.includes(p));
    if (missing.length === 0) return;
    const out = forward(this.model, this.tokens, { path: this.path, interventions: this.interventions, capture: missing, keepResiduals: false, logits: false, splice: this.splice });
    const fresh = new Map(this.out.captures);
    const dup: tf.Tensor[] = [out.logits, ...out.residuals];
    for (const [name, t] of out.captures) {
      if (fresh.has(name)) dup.push(t);
      else fresh.set(name, t);
    }
    tf.dispose(dup);
    this.out = { ...this.out, captures: fresh };
    this.patterns = [...this.patterns, ...missing];
  }

  /** [T, V] the model output. */
  get logits(): tf.Tensor2D {
    return this.out.logits;
  }

  /** S+1 tensors [T, d]: the residual entering each step, then the final residual (before the final norm). */
  get residuals(): tf.Tensor2D[] {
    return this.out.residuals;
  }

  /** A captured hook; `ensure` it first. */
  hook(name: string): tf.Tensor {
    const t = this.out.captures.get(name);
    if (!t) fail(`hook ${name} was not captured by run ${this.id}`);
    return t;
  }

  /** Concrete names of the captured hooks matching `pattern`. */
  hookNames(pattern: string): string[] {
    const m = hookMatcher([pattern]);
    return [...this.out.captures.keys()].filter(m);
  }

  get hookCount(): number {
    return this.out.captures.size;
  }

  /** Device bytes held (f32 and int32 are 4 bytes an element). */
  get bytes(): number {
    const all = [this.out.logits, ...this.out.residuals, ...this.out.captures.values()];
    return all.reduce((s, t) => s + t.size * 4, 0);
  }

  dispose(): void {
    disposeForward(this.out);
    this.watch.dispose();
  }
}
