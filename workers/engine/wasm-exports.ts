/**
 * The C entry points tfjs-backend-wasm's own loader wraps (its `init()` sets `module.tfjs`
 * this way). Strata starts the threaded build with its own factory in the page
 * (workers/browser/wasm.ts) and in Node (workers/node/wasm-threads.ts), so both must build
 * the same table; a name or signature that drifts from the library breaks both at once.
 */
import type { BackendWasmModule } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js';

/** Emscripten's cwrap: (C name, return type, argument types) → a JS function. */
export type Cwrap = (name: string, ret: string | null, args: string[]) => unknown;

export function wasmCoreExports(cwrap: Cwrap): BackendWasmModule['tfjs'] {
  type T = BackendWasmModule['tfjs'];
  return {
    init: cwrap('init', null, []) as T['init'],
    initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']) as T['initWithThreadsCount'],
    getThreadsCount: cwrap('get_threads_count', 'number', []) as T['getThreadsCount'],
    registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']) as T['registerTensor'],
    disposeData: cwrap('dispose_data', null, ['number']) as T['disposeData'],
    dispose: cwrap('dispose', null, []) as T['dispose'],
  };
}
