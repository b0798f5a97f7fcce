/**
 * Fake weight quantisation (workers/engine/quantize.ts) against the float64 reference
 * (scripts/reference/quantize.py, tests/golden/quantize/*.json: numpy rounding of the HF
 * [out, in] weights, then the Hooked forward): the quantised copy's logits within 1e-4·max|z|
 * and block 0's MLP input weights to 1e-6; hand-computed groups; default group sizes; the copy
 * is a model of its own (the original unchanged, either unloaded first, no tensor left behind);
 * a probe runs on it; `strata probe --quantize` names the copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupFor, quantizeMatrix, roundHalfEven } from '../workers/engine/quantize';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface Golden { model: string; ids: number[]; logitsClean: number[]; cases: { name: string; bits: number; groupSize: number; logitsLast: number[]; up0: { shape: number[]; data: number[] } }[] }

describe('quantize: formulas by hand', () => {
  it('round half to even, groups, clamps, a constant group', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 63.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 64]);
    // W [in = 4, out = 1]: one asymmetric 2-bit group [0, .1, .25, 1] -> s = 1/3 -> [0, 0, 1/3, 1]
    const a = quantizeMatrix(Float32Array.from([0, 0.1, 0.25, 1]), 4, 1, { bits: 2, groupSize: 0 });
    expect(Array.from(a).map((v) => Math.round(v * 3 * 1e6) / 1e6)).toEqual([0, 0, 1, 3]);
    // 8-bit symmetric row [-1, .3, .5]: s = 1/127 -> [-127, 38, 64]/127
    const s = quantizeMatrix(Float32Array.from([-1, 0.3, 0.5]), 3, 1, { bits: 8, groupSize: 0 });
    expect(Array.from(s).map((v) => Math.round(v * 127))).toEqual([-127, 38, 64]);
    // Two columns (outputs) are quantised apart; groups of 2 inputs within each.
    const w = Float32Array.from([0, 10, 1, 20, 5, 30, 7, 40]); // [in 4, out 2] row-major
    const q = quantizeMatrix(w, 4, 2, { bits: 2, groupSize: 2, symmetric: false });
    expect(Array.from(q)).toEqual([0, 10, 1, 20, 5, 30, 7, 40]); // a group of two is its {min, max}: exact
    const c = quantizeMatrix(Float32Array.from([0.7, 0.7, 0.7, 0.7]), 4, 1, { bits: 4, groupSize: 0 });
    expect(Array.from(c)).toEqual(Array.from(Float32Array.from([0.7, 0.7, 0.7, 0.7])));
    expect(() => quantizeMatrix(w, 4, 2, { bits: 4, groupSize: 3 })).toThrow(/does not divide a row of 4/);
  });

  it('default groups: 8 bits the whole row; fewer: 128 lowered by 32 until it divides, else the row', () => {
    expect(groupFor(4096, { bits: 8, groupSize: 0 })).toBe(4096);
    expect(groupFor(384, { bits: 4, groupSize: 0 })).toBe(128);
    expect(groupFor(96, { bits: 4, groupSize: 0 })).toBe(96);
    expect(groupFor(160, { bits: 4, groupSize: 0 })).toBe(32);
    expect(groupFor(48, { bits: 4, groupSize: 0 })).toBe(48);
    expect(groupFor(64, { bits: 2, groupSize: 16 })).toBe(16);
  });

  it('every weight within half a step of its group, at most 2^b levels per group', () => {
    const inputs = 64;
    const outputs = 3;
    const w = Float32Array.from({ length: inputs * outputs }, (_, i) => Math.sin(i * 12.9898) * 3);
    const q = quantizeMatrix(w, inputs, outputs, { bits: 3, groupSize: 16 });
    for (let c = 0; c < outputs; c++) {
      for (let g = 0; g < inputs; g += 16) {
        const col = Array.from({ length: 16 }, (_, r) => w[(g + r) * outputs + c] as number);
        const s = (Math.max(...col) - Math.min(...col)) / 7;
        const got = Array.from({ length: 16 }, (_, r) => q[(g + r) * outputs + c] as number);
        expect(new Set(got.map((v) => Math.round((v - Math.min(...col)) / s))).size).toBeLessThanOrEqual(8);
        got.forEach((v, r) => expect(Math.abs(v - (col[r] as number))).toBeLessThanOrEqual(s / 2 + 1e-6));
      }
    }
  });
});

describe('quantize: the copy against the reference', () => {
  for (const name of readdirSync('tests/golden/quantize').map((f) => f.replace(/\.json$/, '')).sort()) {
    it(name, { timeout: 300_000 }, async () => {
      const g = JSON.parse(readFileSync(`tests/golden/quantize/${name}.json`, 'utf8')) as Golden;
      const engine = await engineFor(g.model);
      const orig = engine.model().id;
      const before = tf.memory().numTensors;
      for (const c of g.cases) {
        const m = await engine.quantize({ bits: c.bits, groupSize: c.groupSize });
        expect(m.id).not.toBe(orig);
        expect(m.label).toMatch(new RegExp(`${c.bits}-bit RTN`));
        const z = (await engine.capture({ model: m.id, tokens: g.ids })).logitsLast;
        const { diff, scale } = maxAbsDiff(z, c.logitsLast);
        expect(diff, `${name} ${c.name}: logits`).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
        const up = m.model.weights.blocks[0]?.up.w;
        if (!up) throw new Error('no up projection');
        const rows = (await up.data()).subarray(0, c.up0.data.length);
        expect(up.shape[1]).toBe(c.up0.shape[1]);
        const u = maxAbsDiff(rows, c.up0.data);
        expect(u.diff, `${name} ${c.name}: block 0 up weights`).toBeLessThanOrEqual(1e-6 * Math.max(1, u.scale));
        engine.unload(m.id);
      }
      // The original is untouched.
      const z0 = (await engine.capture({ model: orig, tokens: g.ids })).logitsLast;
      const d0 = maxAbsDiff(z0, g.logitsClean);
      expect(d0.diff).toBeLessThanOrEqual(1e-4 * Math.max(1, d0.scale));
      engine.registry.dropRuns();
      expect(tf.memory().numTensors).toBe(before);
      // The copy outlives its original (it holds its own references).
      const c = g.cases[1];
      if (!c) throw new Error('no 4-bit case');
      const m = await engine.quantize({ bits: c.bits, groupSize: c.groupSize });
      engine.unload(orig);
      const z = (await engine.capture({ model: m.id, tokens: g.ids })).logitsLast;
      expect(maxAbsDiff(z, c.logitsLast).diff).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbsDiff(z, c.logitsLast).scale));
      engine.unload();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    });
  }

  it('a probe trains on the 4-bit copy like on any model', { timeout: 300_000 }, async () => {
    const engine = await engineFor('tests/fixtures/models/gpt2');
    const m = await engine.quantize({ bits: 4, groupSize: 0 });
    const ds = engine.datasetLoad(readFileSync('tests/fixtures/datasets/probe-gpt2.csv'), 'probe-gpt2.csv');
    const clean = await engine.analyze('probe', { model: engine.registry.modelIds()[0], options: { dataset: ds.id, bootstrap: 0 } });
    const q = await engine.analyze('probe', { model: m.id, options: { dataset: ds.id, bootstrap: 0 } });
    expect(q.hooks).toEqual(clean.hooks);
    expect(engine.registry.artifact('probe', q.probes[0] as string).model).toBe(m.id);
    expect(engine.registry.artifact('probe', clean.probes[0] as string).model).not.toBe(m.id);
    // Different weights, different activations: the probes differ.
    const w = (id: string) => engine.registry.artifact('probe', id).probe.weight;
    expect(maxAbsDiff(w(q.probes[1] as string), w(clean.probes[1] as string)).diff).toBeGreaterThan(1e-4);
    engine.unload();
  });
});
