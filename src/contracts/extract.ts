/**
 * `extract`: stream a dataset's rows through a run spec and keep `[N, d]` activations
 * per hook at one token position, on the host inside the worker, as an artifact.
 */
import type { Progress } from './run-ref';

/**
 * Which token of each row is kept:
 * - `last`: the row's last token;
 * - `mean`: the mean over the row's positions, leaving out position 0 when it holds the model's BOS token;
 * - `all`: every token (rows of [total tokens, d], with `row` and `pos` indices);
 * - an integer: that position (negative counts from the end, −1 = last).
 */
export type ExtractPosition = 'last' | 'mean' | 'all' | number;

export interface ExtractOptions {
  /** Dataset artifact id. */
  dataset: string;
  /** Hook names or `blocks.*.x` patterns (TransformerLens names, indexed by step of the path). */
  hooks: string[];
  position: ExtractPosition;
  /** Use only the first `limit` rows; 0 = all. */
  limit: number;
  /** Tokens per batch: rows of similar length side by side, right-padded (exact under the causal mask); 0 = one row at a time. */
  batchTokens: number;
  /** Refuse when the activations would need more host memory than this, bytes. */
  maxBytes: number;
}

export interface ExtractResult {
  /** The activation-set artifact (export it as safetensors). */
  artifact: string;
  rows: number;
  /** Concrete hook names, in the order of the file. */
  hooks: string[];
  /** Width of each hook's rows (same order). */
  widths: number[];
  /** Width of the first hook (the common case: all residual hooks share d_model). */
  d: number;
  position: ExtractPosition;
  /** Stored vectors per hook: rows, or total tokens for `all`. */
  vectors: number;
  /** Host bytes held. */
  bytes: number;
  seconds: number;
  /** Whether rows were run in batches or one at a time (`note` says why not). */
  batched: boolean;
  note?: string;
}

export type ExtractProgress = Progress;

export const EXTRACT_DEFAULTS: ExtractOptions = { dataset: '', hooks: ['blocks.*.hook_resid_post'], position: 'last', limit: 0, batchTokens: 512, maxBytes: 1024 * 2 ** 20 };
