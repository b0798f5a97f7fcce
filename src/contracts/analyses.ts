/**
 * Every registered analysis by kind: its options, result and progress types. The page
 * and the CLI call `analyze(kind, request)` with these; the engine's analyses/index.ts
 * registers one implementation per kind with the DEFAULTS from the kind's contract file.
 */
import type { AttentionOptions, AttentionResult } from './attention';
import type { ChainSearchOptions, ChainSearchProgress, ChainSearchResult } from './chain-search';
import type { CkaOptions, CkaProgress, CkaResult } from './cka';
import type { SaeOptions, SaeResult } from './sae';
import type { SaeCeOptions, SaeCeProgress, SaeCeResult } from './sae-ce';
import type { SaeDatasetOptions, SaeDatasetProgress, SaeDatasetResult, SaeFeatureOptions, SaeFeatureResult, SaeSearchOptions, SaeSearchResult } from './sae-dataset';
import type { SaeProbeOptions, SaeProbeProgress, SaeProbeResult } from './sae-probe';
import type { SaeTrainOptions, SaeTrainProgress, SaeTrainResult } from './sae-train';
import type { DepthProfile, DepthProfileOptions } from './depth-profile';
import type { ExtractOptions, ExtractProgress, ExtractResult } from './extract';
import type { LatentOptions, LatentProgress, LatentResult } from './latent';
import type { PathEffect, PathEffectOptions } from './path-effect';
import type { ProbeOptions, ProbeProgress, ProbeResult, ProbeScoreOptions, ProbeScoreResult } from './probe';
import type { QuantStudyOptions, QuantStudyProgress, QuantStudyResult } from './quant-study';
import type { ResidualOptions, ResidualResult } from './residual';
import type { LensOptions, LensResult } from './lens';
import type { RunRef } from './run-ref';
import type { SkipSweepOptions, SkipSweepProgress, SkipSweepResult } from './skip-sweep';
import type { TraceOptions, TraceResult } from './trace';
import type { TunedCompareOptions, TunedCompareResult, TunedLensOptions, TunedLensResult, TunedTrainOptions, TunedTrainProgress, TunedTrainResult } from './tuned-lens';

export interface AnalysisMap {
  lens: { options: LensOptions; result: LensResult; progress: never };
  attention: { options: AttentionOptions; result: AttentionResult; progress: never };
  residual: { options: ResidualOptions; result: ResidualResult; progress: never };
  trace: { options: TraceOptions; result: TraceResult; progress: never };
  'path-effect': { options: PathEffectOptions; result: PathEffect; progress: never };
  'depth-profile': { options: DepthProfileOptions; result: DepthProfile; progress: never };
  'skip-sweep': { options: SkipSweepOptions; result: SkipSweepResult; progress: SkipSweepProgress };
  'chain-search': { options: ChainSearchOptions; result: ChainSearchResult; progress: ChainSearchProgress };
  'tuned-lens': { options: TunedLensOptions; result: TunedLensResult; progress: never };
  'tuned-train': { options: TunedTrainOptions; result: TunedTrainResult; progress: TunedTrainProgress };
  'tuned-compare': { options: TunedCompareOptions; result: TunedCompareResult; progress: never };
  extract: { options: ExtractOptions; result: ExtractResult; progress: ExtractProgress };
  probe: { options: ProbeOptions; result: ProbeResult; progress: ProbeProgress };
  'probe-score': { options: ProbeScoreOptions; result: ProbeScoreResult; progress: never };
  cka: { options: CkaOptions; result: CkaResult; progress: CkaProgress };
  sae: { options: SaeOptions; result: SaeResult; progress: never };
  'sae-dataset': { options: SaeDatasetOptions; result: SaeDatasetResult; progress: SaeDatasetProgress };
  'sae-ce': { options: SaeCeOptions; result: SaeCeResult; progress: SaeCeProgress };
  'sae-feature': { options: SaeFeatureOptions; result: SaeFeatureResult; progress: never };
  'sae-search': { options: SaeSearchOptions; result: SaeSearchResult; progress: SaeDatasetProgress };
  'sae-probe': { options: SaeProbeOptions; result: SaeProbeResult; progress: SaeProbeProgress };
  'sae-train': { options: SaeTrainOptions; result: SaeTrainResult; progress: SaeTrainProgress };
  latent: { options: LatentOptions; result: LatentResult; progress: LatentProgress };
  'quant-study': { options: QuantStudyOptions; result: QuantStudyResult; progress: QuantStudyProgress };
}

export type AnalysisKind = keyof AnalysisMap;

export type OptionsOf<K extends AnalysisKind> = AnalysisMap[K]['options'];

export type ResultOf<K extends AnalysisKind> = AnalysisMap[K]['result'];

export type ProgressOf<K extends AnalysisKind> = AnalysisMap[K]['progress'];

export interface AnalyzeRequest<K extends AnalysisKind> {
  /** The run the analysis reads (most analyses); its cache is reused, never re-run. */
  run?: RunRef;
  /** The model, for analyses over many inputs (datasets, prompt sets); default: the run's model, else the model loaded last. */
  model?: string;
  /** Merged over the kind's DEFAULTS. */
  options?: Partial<OptionsOf<K>>;
}
