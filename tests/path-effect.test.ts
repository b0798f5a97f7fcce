/** Path effect (KL, L2, top-k, target rank) against a float64 recomputation from the two runs' logits. */
import { describe, expect, it } from 'vitest';
import { engineFor } from './helpers/node-engine';

function logSoftmax(z: Float32Array): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(Array.from(z).reduce((s, v) => s + Math.exp(v - m), 0));
  return Array.from(z, (v) => v - lse);
}

describe('pathEffect', () => {
  it.each([[[0, 1, 3, 4]], [[0, 1, 1, 2, 3, 4]], [[4, 3, 2, 1, 0]]])('path %j', async (path) => {
    const engine = await engineFor('tests/fixtures/models/stories260K');
    const ids = [1, 403, 407, 261, 378, 432]; // "Once upon a time," (stories260K tokenizer, BOS first)
    const ivs = [{ hook: 'blocks.1.attn.hook_z', kind: 'zero' as const, heads: [0] }];
    const e = await engine.analyze('path-effect', { run: { tokens: ids, path, interventions: ivs }, options: { k: 4, target: 383 } });
    const full = logSoftmax((await engine.capture({ tokens: ids, interventions: ivs })).logitsLast);
    const edit = logSoftmax((await engine.capture({ tokens: ids, path, interventions: ivs })).logitsLast);
    const kl = full.reduce((s, v, i) => s + Math.exp(v) * (v - (edit[i] as number)), 0);
    const l2 = Math.sqrt(full.reduce((s, v, i) => s + (Math.exp(edit[i] as number) - Math.exp(v)) ** 2, 0));
    expect(Math.abs(e.kl - kl)).toBeLessThanOrEqual(1e-5 * Math.max(1, kl));
    expect(Math.abs(e.l2 - l2)).toBeLessThanOrEqual(1e-6);
    expect(e.edited.map((t) => t.id)).toEqual(Array.from(edit.keys()).sort((a, b) => (edit[b] as number) - (edit[a] as number)).slice(0, 4));
    expect(Math.abs(e.target.probPath - Math.exp(edit[383] as number))).toBeLessThanOrEqual(1e-6);
    expect(e.target.rankPath).toBe(edit.filter((v) => v >= (edit[383] as number)).length);
  });
});
