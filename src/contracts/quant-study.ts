/**
 * `quant-study`: the layer-wise quantization study (METHODS §7, §11; Dumitru et al. 2024).
 * Per layer l of L: LIM(l) = −cos(block input, block output) over the dataset's tokens
 * (`flatten`: of all tokens' vectors stacked; `mean`: mean over tokens of the per-token cosine)
 * and ZD(l) = mean over the block's linear maps of the fraction of weights with |z| > 1,
 * z = (w − μ)/σ per matrix. An order lists layers least important first (lim, zd: ascending
 * score, ties by index; reverse = lim's reversed; random: seeded shuffles). For each fraction f,
 * m = round(f·L) layers (the first m of the order) are RTN-quantised at `lowBits`, the rest at
 * `highBits` (0 = full precision); quality = perplexity exp(Σ NLL / Σ (T−1)) of next tokens
 * over the dataset's rows (each cut to `context` tokens); a label column is ignored.
 * Average bits are weighted by the block linear maps' parameter counts.
 */
import type { PartialInfo } from './partial';

export type QuantOrder = 'lim' | 'zd' | 'random' | 'reverse';

/** RTN scheme: `auto` = Quanto's (symmetric at 8+ bits, asymmetric below). */
export type QuantScheme = 'auto' | 'symmetric' | 'asymmetric';

export interface QuantStudyOptions {
  /** Dataset artifact id: rows of text or ids. */
  dataset: string;
  lowBits: number;
  /** Bits of the layers not lowered; 0 = full precision (f32). */
  highBits: number;
  /** Inputs per group of one output row; 0 = Quanto's default (8 bits: whole row; fewer: 128 lowered by 32 until it divides). */
  group: number;
  scheme: QuantScheme;
  orders: QuantOrder[];
  /** Fractions of layers at low bits, each in [0, 1]. */
  fractions: number[];
  /** Which LIM orders the `lim` (and `reverse`) curve. */
  limKind: 'mean' | 'flatten';
  /** ZD's direction [unverified in the paper]: `low-first` = the smallest fraction is least important. */
  zdDirection: 'low-first' | 'high-first';
  /** Random orders: seeds seed, seed+1, …, seed+seeds−1 (Fisher–Yates with mulberry32((s + 1)·0x9E3779B1)). */
  seed: number;
  seeds: number;
  /** Tokens kept per row (the first ones). */
  context: number;
  /** Only the first `limit` rows; 0 = all. */
  limit: number;
}

export const QUANT_STUDY_DEFAULTS: QuantStudyOptions = {
  dataset: '', lowBits: 4, highBits: 8, group: 0, scheme: 'auto', orders: ['lim', 'zd', 'random'],
  fractions: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], limKind: 'mean', zdDirection: 'low-first',
  seed: 0, seeds: 3, context: 128, limit: 0,
};

export interface QuantPoint {
  fraction: number;
  /** m = round(f·L) layers at low bits. */
  lowCount: number;
  /** Parameter-weighted average bits of the block linear maps (mean over seeds for random). */
  avgBits: number;
  /** Perplexity (random: the mean over seeds). */
  perplexity: number;
  /** Random: the standard deviation over seeds (population); 0 otherwise. */
  sd: number;
  /** The layers at low bits (random: those of the first seed). */
  lowLayers: number[];
}

export interface QuantCurve {
  order: QuantOrder;
  /** Layers least important first (random: the first seed's). */
  layers: number[];
  points: QuantPoint[];
}

export interface QuantStudyResult {
  layers: number;
  /** Full-precision model's perplexity. */
  fp: number;
  /** Perplexity with all layers at high bits (= fp when highBits is 0). */
  high: number;
  lowBits: number;
  highBits: number;
  group: number;
  scheme: QuantScheme;
  limFlat: number[];
  limMean: number[];
  zd: number[];
  /** Block linear-map parameters per layer. */
  params: number[];
  curves: QuantCurve[];
  rows: number;
  tokens: number;
  /** Distinct configurations evaluated. */
  configs: number;
  seconds: number;
  partial?: PartialInfo;
}

export type QuantStudyProgress = { done: number; total: number; unit: string; stage: 'scores' | 'quantize' | 'configs' };
