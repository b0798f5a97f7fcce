/**
 * SAE features over a dataset (METHODS §9.3 metrics, §9.4 dashboards):
 * - `sae-dataset`: one scan of a dataset's rows under a run spec; the per-feature tables
 *   stay in the worker as an `sae-stats` artifact, the set's metrics come back;
 * - `sae-feature`: one feature's dashboard from that artifact (top contexts, quantile
 *   groups, activation histogram, decoder logits);
 * - `sae-search`: the features firing most on one token (over the artifact's dataset,
 *   or over the current prompt).
 * Tokens: every token of every row except position 0 when it holds the model's BOS token.
 */
import type { Progress } from './run-ref';
import type { SaeLogit } from './sae';

/** Bins of each feature's histogram of non-zero activations over (0, max]. */
export const SAE_HIST_BINS = 50;
/** Quantile groups: equal-width intervals of [0, max] (SAEDashboard 5, sae_vis 10). */
export const SAE_QUANTILES = 5;

export interface SaeDatasetOptions {
  /** SAE artifact id. */
  sae: string;
  /** Dataset artifact id. */
  dataset: string;
  /** Only the first `limit` rows; 0 = all. */
  limit: number;
  /** Top-activating examples kept per feature. */
  topN: number;
  /** Examples kept per quantile group per feature (the largest in the group). */
  perQuantile: number;
  /** Tokens per batch (rows side by side, right-padded); 0 = one row at a time. */
  batchTokens: number;
  /** Device bytes of SAE inputs kept from pass 1 for pass 2 (beyond: the rows run again); 0 = never kept. */
  keepBytes: number;
}

export const SAE_DATASET_DEFAULTS: SaeDatasetOptions = { sae: '', dataset: '', limit: 0, topN: 20, perQuantile: 3, batchTokens: 512, keepBytes: 64 * 2 ** 20 };

/** One feature's line in the summary. */
export interface SaeFeatureStat {
  id: number;
  /** Tokens with z > 0. */
  fires: number;
  /** fires / tokens. */
  density: number;
  max: number;
  /** Mean activation over the tokens where it fires. */
  meanActive: number;
}

export interface SaeDatasetResult {
  /** The `sae-stats` artifact holding the per-feature tables (for sae-feature / sae-search). */
  artifact: string;
  hook: string;
  dSae: number;
  rows: number;
  /** Tokens encoded (BOS positions left out). */
  tokens: number;
  /** Rows whose position 0 held the BOS token (left out). */
  bosSkipped: number;
  /** Mean over tokens of #(z > 0). */
  l0: number;
  /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², sums and x̄ over the whole set. */
  fve: number;
  /** Mean over tokens of cos(x, x̂). */
  cos: number;
  /** Features that never fired over the tokens seen. */
  dead: number;
  deadFraction: number;
  /** Histogram of log10(density) over the features that fired: `edges` (bins + 1) and `counts`. */
  density: { edges: number[]; counts: number[] };
  /** The 50 densest features, and the 50 with the largest max. */
  topByDensity: SaeFeatureStat[];
  topByMax: SaeFeatureStat[];
  seconds: number;
  batched: boolean;
  /** How the histograms were made (a second pass once the max is known). */
  note: string;
}

export type SaeDatasetProgress = Progress & { pass: 1 | 2 };

/** One context: a row's tokens (or a window) with this feature's activation at each. */
export interface SaeContext {
  row: number;
  /** The activating position (row index). */
  position: number;
  act: number;
  /** Row index of the first token shown. */
  from: number;
  tokens: string[];
  /** [tokens.length] this feature's activation per token shown (BOS shown as 0). */
  acts: number[];
}

export interface SaeQuantileGroup {
  /** Interval [min, max) of activations (the top one closed). */
  min: number;
  max: number;
  /** Share of ALL tokens (zeros included in the denominator) with a non-zero activation in the interval. */
  contains: number;
  examples: SaeContext[];
}

export interface SaeFeatureOptions {
  /** The `sae-stats` artifact. */
  stats: string;
  feature: number;
  /** Tokens either side of the activating one; 0 = the whole row. */
  window: number;
}

export const SAE_FEATURE_DEFAULTS: SaeFeatureOptions = { stats: '', feature: 0, window: 0 };

export interface SaeFeatureResult {
  feature: number;
  stat: SaeFeatureStat;
  tokens: number;
  /** Top-activating contexts, largest first. */
  contexts: SaeContext[];
  /** Highest interval first. */
  quantiles: SaeQuantileGroup[];
  /** Non-zero activations in SAE_HIST_BINS equal bins over (0, max]; percent = count / tokens · 100 (3 decimals). */
  histogram: { edges: number[]; counts: number[]; percent: number[] };
  /** ℓ = W_dec[f]·W_U, top and bottom 10 (final norm's gain NOT applied); absent for hook_z SAEs. */
  logits?: { top: SaeLogit[]; bottom: SaeLogit[] };
}

export interface SaeSearchOptions {
  /** SAE artifact id (over the current prompt), or take it from `stats`. */
  sae: string;
  /** `sae-stats` artifact: search over its dataset and run spec; empty = the request's prompt. */
  stats: string;
  /** A token id, or `text` that the tokenizer makes into exactly one token (" Paris"). */
  token?: number;
  text?: string;
  topn: number;
}

export const SAE_SEARCH_DEFAULTS: SaeSearchOptions = { sae: '', stats: '', topn: 20 };

export interface SaeSearchHit {
  id: number;
  /** Mean activation over the occurrences of the token. */
  meanAct: number;
  /** Share of the occurrences where it fires. */
  fireRate: number;
  /** Its density over all tokens (dataset search only). */
  overallRate?: number;
  /** Its mean activation over all tokens (dataset search only). */
  overallMean?: number;
}

export interface SaeSearchResult {
  token: { id: number; text: string };
  over: 'dataset' | 'prompt';
  /** Positions holding the token (BOS positions left out). */
  occurrences: number;
  features: SaeSearchHit[];
}
