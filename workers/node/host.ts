import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initBackend, type BackendName } from '../engine/backend';

/**
 * Starts a tfjs backend in Node. tfjs greets Node users on stderr suggesting
 * tfjs-node (which cannot install here); that line is dropped so stderr carries
 * only real messages. wasm runs the threaded SIMD build when STRATA_WASM_THREADS allows
 * (workers/node/wasm-threads.ts).
 */
let wasmPathsSet = false;

export async function initNodeBackend(name: 'wasm' | 'cpu'): Promise<BackendName> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node')) return;
    warn(...args);
  };
  if (name === 'wasm' && !wasmPathsSet) {
    wasmPathsSet = true; // once per process (`strata batch` starts the backend per command)
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    (await import('./wasm-threads')).installNodeWasm();
  }
  return initBackend([name]);
}
