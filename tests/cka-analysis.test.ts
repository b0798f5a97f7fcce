/**
 * The cka analysis in-process: its map equals the arithmetic on the extract analysis's own
 * activation sets (both forms), B = A under the same path is the symmetric map, activation
 * sets are reused only for the same inputs, cancel and failures leave no artifact or tensor
 * behind, and bad inputs (non-finite activations, pooled tokens across tokenizers) say so.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linearCka, type Vectors } from '../workers/engine/analyses/cka-math';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

const csv = readFileSync('tests/fixtures/datasets/cka-llama-gqa.csv');

describe('cka analysis', () => {
  it('llama-gqa: the map is CKA of the extracted sets; forms agree; B = A with the same path is the same map; reuse', async () => {
    const e = await engineFor('tests/fixtures/models/llama-gqa');
    const ds = e.datasetLoad(csv, 'cka.csv');
    const hooks = ['hook_embed', 'blocks.*.hook_resid_post'];
    const ex = await e.analyze('extract', { options: { dataset: ds.id, hooks, position: 'mean' } });
    const set = e.registry.artifact('activations', ex.artifact).set;
    const V = set.hooks.map((h, j): Vectors => ({ data: set.data[j] as Float32Array, n: set.vectors, d: set.widths[j] as number, name: h }));
    const progress: string[] = [];
    const feat = await e.analyze('cka', { options: { dataset: ds.id, hooks, position: 'mean', kind: 'debiased', form: 'feature' } }, { onProgress: (p) => progress.push(p.phase) });
    expect(feat.symmetric).toBe(true);
    expect(feat.rows).toEqual(set.hooks);
    expect(feat.n).toBe(24);
    expect(progress[0]).toBe('extract A');
    expect(progress).toContain('cka');
    feat.cka.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - linearCka(V[i] as Vectors, V[j] as Vectors, 'debiased', 'gram'))).toBeLessThanOrEqual(1e-10)));
    const gram = await e.analyze('cka', { options: { dataset: ds.id, hooks, position: 'mean', kind: 'debiased', form: 'gram', reuse: feat.artifacts } });
    expect(gram.artifacts).toEqual(feat.artifacts); // the same inputs: no second extraction
    gram.cka.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - ((feat.cka[i] as number[])[j] as number))).toBeLessThanOrEqual(1e-10)));
    // Explicit B = A's model and full path: computed as two sides, the same numbers (the set is reused for B).
    const two = await e.analyze('cka', { options: { dataset: ds.id, hooks, position: 'mean', kind: 'debiased', b: {}, reuse: feat.artifacts } });
    expect(two.symmetric).toBe(false);
    expect(two.artifacts).toEqual(feat.artifacts);
    two.cka.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - ((feat.cka[i] as number[])[j] as number))).toBeLessThanOrEqual(1e-10)));
    // Other inputs (the position) are not reused.
    const last = await e.analyze('cka', { options: { dataset: ds.id, hooks, position: 'last', reuse: feat.artifacts } });
    expect(last.artifacts[0]).not.toBe(feat.artifacts[0]);
    // Path A × path B (rows = steps): skip layer 1 on B; depth and layers of each step.
    const skip = await e.analyze('cka', { options: { dataset: ds.id, hooks: ['blocks.*.hook_resid_post'], b: { path: [0, 2] } } });
    expect(skip.cols).toEqual(['blocks.0.hook_resid_post', 'blocks.1.hook_resid_post']);
    expect(skip.layerCols).toEqual([0, 2]);
    expect(skip.depthCols).toEqual([0.5, 1]);
    expect(skip.depthRows.map((x) => Number(x.toFixed(6)))).toEqual([0.333333, 0.666667, 1]);
    expect(Math.abs((skip.cka[0] as number[])[0] as number - 1)).toBeLessThanOrEqual(1e-6); // step 0 runs layer 0 in both
    expect(skip.best[0]).toBe(0);
    e.unload();
  });

  it('cancel and failures leave no artifact and no tensor; non-finite activations are named', async () => {
    const e = await engineFor('tests/fixtures/models/llama-gqa');
    const ds = e.datasetLoad(csv, 'cka.csv');
    e.registry.dropRuns();
    const before = tf.memory().numTensors;
    const artifacts = e.memory().artifacts.length;
    const ctl = new AbortController();
    await expect(e.analyze('cka', { options: { dataset: ds.id, batchTokens: 0, b: { path: [0, 1] } } }, { signal: ctl.signal, onProgress: (p) => { if (p.phase === 'extract B' && p.done >= 2) ctl.abort(); } })).rejects.toThrow(/cancelled/);
    const ctl2 = new AbortController();
    await expect(e.analyze('cka', { options: { dataset: ds.id, minibatch: 8 } }, { signal: ctl2.signal, onProgress: (p) => { if (p.phase === 'cka' && p.done >= 1) ctl2.abort(); } })).rejects.toThrow(/the CKA was cancelled/);
    expect(e.memory().artifacts.length).toBe(artifacts);
    expect(tf.memory().numTensors).toBe(before);
    // An intervention that adds +∞ at step 0: the CKA names the hook instead of returning NaN.
    const d = e.model().info.dModel;
    const inf = { hook: 'blocks.0.hook_resid_post', kind: 'add' as const, value: { shape: [d], data: new Float32Array(d).fill(Infinity) } };
    await expect(e.analyze('cka', { run: { tokens: [], interventions: [inf] }, options: { dataset: ds.id, hooks: ['blocks.0.hook_resid_post'] } })).rejects.toThrow(/blocks\.0\.hook_resid_post of model A holds (Infinity|NaN) at vector 0/);
    await expect(e.analyze('cka', { options: { dataset: ds.id, linearMap: true, holdout: 1 } })).rejects.toThrow(/holdout must be a fraction between 0 and 1/);
    await expect(e.analyze('cka', { options: { dataset: ds.id, form: 'gram', maxBytes: 1024 } })).rejects.toThrow(/more than the .* MiB allowed/);
    expect(e.memory().artifacts.length).toBe(artifacts);
    e.unload();
  });

  it('demo × stories260K: mean over each model\'s own tokens is allowed (with a note), all is refused before any model runs', async () => {
    const e = await engineFor('public/models/demo');
    const b = await e.load(await dirFileSet('tests/fixtures/models/stories260K'));
    const ds = e.datasetLoad(readFileSync('tests/fixtures/datasets/cka-texts.csv'), 'cka-texts.csv');
    const a = e.registry.modelIds()[0] as string;
    const r = await e.analyze('cka', { model: a, options: { dataset: ds.id, position: 'mean', limit: 12, b: { model: b.id } } });
    expect(r.rows).toHaveLength(6);
    expect(r.cols).toHaveLength(5);
    expect(r.notes.join(' ')).toMatch(/own tokenizer/);
    expect(r.depthCols).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    const phases: string[] = [];
    await expect(e.analyze('cka', { model: a, options: { dataset: ds.id, position: 'all', b: { model: b.id } } }, { onProgress: (p) => phases.push(p.phase) })).rejects.toThrow(/position all pools every token/);
    expect(phases).toEqual([]);
    e.unload();
  });
});
