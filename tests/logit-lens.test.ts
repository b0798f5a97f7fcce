/**
 * Lens reductions (top-k, entropy, three KL directions, target probability and rank)
 * against a plain float64 JavaScript recomputation from the captured residuals and
 * the unembedding read straight from the safetensors file.
 */
import { describe, expect, it } from 'vitest';
import type { KlDirection } from '../src/contracts/lens';
import { lensLabels } from '../workers/engine/analyses/logit-lens';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { readTensorF32 } from '../workers/engine/io/safetensors';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

const DIR = 'tests/fixtures/models/stories260K';
const IDS = [1, 403, 407, 261, 378, 432, 383]; // "Once upon a time, there" (stories260K tokenizer, BOS first)
const PATH = [0, 2, 2, 4];

async function weight(name: string): Promise<Float32Array> {
  const ckpt = await openCheckpoint(await dirFileSet(DIR));
  const e = ckpt.tensors.get(name);
  if (!e) throw new Error(name);
  return readTensorF32(e);
}

/** float64 log-softmax of W_U · RMSNorm(h). */
function logProbs(h: ArrayLike<number>, normW: Float32Array, wu: Float32Array, V: number, d: number): Float64Array {
  let ms = 0;
  for (let i = 0; i < d; i++) ms += (h[i] as number) ** 2;
  const inv = 1 / Math.sqrt(ms / d + 1e-5);
  const x = Float64Array.from({ length: d }, (_, i) => (h[i] as number) * inv * (normW[i] as number));
  const z = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (wu[v * d + i] as number) * (x[i] as number);
    z[v] = s;
  }
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, b) => a + Math.exp(b - m), 0));
  return z.map((v) => v - lse);
}

function kl(p: Float64Array, q: Float64Array, floor = 0): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(Math.exp(p[i] as number), floor);
    const b = Math.max(Math.exp(q[i] as number), floor);
    s += a * (Math.log(a) - Math.log(b));
  }
  return Math.max(0, s);
}

describe('logit lens reductions', () => {
  it.each<KlDirection>(['final||row', 'row||final', 'final||row-clipped'])('match a float64 recomputation (KL %s)', async (dir) => {
    const engine = await engineFor(DIR);
    const V = 512;
    const d = 64;
    const T = IDS.length;
    const wu = await weight('model.embed_tokens.weight');
    const normW = await weight('model.norm.weight');
    const run = await engine.capture({ tokens: IDS, path: PATH, capture: ['blocks.*.hook_resid_pre', `blocks.${PATH.length - 1}.hook_resid_post`] });
    const resid = [...PATH.map((_, s) => run.captures[`blocks.${s}.hook_resid_pre`]), run.captures[`blocks.${PATH.length - 1}.hook_resid_post`]];
    const target = [403, 407, 261, 378, 432, 383, 286]; // the next tokens of "Once upon a time, there was"
    const k = 4;
    const lens = await engine.analyze('trace', { run: { tokens: IDS, path: PATH }, options: { topk: k, kl: dir, target } });
    expect(lens.lens.rows.map((r) => r.label)).toEqual(lensLabels(PATH));
    const finalLp = (t: number): Float64Array => logProbs((resid[PATH.length] as { data: Float32Array }).data.subarray(t * d, (t + 1) * d), normW, wu, V, d);
    resid.forEach((r, row) => {
      const got = lens.lens.rows[row];
      if (!r || !got) throw new Error('missing row');
      for (let t = 0; t < T; t++) {
        const lp = logProbs(r.data.subarray(t * d, (t + 1) * d), normW, wu, V, d);
        const fl = finalLp(t);
        const order = Array.from(lp.keys()).sort((a, b) => (lp[b] as number) - (lp[a] as number));
        expect(Array.from(got.topIds.subarray(t * k, (t + 1) * k))).toEqual(order.slice(0, k));
        order.slice(0, k).forEach((id, j) => expect(Math.abs((got.topProbs[t * k + j] as number) - Math.exp(lp[id] as number))).toBeLessThanOrEqual(1e-5));
        const ent = -lp.reduce((s, v) => s + Math.exp(v) * v, 0);
        expect(Math.abs((got.entropy[t] as number) - ent)).toBeLessThanOrEqual(1e-4 * Math.max(1, ent));
        const want = dir === 'row||final' ? kl(lp, fl) : dir === 'final||row' ? kl(fl, lp) : kl(fl, lp, 1 / (10 * V));
        expect(Math.abs((got.klToFinal[t] as number) - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
        const tgt = target[t] as number;
        expect(Math.abs((got.targetProb[t] as number) - Math.exp(lp[tgt] as number))).toBeLessThanOrEqual(1e-5);
        // Rank = #logits ≥ the target's. float32 cannot order logits closer than ~1e-5
        // (the untrained rows of this model tie), so accept any rank inside the near-tie band.
        const lt = lp[tgt] as number;
        const lo = lp.reduce((c, v) => c + (v > lt + 1e-5 ? 1 : 0), 0) + 1;
        const hi = lp.reduce((c, v) => c + (v >= lt - 1e-5 ? 1 : 0), 0);
        expect(got.targetRank[t]).toBeGreaterThanOrEqual(lo);
        expect(got.targetRank[t]).toBeLessThanOrEqual(hi);
      }
    });
    // The last row is the model itself: KL to final is exactly 0 and the default target is its top-1.
    expect(Array.from(lens.lens.rows[PATH.length]?.klToFinal ?? [])).toEqual(new Array(T).fill(0));
    const dflt = await engine.analyze('trace', { run: { tokens: IDS, path: PATH }, options: { topk: 1 } });
    const lastRow = dflt.lens.rows[PATH.length];
    expect(Array.from(dflt.lens.target)).toEqual(Array.from(lastRow?.topIds ?? []));
    expect(Array.from(lastRow?.targetRank ?? [])).toEqual(new Array(T).fill(1));
  });
});
