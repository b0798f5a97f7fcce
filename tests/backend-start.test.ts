import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../workers/engine/backend';

describe('initBackend', () => {
  it('names why a backend whose factory fails was skipped, and starts the next one', async () => {
    // tf.setBackend only logs a failing factory and returns false: the reason must still reach `skipped`.
    tf.registerBackend('webgl', () => { throw new Error('no WebGL context in this test'); });
    const reasons: string[] = [];
    const name = await initBackend(['webgl', 'cpu'], reasons);
    expect(name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(reasons).toEqual(['webgl: no WebGL context in this test']);
  });
});

describe('initBackend with a tfjs-backend-wasm style failure', () => {
  it('reads the message of a plain {message} rejection', async () => {
    tf.removeBackend('webgl');
    // tfjs-backend-wasm's init() rejects with `{ message }`, not an Error.
    tf.registerBackend('webgl', () => Promise.reject({ message: 'the .wasm file could not be fetched' }));
    const reasons: string[] = [];
    expect(await initBackend(['webgl', 'cpu'], reasons)).toBe('cpu');
    expect(reasons).toEqual(['webgl: the .wasm file could not be fetched']);
  });
});
