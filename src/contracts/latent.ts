/**
 * `latent`: which language the middle layers think in (METHODS §4; Wendler et al. 2024,
 * epfl-dlab/llm-latent-language). Prompts for translation / repetition / cloze are built
 * from word lists, each word gets a token set, samples the authors' filters drop are
 * listed with their reason, and per block output (last position) the mean probability of
 * the target set and of each latent-language set comes back with 95% bands, plus entropy.
 */
import type { PartialInfo } from './partial';
import type { Progress } from './run-ref';

export type LatentTask = 'translation' | 'repetition' | 'cloze';

/** One row of a word list (the authors' clean.csv): the English word and its translation. */
export interface WordRow {
  /** `word_original`: the English word the lists are joined on. */
  en: string;
  /** `word_translation`: the word in the list's language (for `en`, the English word). */
  word: string;
  /** `blank_prompt_translation_masked` (cloze only; absent in the ja list). */
  masked?: string;
}

/** Word lists by language code (de, en, fr, ru, zh, ja, or a user's own). */
export type WordLists = Record<string, WordRow[]>;

export interface LatentOptions {
  task: LatentTask;
  /** Language of the prompt's words (ignored by cloze; = target for repetition). */
  source: string;
  target: string;
  /** Latent languages whose token sets are tracked (default ["en"]). */
  latent: string[];
  lists: WordLists;
  /** Few-shot examples before the query (authors: translation 4 = k−1 with k = 5, cloze 2). */
  shots: number;
  /** Seed of the few-shot draws (mulberry32, sample after sample). */
  seed: number;
  /** At most this many surviving samples are run (0 = all). */
  limit: number;
  /** Decode through a tuned-lens artifact (id) instead of the logit lens. */
  tuned?: string;
  /** Top tokens kept per layer for the per-sample view. */
  topk: number;
}

export const LATENT_DEFAULTS: LatentOptions = { task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: {}, shots: 4, seed: 0, limit: 0, topk: 5 };

/** Few-shot examples of a task when none are given (the authors' k − 1 = 4; cloze 2). */
export const DEFAULT_SHOTS: Record<LatentTask, number> = { translation: 4, repetition: 4, cloze: 2 };

export interface DroppedSample {
  word: string;
  reason: string;
}

export interface LatentSample {
  /** The English word of the row. */
  word: string;
  /** The target-language word (the expected answer). */
  answer: string;
  prompt: string;
  /** The prompt's tokens as run (BOS included when the tokenizer adds it). */
  ids: number[];
  targetSet: number[];
  latentSets: Record<string, number[]>;
}

/** Mean over samples with the 95% band mean ± 1.96·sd/√n (sd over n − 1), one value a layer. */
export interface Band {
  mean: number[];
  lo: number[];
  hi: number[];
}

/** One sample's per-layer curves and top tokens (for the per-sample view). */
export interface LatentSampleCurves {
  pTarget: number[];
  pLatent: Record<string, number[]>;
  entropyBits: number[];
  /** [layer][k] top token ids and probabilities at the last position. */
  topIds: number[][];
  topProbs: number[][];
}

export interface LatentResult {
  task: LatentTask;
  source: string;
  target: string;
  latent: string[];
  lens: 'logit' | 'tuned';
  /** Samples run. */
  n: number;
  /** Rows of the joined lists before the filters. */
  rows: number;
  dropped: DroppedSample[];
  samples: LatentSample[];
  perSample: LatentSampleCurves[];
  /** Block outputs 0..L−1; the last equals the model's own output. */
  layers: number[];
  /** (l + 1) / L. */
  relDepth: number[];
  pTarget: Band;
  pLatent: Record<string, Band>;
  /** Mean entropy (bits) over samples, per layer. */
  entropyBits: number[];
  /** Target words that are one token (with or without the word-start marker) in this tokenizer. */
  singleToken: string[];
  /** Display piece of every id in the top tokens and sets. */
  pieces: Record<number, string>;
  /** Set when cancelled after some prompts: the curves are over the prompts finished. */
  partial?: PartialInfo;
}

export type LatentProgress = Progress;
