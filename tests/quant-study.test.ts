/**
 * The layer-wise quantization study (workers/engine/analyses/quant-study.ts, quantize.ts's
 * per-layer API) against the independent NumPy/torch reference (scripts/reference/quant_study.py,
 * tests/golden/quant-study/*.json):
 * - RTN weights BIT FOR BIT: sha256 of every quantised linear map's float32 bytes ([in, out]) of
 *   layers 0 and L−1 for five bit/group/scheme cases;
 * - LIM (flatten and mean) and ZD per layer; fp perplexity and one mixed-bit configuration
 *   (layers 0 and L−1 at 4 bits, the rest at 8) to 1e-4 relative; the lim and zd curves (orders,
 *   low layers, average bits, perplexity);
 * - a run spec's `quantize` field: the run on a cached quantised copy has the reference's logits;
 * - random orders (mean ± sd over seeds), cancel keeps finished points, no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { QuantScheme } from '../src/contracts/quant-study';
import { nextTokenCe } from '../workers/engine/analyses/next-token';
import { ascending, lowCount, shuffled, zdFraction } from '../workers/engine/analyses/quant-scores';
import { defaultPath, disposeForward, forward } from '../workers/engine/forward/forward';
import { quantizeBlockLinears, quantizedCopy } from '../workers/engine/quantize';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface Golden {
  model: string; dataset: string; context: number; tokens: number;
  hashes: { case: string; bits: number; groupSize: number; scheme: QuantScheme; layer: number; sha256: Record<string, string> }[];
  limFlat: number[]; limMean: number[]; zd: number[]; params: number[]; fpPerplexity: number;
  mixed: { bits: Record<string, number>; perplexity: number; logitsLast0: number[] };
  lowBits: number; highBits: number;
  curves: Record<string, { order: number[]; points: { fraction: number; lowLayers: number[]; perplexity: number; avgBits: number }[] }>;
}

const rel = (a: number, e: number): number => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);

function expectClose(a: number[], e: number[], tol: number, what: string): void {
  expect(a.length, what).toBe(e.length);
  a.forEach((v, i) => {
    expect(Number.isFinite(v), `${what}[${i}] finite`).toBe(true);
    expect(Math.abs(v - (e[i] as number)), `${what}[${i}]: ${v} vs ${e[i]}`).toBeLessThanOrEqual(tol);
  });
}

describe('quant-study: scores and orders by hand', () => {
  it('zd of [-1, 0, 0, 0, 1] is 2/5; a constant matrix has none', () => {
    expect(zdFraction([-1, 0, 0, 0, 1])).toBeCloseTo(0.4, 12);
    expect(zdFraction([3, 3, 3])).toBe(0);
  });
  it('orders ascend with ties by index; m = round(f·L) half up; shuffles are seeded permutations', () => {
    expect(ascending([0.3, 0.1, 0.3, 0.05])).toEqual([3, 1, 0, 2]);
    expect([0, 0.1, 0.3, 0.5, 0.9, 1].map((f) => lowCount(f, 5))).toEqual([0, 1, 2, 3, 5, 5]);
    const p = shuffled(10, 7);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(shuffled(10, 7)).toEqual(p);
    expect(shuffled(10, 8)).not.toEqual(p);
  });
});

for (const name of readdirSync('tests/golden/quant-study').map((f) => f.replace(/\.json$/, '')).sort()) {
  describe(`quant-study: ${name} against the reference`, () => {
    const g = JSON.parse(readFileSync(`tests/golden/quant-study/${name}.json`, 'utf8')) as Golden;

    it('RTN weights bit for bit (sha256 of the float32 bytes)', { timeout: 120_000 }, async () => {
      const engine = await engineFor(g.model);
      const blocks = engine.model().model.weights.blocks;
      const before = tf.memory().numTensors;
      for (const h of g.hashes) {
        const made: tf.Tensor[] = [];
        const bw = blocks[h.layer];
        if (!bw) throw new Error(`no layer ${h.layer}`);
        const { block } = await quantizeBlockLinears(bw, { bits: h.bits, groupSize: h.groupSize, ...(h.scheme === 'auto' ? {} : { symmetric: h.scheme === 'symmetric' }) }, made, async () => undefined);
        for (const [map, want] of Object.entries(h.sha256)) {
          const w = (block as unknown as Record<string, { w: tf.Tensor2D }>)[map]?.w;
          if (!w) throw new Error(`no ${map}`);
          const bytes = new Uint8Array(((await w.data()) as Float32Array).slice().buffer);
          expect(createHash('sha256').update(bytes).digest('hex'), `${h.case} layer ${h.layer} ${map}`).toBe(want);
        }
        tf.dispose(made);
      }
      expect(tf.memory().numTensors).toBe(before);
      engine.unload();
    });

    it('LIM, ZD, perplexity and the lim/zd curves', { timeout: 300_000 }, async () => {
      const engine = await engineFor(g.model);
      const ds = engine.datasetLoad(readFileSync(g.dataset), g.dataset.split('/').pop() ?? 'ds.csv');
      const before = tf.memory().numTensors;
      const fractions = g.curves['lim']?.points.map((p) => p.fraction) ?? [];
      const r = await engine.analyze('quant-study', { options: { dataset: ds.id, lowBits: g.lowBits, highBits: g.highBits, orders: ['lim', 'zd'], fractions, context: g.context } });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.tokens).toBe(g.tokens);
      expectClose(r.limFlat, g.limFlat, 1e-5, 'limFlat');
      expectClose(r.limMean, g.limMean, 1e-5, 'limMean');
      expectClose(r.zd, g.zd, 1e-12, 'zd');
      expect(r.params).toEqual(g.params);
      expect(rel(r.fp, g.fpPerplexity)).toBeLessThanOrEqual(1e-4);
      for (const c of r.curves) {
        const e = g.curves[c.order];
        if (!e) throw new Error(`no golden curve ${c.order}`);
        expect(c.layers, `${c.order} order`).toEqual(e.order);
        c.points.forEach((p, i) => {
          const ep = e.points[i];
          if (!ep) throw new Error('missing point');
          expect(p.lowLayers).toEqual(ep.lowLayers);
          expect(p.avgBits).toBeCloseTo(ep.avgBits, 10);
          expect(rel(p.perplexity, ep.perplexity), `${c.order} f=${p.fraction}: ${p.perplexity} vs ${ep.perplexity}`).toBeLessThanOrEqual(1e-4);
          expect(p.sd).toBe(0);
        });
      }
      engine.unload();
    });

    it('a mixed-bit copy (quantizedCopy with a layer → bits map) has the reference perplexity', { timeout: 120_000 }, async () => {
      const engine = await engineFor(g.model);
      const m = engine.model();
      const ds = engine.datasetLoad(readFileSync(g.dataset), 'ds.csv');
      const rows = engine.registry.artifact('dataset', ds.id).dataset.rows.map((row) => (row.ids ?? []).slice(0, g.context));
      const bits = Object.fromEntries(Object.entries(g.mixed.bits).map(([k, v]) => [Number(k), v]));
      const before = tf.memory().numTensors;
      const q = await quantizedCopy(m.model, { bits, groupSize: 0 });
      let nll = 0;
      let n = 0;
      for (const ids of rows.filter((r) => r.length >= 2)) {
        const fw = forward(q.model, ids, { path: defaultPath(m.model.arch.layers) });
        nll += (await nextTokenCe(fw.logits, ids)) * (ids.length - 1);
        n += ids.length - 1;
        disposeForward(fw);
      }
      q.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(rel(Math.exp(nll / n), g.mixed.perplexity)).toBeLessThanOrEqual(1e-4);
      // Layers absent from the map are exact clones.
      expect(() => quantizedCopy(m.model, { bits: { 99: 4 }, groupSize: 0 })).rejects.toThrow(/layer 99 in the bits map is not a layer/);
      engine.unload();
    });

    it('a run spec with quantize runs on one cached quantised copy (reference logits), dropped with its model', { timeout: 120_000 }, async () => {
      const engine = await engineFor(g.model);
      const base = engine.model().id;
      const ds = engine.datasetLoad(readFileSync(g.dataset), 'ds.csv');
      const ids = (engine.registry.artifact('dataset', ds.id).dataset.rows[0]?.ids ?? []).slice(0, g.context);
      const before = tf.memory().numTensors;
      const quantize = { bits: g.mixed.bits };
      const a = await engine.capture({ tokens: ids, quantize });
      const { diff, scale } = maxAbsDiff(a.logitsLast, g.mixed.logitsLast0);
      expect(diff, 'logits of the quantised run').toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
      const clean = await engine.capture({ tokens: ids });
      expect(maxAbsDiff(clean.logitsLast, g.mixed.logitsLast0).diff).toBeGreaterThan(10 * diff);
      // Reused: the same settings make no second copy; the model loaded last is still the base.
      const t = await engine.analyze('trace', { run: { tokens: ids, quantize: { bits: { ...g.mixed.bits } } }, options: { topk: 1 } });
      expect(Array.from(t.logitsLast)).toEqual(Array.from(a.logitsLast));
      expect(engine.registry.modelIds()).toHaveLength(2);
      expect(engine.model().id).toBe(base);
      await expect(engine.capture({ tokens: ids, quantize: { bits: { 99: 4 } } })).rejects.toThrow(/quantize.bits: "99" is not a layer of this model/);
      await expect(engine.capture({ tokens: ids, quantize: { bits: { 0: 1 } } })).rejects.toThrow(/quantize.bits\["0"\] must be an integer from 2 to 16/);
      await expect(engine.capture({ tokens: ids, quantize: { bits: { 0: 4 }, scheme: 'odd' as 'symmetric' } })).rejects.toThrow(/quantize.scheme must be symmetric or asymmetric/);
      engine.registry.dropRuns();
      engine.unload(base);
      expect(engine.registry.modelIds()).toHaveLength(0);
      expect(tf.memory().numTensors).toBeLessThan(before);
    });
  });
}

describe('quant-study: random orders, reverse, cancel, refusals', () => {
  it('random is mean ± sd over seeds; reverse reverses lim; a cancel keeps finished points', { timeout: 300_000 }, async () => {
    const engine = await engineFor('tests/fixtures/models/stories260K');
    const ds = engine.datasetLoad(readFileSync('tests/fixtures/datasets/extract-stories260K.csv'), 'ds.csv');
    const r = await engine.analyze('quant-study', { options: { dataset: ds.id, orders: ['lim', 'reverse', 'random'], fractions: [0, 0.4, 1], seeds: 3, seed: 5 } });
    const [lim, rev, rnd] = r.curves;
    expect(rev?.layers).toEqual([...(lim?.layers ?? [])].reverse());
    expect(rnd?.layers).toEqual(shuffled(5, 5));
    // f = 0 and f = 1 are the same set for every order: same perplexity, sd 0.
    for (const c of r.curves) {
      expect(c.points[0]?.perplexity).toBe(r.high);
      expect(c.points[2]?.perplexity).toBe(lim?.points[2]?.perplexity);
    }
    expect(rnd?.points[1]?.sd).toBeGreaterThan(0);
    expect(r.configs).toBeLessThanOrEqual(2 + 1 + 1 + 3);
    // Cancel after the first configurations: partial points.
    const ac = new AbortController();
    let seen = 0;
    const p = await engine.analyze('quant-study', { options: { dataset: ds.id, orders: ['lim'], fractions: [0, 0.2, 0.4, 0.6, 0.8, 1] } }, {
      signal: ac.signal, onProgress: (x) => { if (x.stage === 'configs' && ++seen === 20) ac.abort(); },
    });
    expect(p.partial?.unit).toBe('points');
    expect(p.curves[0]?.points.length).toBe(p.partial?.done);
    expect(p.partial?.done).toBeLessThan(6);
    await expect(engine.analyze('quant-study', { options: { dataset: ds.id, lowBits: 1 } })).rejects.toThrow(/lowBits must be an integer from 2 to 16/);
    await expect(engine.analyze('quant-study', { options: { dataset: ds.id, fractions: [1.5] } })).rejects.toThrow(/fraction 1.5 is not in \[0, 1\]/);
    engine.unload();
  });
});
