/** `attention`: per-step attention patterns of one run and per-head summaries. */
export interface HeadSummary {
  /** Mean over query rows of the row entropy, in bits (0 = one key, log2(i+1) = uniform). */
  entropyBits: number;
  /** Mean over query rows 1..T-1 of the weight on position 0 (attention-sink share), 0..1; query 0 (which can only attend to 0) is left out; NaN when T = 1. */
  firstShare: number;
  /** Mean over queries i ≥ 1 of the weight on key i−1, 0..1 (NaN with one position). */
  prevToken: number;
}

export interface AttentionOptions {
  /** Query positions [start, end) to return patterns for (the window a view shows); omit = all. Summaries always cover every position. */
  range?: [number, number];
}

export interface AttentionResult {
  heads: number;
  /** Key positions (= tokens of the run). */
  positions: number;
  /** First query position of the returned patterns. */
  start: number;
  /** Query positions returned. */
  rows: number;
  /** Per step: [H, rows (query), positions (key)] row-major. */
  patterns: Float32Array[];
  /** Per step, per head (over all query positions). */
  summaries: HeadSummary[][];
}

export type AttentionProgress = never;

export const ATTENTION_DEFAULTS: AttentionOptions = {};
