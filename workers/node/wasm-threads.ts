/**
 * The wasm backend's threaded SIMD build in Node.
 *
 * Math: none is changed. XNNPACK splits each matmul's output tiles [M, N] over a pool of N
 * threads (the caller is one of them); every output element is still one thread's dot
 * product, but tile sizes and the order of some reductions may differ, so results can move
 * at float noise (~1e-6 relative), never more.
 *
 * tfjs-backend-wasm 4.22 never starts this build in Node, and four things stand in the way:
 * 1. tfjs reports `WASM_HAS_MULTITHREAD_SUPPORT` false whenever IS_NODE, so its own init()
 *    takes the single-threaded build: the factory is replaced here (as the page does in
 *    workers/browser/wasm.ts) and the flag set true once the build is up.
 * 2. tfjs hands Emscripten blob: URLs for the pthread script and the glue; Node's
 *    worker_threads refuse them. The pthread script is written to a file in the temp
 *    directory (named by its content, so it is written once per machine and never piles
 *    up); the glue is the package's own wasm-out/*.js, a real file already.
 * 3. XNNPACK's pool is capped at half the logical cores (1 on 2 cores), read once by a static
 *    initialiser from the import `env.emscripten_num_logical_cores`: the wasm is instantiated
 *    here (Emscripten's instantiateWasm hook) with that import reporting twice the threads.
 * (Also: a worker inherits the parent's node flags, so under tsx each of Emscripten's 8
 *    pooled workers would boot tsx's loader, ~2 s at start-up; they get no flags.)
 * 4. Running pthreads keep Node's event loop alive: they are unref'd once started (and the
 *    CLI exits explicitly once stdout is flushed, workers/cli.ts).
 * STRATA_WASM_THREADS: 0 = single-threaded SIMD build; unset = as many threads as logical
 * cores; N = N threads, capped to the cores. When the threaded build cannot start, the
 * single-threaded one runs and one line on stderr says why.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasmModule } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js';
import * as tf from '@tensorflow/tfjs-core';
import type { WasmInfo } from '../../src/contracts/engine-api';
import { errorText } from '../engine/backend';
import { fail } from '../engine/errors';
import { type Cwrap, wasmCoreExports } from '../engine/wasm-exports';

/** The same priority tfjs-backend-wasm registers with. */
const WASM_PRIORITY = 2;
/** Emscripten preloads this many pthread workers (PTHREAD_POOL_SIZE of the 4.22 build); more would be spawned late. */
const POOL_SIZE = 8;
/** How long the threaded build may take to start before it is given up (ms). */
const START_MS = 30_000;

type ThreadedModule = BackendWasmModule & { cwrap: Cwrap; PThread?: { runningWorkers: Worker[] } };
type WasmImports = { env: Record<string, unknown> } & Record<string, Record<string, unknown>>;
type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

export interface NodeWasmStatus {
  info: WasmInfo;
  /** Why the threaded build is not running (undefined when it is). */
  noThreads?: string;
}

let status: NodeWasmStatus | undefined;

/** Threads wanted from STRATA_WASM_THREADS: 0 = off, unset = the logical cores, capped to the cores. */
export function wantedThreads(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): number {
  const raw = env['STRATA_WASM_THREADS'];
  if (raw === undefined || raw.trim() === '') return Math.min(cores, POOL_SIZE);
  if (!/^\d+$/.test(raw.trim())) fail(`STRATA_WASM_THREADS must be a whole number of threads (0 = single-threaded), got "${raw}"`);
  return Math.min(Number(raw), cores, POOL_SIZE);
}

/** The pthread script as a file Node's Worker can open (written once, named by its content). */
function pthreadScriptFile(contents: string): string {
  const dir = join(os.tmpdir(), `strata-wasm-${createHash('sha256').update(contents).digest('hex').slice(0, 16)}`);
  const file = join(dir, 'pthread.cjs');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, contents);
    renameSync(tmp, file); // atomic: a concurrent process never opens half a script
  }
  return file;
}

/** worker_threads' Worker without the parent's node flags (tsx's loader): the pthread script is plain CommonJS. */
class PlainWorker extends Worker {
  constructor(file: string | URL, options: WorkerOptions = {}) {
    super(file, { execArgv: [], ...options });
  }
}

/** Emscripten's Node glue sets `global.Worker = worker_threads.Worker` and spawns its pthreads with it: hand it PlainWorker. */
function plainWorkersForEmscripten(): void {
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PlainWorker, set: () => undefined });
}

/** The threaded SIMD build with `threads` XNNPACK threads, set up as tfjs's init() does but with files, not blob: URLs. */
async function startThreaded(threads: number): Promise<BackendWasm> {
  const require = createRequire(import.meta.url);
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const factory = require(glue) as Factory;
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  // The contents come from a template literal whose "\n" escapes became real newlines: put them back.
  const pthreadScript = pthreadScriptFile(wasmWorkerContents.replace(/\n/g, '\\n'));
  const binary = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-threaded-simd.wasm');
  plainWorkersForEmscripten();
  let aborted: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let instantiateFailed: (e: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => { instantiateFailed = reject; });
  const started = factory({
    mainScriptUrlOrBlob: glue, // each pthread evaluates the glue from this path (importScripts = fs.readFileSync + eval)
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith('.worker.js')) return pthreadScript;
      if (path.endsWith('.wasm')) return binary;
      return prefix + path;
    },
    instantiateWasm: (info: WasmImports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
      const imports = { ...info, env: { ...info.env, emscripten_num_logical_cores: () => 2 * threads } };
      WebAssembly.instantiate(readFileSync(binary), imports).then((r) => receive(r.instance, r.module), instantiateFailed);
      return {}; // exports arrive through `receive`
    },
    onAbort: (msg: unknown) => { aborted = errorText(msg); },
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it gave no answer in ${START_MS / 1000} s`)), START_MS);
  });
  const module = await Promise.race([started, failed, timeout]).catch((e: unknown) => {
    throw new Error(aborted ?? errorText(e));
  }).finally(() => clearTimeout(timer));
  module.tfjs = wasmCoreExports(module.cwrap);

  setThreadsCount(threads);
  const backend = new BackendWasm(module); // creates XNNPACK's pool of `threads` (the caller is one)
  // The pool's pthreads are ref'd workers: a finished command would never let Node exit.
  for (const w of module.PThread?.runningWorkers ?? []) w.unref();
  return backend;
}

/**
 * Replaces tfjs-backend-wasm's factory with one that starts the threaded build when
 * STRATA_WASM_THREADS allows it. Call once, after '@tensorflow/tfjs-backend-wasm' is
 * imported and before the wasm backend starts.
 */
export function installNodeWasm(): void {
  const threads = wantedThreads();
  const single = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    let noThreads: string | undefined;
    if (threads >= 2) {
      try {
        const backend = await startThreaded(threads);
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        status = { info: { build: 'threaded-simd', threads: backend.wasm.tfjs.getThreadsCount() } };
        return backend;
      } catch (e) {
        noThreads = `the threaded build did not start (${errorText(e)})`;
        process.stderr.write(`strata: wasm runs single-threaded: ${noThreads}\n`);
      }
    } else {
      noThreads = process.env['STRATA_WASM_THREADS'] === undefined || process.env['STRATA_WASM_THREADS'].trim() === ''
        ? 'one logical core'
        : `STRATA_WASM_THREADS=${process.env['STRATA_WASM_THREADS']}`;
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const backend = await single();
    status = { info: { build: simd ? 'simd' : 'plain', threads: 1 }, noThreads };
    return backend;
  }, WASM_PRIORITY);
}

/** After wasm started in Node: its build and thread count and, when it runs without threads, why. */
export function nodeWasmStatus(): NodeWasmStatus | undefined {
  return status;
}

/** One line for headers: "wasm build threaded-simd, 2 threads" or "wasm build simd, 1 thread (why)". */
export function nodeWasmLine(): string {
  if (!status) return 'wasm not started';
  const { info, noThreads } = status;
  return `wasm build ${info.build}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${noThreads ? ` (${noThreads})` : ''}`;
}
