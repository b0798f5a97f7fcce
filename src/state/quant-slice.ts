/**
 * The quantization-study slice's shape and first value (no store import, so store.ts can
 * spread it into its initial state without a cycle); the actions are in quant.ts.
 */
import type { QuantOrder, QuantScheme, QuantStudyResult } from '../contracts/quant-study';

export interface QuantSettings {
  lowBits: number;
  /** 0 = full precision. */
  highBits: number;
  group: number;
  scheme: QuantScheme;
  orders: QuantOrder[];
  /** Comma-separated fractions in [0, 1]. */
  fractions: string;
  seeds: number;
  seed: number;
  context: number;
  /** Dataset rows used (0 = all). */
  limit: number;
  limKind: 'mean' | 'flatten';
}

export interface QuantRecord {
  result: QuantStudyResult;
  datasetName: string;
  modelLabel: string;
}

export interface QuantSlice {
  quantSettings: QuantSettings;
  quant: QuantRecord | null;
}

export const QUANT_INITIAL: QuantSlice = {
  quantSettings: {
    lowBits: 4, highBits: 8, group: 0, scheme: 'auto', orders: ['lim', 'zd', 'random'], fractions: '0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1',
    seeds: 3, seed: 0, context: 128, limit: 64, limKind: 'mean',
  },
  quant: null,
};
