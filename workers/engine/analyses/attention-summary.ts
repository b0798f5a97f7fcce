/** Per-head summaries of one step's attention pattern (METHODS.md §10). */
import type { HeadSummary } from '../../../src/contracts/attention';

export type { HeadSummary };

/** pattern: [H, T(query), T(key)] row-major. */
export function summarizeHeads(pattern: Float32Array, heads: number, T: number): HeadSummary[] {
  const out: HeadSummary[] = [];
  for (let h = 0; h < heads; h++) {
    let ent = 0;
    let first = 0;
    let prev = 0;
    for (let i = 0; i < T; i++) {
      const row = h * T * T + i * T;
      let e = 0;
      for (let j = 0; j <= i; j++) {
        const p = pattern[row + j] as number;
        if (p > 0) e -= p * Math.log2(p);
      }
      ent += e;
      // Query 0 can attend only to position 0: counting it would inflate the sink share.
      if (i >= 1) {
        first += pattern[row] as number;
        prev += pattern[row + i - 1] as number;
      }
    }
    out.push({ entropyBits: ent / T, firstShare: T > 1 ? first / (T - 1) : NaN, prevToken: T > 1 ? prev / (T - 1) : NaN });
  }
  return out;
}
