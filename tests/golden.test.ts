/**
 * The engine against the independent float64 PyTorch reference (scripts/reference/),
 * on random-weight checkpoints of every family and on the real stories260K weights,
 * under default, skipping, looping and reordering paths.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../workers/engine/engine';
import type { GoldenCase } from './helpers/golden';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface Golden {
  model: string;
  cases: GoldenCase[];
  greedy?: { prompt: number[]; continuation: number[] };
}

const files = readdirSync('tests/golden').filter((f) => f.endsWith('.json')).sort();

/** |a − e| ≤ abs + rel·|e| elementwise, reporting the worst element. */
function expectClose(label: string, a: ArrayLike<number>, e: ArrayLike<number>, abs: number, rel: number): void {
  expect(a.length, `${label} length`).toBe(e.length);
  let worst = { i: -1, excess: 0 };
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs((a[i] as number) - (e[i] as number)) - (abs + rel * Math.abs(e[i] as number));
    if (!(excess <= worst.excess)) worst = { i, excess: Number.isNaN(excess) ? Infinity : excess };
  }
  expect(worst.i, `${label}: element ${worst.i} got ${a[worst.i]} expected ${e[worst.i]}`).toBe(-1);
}

describe.each(files)('golden %s', (file) => {
  const golden = JSON.parse(readFileSync(`tests/golden/${file}`, 'utf8')) as Golden;
  let engine: Engine;

  it.each(golden.cases.map((c, i) => [i, c.path ? c.path.join(',') : 'default', c] as const))('case %i path %s', async (_i, _p, c) => {
    engine ??= await engineFor(golden.model);
    const r = await engine.analyze('trace', { run: { tokens: c.ids, path: c.path ?? undefined }, options: { topk: 1, attention: true } });
    const T = c.ids.length;
    // Issue 2 item 8: max |Δlogit| ≤ 1e-3·max(1, |logit|max).
    const { diff, scale } = maxAbsDiff(r.logitsLast, c.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    expect(r.residNorms.length).toBe(c.residNorms.length);
    c.residNorms.forEach((row, s) => expectClose(`residNorms[${s}]`, r.residNorms[s] as Float32Array, row, 1e-4, 1e-4));
    expect(r.lens.rows.length).toBe(c.lens.length);
    c.lens.forEach((row, s) => {
      const got = r.lens.rows[s];
      if (!got) throw new Error('missing lens row');
      expect(Array.from(got.topIds), `lens[${s}].top1`).toEqual(row.top1);
      expectClose(`lens[${s}].top1Prob`, got.topProbs, row.top1Prob, 1e-4, 1e-3);
      expectClose(`lens[${s}].entropy`, got.entropy, row.entropy, 1e-4, 1e-3);
      expectClose(`lens[${s}].klToFinal`, got.klToFinal, row.klToFinal, 1e-4, 1e-3);
    });
    const att = r.attention ?? [];
    expect(att.length).toBe(c.attention.length);
    c.attention.forEach((heads, s) => expectClose(`attention[${s}]`, att[s] as Float32Array, heads.flat(2), 1e-5, 1e-4));
    expect((att[0] as Float32Array).length).toBe(c.attention[0] ? c.attention[0].length * T * T : 0);
  });

  if (golden.greedy) {
    const g = golden.greedy;
    it('greedy continuation matches the reference', async () => {
      engine ??= await engineFor(golden.model);
      const ids = [...g.prompt];
      for (let i = 0; i < g.continuation.length; i++) {
        const r = await engine.capture({ tokens: ids });
        let best = 0;
        r.logitsLast.forEach((v, j) => { if (v > (r.logitsLast[best] as number)) best = j; });
        ids.push(best);
      }
      expect(ids.slice(g.prompt.length)).toEqual(g.continuation);
    });
  }
});
