import * as tf from '@tensorflow/tfjs-core';

let ready: Promise<void> | undefined;

/**
 * tfjs-core registers no gradient functions; the umbrella `@tensorflow/tfjs` does, by
 * importing tfjs-core's ESM `register_all_gradients`. Bundlers (the page's worker) load
 * that module directly. Node cannot: tfjs-core's ESM build uses extensionless imports,
 * so there the umbrella's CommonJS bundle is loaded instead, which registers the same
 * gradients in tfjs's global registry. Only training needs this, so it is loaded lazily.
 */
export function ensureGradients(): Promise<void> {
  ready ??= (async () => {
    if (tf.getGradient('Mean')) return;
    try {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    } catch {
      // A variable specifier keeps bundlers from pulling the whole umbrella into the page.
      const umbrella = '@tensorflow/tfjs';
      await import(/* @vite-ignore */ umbrella);
    }
    if (!tf.getGradient('Mean')) throw new Error('tfjs gradients could not be registered');
  })();
  return ready;
}
