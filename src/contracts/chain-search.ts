/** `chain-search`: Monte Carlo tree search over layer chains (CoLa, METHODS §8). */
import type { ChainExample, ChainScore, ChainSearchResult, ChainSearchSettings } from './depth';

export type { ChainSearchResult };

export interface ChainSearchOptions extends ChainSearchSettings {
  examples: ChainExample[];
}

export interface ChainSearchProgress {
  done: number;
  total: number;
  unit: string;
  best: ChainScore;
}

export const CHAIN_SEARCH_DEFAULTS: ChainSearchOptions = { examples: [], mode: 'logprob', budget: 64, exploration: Math.SQRT2, lengthPenalty: 0.1, seed: 0, topK: 8 };
