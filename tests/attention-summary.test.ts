import { describe, expect, it } from 'vitest';
import { summarizeHeads } from '../workers/engine/analyses/attention-summary';

describe('head summaries', () => {
  it('the sink share leaves out query 0, hand-computed on a 3-token pattern', () => {
    // One head, T = 3, rows = queries (causal):
    // q0: [1, 0, 0]   q1: [0.25, 0.75, 0]   q2: [0.5, 0.1, 0.4]
    const p = Float32Array.from([1, 0, 0, 0.25, 0.75, 0, 0.5, 0.1, 0.4]);
    const [h] = summarizeHeads(p, 1, 3);
    if (!h) throw new Error('no summary');
    // (0.25 + 0.5) / 2, not (1 + 0.25 + 0.5) / 3.
    expect(h.firstShare).toBeCloseTo(0.375, 6);
    // Previous token: q1 → 0.25 (key 0), q2 → 0.1 (key 1): mean 0.175.
    expect(h.prevToken).toBeCloseTo(0.175, 6);
    // Entropy in bits, mean over all 3 queries: 0, H(.25,.75), H(.5,.1,.4).
    const H = (ps: number[]) => -ps.reduce((a, x) => a + (x > 0 ? x * Math.log2(x) : 0), 0);
    expect(h.entropyBits).toBeCloseTo((0 + H([0.25, 0.75]) + H([0.5, 0.1, 0.4])) / 3, 5);
  });

  it('one token has no sink share to report', () => {
    const [h] = summarizeHeads(Float32Array.from([1]), 1, 1);
    expect(h?.firstShare).toBeNaN();
  });
});
