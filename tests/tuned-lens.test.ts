/**
 * Tuned lens: zero translators = the logit lens (bit-exact); rows against a float64 JS
 * recomputation from the safetensors weights; loss, gradient, rows and two optimiser
 * steps against PyTorch (scripts/reference/tuned_lens.py); file round trip and errors;
 * training on stories260K text with the defaults lowers the held-out KL to final; tensor
 * accounting; a cancel keeps a partial lens. The defaults on the demo model, divergence and
 * the partial lens's parameters: tests/tuned-lens-train.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disposeTunedLens, loadTunedLens, saveTunedLens, translatorForRow, type TunedLens } from '../workers/engine/analyses/tuned-lens';
import { lensKlLoss, trainTunedLens, trainTunedLensOn, type LensBatch } from '../workers/engine/analyses/tuned-lens-train';
import { TUNED_TRAIN_DEFAULTS, type TunedLensInfo } from '../src/contracts/tuned-lens';
import type { Engine } from '../workers/engine/engine';
import { ensureGradients } from '../workers/engine/analyses/gradients';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { readTensorF32 } from '../workers/engine/io/safetensors';
import { bufferSource } from '../workers/engine/io/source';
import { loadModel } from '../workers/engine/load-model';
import { applyNorm, unembed } from '../workers/engine/models/common/ops';
import type { LoadedModel } from '../workers/engine/models/common/types';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const STORIES = 'tests/fixtures/models/stories260K';
const IDS = [1, 403, 407, 261, 378, 432, 383]; // "Once upon a time, there" (stories260K tokenizer, BOS first)

async function modelFor(dir: string): Promise<{ model: LoadedModel; dispose: () => void }> {
  (await engineFor(dir)).unload(); // starts the test backend
  return loadModel(await openCheckpoint(await dirFileSet(dir)));
}

/** Seeded uniform [-a, a) values (an LCG: the test needs reproducible numbers, not quality). */
function values(n: number, seed: number, a: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * a;
  });
}

function lensOf(L: number, d: number, w: (i: number) => Float32Array, b: (i: number) => Float32Array): TunedLens {
  return { layers: L, dModel: d, weights: Array.from({ length: L }, (_, i) => tf.tensor2d(w(i), [d, d])), biases: Array.from({ length: L }, (_, i) => tf.tensor1d(b(i))) };
}

/** A minimal safetensors writer for malformed files (independent of saveTunedLens). */
function st(tensors: { name: string; shape: number[]; data?: Float32Array }[]): Uint8Array {
  const header: Record<string, unknown> = {};
  let off = 0;
  const blobs = tensors.map((t) => t.data ?? new Float32Array(t.shape.reduce((a, x) => a * x, 1)));
  tensors.forEach((t, i) => {
    const n = (blobs[i] as Float32Array).byteLength;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  });
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let p = 8 + h.length;
  for (const b of blobs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), p);
    p += b.byteLength;
  }
  return out;
}

const full = (L: number, d: number, skip: (name: string) => boolean = () => false) =>
  Array.from({ length: L }, (_, i) => [{ name: `${i}.weight`, shape: [d, d] }, { name: `${i}.bias`, shape: [d] }]).flat().filter((t) => !skip(t.name));

describe('tuned lens', () => {
  it('zero translators give exactly the logit-lens rows, on the default and a looped path', async () => {
    const engine = await engineFor(STORIES);
    const L = 5;
    const d = 64;
    const zero = lensOf(L, d, () => new Float32Array(d * d), () => new Float32Array(d));
    await importLens(engine, await saveTunedLens(zero), 'zero.safetensors');
    disposeTunedLens(zero);
    for (const path of [undefined, [0, 4, 2, 2]]) {
      const opts = { topk: 5, target: [403, 407, 261, 378, 432, 383, 286] };
      const logit = (await engine.analyze('trace', { run: { tokens: IDS, ...(path ? { path } : {}) }, options: opts })).lens;
      const tuned = await engine.analyze('tuned-lens', { run: { tokens: IDS, path: path }, options: opts });
      expect(tuned.rows).toEqual(logit.rows);
      expect(Array.from(tuned.target)).toEqual(Array.from(logit.target));
    }
    engine.unload();
  });

  it('maps rows to the translator of the layer that produced them', () => {
    expect([0, 1, 2, 3, 4, 5].map((r) => translatorForRow([0, 1, 2, 3, 4], r, 5))).toEqual([0, 1, 2, 3, 4, null]);
    expect([0, 1, 2, 3, 4].map((r) => translatorForRow([0, 4, 2, 2], r, 5))).toEqual([0, 1, null, 3, null]);
  });

  it('decodes every cell like a float64 recomputation of W_U · N(h + h·Wᵀ + b)', async () => {
    const engine = await engineFor(STORIES);
    const V = 512;
    const d = 64;
    const L = 5;
    const T = IDS.length;
    const PATH = [0, 4, 2, 2];
    const ckpt = await openCheckpoint(await dirFileSet(STORIES));
    const read = (n: string) => readTensorF32(ckpt.tensors.get(n) ?? (() => { throw new Error(n); })());
    const wu = await read('model.embed_tokens.weight');
    const normW = await read('model.norm.weight');
    const Ws = Array.from({ length: L }, (_, i) => values(d * d, 100 + i, 0.08));
    const bs = Array.from({ length: L }, (_, i) => values(d, 200 + i, 0.3));
    const lens = lensOf(L, d, (i) => Ws[i] as Float32Array, (i) => bs[i] as Float32Array);
    await importLens(engine, await saveTunedLens(lens), 'random.safetensors');
    disposeTunedLens(lens);
    const run = await engine.capture({ tokens: IDS, path: PATH, capture: ['blocks.*.hook_resid_pre', `blocks.${PATH.length - 1}.hook_resid_post`] });
    const resid = [...PATH.map((_, s) => run.captures[`blocks.${s}.hook_resid_pre`]), run.captures[`blocks.${PATH.length - 1}.hook_resid_post`]];
    const target = [403, 407, 261, 378, 432, 383, 286]; // the next tokens of "Once upon a time, there was"
    const k = 4;
    const got = await engine.analyze('tuned-lens', { run: { tokens: IDS, path: PATH }, options: { topk: k, target } });
    expect(got.translators).toEqual([0, 1, null, 3, null]);
    const logProbs = (h: ArrayLike<number>, tr: number | null): Float64Array => {
      const x = Float64Array.from({ length: d }, (_, o) => {
        let s = h[o] as number;
        if (tr !== null) {
          s += (bs[tr] as Float32Array)[o] as number;
          for (let i = 0; i < d; i++) s += ((Ws[tr] as Float32Array)[o * d + i] as number) * (h[i] as number);
        }
        return s;
      });
      const inv = 1 / Math.sqrt(x.reduce((a, v) => a + v * v, 0) / d + 1e-5);
      const n = x.map((v, i) => v * inv * (normW[i] as number));
      const z = Float64Array.from({ length: V }, (_, v) => n.reduce((a, xi, i) => a + (wu[v * d + i] as number) * xi, 0));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, b) => a + Math.exp(b - m), 0));
      return z.map((v) => v - lse);
    };
    let worst = 0;
    resid.forEach((r, row) => {
      const g = got.rows[row];
      if (!r || !g) throw new Error('missing row');
      for (let t = 0; t < T; t++) {
        const lp = logProbs(r.data.subarray(t * d, (t + 1) * d), got.translators[row] ?? null);
        const fl = logProbs((resid[PATH.length] as { data: Float32Array }).data.subarray(t * d, (t + 1) * d), null);
        const order = Array.from(lp.keys()).sort((a, b) => (lp[b] as number) - (lp[a] as number));
        // Top-k up to float32 near-ties: the j-th id has the j-th largest log-prob within 1e-5.
        Array.from(g.topIds.subarray(t * k, (t + 1) * k)).forEach((id, j) => {
          expect(Math.abs((lp[id] as number) - (lp[order[j] as number] as number))).toBeLessThanOrEqual(1e-5);
          expect(Math.abs((g.topProbs[t * k + j] as number) - Math.exp(lp[id] as number))).toBeLessThanOrEqual(1e-5);
        });
        const ent = -lp.reduce((s, v) => s + Math.exp(v) * v, 0);
        expect(Math.abs((g.entropy[t] as number) - ent)).toBeLessThanOrEqual(1e-4 * Math.max(1, ent));
        const kl = Math.max(0, fl.reduce((s, v, i) => s + Math.exp(v) * (v - (lp[i] as number)), 0));
        worst = Math.max(worst, Math.abs((g.klToFinal[t] as number) - kl) / Math.max(1, kl));
        expect(Math.abs((g.targetProb[t] as number) - Math.exp(lp[target[t] as number] as number))).toBeLessThanOrEqual(1e-5);
      }
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
    engine.unload();
  });

  describe('against PyTorch (tests/golden/tuned-lens/llama-gqa.json)', () => {
    interface Golden {
      model: string; ids: number[]; resid: number[][]; W: number[][]; b: number[][]; loss: number[]; gradW: number[][]; gradb: number[][]; rowsKl: number[][];
      train: { steps: number; lr: number; momentum: number; weightDecay: number; clipNorm: number; losses: number[][]; W: number[][]; b: number[][] };
    }
    const G = JSON.parse(readFileSync('tests/golden/tuned-lens/llama-gqa.json', 'utf8')) as Golden;
    const L = 3;
    const d = 48;
    const T = G.ids.length;
    const batch = (model: LoadedModel): LensBatch => tf.tidy(() => ({
      h: G.resid.slice(0, L).map((r) => tf.tensor2d(r, [T, d])),
      finalLp: tf.logSoftmax(unembed(applyNorm(tf.tensor2d(G.resid[L] as number[], [T, d]), model.weights.lnFinal), model.weights.unembed)),
    }));

    it('loads the PyTorch-written lens and its rows match', async () => {
      const engine = await engineFor(G.model);
      const info = await importLens(engine, readFileSync('tests/golden/tuned-lens/llama-gqa.lens.safetensors'), 'llama-gqa.lens.safetensors');
      expect(info).toMatchObject({ layers: L, dModel: d, missingBias: [] });
      const res = await engine.analyze('tuned-lens', { run: { tokens: G.ids, path: undefined }, options: { topk: 1 } });
      expect(res.translators).toEqual([0, 1, 2, null]);
      let worst = 0;
      res.rows.forEach((row, r) => row.klToFinal.forEach((v, t) => {
        const e = (G.rowsKl[r] as number[])[t] as number;
        worst = Math.max(worst, Math.abs(v - e) / Math.max(1, e));
      }));
      // The engine runs its own fp32 forward here (the reference is fp64): ~1e-5 measured.
      expect(worst).toBeLessThanOrEqual(1e-3);
      engine.unload();
    });

    it('loss and gradient of KL(P_final ‖ P_lens) per layer match autograd to 1e-4', async () => {
      const { model, dispose } = await modelFor(G.model);
      const tg = performance.now();
      await ensureGradients();
      const gradMs = performance.now() - tg;
      const b = batch(model);
      const seen: string[] = [];
      for (let i = 0; i < L; i++) {
        const w = tf.tensor2d(G.W[i] as number[], [d, d]);
        const bias = tf.tensor1d(G.b[i] as number[]);
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => lensKlLoss(model, b.h[i] as tf.Tensor2D, b.finalLp, x as tf.Tensor2D, y as tf.Tensor1D))([w, bias]);
        expect(Math.abs((await value.data())[0] as number - (G.loss[i] as number))).toBeLessThanOrEqual(1e-4 * Math.max(1, G.loss[i] as number));
        const gw = maxAbsDiff(await (grads[0] as tf.Tensor).data(), G.gradW[i] as number[]);
        const gb = maxAbsDiff(await (grads[1] as tf.Tensor).data(), G.gradb[i] as number[]);
        seen.push(`layer ${i}: |ΔgW| ${gw.diff.toExponential(1)} (max |gW| ${gw.scale.toFixed(3)}), |Δgb| ${gb.diff.toExponential(1)}`);
        expect(gw.diff).toBeLessThanOrEqual(1e-4 * Math.max(1, gw.scale));
        expect(gb.diff).toBeLessThanOrEqual(1e-4 * Math.max(1, gb.scale));
        tf.dispose([w, bias, value, ...grads]);
      }
      console.log(`gradients registered in ${gradMs.toFixed(0)} ms; tfjs vs torch: ${seen.join('; ')}`);
      tf.dispose([...b.h, b.finalLp]);
      dispose();
    });

    it('two optimiser steps from zero match torch SGD (Nesterov, weight decay, clip, linear decay)', async () => {
      const { model, dispose } = await modelFor(G.model);
      const before = tf.memory().numTensors;
      const t = G.train;
      const res = await trainTunedLensOn(model, () => batch(model), { steps: t.steps, lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay, clipNorm: t.clipNorm });
      // Step 0 from zero translators is the logit lens; step 1 sees the first update.
      res.layerLosses.forEach((ls, s) => ls.forEach((v, i) => expect(Math.abs(v - ((t.losses[s] as number[])[i] as number))).toBeLessThanOrEqual(1e-4)));
      for (let i = 0; i < L; i++) {
        const w = maxAbsDiff(await (res.lens.weights[i] as tf.Tensor).data(), t.W[i] as number[]);
        const bb = maxAbsDiff(await (res.lens.biases[i] as tf.Tensor).data(), t.b[i] as number[]);
        console.log(`after 2 steps, layer ${i}: |ΔW| ${w.diff.toExponential(1)} (max |W| ${w.scale.toExponential(2)}), |Δb| ${bb.diff.toExponential(1)} (max |b| ${bb.scale.toExponential(2)})`);
        expect(w.diff).toBeLessThanOrEqual(1e-4 * Math.max(w.scale, 1e-2));
        expect(bb.diff).toBeLessThanOrEqual(1e-4 * Math.max(bb.scale, 1e-2));
      }
      disposeTunedLens(res.lens);
      expect(tf.memory().numTensors).toBe(before);
      dispose();
    });
  });

  it('save → load round-trips bit-exactly', async () => {
    const { model, dispose } = await modelFor(STORIES);
    const before = tf.memory().numTensors;
    const L = 5;
    const d = 64;
    const w = Array.from({ length: L }, (_, i) => values(d * d, 7 + i, 1));
    // Include values a decimal round trip would not preserve exactly.
    (w[0] as Float32Array).set([Math.fround(1 / 3), 1e-38, -0, 3.4e38]);
    const lens = lensOf(L, d, (i) => w[i] as Float32Array, (i) => values(d, 50 + i, 1));
    const bytes = await saveTunedLens(lens);
    const { lens: back } = await loadTunedLens(bufferSource(bytes, 'round.safetensors'), model);
    expect(await saveTunedLens(back)).toEqual(bytes);
    for (let i = 0; i < L; i++) {
      expect(await (back.weights[i] as tf.Tensor).data()).toEqual(w[i]);
      expect(await (back.biases[i] as tf.Tensor).data()).toEqual(await (lens.biases[i] as tf.Tensor).data());
    }
    disposeTunedLens(lens);
    disposeTunedLens(back);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('refuses malformed lens files, naming the key and the expected shape', async () => {
    const { model, dispose } = await modelFor(STORIES);
    const before = tf.memory().numTensors;
    const load = (ts: { name: string; shape: number[]; data?: Float32Array }[]) => loadTunedLens(bufferSource(st(ts), 'bad.safetensors'), model);
    await expect(load(full(5, 64, (n) => n === '2.weight'))).rejects.toThrow(/bad\.safetensors: tensor 2\.weight \[64, 64\] is missing/);
    await expect(load(full(4, 64))).rejects.toThrow(/4\.weight \[64, 64\] is missing; the file has 4 translators \(0\.\.3\)/);
    await expect(load(full(6, 64))).rejects.toThrow(/tensor 5\.weight is for translator 5 but this model has 5 layers/);
    await expect(load(full(5, 64).map((t) => (t.name === '1.weight' ? { ...t, shape: [64, 32] } : t)))).rejects.toThrow(/tensor 1\.weight has shape \[64, 32\]; expected \[64, 64\]/);
    await expect(load(full(5, 64).map((t) => (t.name === '3.bias' ? { ...t, shape: [63] } : t)))).rejects.toThrow(/tensor 3\.bias has shape \[63\]; expected \[64\]/);
    await expect(load([...full(5, 64), { name: 'layer_translators.0.weight', shape: [64, 64] }])).rejects.toThrow(/unexpected tensor layer_translators\.0\.weight/);
    const nan = new Float32Array(64);
    nan[7] = NaN;
    await expect(load(full(5, 64).map((t) => (t.name === '0.bias' ? { ...t, data: nan } : t)))).rejects.toThrow(/tensor 0\.bias holds a non-finite value at index 7/);
    expect(tf.memory().numTensors).toBe(before);
    // A missing bias is zero.
    const { lens, info } = await load(full(5, 64, (n) => n === '3.bias'));
    expect(info.missingBias).toEqual([3]);
    expect(Array.from(await (lens.biases[3] as tf.Tensor).data())).toEqual(new Array(64).fill(0));
    disposeTunedLens(lens);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('training on stories260K text with the defaults lowers the held-out KL to final at every layer; tensors balance; a cancel keeps a partial lens', async () => {
    const engine = await engineFor(STORIES);
    const start = tf.memory().numTensors;
    const stories = JSON.parse(readFileSync('tests/fixtures/texts/tinystories-like.json', 'utf8')) as { train: string[]; heldout: string[] };
    const train = stories.train.map((t) => engine.encode(t));
    const held = stories.heldout.map((t) => engine.encode(t));
    const n = TUNED_TRAIN_DEFAULTS.steps;
    const steps: number[] = [];
    let prepared = 0;
    const res = await engine.analyze('tuned-train', { options: { texts: train } }, {
      onProgress: (p) => {
        if (p.phase === 'train') steps.push(p.done);
        else prepared = p.done;
      },
    });
    expect(steps).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(prepared).toBe(train.length); // every text is shorter than a step's batch: one chunk each
    expect(res.partial).toBeUndefined();
    expect(res.warning).toBeUndefined();
    const cmp = await engine.analyze('tuned-compare', { options: { texts: held } });
    const fmt = (x: Float64Array) => Array.from(x, (v) => v.toFixed(3)).join(' ');
    console.log(`tuned lens, stories260K, defaults (${n} steps × ${TUNED_TRAIN_DEFAULTS.batchTokens} tokens, lr ${TUNED_TRAIN_DEFAULTS.lr}); loss ${res.losses[0]?.toFixed(3)} → ${res.losses[n - 1]?.toFixed(3)}\n  held-out KL(final‖row) per layer input, logit: ${fmt(cmp.logit)}\n  tuned: ${fmt(cmp.tuned)}`);
    // Measured (wasm): logit 21.4 11.3 5.19 2.28 0.98 → tuned 3.45 2.45 1.89 1.23 0.67 nats.
    for (let i = 0; i < 5; i++) expect(cmp.tuned[i] as number).toBeLessThan(0.85 * (cmp.logit[i] as number));
    expect(res.losses[n - 1] as number).toBeLessThan((res.losses[0] as number) / 2);
    // Export → re-load gives the same rows.
    const rows = await engine.analyze('tuned-lens', { run: { tokens: IDS, path: undefined }, options: { topk: 3 } });
    await importLens(engine, await engine.exportArtifact(lensId(engine)));
    expect((await engine.analyze('tuned-lens', { run: { tokens: IDS, path: undefined }, options: { topk: 3 } })).rows).toEqual(rows.rows);
    for (const a of engine.memory().artifacts) engine.dropArtifact(a.id);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(start);

    // Cancel after 2 steps: a partial lens (an artifact), its 2 losses the first 2 of the whole run.
    const ctl = new AbortController();
    const part = await engine.analyze('tuned-train', { options: { texts: train } }, { onProgress: (p) => { if (p.phase === 'train' && p.done === 2) ctl.abort(); }, signal: ctl.signal });
    expect(part.partial).toEqual({ done: 2, total: n, unit: 'steps' });
    expect(Array.from(part.losses)).toEqual(Array.from(res.losses.subarray(0, 2)));
    expect(engine.memory().artifacts.map((a) => a.id)).toEqual([part.artifact]);
    engine.dropArtifact(part.artifact);
    // Cancelled before the first step: nothing to keep, so it fails and leaves no lens.
    await expect(trainTunedLens(engine.model().model, train, { steps: 5, batchTokens: 64, cacheBytes: 0 }, undefined, AbortSignal.abort())).rejects.toThrow(/cancelled/);
    expect(engine.memory().artifacts).toEqual([]);
    expect(tf.memory().numTensors).toBe(start);
    engine.unload();
  });
});

/** Imports a lens file for the engine's model (the newest lens is the one analyses use); its info. */
async function importLens(engine: Engine, bytes: Uint8Array, name = 'lens.safetensors'): Promise<TunedLensInfo> {
  return (await engine.importTunedLens(bytes, name)).lens;
}

function lensId(engine: Engine): string {
  const a = engine.registry.latestArtifact('tuned-lens', engine.model().id);
  if (!a) throw new Error('no lens');
  return a.id;
}
