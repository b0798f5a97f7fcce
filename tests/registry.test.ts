/** Run caches: the same spec is never re-run; runs are evicted least-recently-used past the budget, never while pinned. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

describe('registry', () => {
  it('reuses a run, evicts the least recently used past the budget, holds two models', async () => {
    const engine = await engineFor('tests/fixtures/models/llama-gqa');
    const a = await engine.run({ tokens: [1, 2, 3] });
    const again = await engine.run({ tokens: [1, 2, 3] });
    expect(again.runId).toBe(a.runId);
    const withIv = await engine.run({ tokens: [1, 2, 3], interventions: [{ hook: 'blocks.0.hook_attn_out', kind: 'zero' }] });
    expect(withIv.runId).not.toBe(a.runId);
    expect(Array.from(withIv.logitsLast)).not.toEqual(Array.from(a.logitsLast));
    const per = engine.memory().runs[0]?.bytes ?? 0;
    expect(per).toBeGreaterThan(0);
    // Budget for ~2 runs of this size: a third evicts the least recently used (the first, unless touched).
    engine.registry.runBudget = per * 2.5;
    await engine.run({ tokens: [1, 2, 3] }); // touch the first: now the intervened run is the oldest
    await engine.run({ tokens: [4, 5, 6] });
    const held = engine.memory().runs.map((r) => r.id);
    expect(held).toContain(a.runId);
    expect(held).not.toContain(withIv.runId);
    expect(held.length).toBe(2);
    // A second model beside the first; dropping it drops its runs.
    const b = await engine.load(await dirFileSet('tests/fixtures/models/gpt2'));
    expect(engine.registry.modelIds()).toHaveLength(2);
    const rb = await engine.run({ model: b.id, tokens: [1, 2] });
    expect(rb.model).toBe(b.id);
    engine.unload(b.id);
    expect(engine.memory().runs.some((r) => r.model === b.id)).toBe(false);
    expect(engine.model().id).not.toBe(b.id);
    engine.unload();
    expect(tf.memory().numTensors).toBe(0);
  });
});
