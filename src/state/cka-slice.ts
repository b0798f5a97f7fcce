/**
 * The CKA slice's shape and first value (no store import, so store.ts can spread it into
 * its initial state without a cycle); the actions are in cka.ts.
 */
import type { CkaKind, CkaPosition, CkaResult } from '../contracts/cka';

export type CkaMode = 'layers' | 'model' | 'path';

export interface CkaSettings {
  mode: CkaMode;
  /** Hook names or `blocks.*.x` patterns (both sides). */
  hooks: string;
  position: CkaPosition;
  kind: CkaKind;
  /** Dataset rows used (0 = all). */
  limit: number;
  /** Minibatch size (0 = the full estimator). */
  minibatch: number;
  passes: number;
  seed: number;
  linearMap: boolean;
  ridge: number;
  holdout: number;
}

export interface CkaRecord {
  result: CkaResult;
  mode: CkaMode;
  datasetName: string;
  /** "A: demo (llama, 6 layers), path 0-2 · skip 3 · 4-5" and the same for B. */
  labelA: string;
  labelB: string;
}

export interface CkaSlice {
  ckaSettings: CkaSettings;
  cka: CkaRecord | null;
}

export const CKA_INITIAL: CkaSlice = {
  ckaSettings: { mode: 'layers', hooks: 'blocks.*.hook_resid_post', position: 'last', kind: 'linear', limit: 100, minibatch: 0, passes: 10, seed: 0, linearMap: true, ridge: 0.01, holdout: 0.25 },
  cka: null,
};
