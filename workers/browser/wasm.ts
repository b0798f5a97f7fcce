/**
 * The wasm backend inside the engine's module worker.
 *
 * tfjs-backend-wasm's own start-up takes its threaded build whenever the page is
 * cross-origin isolated (it is: COOP/COEP in vite.config.ts) and hands every pthread
 * worker the Emscripten glue as a blob: script made from the bundled factory's source
 * text. Both halves fail in the page: the CSP's script-src ('self') refuses blob: scripts
 * to importScripts, and the minified factory's text names variables of the bundle
 * (ReferenceError) once evaluated on its own. So the threaded build is started here with
 * the glue served as a file of our own origin (?url); a classic worker first checks that it
 * can import that file the way a pthread will. When it cannot, or the page is not
 * isolated, tfjs's own start-up runs the single-threaded SIMD build and the reason is kept.
 */
import { BackendWasm, getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedGlue from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import type { BackendWasmModule } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import type { WasmInfo } from '../../src/contracts/engine-api';
import { errorText as message } from '../engine/backend';
import { type Cwrap, wasmCoreExports } from '../engine/wasm-exports';

/** The same priority tfjs-backend-wasm registers with (only tf.ready()'s own pick uses it). */
const WASM_PRIORITY = 2;
/** How long the glue check may take before threads are given up (ms; it is one small same-origin script). */
const CHECK_MS = 10_000;

/** Why the last wasm start did not use threads (undefined when it did). */
let noThreads: string | undefined;
/** Which build the last wasm start ran. */
let build: WasmInfo['build'] = 'plain';

/** Pthreads are blob: workers, where a relative URL has no base: every URL they get is absolute. */
function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}

/** Imports `url` in a classic blob: worker, as each pthread does; resolves with why that failed, or undefined. */
function glueLoads(url: string): Promise<string | undefined> {
  const src = `try{importScripts(${JSON.stringify(url)});postMessage(typeof WasmBackendModuleThreadedSimd)}catch(e){postMessage(String(e&&e.message||e))}`;
  const blobUrl = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  return new Promise((resolve) => {
    let worker: Worker | undefined;
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      worker?.terminate();
      URL.revokeObjectURL(blobUrl);
      resolve(why);
    };
    const timer = setTimeout(() => done(`the threads' script gave no answer in ${CHECK_MS / 1000} s`), CHECK_MS);
    try {
      // eslint-disable-next-line no-restricted-syntax -- a throw-away probe for wasm's pthreads inside the engine worker, not a second engine worker
      worker = new Worker(blobUrl);
    } catch (e) {
      done(`a thread could not start (${message(e)})`);
      return;
    }
    worker.onmessage = (ev: MessageEvent<string>) => done(ev.data === 'function' ? undefined : `the threads' script did not load (${ev.data})`);
    worker.onerror = (ev) => {
      ev.preventDefault();
      done(`a thread failed (${ev.message || 'no message'})`);
    };
  });
}

/** Why threads cannot be used here, or undefined when they can. */
async function threadsUnavailable(): Promise<string | undefined> {
  if (!self.crossOriginIsolated) return 'the page is not cross-origin isolated (COOP/COEP), so there is no SharedArrayBuffer';
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'this browser has no wasm SIMD (the threaded build needs it)';
  if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) return 'this browser has no wasm threads';
  return glueLoads(absolute(threadedGlue));
}


/** The threaded build, set up as tfjs-backend-wasm's init() does but with same-origin scripts. */
async function startThreaded(): Promise<BackendWasm> {
  const pthreadScript = URL.createObjectURL(new Blob(
    // The contents come from a template literal whose "\n" escapes became real newlines: put them back.
    [wasmWorkerContents.replace(/\n/g, '\\n')], { type: 'text/javascript' }));
  let aborted: string | undefined;
  const module = (await threadedFactory({
    mainScriptUrlOrBlob: absolute(threadedGlue),
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith('.worker.js')) return pthreadScript;
      if (path.endsWith('.wasm')) return absolute(wasmThreaded);
      return prefix + path;
    },
    onAbort: (msg: string) => { aborted = msg; },
  }).catch((e: unknown) => {
    throw new Error(`the threaded build did not start (${aborted ?? message(e)})`);
  })) as BackendWasmModule & { cwrap: Cwrap };
  module.tfjs = wasmCoreExports(module.cwrap);

  // XNNPACK's thread count stays tfjs's own: half the logical cores (for SMT), 1 to 8
  // (setThreadsCount cannot go above half anyway). Faking 4 cores to get 2 threads on a
  // 2-core machine made the demo's forward pass slower, 22 -> 259 ms median (the threads
  // spin against each other, SwiftShader and the page), so there is no override.
  return new BackendWasm(module);
}

/** Replaces tfjs-backend-wasm's factory with one that starts threads where they work. Call once, before any start-up. */
export function installWasm(): void {
  // tfjs's own start-up (the single-threaded builds) finds its binaries where Vite put them.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': absolute(wasmPlain),
    'tfjs-backend-wasm-simd.wasm': absolute(wasmSimd),
    'tfjs-backend-wasm-threaded-simd.wasm': absolute(wasmThreaded),
  });
  const single = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    noThreads = await threadsUnavailable();
    if (noThreads === undefined) {
      try {
        const backend = await startThreaded();
        build = 'threaded-simd';
        return backend;
      } catch (e) {
        noThreads = message(e);
      }
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // tfjs's own start-up takes the SIMD binary wherever SIMD validates.
    build = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'simd' : 'plain';
    return single();
  }, WASM_PRIORITY);
}

/** After wasm started: its build and thread count and, when it runs without threads, why. */
export function wasmStatus(): { info: WasmInfo; noThreads?: string } {
  const info = { build, threads: getThreadsCount() };
  return noThreads === undefined ? { info } : { info, noThreads };
}
