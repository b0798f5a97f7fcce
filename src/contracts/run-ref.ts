/**
 * A run as the page and the CLI name it: which model, which tokens, which layer path,
 * which interventions. Every analysis of one run names it the same way, so the engine
 * finds its cache (no second forward) and no view can drop the interventions.
 */
import type { Intervention, QuantizeSpec } from './run';

export interface RunRef {
  /** Model id from LoadSummary.modelId; omit = the model loaded last. */
  model?: string;
  tokens: number[];
  /** Layer indices executed in order; omit = all layers in order. */
  path?: number[];
  interventions?: Intervention[];
  /** Run on a layer-wise fake-quantised copy of the model (contracts/run.ts QuantizeSpec). */
  quantize?: QuantizeSpec;
}

/** What progress a long analysis reports: `done` of `total` units (rows, steps, layers). */
export interface Progress {
  done: number;
  total: number;
  /** What a unit is, for the progress line ("rows", "steps", "layers", "chains"). */
  unit: string;
  /** Units per second since the start, when known. */
  rate?: number;
  /** Seconds left at that rate. */
  etaSeconds?: number;
}
