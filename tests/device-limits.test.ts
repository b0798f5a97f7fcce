/**
 * Adapter buffer limits: the unembedding is split into column blocks that fit, and a
 * tensor that cannot fit is refused before upload with its name, size and the limit.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const DIR = 'tests/fixtures/models/stories260K';
const golden = JSON.parse(readFileSync('tests/golden/stories260K.json', 'utf8')) as { cases: { ids: number[]; path: number[] | null; logitsLast: number[] }[] };

describe('device buffer limits', () => {
  it('splits the tied 512×64 unembedding into blocks and still matches the reference', async () => {
    (await engineFor(DIR)).unload(); // backend up
    const engine = new Engine();
    // 50 000 bytes: every layer matrix fits (largest 172×64×4 = 44 032 B), the 131 072 B embedding does not.
    const info = await engine.load(await dirFileSet(DIR), { maxTensorBytes: 50_000 });
    expect(info.info.tiedEmbeddings).toBe(true);
    for (const c of golden.cases) {
      const r = await engine.analyze('trace', { run: { tokens: c.ids, path: c.path ?? undefined } });
      const { diff, scale } = maxAbsDiff(r.logitsLast, c.logitsLast);
      expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    }
    engine.unload();
  });

  it('blocks an untied embedding and lm_head (llama-gqa, BF16, sharded) and still matches the reference', async () => {
    const g = JSON.parse(readFileSync('tests/golden/llama-gqa.json', 'utf8')) as typeof golden;
    (await engineFor(DIR)).unload();
    const engine = new Engine();
    // 20 000 bytes: 200×48 embeddings (38 400 B) split in two blocks of 104 columns; MLP matrices (18 432 B) fit.
    const info = await engine.load(await dirFileSet('tests/fixtures/models/llama-gqa'), { maxTensorBytes: 20_000 });
    expect(info.info.tiedEmbeddings).toBe(false);
    for (const c of g.cases) {
      const r = await engine.analyze('trace', { run: { tokens: c.ids, path: c.path ?? undefined } });
      const { diff, scale } = maxAbsDiff(r.logitsLast, c.logitsLast);
      expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    }
    engine.unload();
  });

  it('refuses a layer matrix larger than the limit, naming it, before anything stays on the device', async () => {
    (await engineFor(DIR)).unload();
    const before = tf.memory().numTensors;
    await expect(new Engine().load(await dirFileSet(DIR), { maxTensorBytes: 40_000 })).rejects.toThrow(
      /tensor model\.layers\.\d\.mlp\.(gate|up|down)_proj\.weight needs 44032 bytes .* largest buffer is 40000 bytes/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
