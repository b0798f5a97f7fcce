import * as tf from '@tensorflow/tfjs-core';

let ready: Promise<void> | undefined;

/**
 * tfjs-core registers no gradient functions; the umbrella `@tensorflow/tfjs` does, by
 * importing tfjs-core's ESM `register_all_gradients`. Node cannot load that ESM build
 * (extensionless imports) but can load the umbrella's CommonJS bundle, which registers
 * the same gradients in tfjs's global registry; a browser cannot resolve the bare
 * umbrella name and falls through to the ESM module, which the bundler packs. Only
 * training needs gradients, so they are loaded on first use.
 */
export function ensureGradients(): Promise<void> {
  ready ??= (async () => {
    if (tf.getGradient('Mean')) return;
    try {
      // A variable specifier keeps bundlers from pulling the whole umbrella into the page.
      const umbrella = '@tensorflow/tfjs';
      await import(/* @vite-ignore */ umbrella);
    } catch {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    }
    if (!tf.getGradient('Mean')) throw new Error('tfjs gradients could not be registered');
  })();
  return ready;
}
