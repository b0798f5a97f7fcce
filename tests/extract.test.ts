/**
 * Batch extraction in-process: batches give the same activations as one row at
 * a time (and as the run cache of each row alone), positions select what they say,
 * the memory estimate refuses with the figure, cancel leaves nothing behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { exportActivationSet } from '../workers/engine/artifacts/activation-set';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const ROWS = [[1, 5, 9, 13, 17], [1, 40], [7, 8, 9, 10, 11, 12, 13, 14], [1], [3, 2, 1, 0, 60, 90]];
const csv = ['ids,label', ...ROWS.map((r, i) => `"${r.join(',')}",${i % 2 ? 'b' : 'a'}`)].join('\n');

describe('extract', () => {
  for (const model of ['llama-gqa', 'gpt2', 'gemma2', 'gpt_neox']) {
    it(`${model}: batches equal rows run alone, at every position kind`, async () => {
      const engine = await engineFor(`tests/fixtures/models/${model}`);
      const ds = engine.datasetLoad(new TextEncoder().encode(csv), 'rows.csv');
      expect(ds.rows).toBe(ROWS.length);
      const hooks = ['hook_embed', 'blocks.*.hook_resid_post', 'blocks.1.attn.hook_z', 'blocks.0.mlp.hook_post'];
      const get = (id: string) => engine.registry.artifact('activations', id).set;
      for (const position of ['last', 'all', 0] as const) {
        const packed = await engine.analyze('extract', { options: { dataset: ds.id, hooks, position, batchTokens: 64 } });
        const single = await engine.analyze('extract', { options: { dataset: ds.id, hooks, position, batchTokens: 0 } });
        expect(packed.batched).toBe(true);
        expect(single.batched).toBe(false);
        const a = get(packed.artifact);
        const b = get(single.artifact);
        expect(a.hooks).toEqual(b.hooks);
        a.data.forEach((x, j) => {
          const { diff, scale } = maxAbsDiff(x, b.data[j] as Float32Array);
          expect(diff, `${position} ${a.hooks[j]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
          expect(Number.isFinite(diff)).toBe(true);
        });
        // Row by row against the capture of that row alone.
        const step = engine.model().info.layers - 1;
        const name = `blocks.${step}.hook_resid_post`;
        const j = a.hooks.indexOf(name);
        const d = a.widths[j] as number;
        let v = 0;
        for (const ids of ROWS) {
          const c = (await engine.capture({ tokens: ids, capture: [name] })).captures[name];
          if (!c) throw new Error('capture missing');
          const picks = position === 'all' ? ids.map((_, t) => t) : [position === 'last' ? ids.length - 1 : 0];
          for (const t of picks) {
            const { diff, scale } = maxAbsDiff((a.data[j] as Float32Array).subarray(v * d, (v + 1) * d), c.data.subarray(t * d, (t + 1) * d));
            expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
            v++;
          }
        }
        expect(v).toBe(a.vectors);
        if (position === 'all') {
          expect(Array.from(a.row ?? [])).toEqual(ROWS.flatMap((r, i) => r.map(() => i)));
          expect(Array.from(a.pos ?? [])).toEqual(ROWS.flatMap((r) => r.map((_, t) => t)));
        }
        expect(Array.from(a.labels ?? [])).toEqual([0, 1, 0, 1, 0]);
        engine.dropArtifact(packed.artifact);
        engine.dropArtifact(single.artifact);
      }
      engine.unload();
    });
  }

  it('mean leaves out a BOS at position 0 only; bad positions name the row; refuses past the memory limit; cancel', async () => {
    const engine = await engineFor('tests/fixtures/models/llama-gqa');
    const bos = engine.model().bosId;
    const ds = engine.datasetLoad(new TextEncoder().encode(csv), 'rows.csv');
    const all = await engine.analyze('extract', { options: { dataset: ds.id, hooks: ['blocks.0.hook_resid_post'], position: 'all' } });
    const mean = await engine.analyze('extract', { options: { dataset: ds.id, hooks: ['blocks.0.hook_resid_post'], position: 'mean' } }).catch((e: Error) => e);
    const A = engine.registry.artifact('activations', all.artifact).set;
    const d = A.widths[0] as number;
    if (bos === 1) {
      // Row 3 is [1] = only BOS: its mean over the other positions is empty, and that is said.
      expect(String(mean)).toMatch(/row 3 holds only the BOS token/);
    } else {
      if (mean instanceof Error) throw mean;
      const M = engine.registry.artifact('activations', mean.artifact).set;
      let v = 0;
      ROWS.forEach((ids, i) => {
        const from = bos !== undefined && ids[0] === bos ? 1 : 0;
        for (let c = 0; c < d; c++) {
          let s = 0;
          for (let t = from; t < ids.length; t++) s += (A.data[0] as Float32Array)[(v + t) * d + c] as number;
          expect(Math.abs(((M.data[0] as Float32Array)[i * d + c] as number) - s / (ids.length - from))).toBeLessThanOrEqual(1e-5);
        }
        v += ids.length;
      });
    }
    await expect(engine.analyze('extract', { options: { dataset: ds.id, position: 2 } })).rejects.toThrow(/row 1 has 2 tokens, so position 2 does not exist/);
    await expect(engine.analyze('extract', { options: { dataset: ds.id, maxBytes: 100 } })).rejects.toThrow(/need .* MiB, more than the/);
    await expect(engine.analyze('extract', { options: { dataset: ds.id, hooks: ['blocks.0.attn.hook_pattern'] } })).rejects.toThrow(/not one vector per token/);
    // Cancel after the first batch: an error, no artifact, no tensor left.
    engine.registry.dropRuns();
    const before = tf.memory().numTensors;
    const artifacts = engine.memory().artifacts.length;
    const ctl = new AbortController();
    await expect(engine.analyze('extract', { options: { dataset: ds.id, batchTokens: 0 } }, { signal: ctl.signal, onProgress: (p) => { if (p.done === 1) ctl.abort(); } })).rejects.toThrow(/cancelled/);
    expect(engine.memory().artifacts.length).toBe(artifacts);
    expect(tf.memory().numTensors).toBe(before);
    // The exported file: header, names, shapes, labels.
    const bytes = exportActivationSet(A);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[] }>;
    expect(header['blocks.0.hook_resid_post']).toMatchObject({ dtype: 'F32', shape: [A.vectors, d] });
    expect(header['labels']).toMatchObject({ dtype: 'I32', shape: [ROWS.length] });
    expect(header['row']).toMatchObject({ dtype: 'I32', shape: [A.vectors] });
    expect((8 + n) % 8).toBe(0);
    engine.unload();
  });
});
