/** Skip sweep (METHODS §5) on every family against scripts/reference/depth.py, which skips literally. */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_MODES, skipSweep, skipInterventions, type SkipSweepResult } from '../workers/engine/analyses/skip-sweep';
import type { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { depthFiles, expectAgree, expectClose, readDepth, type SkipModeG } from './helpers/depth-golden';
import { defaultPath } from '../workers/engine/forward/forward';
import { engineFor } from './helpers/node-engine';

function compare(r: SkipSweepResult, g: Record<string, SkipModeG>, what: string): void {
  for (const mode of SKIP_MODES) {
    const m = r.modes[mode];
    const ref = g[mode];
    if (!m || !ref) throw new Error(`mode ${mode} missing`);
    expectClose(m.outputL2, ref.outputL2, `${what} ${mode} outputL2`);
    expectClose(m.kl, ref.kl, `${what} ${mode} kl`);
    expectClose(m.effect.flatMap((x) => [...x]), ref.effect.flat(), `${what} ${mode} effect`);
    expectClose([m.depthScore], [ref.depthScore], `${what} ${mode} depthScore`);
    expectAgree(m.top1Agree, ref, `${what} ${mode}`);
  }
}

describe.each(depthFiles)('skip sweep on %s', (file) => {
  const g = readDepth(file);
  let engine: Engine;
  beforeAll(async () => {
    engine = await engineFor(g.model);
  });
  afterAll(() => engine.unload());

  it('one prompt and a prompt set agree with the reference; progress per layer; no tensor left behind', async () => {
    const before = tf.memory().numTensors;
    const L = engine.info?.layers ?? 0;
    const seen: [number, number][] = [];
    compare(await sweep(engine, [g.ids], { onProgress: (done, total) => seen.push([done, total]) }), g.skip, 'one');
    expect(seen).toEqual(Array.from({ length: L }, (_, i) => [i + 1, L]));
    compare(await sweep(engine, [g.ids, g.ids2]), g.skipSet, 'set');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the whole-layer skip interventions give output := input at positions ≥ 1 and leave position 0', async () => {
    const T = g.ids.length;
    const d = engine.info?.dModel ?? 0;
    const hooks = ['blocks.1.hook_resid_pre', 'blocks.1.hook_resid_post'];
    const clean = await engine.capture({ tokens: g.ids, capture: hooks });
    const skipped = await engine.capture({ tokens: g.ids, capture: hooks, interventions: skipInterventions(1, 'layer', T) });
    const pre = skipped.captures['blocks.1.hook_resid_pre']?.data;
    const post = skipped.captures['blocks.1.hook_resid_post']?.data;
    const cleanPost = clean.captures['blocks.1.hook_resid_post']?.data;
    if (!pre || !post || !cleanPost) throw new Error('missing capture');
    expect(Array.from(post.subarray(d))).toEqual(Array.from(pre.subarray(d)));
    expect(Array.from(post.subarray(0, d))).toEqual(Array.from(cleanPost.subarray(0, d)));
  });

  it('under a run spec (path + interventions), outputL2 and KL equal a float64 recomputation from the two runs', async () => {
    const T = g.ids.length;
    const L = engine.info?.layers ?? 0;
    const path = [...Array.from({ length: L }, (_, i) => i), L - 1];
    const base = [{ hook: 'blocks.0.hook_attn_out', kind: 'zero' as const, positions: [T - 1] }];
    const r = await engine.analyze('skip-sweep', { run: { tokens: g.ids, path, interventions: base }, options: { modes: ['layer'] } });
    expect(r.path).toEqual(path);
    const lp = (z: Float32Array, V: number, t: number): Float64Array => {
      const row = Float64Array.from(z.subarray(t * V, (t + 1) * V));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      return row.map((v) => v - lse);
    };
    for (const s of [0, path.length - 1]) {
      // Full [T, V] logits are not captured; rebuild them per position from runs ending at each prefix (causal).
      let l2 = 0;
      let kl = 0;
      for (let t = 1; t < T; t++) {
        const toks = g.ids.slice(0, t + 1);
        const a = (await engine.capture({ tokens: toks, path, interventions: base.filter((iv) => iv.positions.every((p) => p <= t)) })).logitsLast;
        const b = (await engine.capture({ tokens: toks, path, interventions: [...base.filter((iv) => iv.positions.every((p) => p <= t)), ...skipInterventions(s, 'layer', t + 1)] })).logitsLast;
        const V = a.length;
        const pa = lp(a, V, 0);
        const pb = lp(b, V, 0);
        l2 = Math.max(l2, Math.sqrt(pa.reduce((acc, v, i) => acc + (Math.exp(pb[i] as number) - Math.exp(v)) ** 2, 0)));
        kl = Math.max(kl, pa.reduce((acc, v, i) => acc + Math.exp(v) * (v - (pb[i] as number)), 0));
      }
      const m = r.modes.layer;
      expect(Math.abs((m?.outputL2[s] as number) - l2), `step ${s}`).toBeLessThanOrEqual(1e-4);
      expect(Math.abs((m?.kl[s] as number) - kl), `step ${s}`).toBeLessThanOrEqual(1e-4 * Math.max(1, kl));
    }
  });
});

describe('skip sweep: cancel and bad input', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await engineFor('tests/fixtures/models/stories260K');
  });
  afterAll(() => engine.unload());

  it('a cancel mid-sweep returns the finished layers, equal to the first layers of the whole sweep; tensors balance', async () => {
    const before = tf.memory().numTensors;
    const prompts = [[1, 5, 9, 13, 17], [1, 403, 407, 261]];
    const S = 5;
    const whole = await sweep(engine, prompts);
    expect(whole.partial).toBeUndefined();
    // The unskipped references rerun per (step, prompt) instead of kept: the same numbers.
    expect(await sweep(engine, prompts, { referenceCacheBytes: 0 })).toEqual(whole);
    for (const cancelAt of [2, 5, 9]) {
      // Units are (step, prompt): after unit u, floor(u / 2) steps are finished over both prompts.
      const ctl = new AbortController();
      let calls = 0;
      const part = await sweep(engine, prompts, { signal: ctl.signal, onProgress: () => { if (++calls === cancelAt) ctl.abort(); } });
      const k = Math.floor(cancelAt / prompts.length);
      expect(calls).toBe(cancelAt);
      expect(part.partial).toEqual({ done: k, total: S, unit: 'layers' });
      expect(part.path).toEqual(whole.path);
      for (const m of SKIP_MODES) {
        const p = part.modes[m];
        const w = whole.modes[m];
        if (!p || !w) throw new Error(`mode ${m} missing`);
        expect(Array.from(p.outputL2)).toEqual(Array.from(w.outputL2).slice(0, k));
        expect(Array.from(p.kl)).toEqual(Array.from(w.kl).slice(0, k));
        expect(Array.from(p.top1Agree)).toEqual(Array.from(w.top1Agree).slice(0, k));
        expect(p.effect.map((r) => Array.from(r))).toEqual(w.effect.slice(0, k).map((r) => Array.from(r)));
        expect(p.depthScore).toBeNaN();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a cancel before the first layer is finished fails (nothing to keep), through the engine too', async () => {
    const before = tf.memory().numTensors;
    await expect(sweep(engine, [[1, 5, 9, 13]], { signal: AbortSignal.abort() })).rejects.toThrow(/the skip sweep was cancelled/);
    const ctl = new AbortController();
    const one = sweep(engine, [[1, 5, 9, 13], [1, 7, 8]], { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(one).rejects.toThrow(StrataError);
    // The registered analysis passes the signal: a cancel after 3 of 5 layers keeps 3.
    const ctl2 = new AbortController();
    const r = await engine.analyze('skip-sweep', { run: { tokens: [1, 5, 9, 13] }, options: { modes: ['layer'] } }, { signal: ctl2.signal, onProgress: (p) => { if (p.done === 3) ctl2.abort(); } });
    expect(r.partial).toEqual({ done: 3, total: 5, unit: 'layers' });
    expect(r.modes.layer?.outputL2.length).toBe(3);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses prompts of one token and an empty set', async () => {
    await expect(sweep(engine, [[1]])).rejects.toThrow(StrataError);
    await expect(sweep(engine, [[1]])).rejects.toThrow(/at least 2/);
    await expect(sweep(engine, [])).rejects.toThrow(/at least one prompt/);
  });
});

/** The pure sweep on the engine's model, over its full path (the registered analysis wraps this). */
function sweep(engine: Engine, prompts: number[][], opts: Parameters<typeof skipSweep>[3] = {}): ReturnType<typeof skipSweep> {
  const m = engine.model().model;
  return skipSweep(m, prompts, defaultPath(m.arch.layers), opts);
}
