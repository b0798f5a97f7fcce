/**
 * The latent-language slice's shape and first value (no store import, so store.ts can
 * spread it into its initial state without a cycle); the actions are in latent.ts.
 */
import type { LatentResult, LatentTask, WordLists } from '../contracts/latent';

/** Which word lists: the authors' (Wendler et al.; ja from a fork), the demo model's own, or the built-ins with a user's CSV over them. */
export type LatentWords = 'authors' | 'demo' | 'custom';

export interface LatentSettings {
  task: LatentTask;
  source: string;
  target: string;
  /** Comma-separated latent languages, e.g. "en" or "en,zh". */
  latent: string;
  words: LatentWords;
  shots: number;
  seed: number;
  /** Samples run (0 = all). */
  limit: number;
  /** Model A through the loaded tuned lens (model B always uses the logit lens). */
  tuned: boolean;
  /** Also run model B (the compare view's model B). */
  withB: boolean;
}

/** One model's curves. */
export interface LatentCurve {
  label: string;
  result: LatentResult;
}

export interface LatentRecord {
  curves: LatentCurve[];
  settings: LatentSettings;
}

export interface LatentSlice {
  latentSettings: LatentSettings;
  /** A user's CSV (one language), added over the built-in lists with words = custom. */
  latentCustom: { name: string; lang: string; lists: WordLists } | null;
  latent: LatentRecord | null;
  /** The sample the per-sample view shows: which curve (model) and which sample. */
  latentSample: { curve: number; sample: number };
}

export const LATENT_INITIAL: LatentSlice = {
  latentSettings: { task: 'translation', source: 'fr', target: 'de', latent: 'en', words: 'demo', shots: 4, seed: 0, limit: 40, tuned: false, withB: true },
  latentCustom: null,
  latent: null,
  latentSample: { curve: 0, sample: 0 },
};
