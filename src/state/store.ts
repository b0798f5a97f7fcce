/**
 * The one Zustand store, in slices. It holds ids, specs, settings and small results
 * (plain arrays); never tensors, workers or models. Only the actions in src/state/
 * write it; views read it and call actions.
 */
import { create } from 'zustand';
import type { ChainScore, ChainSearchResult, ChainSearchSettings } from '../contracts/chain-search';
import type { DepthProfile } from '../contracts/depth-profile';
import type { PathEffect } from '../contracts/path-effect';
import type { ResidualResult } from '../contracts/residual';
import type { SkipMode, SkipSweepResult } from '../contracts/skip-sweep';
import { TUNED_TRAIN_DEFAULTS, type TunedLensInfo, type TunedTrainProgress, type TunedTrainSettings } from '../contracts/tuned-lens';
import type { TunedTrainingSummary } from './tuned';
import type { AttentionResult, BackendInfo, LoadSummary, MemoryReport, RunSummary } from '../contracts/engine-api';
import type { LoadProgress } from '../contracts/model';
import type { KlDirection, LensResult } from '../contracts/lens';
import type { Intervention } from '../contracts/run';
import type { Progress, RunRef } from '../contracts/run-ref';
import type { ModelRef } from './permalink/schema';
import type { DatasetsSlice } from './datasets';
import type { CkaProgress } from '../contracts/cka';
import { CKA_INITIAL, type CkaSlice } from './cka-slice';
import { LATENT_INITIAL, type LatentSlice } from './latent-slice';
import { PROBES_INITIAL, type ProbesSlice } from './probes-slice';
import { QUANT_INITIAL, type QuantSlice } from './quant-slice';
import type { QuantStudyProgress } from '../contracts/quant-study';
import type { ProbeProgress } from '../contracts/probe';
import { EXTRACT_DEFAULTS } from '../contracts/extract';
import type { ResultName, Stamp } from './stamps';
import type { ContextPolicy, ContextVerdict } from './context';

export type LensMetric = 'top1Prob' | 'targetProb' | 'targetRank' | 'entropy' | 'kl';
export type ViewName = 'lens' | 'attention' | 'residual' | 'sweep' | 'chains' | 'tuned' | 'compare' | 'datasets' | 'cka' | 'latent' | 'sae' | 'probes' | 'quant';

/** What each kind of job reports while it runs (never: no progress, only busy). */
export interface JobProgress {
  load: LoadProgress;
  run: never;
  lens: never;
  attention: never;
  residual: never;
  effect: never;
  sweep: Progress;
  chains: Progress & { best: ChainScore };
  tuned: TunedTrainProgress;
  tunedCompare: never;
  compare: never;
  compareLoad: LoadProgress;
  cka: CkaProgress;
  latent: Progress;
  probes: ProbeProgress;
  quant: QuantStudyProgress;
}
export type JobSlot = keyof JobProgress;

/** A job in flight: its engine job id (cancel), what it is, its last progress report. */
export interface JobState<P = unknown> {
  jobId: number;
  label: string;
  progress: P | null;
  /** Cancelled, waiting for the engine's partial result (JobSpec.keepOnCancel). */
  cancelling?: boolean;
}
export type Jobs = { [K in JobSlot]?: JobState<JobProgress[K]> };

/** The current run: its summary (without the logits) and the RunRef every analysis of it passes. */
export type CurrentRun = Omit<RunSummary, 'logitsLast'> & { ref: RunRef };

export interface EngineSlice {
  backend: BackendInfo | null;
  /** Set while the engine starts or restarts (loads asked for meanwhile wait for it). */
  engineStarting: boolean;
  /** What the engine holds (models, runs, artifacts, device memory), refreshed after loads and runs. */
  memory: MemoryReport | null;
  /** Jobs in flight by kind (one per kind). */
  jobs: Jobs;
  /** What each stored result was computed for (src/state/stamps.ts): views mark results whose stamp is no longer current. */
  stamps: Partial<Record<ResultName, Stamp>>;
}

export interface ModelSlice {
  model: LoadSummary | null;
}

export interface RunSlice {
  prompt: string;
  /** Layer path (null = all layers in order) and interventions for every run: carried by permalinks. */
  path: number[] | null;
  interventions: Intervention[];
  run: CurrentRun | null;
  /** The ids last run from the token-id box (null: the text prompt was); a rerun (path edit) runs them again. */
  promptIds: number[] | null;
  /** What a run does with a prompt past the model's context (src/state/context.ts). */
  contextPolicy: ContextPolicy;
  /** The last prompt's context check (null: it fit); `pending` = the ids waiting for the user's choice. */
  contextNote: (ContextVerdict & { model: string; pending?: number[] }) | null;
}

export interface LensSlice {
  /** kind: decode with the model's own unembedding (logit lens) or through the tuned-lens translators. */
  lensSettings: { metric: LensMetric; targetId: number | null; topk: number; kl: KlDirection; kind?: 'logit' | 'tuned' };
  lens: LensResult | null;
}

export interface AttentionSlice {
  attention: AttentionResult | null;
  selectedHead: { step: number; head: number };
}

export interface DepthSlice {
  residual: ResidualResult | null;
  /** Void threshold factor α of METHODS §6 (0..1). */
  residualAlpha: number;
  /** Effect of the current path on the output (null with the full path). */
  effect: PathEffect | null;
  sweep: SkipSweepResult | null;
  sweepModes: SkipMode[];
  /** One prompt per line; empty = the current prompt. */
  sweepPrompts: string;
  chainSettings: ChainSearchSettings;
  /** Target continuation text; empty = the full model's next token. */
  chainTarget: string;
  chains: ChainSearchResult | null;
  /** The typed target as the tokens it becomes after the prompt (src/state/chain-target.ts), for the text it was made from. */
  chainTargetPreview: { text: string; tokens?: { id: number; text: string }[]; problem?: string } | null;
  /** The tuned lens in use: its artifact id in the engine (analyses take options.lens = this id). */
  tunedArtifact: string | null;
  tunedInfo: TunedLensInfo | null;
  tunedSettings: TunedTrainSettings;
  /** Training texts, one per line. */
  tunedTexts: string;
  tunedLosses: number[] | null;
  tunedComparison: { logit: number[]; tuned: number[] } | null;
  /** The last training's outcome (partial, warning) and measured step time (src/state/tuned.ts). */
  tunedTraining: TunedTrainingSummary | null;
  /** Side by side: B is the same model on all layers ('path') or another model ('model'), aligned by relative depth. */
  compareMode: 'path' | 'model';
  /** Model B, loaded into the same engine beside the current model (its own model id). */
  compareModel: LoadSummary | null;
  compareProfiles: { a: DepthProfile; b: DepthProfile; labelA: string; labelB: string } | null;
}

export interface LinkSlice {
  /** A model the opened link names that is not loaded yet (local files to drop, a large hub model to confirm). */
  pendingModel: { ref: ModelRef; bytes?: number } | null;
  /** The last hub repo listed: its commit and files (picked = what a load downloads). */
  hubListing: { repo: string; sha: string; files: { name: string; size: number; picked: boolean }[] } | null;
  /** Files in the hub cache (shown by the cache manager). */
  cacheEntries: { key: string; size: number }[];
}

export interface UiSlice {
  view: ViewName;
  /** The one error the page shows (data-testid="error"); the page stays usable. */
  error: string | null;
  notice: string | null;
}

export type State = EngineSlice & ModelSlice & RunSlice & LensSlice & AttentionSlice & DepthSlice & LinkSlice & UiSlice & DatasetsSlice & CkaSlice & LatentSlice & ProbesSlice & QuantSlice;

export const initialState: State = {
  backend: null,
  engineStarting: true,
  memory: null,
  jobs: {},
  stamps: {},
  model: null,
  prompt: '',
  path: null,
  interventions: [],
  run: null,
  promptIds: null,
  contextPolicy: 'ask',
  contextNote: null,
  lensSettings: { metric: 'top1Prob', targetId: null, topk: 5, kl: 'final||row' },
  lens: null,
  attention: null,
  selectedHead: { step: 0, head: 0 },
  residual: null,
  residualAlpha: 0.8,
  effect: null,
  sweep: null,
  sweepModes: ['layer', 'attn', 'mlp'],
  sweepPrompts: '',
  chainSettings: { mode: 'logprob', budget: 64, exploration: Math.SQRT2, lengthPenalty: 0.1, seed: 0, topK: 8 },
  chainTarget: '',
  chains: null,
  chainTargetPreview: null,
  tunedArtifact: null,
  tunedInfo: null,
  tunedSettings: { steps: TUNED_TRAIN_DEFAULTS.steps, lr: TUNED_TRAIN_DEFAULTS.lr, momentum: TUNED_TRAIN_DEFAULTS.momentum, weightDecay: TUNED_TRAIN_DEFAULTS.weightDecay, batchTokens: TUNED_TRAIN_DEFAULTS.batchTokens, seed: TUNED_TRAIN_DEFAULTS.seed },
  tunedTexts: '',
  tunedLosses: null,
  tunedComparison: null,
  tunedTraining: null,
  compareMode: 'path',
  compareModel: null,
  compareProfiles: null,
  pendingModel: null,
  hubListing: null,
  cacheEntries: [],
  view: 'lens',
  error: null,
  notice: null,
  // Datasets slice (src/state/datasets.ts).
  datasetIndex: null,
  dataset: null,
  datasetRef: null,
  datasetBusy: null,
  datasetPending: null,
  extractSettings: { hooks: 'blocks.*.hook_resid_post', position: 'last', index: -1, limit: 0, batchTokens: EXTRACT_DEFAULTS.batchTokens, maxMiB: EXTRACT_DEFAULTS.maxBytes / 2 ** 20 },
  extractJob: null,
  extractResult: null,
  // CKA slice (src/state/cka.ts).
  ...CKA_INITIAL,
  // Latent-language slice (src/state/latent.ts).
  ...LATENT_INITIAL,
  // Concept-depth slice (src/state/probes.ts).
  ...PROBES_INITIAL,
  // Quantization-study slice (src/state/quant.ts).
  ...QUANT_INITIAL,
};

export const useStore = create<State>()(() => initialState);

export const set = useStore.setState;
export const get = useStore.getState;
