/** Every tensor a run or a lens creates is disposed: tf.memory().numTensors returns to its start. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../workers/engine/errors';
import { engineFor } from './helpers/node-engine';

describe('tensor accounting', () => {
  it('run, trace, failed run and unload leave no tensors behind', async () => {
    (await engineFor('tests/fixtures/models/gpt2')).unload(); // start the backend first
    const start = tf.memory().numTensors;
    const engine = await engineFor('tests/fixtures/models/gemma2');
    const loaded = tf.memory().numTensors;
    expect(loaded).toBeGreaterThan(start);
    const ids = [1, 5, 9, 13, 17, 21];
    await engine.capture({ tokens: ids, path: [0, 1, 1, 2], capture: ['blocks.*.hook_resid_post', 'blocks.2.attn.hook_pattern'], interventions: [{ hook: 'blocks.1.attn.hook_z', kind: 'zero', heads: [0] }, { hook: 'blocks.0.hook_mlp_out', kind: 'mean' }] });
    // The run stays cached on the device (one cache); dropping the caches frees exactly it.
    expect(engine.memory().runs).toHaveLength(1);
    const cached = tf.memory().numTensors;
    expect(cached).toBeGreaterThan(loaded);
    await engine.capture({ tokens: ids, path: [0, 1, 1, 2], capture: ['blocks.*.hook_resid_post'], interventions: [{ hook: 'blocks.1.attn.hook_z', kind: 'zero', heads: [0] }, { hook: 'blocks.0.hook_mlp_out', kind: 'mean' }] });
    expect(tf.memory().numTensors).toBe(cached); // same spec: the cache is read, nothing new on the device
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(loaded);
    for (const kind of ['trace', 'lens', 'attention', 'residual', 'path-effect', 'depth-profile'] as const) {
      await engine.analyze(kind, { run: { tokens: ids, path: [2, 0] }, options: kind === 'trace' ? { topk: 5, attention: true, kl: 'final||row-clipped' } : {} });
      engine.registry.dropRuns();
      expect(tf.memory().numTensors, kind).toBe(loaded);
    }
    // A run that fails part-way (bad intervention value) must release what it created.
    await expect(engine.capture({ tokens: ids, capture: ['blocks.0.hook_resid_pre'], interventions: [{ hook: 'blocks.1.hook_resid_pre', kind: 'add', value: { shape: [3], data: new Float32Array(3) } }] })).rejects.toThrow(StrataError);
    expect(tf.memory().numTensors).toBe(loaded);
    engine.unload();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('a load that fails half-way frees what it uploaded', async () => {
    const { mkdtempSync, copyFileSync, writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'strata-mem-'));
    copyFileSync('tests/fixtures/models/stories260K/model.safetensors', join(dir, 'model.safetensors'));
    const cfg = JSON.parse(readFileSync('tests/fixtures/models/stories260K/config.json', 'utf8')) as Record<string, unknown>;
    // One layer more than the file holds: layers 0–4 upload, then layer 5 is missing.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 6 }));
    const before = tf.memory().numTensors;
    await expect(engineFor(dir)).rejects.toThrow(/model\.layers\.5\..*missing/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
