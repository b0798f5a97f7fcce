import * as tf from '@tensorflow/tfjs-core';

import type { BackendName } from '../../src/contracts/engine-api';

export type { BackendName };

/** Browser preference order (DESIGN.md); Node has only wasm and cpu. */
export const BROWSER_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export const NODE_ORDER: BackendName[] = ['wasm', 'cpu'];

/** Registers a backend's kernels; imported lazily so Node never loads the GPU backends. */
async function register(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return;
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
  }
}

/**
 * The first backend in `order` that initialises wins. Returns its name and appends why
 * each earlier one failed to `reasons`; throws listing them all when none does.
 */
export async function initBackend(order: BackendName[], reasons: string[] = []): Promise<BackendName> {
  for (const name of order) {
    try {
      await register(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      reasons.push(`${name}: did not initialise`);
    } catch (e) {
      reasons.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend initialised (${reasons.join('; ')})`);
}
