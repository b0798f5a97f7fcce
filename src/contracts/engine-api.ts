/**
 * The typed surface of the engine worker (workers/engine/api.ts implements it,
 * workers/engine.worker.ts exposes it, src/services/engine.ts wraps it). Plain data only.
 */
import type { AnalysisKind, AnalyzeRequest, ProgressOf, ResultOf } from './analyses';
import type { AttentionResult, HeadSummary } from './attention';
import type { BuiltinDataset, ColumnMapping, DatasetInfo } from './dataset';
import type { TunedLensInfo } from './tuned-lens';
import type { ProbeInfo, QuantizeOptions } from './probe';
import type { LoadProgress, ModelInfo } from './model';
import type { RunRef } from './run-ref';
import type { SaeInfo } from './sae';

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
  /** Why each backend before the chosen one failed (on wasm, also why its threaded build was not used). */
  skipped: string[];
  /** The wasm build that runs, when the backend is wasm. */
  wasm?: WasmInfo;
}

export interface WasmInfo {
  /** threaded-simd needs a cross-origin isolated page; simd and plain are single-threaded. */
  build: 'threaded-simd' | 'simd' | 'plain';
  /** Threads XNNPACK computes on (tfjs: half the logical cores, 1 to 8; always 1 without threads). */
  threads: number;
}

export interface TokenView {
  id: number;
  /** Readable piece: ␣ for a leading space, ↵ for newline, <0xNN> for lone bytes. */
  text: string;
}

/** What a model's tokenizer is (model card; the vocabulary check when one is added later). */
export interface TokenizerInfo {
  /** tokenizer.json `model.type`: "BPE", "Unigram", "WordPiece", "WordLevel". */
  kind: string;
  /** Byte-level pieces (GPT-2 style Ġ for a space). */
  byteLevel: boolean;
  /** Ids it can produce: its largest id + 1, added tokens included (must not exceed the model's vocab). */
  vocab: number;
  /** The BOS id it prepends (tokenizer_config.json add_bos_token), if any. */
  bos?: number;
}

export interface Fingerprint {
  /** SHA-256 hex of config.json. */
  config: string;
  /** SHA-256 hex of each safetensors file's header, by file name. */
  headers: Record<string, string>;
}

export interface LoadSummary {
  /** Id of the model in the engine's registry (several can be loaded at once). */
  modelId: string;
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
  /** The tokenizer, when the model has one (loaded with it, or added by tokenizerLoad). */
  tokenizer?: TokenizerInfo;
}

export interface HubRequest {
  /** e.g. https://huggingface.co (tests use a local server with the same URL layout). */
  endpoint: string;
  repo: string;
  revision: string;
  /** Kept in memory for this request only. */
  token?: string;
}

/** One run's summary (the cache it made stays in the engine; analyses of the same RunRef read it). */
export interface RunSummary {
  /** Id of the run cache these numbers come from (results of other runs are stale). */
  runId: number;
  model: string;
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

export type { HeadSummary, AttentionResult };

export type ProgressFn = (p: LoadProgress) => void;

/** Where a checkpoint comes from. */
export type LoadSource =
  | { kind: 'files'; files: File[]; expect?: Fingerprint; halve?: boolean }
  /** A checkpoint served over HTTP at `base` (the embedded demo). */
  | { kind: 'url'; base: string; label: string; halve?: boolean }
  | { kind: 'hub'; req: HubRequest; halve?: boolean };
// `halve`: on WebGPU, F32 linear maps and (un)embeddings are kept as F16 on the device
// ("halve memory"); F16/BF16 checkpoints stay 16-bit there without it. Ignored elsewhere.

/** Where a dataset comes from: bytes the page read, or a URL (built-in sets are served with the site). */
export type DatasetSource =
  | { kind: 'bytes'; bytes: Uint8Array; name: string }
  /** `builtin`: the set's index entry (public/datasets/index.json): its mapping, source, licence and line format apply. */
  | { kind: 'url'; url: string; name: string; builtin?: BuiltinDataset };

export type ArtifactKind = 'tuned-lens' | 'dataset' | 'activations' | 'probe' | 'sae' | 'sae-stats';

export interface ArtifactInfo {
  id: string;
  kind: ArtifactKind;
  /** The model it belongs to (none for datasets). */
  model?: string;
  label: string;
  /** Bytes held (device for lenses, host for datasets and activation sets). */
  bytes: number;
}

/** What the engine holds, for the model card. */
export interface MemoryReport {
  models: { id: string; label: string; bytes: number }[];
  runs: { id: number; model: string; tokens: number; steps: number; hooks: number; bytes: number }[];
  artifacts: ArtifactInfo[];
  /** Runs are evicted least-recently-used past this many bytes. */
  runBudget: number;
  /** tf.memory() of the backend: bytes and tensors alive. */
  deviceBytes: number;
  deviceTensors: number;
}

/**
 * The engine's whole surface: a handful of generic calls. Every analysis goes through
 * `analyze(kind, …)` (contracts/analyses.ts); long ones take a job id (cancel) and a
 * progress callback. The worker transfers every typed-array buffer of a result and
 * releases every proxied callback when its call settles.
 */
export interface EngineApi {
  init(prefer?: BackendName): Promise<BackendInfo>;
  /** Waits for the backend when init is still running. */
  load(jobId: number, source: LoadSource, onProgress?: ProgressFn): Promise<LoadSummary>;
  unload(model: string): Promise<void>;
  cancel(jobId: number): void;
  /** A hub revision's files with sizes; `picked` marks what a load downloads (config, tokenizer, top-level safetensors and index). */
  hubList(req: HubRequest): Promise<{ sha: string; files: { name: string; size: number; picked: boolean }[] }>;
  /** Files kept from hub downloads (key `hub/{repo}/{sha}/{file}`, size in bytes). */
  cacheList(): Promise<{ key: string; size: number }[]>;
  /** Removes cached files whose key starts with `prefix` (all when omitted). */
  cacheEvict(prefix?: string): Promise<void>;
  /**
   * Gives a loaded model the tokenizer it was loaded without (the bytes of tokenizer.json and
   * optionally tokenizer_config.json). Refused when its ids exceed the model's vocabulary or
   * the model already has one; afterwards encode works for the model.
   */
  tokenizerLoad(model: string | undefined, tokenizerJson: Uint8Array, tokenizerConfig?: Uint8Array): Promise<TokenizerInfo>;
  encode(model: string | undefined, text: string): Promise<TokenView[]>;
  tokens(model: string | undefined, ids: number[]): Promise<TokenView[]>;
  /** Runs the spec (or finds its cache) and summarises it. */
  run(ref: RunRef): Promise<RunSummary>;
  analyze<K extends AnalysisKind>(jobId: number, kind: K, req: AnalyzeRequest<K>, onProgress?: (p: ProgressOf<K>) => void): Promise<ResultOf<K>>;
  /** Parses a dataset (CSV, TSV, JSON, JSONL, TXT) into a dataset artifact; `mapping` picks the columns (guessed when omitted). */
  datasetLoad(source: DatasetSource, mapping?: ColumnMapping): Promise<DatasetInfo>;
  /** Loads a tuned lens from safetensors bytes (keys `{i}.weight`, `{i}.bias`) for a model. */
  artifactImport(kind: 'tuned-lens', model: string | undefined, bytes: Uint8Array, name: string): Promise<ArtifactInfo & { lens: TunedLensInfo }>;
  /** Loads a probe from safetensors bytes (`weight`, `bias`, metadata naming its hook) for a model. */
  probeImport(model: string | undefined, bytes: Uint8Array, name: string): Promise<ArtifactInfo & { probe: ProbeInfo }>;
  /** A fake-quantised copy of a model (every block linear map rounded to `bits`) as a new model beside it. */
  modelQuantize(jobId: number, model: string | undefined, options: QuantizeOptions): Promise<LoadSummary>;
  /** An artifact as a file: tuned lens and activation sets as safetensors. */
  artifactExport(id: string): Promise<Uint8Array>;
  /** An artifact as named files (an SAE: the SAELens folder cfg.json + sae_weights.safetensors). */
  artifactExportFiles(id: string): Promise<{ name: string; bytes: Uint8Array }[]>;
  /**
   * Loads an SAE for a model (MODELS.md "SAE formats"): the files of one SAE folder (SAELens,
   * sparsify, Gemma Scope params.npz). `hook` overrides the files' hook; `normScale` is the
   * expected_average_only_in factor; `path` stands for the folder's path when the files lack one.
   */
  saeLoad(model: string | undefined, files: File[], options?: { hook?: string; normScale?: number; path?: string }): Promise<SaeInfo>;
  /**
   * An SAE from a folder of a Hugging Face repo (`subfolder`: e.g. `blocks.8.hook_resid_pre`,
   * `layer_12/width_16k/average_l0_82`, `layers.10`; '' for the top level), through the hub cache;
   * the repo and folder stand for the path (Gemma Scope's hook, sparsify's hookpoint).
   */
  saeHubLoad(model: string | undefined, req: HubRequest, subfolder: string, options?: { hook?: string; normScale?: number }): Promise<SaeInfo>;
  artifactDrop(id: string): Promise<void>;
  memory(): Promise<MemoryReport>;
  /** Packed 16-bit WebGPU kernels vs a float64 CPU computation (workers/engine/kernels/selftest.ts); undefined off WebGPU. */
  kernelSelfTest(): Promise<{ name: string; diff: number; scale: number }[] | undefined>;
}
