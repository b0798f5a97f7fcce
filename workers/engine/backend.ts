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

/** A failure's text: tfjs rejects with Errors, but tfjs-backend-wasm with plain `{message}` objects. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}

/** Why each backend's factory last failed: tf.setBackend only logs it (console.warn) and returns false. */
const failures = new Map<BackendName, string>();
const wrappers = new WeakSet<object>();

/** Wraps the registered factory (once) so that its failure reason reaches `skipped`. */
function keepFailure(name: BackendName): void {
  const entry = tf.engine().registryFactory[name];
  if (!entry || wrappers.has(entry.factory)) return;
  const factory = entry.factory;
  const wrapped = async (): Promise<tf.KernelBackend> => {
    try {
      return await factory();
    } catch (e) {
      failures.set(name, errorText(e));
      throw e;
    }
  };
  wrappers.add(wrapped);
  entry.factory = wrapped;
}

/**
 * The first backend in `order` that initialises wins. Returns its name and appends why
 * each earlier one failed to `reasons`; throws listing them all when none does.
 */
export async function initBackend(order: BackendName[], reasons: string[] = []): Promise<BackendName> {
  for (const name of order) {
    try {
      await register(name);
      keepFailure(name);
      failures.delete(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      reasons.push(`${name}: ${failures.get(name) ?? 'did not initialise'}`);
    } catch (e) {
      reasons.push(`${name}: ${errorText(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend initialised (${reasons.join('; ')})`);
}
