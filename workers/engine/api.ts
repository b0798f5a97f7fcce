import type { AnalyzeResult, AnalyzeSpec, AttentionResult, BackendInfo, BackendName, EngineApi, Fingerprint, HubRequest, LoadSummary, ProgressFn, TokenView } from '../../src/contracts/engine-api';
import type { LensOptions, LensResult } from '../../src/contracts/run';
import { Engine } from './engine';
import { fail } from './errors';
import { fileSetFromFiles, type NamedBlob } from './io/file-list';
import type { FileCache } from './io/cache';
import { hubFileSet, listHubRepo, wantedFile } from './io/hub';
import { bufferSource, type ByteSource, type FileSet } from './io/source';

/** What the host environment provides: backend start-up and the adapter's limits. */
export interface Platform {
  initBackend(prefer?: BackendName): Promise<BackendInfo>;
  /** Where hub downloads are kept; without one, weights are read by HTTP range each time. */
  cache?: () => Promise<FileCache | undefined>;
}

const DEMO_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * The engine behind the worker boundary, environment-agnostic: Node tests drive it
 * directly, the worker exposes it through Comlink. Loads and lenses are cancellable by job id.
 */
export function createEngineApi(platform: Platform): EngineApi & { engine: Engine } {
  const engine = new Engine();
  const jobs = new Map<number, AbortController>();
  let backend: BackendInfo | undefined;

  async function job<T>(jobId: number, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    jobs.set(jobId, ctl);
    try {
      return await f(ctl.signal);
    } finally {
      jobs.delete(jobId);
    }
  }

  /** A lens result with the display piece of every id it holds (targets and top-k). */
  function withPieces<R extends LensResult>(r: R): R {
    const ids = [...new Set([...r.target, ...r.rows.flatMap((row) => Array.from(row.topIds))])];
    return { ...r, pieces: Object.fromEntries(engine.tokens(ids).map((v) => [v.id, v.text])) };
  }

  async function load(jobId: number, files: FileSet | ((s: AbortSignal) => Promise<FileSet>), source: string, onProgress: ProgressFn, expect?: Fingerprint): Promise<LoadSummary> {
    if (!backend) fail('the engine has no backend yet');
    const limit = backend.adapter ? Math.min(backend.adapter.maxStorageBufferBindingSize, backend.adapter.maxBufferSize) : Infinity;
    return job(jobId, async (signal) => {
      const set = typeof files === 'function' ? await files(signal) : files;
      const info = await engine.load(set, { maxTensorBytes: limit, onProgress, signal, ...(expect ? { expect } : {}) });
      const fp = engine.lastFingerprint;
      return { info, source, hasTokenizer: engine.hasTokenizer, files: set.names().sort(), ...(fp ? { fingerprint: fp } : {}) };
    });
  }

  return {
    engine,
    async init(prefer) {
      backend = await platform.initBackend(prefer);
      return backend;
    },
    loadFiles(jobId, files, onProgress, expect) {
      const set = fileSetFromFiles(files as NamedBlob[]);
      return load(jobId, set, `files: ${set.names().join(', ')}`, onProgress, expect);
    },
    loadUrl(jobId, base, label, onProgress) {
      return load(jobId, async (signal) => {
        const sources: ByteSource[] = [];
        for (const name of DEMO_FILES) {
          const res = await fetch(`${base}/${name}`, { signal });
          if (res.status === 404 && name.startsWith('tokenizer')) continue;
          if (!res.ok) fail(`${label}: ${name} could not be fetched (HTTP ${res.status})`);
          sources.push(bufferSource(new Uint8Array(await res.arrayBuffer()), name));
        }
        return { label, names: () => sources.map((s) => s.name), open: (n) => sources.find((s) => s.name === n) };
      }, label, onProgress);
    },
    async loadHub(jobId, req: HubRequest, onProgress) {
      let sha = req.revision;
      let fromCache = 0;
      const cache = await platform.cache?.();
      const summary = await load(jobId, async (signal) => {
        const r = await hubFileSet(req, { signal, onProgress, ...(cache ? { cache } : {}) });
        sha = r.sha;
        fromCache = r.fromCache;
        return r.files;
      }, `hub:${req.repo}`, onProgress);
      return { ...summary, source: `hub:${req.repo}@${sha}`, sha, fromCache };
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
    cancel(jobId) {
      jobs.get(jobId)?.abort();
    },
    async encode(text): Promise<TokenView[]> {
      return engine.tokens(engine.encode(text));
    },
    async tokens(ids) {
      return engine.tokens(ids);
    },
    analyze(spec: AnalyzeSpec): Promise<AnalyzeResult> {
      return engine.analyze(spec);
    },
    lens(jobId, runId, opts: LensOptions): Promise<LensResult> {
      return job(jobId, async (signal) => {
        return withPieces(await engine.sessionFor(runId).lens(opts, signal));
      });
    },
    attention(runId): Promise<AttentionResult> {
      return engine.sessionFor(runId).attention();
    },
    residual(spec, alpha) {
      return engine.residual(spec.tokens, spec.path, { alpha });
    },
    skipSweep(jobId, prompts, modes, onProgress) {
      return job(jobId, (signal) => engine.skipSweep(prompts, { modes, signal, onProgress }));
    },
    chainSearch(jobId, examples, opts, onProgress) {
      return job(jobId, (signal) => engine.chainSearch(examples, { ...opts, signal, onProgress }));
    },
    async tunedLoad(bytes, name) {
      return engine.loadTunedLens(bytes, name);
    },
    tunedTrain(jobId, texts, opts, onProgress) {
      return job(jobId, async (signal) => {
        const ids = texts.map((t) => engine.encode(t));
        const r = await engine.trainTunedLens(ids, opts, onProgress, signal);
        return { info: r.info, losses: r.losses };
      });
    },
    tunedCompare(jobId, texts) {
      return job(jobId, (signal) => engine.compareLenses(texts.map((t) => engine.encode(t)), signal));
    },
    tunedExport() {
      return engine.exportTunedLens();
    },
    tunedLens(jobId, spec, opts) {
      return job(jobId, async (signal) => {
        return withPieces(await engine.tunedLens(spec.tokens, spec.path, opts, signal));
      });
    },
    async depthProfile(spec) {
      const layers = engine.info?.layers ?? 0;
      const residual = await engine.residual(spec.tokens, spec.path);
      const t = await engine.trace(spec.tokens, spec.path, { topk: 1 });
      const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / Math.max(1, a.length);
      return {
        path: t.path, layers, residual,
        lensKl: t.lens.rows.map((r) => mean(r.klToFinal)),
        lensEntropy: t.lens.rows.map((r) => mean(r.entropy)),
        lensTop1: t.lens.rows.map((r) => mean(r.topProbs)),
      };
    },
    pathEffect(spec, target) {
      const path = spec.path ?? Array.from({ length: engine.info?.layers ?? 0 }, (_, i) => i);
      return engine.pathEffect(spec.tokens, path, spec.interventions ?? [], target === undefined ? {} : { target });
    },
  };
}
