/** `chain-search`: Monte Carlo tree search over layer chains (CoLa, METHODS §8). */
import type { PartialInfo } from './partial';

/** Chain search (CoLa, METHODS §8): see workers/engine/analyses/chain-search.ts. */
export type ChainRewardMode = 'logprob' | 'exact';

export interface ChainExample {
  /** Prompt ids (with BOS if the model wants one); at least 1 token. */
  prompt: number[];
  /** Target continuation ids; at least 1 token. */
  target: number[];
}

export interface ChainScore {
  chain: number[];
  /** chainNotation(chain, L). */
  notation: string;
  /** chain.length (layer applications). */
  length: number;
  /** The search objective (see the file comment). */
  reward: number;
  /** Mean target log-probability in nats, ≤ 0. */
  logprob: number;
  /** Share of examples answered exactly, 0..1. */
  exact: number;
}

export interface ChainSearchResult {
  /** Up to topK distinct chains, by reward descending (ties: shorter, then lexicographically smaller chain). */
  best: ChainScore[];
  /** The full model's chain 0..L−1, always evaluated first. */
  full: ChainScore;
  /** Distinct chains evaluated (forward passes = evaluations × examples). */
  evaluations: number;
  /** MCTS iterations (evaluations plus cache hits). */
  iterations: number;
  /** True when the whole tree was walked (every chain evaluated) before the budget ran out; a search that
   *  evaluated the last new chain as its budget ran out reports false — it cannot know nothing was left. */
  exhausted: boolean;
  /**
   * Set when the search was cancelled: the result of the `done` chains evaluated so far (of a
   * budget of `total`) — the same as a search with budget `done` and the same seed.
   */
  partial?: PartialInfo;
}

/** The user-visible chain search settings (plain data; the engine adds progress and cancel). */
export interface ChainSearchSettings {
  mode: ChainRewardMode;
  budget: number;
  exploration: number;
  lengthPenalty: number;
  seed: number;
  topK: number;
}

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
