/**
 * The only place that creates the engine worker. Wraps it with Comlink, hands out job
 * ids for cancellable work, and restarts the worker when it crashes: every call in
 * flight then fails with a message instead of hanging. One engine holds every model
 * the page uses (a comparison's model B is a second model id in it).
 */
import * as Comlink from 'comlink';
import type { AnalysisKind, AnalyzeRequest, ProgressOf, ResultOf } from '../contracts/analyses';
import type { EngineApi, LoadSource, LoadSummary } from '../contracts/engine-api';
import type { LoadProgress } from '../contracts/model';

type Remote = Comlink.Remote<EngineApi>;

class EngineService {
  private worker: Worker | undefined;
  private remote: Remote | undefined;
  private crashed: { promise: Promise<never>; reject: (e: Error) => void } | undefined;
  private nextJob = 1;
  /** An engine API in this thread instead of the worker (Node tests drive the page's actions this way). */
  private local: EngineApi | undefined;
  /** Called with a readable message when the worker dies; the worker has already been restarted. */
  onCrash: ((message: string) => void) | undefined;

  private ensure(): { api: EngineApi; crashed: Promise<never> } {
    if (this.local) return { api: this.local, crashed: new Promise<never>(() => undefined) };
    if (!this.worker || !this.remote || !this.crashed) {
      const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'strata-engine' });
      let reject: (e: Error) => void = () => undefined;
      const promise = new Promise<never>((_, r) => { reject = r; });
      promise.catch(() => undefined); // observed by calls through race()
      worker.addEventListener('error', (ev) => this.crash(ev.message || 'the engine worker failed'));
      worker.addEventListener('messageerror', () => this.crash('a message from the engine worker could not be read'));
      this.worker = worker;
      this.remote = Comlink.wrap<EngineApi>(worker);
      this.crashed = { promise, reject };
    }
    // Every method of the API returns a promise, so the remote has the API's own (generic) types.
    return { api: this.remote as unknown as EngineApi, crashed: this.crashed.promise };
  }

  private crash(message: string): void {
    const crashed = this.crashed;
    this.terminate();
    crashed?.reject(new Error(`the engine stopped (${message}); it has been restarted — load the model again`));
    this.onCrash?.(message);
  }

  terminate(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
    this.crashed = undefined;
  }

  /** Runs one engine call; rejects (never hangs) if the worker dies meanwhile. Callbacks passed must go through proxy(). */
  call<T>(f: (api: EngineApi) => Promise<T>): Promise<T> {
    const { api, crashed } = this.ensure();
    return Promise.race([f(api), crashed]);
  }

  newJob(): number {
    return this.nextJob++;
  }

  /** Serves every call from `api` in this thread (no worker); for hosts without workers, e.g. Node tests. */
  connect(api: EngineApi): void {
    this.terminate();
    this.local = api;
  }

  cancel(jobId: number): void {
    if (this.local) this.local.cancel(jobId);
    else if (this.remote) void this.remote.cancel(jobId);
  }

  /** A load with progress (the worker releases the callback proxy when the load settles). */
  load(jobId: number, source: LoadSource, onProgress?: (p: LoadProgress) => void): Promise<LoadSummary> {
    const cb = onProgress ? Comlink.proxy(onProgress) : undefined;
    return this.call((e) => e.load(jobId, source, cb));
  }

  /** One analysis by kind, with progress when asked for. */
  analyze<K extends AnalysisKind>(jobId: number, kind: K, req: AnalyzeRequest<K>, onProgress?: (p: ProgressOf<K>) => void): Promise<ResultOf<K>> {
    const cb = onProgress ? Comlink.proxy(onProgress) : undefined;
    return this.call((e) => e.analyze(jobId, kind, req, cb));
  }
}

export const engine = new EngineService();

/** Marks a callback to be called across the worker boundary (progress reports). */
export function proxy<T extends (...args: never[]) => unknown>(f: T): T {
  return Comlink.proxy(f);
}
