/**
 * The engine behind the worker boundary (contracts/engine-api.ts), environment-agnostic:
 * Node tests drive it directly, the worker exposes it through one generic Comlink
 * wrapper. Long calls are cancellable by job id; loads wait for a backend still starting.
 */
import type { BackendInfo, BackendName, EngineApi, LoadSummary, ProgressFn } from '../../src/contracts/engine-api';
import type { LoadProgress } from '../../src/contracts/model';
import { addSae } from './artifacts/sae-load';
import { Engine } from './engine';
import { fail } from './errors';
import type { FileCache } from './io/cache';
import { fileSetFromFiles, type NamedBlob } from './io/file-list';
import { hubFileSet, listHubRepo, wantedFile } from './io/hub';
import { bufferSource, type ByteSource, type FileSet } from './io/source';
import { initPacked16 } from './kernels/packed16';

/** What the host environment provides: backend start-up and the adapter's limits. */
export interface Platform {
  initBackend(prefer?: BackendName): Promise<BackendInfo>;
  /** Where hub downloads are kept; without one, weights are read by HTTP range each time. */
  cache?: () => Promise<FileCache | undefined>;
}

const DEMO_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

async function fetchBytes(url: string, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, signal ? { signal } : {});
  } catch (e) {
    return fail(`${what} could not be fetched from ${url} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) fail(`${what} could not be fetched from ${url} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

export function createEngineApi(platform: Platform): EngineApi & { engine: Engine } {
  const engine = new Engine();
  const jobs = new Map<number, AbortController>();
  let starting: Promise<BackendInfo> | undefined;

  async function job<T>(jobId: number, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    jobs.set(jobId, ctl);
    try {
      return await f(ctl.signal);
    } finally {
      jobs.delete(jobId);
    }
  }

  /** The backend, waiting for one still starting; a load before init ever ran starts the default one. */
  async function backend(): Promise<BackendInfo> {
    starting ??= platform.initBackend();
    return starting;
  }

  async function filesFor(source: Parameters<EngineApi['load']>[1], signal: AbortSignal, onProgress: ProgressFn): Promise<{ set: FileSet; label: string; sha?: string; fromCache?: number }> {
    if (source.kind === 'files') {
      const set = fileSetFromFiles(source.files as NamedBlob[]);
      return { set, label: `files: ${set.names().join(', ')}` };
    }
    if (source.kind === 'url') {
      const sources: ByteSource[] = [];
      for (const name of DEMO_FILES) {
        const res = await fetch(`${source.base}/${name}`, { signal });
        if (res.status === 404 && name.startsWith('tokenizer')) continue;
        if (!res.ok) fail(`${source.label}: ${name} could not be fetched (HTTP ${res.status})`);
        sources.push(bufferSource(new Uint8Array(await res.arrayBuffer()), name));
      }
      return { set: { label: source.label, names: () => sources.map((s) => s.name), open: (n) => sources.find((s) => s.name === n) }, label: source.label };
    }
    const cache = await platform.cache?.();
    const r = await hubFileSet(source.req, { signal, onProgress, ...(cache ? { cache } : {}) });
    return { set: r.files, label: `hub:${source.req.repo}@${r.sha}`, sha: r.sha, fromCache: r.fromCache };
  }

  return {
    engine,
    async init(prefer) {
      // A second init (backend switch) replaces the first; loads wait for whichever runs.
      starting = platform.initBackend(prefer);
      return starting;
    },
    load(jobId, source, onProgress = () => undefined) {
      return job(jobId, async (signal): Promise<LoadSummary> => {
        const b = await backend();
        const limit = b.adapter ? Math.min(b.adapter.maxStorageBufferBindingSize, b.adapter.maxBufferSize) : Infinity;
        const progress = (p: LoadProgress): void => onProgress(p);
        const { set, label, sha, fromCache } = await filesFor(source, signal, progress);
        const expect = source.kind === 'files' ? source.expect : undefined;
        // 16-bit weights stay packed on WebGPU (kernels/packed16.ts); elsewhere they are widened to f32.
        const packed16 = b.name === 'webgpu' && (await initPacked16());
        const m = await engine.load(set, { maxTensorBytes: limit, onProgress: progress, signal, label, packed16, halve: source.halve === true, ...(expect ? { expect } : {}) });
        const fp = engine.lastFingerprint;
        return {
          modelId: m.id, info: m.info, source: label, hasTokenizer: m.tokenizer !== undefined, files: set.names().sort(),
          ...(m.tokenizer ? { tokenizer: m.tokenizer.info } : {}),
          ...(fp ? { fingerprint: fp } : {}), ...(sha ? { sha } : {}), ...(fromCache !== undefined ? { fromCache } : {}),
        };
      });
    },
    async unload(model) {
      engine.unload(model);
    },
    cancel(jobId) {
      jobs.get(jobId)?.abort();
    },
    async hubList(req) {
      const l = await listHubRepo(req);
      return { sha: l.sha, files: l.files.map((f) => ({ name: f.name, size: f.size, picked: wantedFile(f.name) })) };
    },
    async cacheList() {
      const cache = await platform.cache?.();
      return cache ? cache.list() : [];
    },
    async cacheEvict(prefix) {
      const cache = await platform.cache?.();
      await cache?.remove(prefix);
    },
    async tokenizerLoad(model, tokenizerJson, tokenizerConfig) {
      return engine.addTokenizer(tokenizerJson, tokenizerConfig, model);
    },
    async encode(model, text) {
      return engine.tokens(engine.encode(text, model), model);
    },
    async tokens(model, ids) {
      return engine.tokens(ids, model);
    },
    async run(ref) {
      await backend();
      return engine.run(ref);
    },
    analyze(jobId, kind, req, onProgress) {
      return job(jobId, async (signal) => {
        await backend();
        return engine.analyze(kind, req, { signal, ...(onProgress ? { onProgress } : {}) });
      });
    },
    async datasetLoad(source, mapping) {
      // Parsing needs no backend, but nothing runs in the worker while it starts (a start-up is not re-entrant).
      await backend();
      const bytes = source.kind === 'bytes' ? source.bytes : await fetchBytes(source.url, `dataset ${source.name}`);
      const builtin = source.kind === 'url' ? source.builtin : undefined;
      return engine.datasetLoad(bytes, source.name, { ...(mapping ? { mapping } : {}), ...(builtin ? { builtin } : {}) });
    },
    artifactImport(_kind, model, bytes, name) {
      return engine.importTunedLens(bytes, name, model);
    },
    async probeImport(model, bytes, name) {
      return engine.importProbe(bytes, name, model);
    },
    modelQuantize(jobId, model, options) {
      return job(jobId, async (signal): Promise<LoadSummary> => {
        await backend();
        const m = await engine.quantize(options, model, signal);
        return {
          modelId: m.id, info: m.info, source: m.label, hasTokenizer: m.tokenizer !== undefined, files: [],
          ...(m.tokenizer ? { tokenizer: m.tokenizer.info } : {}),
        };
      });
    },
    artifactExport(id) {
      return engine.exportArtifact(id);
    },
    artifactExportFiles(id) {
      return engine.exportArtifactFiles(id);
    },
    async saeLoad(model, files, options = {}) {
      await backend();
      const set = fileSetFromFiles(files as NamedBlob[]);
      const path = options.path ?? (set.label.startsWith('folder ') ? set.label.slice('folder '.length) : undefined);
      return addSae(engine.registry, set, { ...options, ...(path !== undefined ? { path } : {}) }, model);
    },
    async saeHubLoad(model, req, subfolder, options = {}) {
      await backend();
      const cache = await platform.cache?.();
      const r = await hubFileSet(req, { subfolder, ...(cache ? { cache } : {}) });
      const folder = subfolder.replace(/^\/+|\/+$/g, '');
      return addSae(engine.registry, r.files, { ...options, path: `${req.repo}${folder ? `/${folder}` : ''}` }, model);
    },
    async artifactDrop(id) {
      engine.dropArtifact(id);
    },
    async memory() {
      return engine.memory();
    },
    async kernelSelfTest() {
      return (await import('./kernels/selftest')).kernelSelfTest();
    },
  };
}
