import { describe, expect, it } from 'vitest';
import { engineFor } from './helpers/node-engine';

describe('run cache', () => {
  it('capturing more hooks keeps the tensors other analyses are reading (no dispose under a pending read)', async () => {
    const e = await engineFor('public/models/demo');
    const ids = e.encode('The capital of France is');
    const cache = e.registry.run(undefined, ids, [0, 1, 2, 3, 4, 5], [], []);
    // What a lens analysis holds across an await.
    const resid = cache.residuals[2];
    const logits = cache.logits;
    if (!resid) throw new Error('no residual');
    const before = Float32Array.from(resid.dataSync());
    const pending = logits.data();
    cache.ensure(['blocks.*.attn.hook_pattern']);
    expect(resid.isDisposed).toBe(false);
    expect(logits.isDisposed).toBe(false);
    expect(Array.from(resid.dataSync())).toEqual(Array.from(before));
    expect((await pending).length).toBe(ids.length * e.model().info.vocab);
    // The new hooks are there, and a second ensure of the same hooks changes nothing.
    const names = cache.hookNames('blocks.*.attn.hook_pattern');
    expect(names).toHaveLength(6);
    const first = cache.hook(names[0] as string);
    cache.ensure(['blocks.*.attn.hook_pattern']);
    expect(cache.hook(names[0] as string)).toBe(first);
  });
});
