/**
 * The typed surface of the engine worker (workers/engine/api.ts implements it,
 * workers/engine.worker.ts exposes it, src/services/engine.ts wraps it). Plain data only.
 */
import type { ChainExample, ChainScore, ChainSearchResult, ChainSearchSettings, DepthProfile, PathEffect, ResidualResult, SkipMode, SkipSweepResult, TunedLensInfo, TunedTrainSettings } from './depth';
import type { LoadProgress, ModelInfo } from './model';
import type { Intervention, LensOptions, LensResult } from './run';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** Bytes. */
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface BackendInfo {
  name: BackendName;
  /** WebGPU adapter, when the backend is webgpu. */
  adapter?: AdapterInfo;
  /** Why each backend before the chosen one failed. */
  skipped: string[];
}

export interface TokenView {
  id: number;
  /** Readable piece: ␣ for a leading space, ↵ for newline, <0xNN> for lone bytes. */
  text: string;
}

export interface Fingerprint {
  /** SHA-256 hex of config.json. */
  config: string;
  /** SHA-256 hex of each safetensors file's header, by file name. */
  headers: Record<string, string>;
}

export interface LoadSummary {
  info: ModelInfo;
  /** Names of the files the checkpoint was read from. */
  files: string[];
  fingerprint?: Fingerprint;
  /** Hub loads: the commit the revision resolved to. */
  sha?: string;
  /** Hub loads: how many files came from the local cache. */
  fromCache?: number;
  /** "demo", "hub:owner/name@sha", "files: a, b, c". */
  source: string;
  hasTokenizer: boolean;
}

export interface HubRequest {
  /** e.g. https://huggingface.co (tests use a local server with the same URL layout). */
  endpoint: string;
  repo: string;
  revision: string;
  /** Kept in memory for this request only. */
  token?: string;
}

export interface AnalyzeSpec {
  tokens: number[];
  path?: number[];
  interventions?: Intervention[];
}

export interface AnalyzeResult {
  runId: number;
  path: number[];
  /** The path in canonical CoLa notation, e.g. `0-3 · skip 4 · 5-6 ×2 · 7-11` (a raw list for reorders). */
  notation: string;
  tokens: TokenView[];
  /** Next-token top-k at the last position. */
  next: { id: number; text: string; prob: number }[];
  /** [V] logits at the last position. */
  logitsLast: Float32Array;
  /** [S+1][T] L2 norms of the residual entering each step, then the final residual. */
  residNorms: Float32Array[];
}

export interface HeadSummary {
  /** Mean row entropy in bits. */
  entropyBits: number;
  /** Mean weight on position 0 (sink share), 0..1. */
  firstShare: number;
  /** Mean weight on the previous token, 0..1. */
  prevToken: number;
}

export interface AttentionResult {
  heads: number;
  positions: number;
  /** Per step: [H, T(query), T(key)] row-major. */
  patterns: Float32Array[];
  /** Per step, per head. */
  summaries: HeadSummary[][];
}

export type ProgressFn = (p: LoadProgress) => void;

export interface EngineApi {
  init(prefer?: BackendName): Promise<BackendInfo>;
  loadFiles(jobId: number, files: File[], onProgress: ProgressFn, expect?: Fingerprint): Promise<LoadSummary>;
  /** A checkpoint served over HTTP at `base` (the embedded demo). */
  loadUrl(jobId: number, base: string, label: string, onProgress: ProgressFn): Promise<LoadSummary>;
  loadHub(jobId: number, req: HubRequest, onProgress: ProgressFn): Promise<LoadSummary>;
  cancel(jobId: number): void;
  /** A hub revision's files with sizes; `picked` marks what a load downloads (config, tokenizer, top-level safetensors and index). */
  hubList(req: HubRequest): Promise<{ sha: string; files: { name: string; size: number; picked: boolean }[] }>;
  /** Files kept from hub downloads (key `hub/{repo}/{sha}/{file}`, size in bytes). */
  cacheList(): Promise<{ key: string; size: number }[]>;
  /** Removes cached files whose key starts with `prefix` (all when omitted). */
  cacheEvict(prefix?: string): Promise<void>;
  encode(text: string): Promise<TokenView[]>;
  tokens(ids: number[]): Promise<TokenView[]>;
  analyze(spec: AnalyzeSpec): Promise<AnalyzeResult>;
  lens(jobId: number, runId: number, opts: LensOptions): Promise<LensResult>;
  attention(runId: number): Promise<AttentionResult>;
  /** Residual-stream analytics of one run (METHODS §5–7); α is the void threshold factor. */
  residual(spec: AnalyzeSpec, alpha: number): Promise<ResidualResult>;
  /** Skip each layer of the full path over a prompt set (METHODS §5); cancellable by job id. */
  skipSweep(jobId: number, prompts: number[][], modes: SkipMode[], onProgress: (done: number, total: number) => void): Promise<SkipSweepResult>;
  /** Monte Carlo tree search over layer chains; cancellable by job id. */
  chainSearch(jobId: number, examples: ChainExample[], opts: ChainSearchSettings, onProgress: (p: { done: number; budget: number; best: ChainScore }) => void): Promise<ChainSearchResult>;
  /** Tuned lens (METHODS §1): load translators from safetensors bytes (keys `{i}.weight`, `{i}.bias`). */
  tunedLoad(bytes: Uint8Array, name: string): Promise<TunedLensInfo>;
  /** Trains a tuned lens on texts (one per entry), reporting (step, loss in nats); cancellable by job id. */
  tunedTrain(jobId: number, texts: string[], opts: TunedTrainSettings, onProgress: (step: number, loss: number) => void): Promise<{ info: TunedLensInfo; losses: Float64Array }>;
  /** Mean KL(P_final ‖ P_layer) per layer over texts: logit lens vs the current tuned lens (nats). */
  tunedCompare(jobId: number, texts: string[]): Promise<{ logit: Float64Array; tuned: Float64Array }>;
  /** The current tuned lens as F32 safetensors bytes. */
  tunedExport(): Promise<Uint8Array>;
  /** Tuned-lens rows for a run, shaped like the logit lens. */
  tunedLens(jobId: number, spec: AnalyzeSpec, opts: LensOptions): Promise<LensResult>;
  /** Residual analytics and a logit-lens summary of one run, for comparisons (does not replace the current run). */
  depthProfile(spec: AnalyzeSpec): Promise<DepthProfile>;
  /** The path's effect on the last-position output against the full model. */
  pathEffect(spec: AnalyzeSpec, target?: number): Promise<PathEffect>;
}
