/**
 * Tuned-lens training (METHODS §1) as the page runs it: the defaults (TUNED_TRAIN_DEFAULTS)
 * on the page's default texts (public/models/demo/lens-texts.json) beat the logit lens on
 * held-out demo text, with the KL per layer recomputed in float64 from the captured residuals,
 * the checkpoint's own final norm and unembedding and the exported lens file; a cancelled
 * training is the first k steps of the uncancelled one; a rising loss stops training with a
 * warning.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TUNED_DEFAULT_TEXTS_URL, TUNED_TRAIN_DEFAULTS } from '../src/contracts/tuned-lens';
import { disposeTunedLens } from '../workers/engine/analyses/tuned-lens';
import { batchFrom, lensKlLoss, trainTunedLens, trainTunedLensOn } from '../workers/engine/analyses/tuned-lens-train';
import { RISE_FACTOR, RISE_SPIKE, RISE_WINDOW, riseOf } from '../workers/engine/analyses/tuned-lens-rise';
import { engineFor } from './helpers/node-engine';

const DEMO = 'public/models/demo';
const STORIES = 'tests/fixtures/models/stories260K';

interface F32 { shape: number[]; data: Float32Array }

/** A minimal F32 safetensors reader (independent of the engine's io/). */
function readSafetensors(bytes: Uint8Array): Map<string, F32> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, F32>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (e.dtype !== 'F32') throw new Error(`${name}: ${e.dtype}, expected F32`);
    const [a, b] = e.data_offsets;
    // A copy of exactly this tensor's bytes (a Node Buffer's slice is a view of a shared pool).
    const at = bytes.byteOffset + 8 + n;
    out.set(name, { shape: e.shape, data: new Float32Array(bytes.buffer.slice(at + a, at + b)) });
  }
  return out;
}

function tensor(m: Map<string, F32>, name: string): Float32Array {
  const t = m.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

/** log_softmax(W_U · RMSNorm(x)) in float64; W_U [V, d] row-major (lm_head), norm weight [d], eps 1e-5. */
function decode64(x: ArrayLike<number>, normW: Float32Array, wu: Float32Array, V: number, d: number): Float64Array {
  let ms = 0;
  for (let i = 0; i < d; i++) ms += (x[i] as number) ** 2;
  const inv = 1 / Math.sqrt(ms / d + 1e-5);
  const nx = Float64Array.from({ length: d }, (_, i) => (x[i] as number) * inv * (normW[i] as number));
  const z = new Float64Array(V);
  let max = -Infinity;
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (wu[v * d + i] as number) * (nx[i] as number);
    z[v] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp((z[v] as number) - max);
  const lse = max + Math.log(sum);
  return z.map((v) => v - lse);
}

/** h + W·h + b in float64 (the translator applied as x·Wᵀ + b: W [d, d] row-major, out index first). */
function translate64(h: ArrayLike<number>, w: Float32Array, b: Float32Array, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, o) => {
    let s = (h[o] as number) + (b[o] as number);
    for (let i = 0; i < d; i++) s += (w[o * d + i] as number) * (h[i] as number);
    return s;
  });
}

const kl64 = (p: Float64Array, q: Float64Array): number => Math.max(0, p.reduce((a, lp, i) => a + Math.exp(lp) * (lp - (q[i] as number)), 0));

describe('tuned-lens training with the defaults', () => {
  it('on the page\'s default texts, beats the logit lens (lower KL to final) at more than half of the demo model\'s layers on held-out text', async () => {
    const engine = await engineFor(DEMO);
    const L = 6;
    const d = 128;
    const V = 2297;
    // The same texts the page trains on when its text box is empty.
    const { texts } = JSON.parse(readFileSync(`public/${TUNED_DEFAULT_TEXTS_URL}`, 'utf8')) as { texts: string[] };
    expect(texts.length).toBeGreaterThan(0);
    const res = await engine.analyze('tuned-train', { options: { ...TUNED_TRAIN_DEFAULTS, texts: texts.map((t) => engine.encode(t)) } });
    expect(res.warning).toBeUndefined();
    expect(res.losses.length).toBe(TUNED_TRAIN_DEFAULTS.steps);
    // Held-out: items the demo model never saw (public/models/demo/heldout.json), prompt + answer.
    const items = (JSON.parse(readFileSync(`${DEMO}/heldout.json`, 'utf8')) as { items: { kind: string; prompt: string; expect: string }[] }).items;
    const held = [...items.filter((i) => i.kind === 'fact').filter((_, k) => k % 6 === 0), ...items.filter((i) => i.kind === 'translation').filter((_, k) => k % 30 === 0)]
      .map((i) => engine.encode(i.prompt + i.expect));
    const cmp = await engine.analyze('tuned-compare', { options: { texts: held } });

    // Independent path: residuals captured by the engine, decoded here in float64 with the checkpoint's
    // own final norm and lm_head and the lens as exported to a file.
    const ckpt = readSafetensors(readFileSync(`${DEMO}/model.safetensors`));
    const normW = tensor(ckpt, 'model.norm.weight');
    const wu = tensor(ckpt, 'lm_head.weight');
    const lens = readSafetensors(await engine.exportArtifact(res.artifact));
    const logit = new Float64Array(L);
    const tuned = new Float64Array(L);
    let positions = 0;
    let worstFinal = 0;
    for (const ids of held) {
      const run = await engine.capture({ tokens: ids, capture: ['blocks.*.hook_resid_pre', `blocks.${L - 1}.hook_resid_post`] });
      const final = run.captures[`blocks.${L - 1}.hook_resid_post`]?.data ?? new Float32Array();
      const T = ids.length;
      for (let t = 0; t < T; t++) {
        const pf = decode64(final.subarray(t * d, (t + 1) * d), normW, wu, V, d);
        if (t === T - 1) pf.forEach((v, i) => { worstFinal = Math.max(worstFinal, Math.abs(v - (run.logitsLast[i] as number) + (run.logitsLast[0] as number) - (pf[0] as number))); });
        for (let i = 0; i < L; i++) {
          const h = (run.captures[`blocks.${i}.hook_resid_pre`]?.data ?? new Float32Array()).subarray(t * d, (t + 1) * d);
          logit[i] = (logit[i] as number) + kl64(pf, decode64(h, normW, wu, V, d));
          tuned[i] = (tuned[i] as number) + kl64(pf, decode64(translate64(h, tensor(lens, `${i}.weight`), tensor(lens, `${i}.bias`), d), normW, wu, V, d));
        }
      }
      positions += T;
    }
    for (let i = 0; i < L; i++) {
      logit[i] = (logit[i] as number) / positions;
      tuned[i] = (tuned[i] as number) / positions;
    }
    const fmt = (x: ArrayLike<number>) => Array.from(x, (v) => v.toFixed(3)).join(' ');
    console.log(`demo, defaults (${TUNED_TRAIN_DEFAULTS.steps} steps × ${TUNED_TRAIN_DEFAULTS.batchTokens} tokens, lr ${TUNED_TRAIN_DEFAULTS.lr}) on ${texts.length} default texts; loss ${res.losses[0]?.toFixed(3)} → ${res.losses.at(-1)?.toFixed(3)}\n  held-out (${held.length} texts, ${positions} positions) KL(final‖row), float64: logit ${fmt(logit)}\n  tuned ${fmt(tuned)}\n  engine: logit ${fmt(cmp.logit)} tuned ${fmt(cmp.tuned)}`);
    // The float64 decode of the final residual is the model's output (log-probs up to a constant).
    expect(worstFinal).toBeLessThanOrEqual(1e-3);
    // The engine's comparison (the page's chart) agrees with the float64 one.
    for (let i = 0; i < L; i++) {
      expect(Math.abs((cmp.logit[i] as number) - (logit[i] as number))).toBeLessThanOrEqual(1e-3 * Math.max(1, logit[i] as number));
      expect(Math.abs((cmp.tuned[i] as number) - (tuned[i] as number))).toBeLessThanOrEqual(1e-3 * Math.max(1, tuned[i] as number));
    }
    const wins = Array.from(tuned).filter((v, i) => v < (logit[i] as number)).length;
    expect(wins).toBeGreaterThan(L / 2);
    engine.unload();
  }, 300_000);
});

describe('tuned-lens training: cancel and divergence', () => {
  it('a training cancelled after k steps is the first k steps of the uncancelled run (losses and translators)', async () => {
    const engine = await engineFor(STORIES);
    const model = engine.model().model;
    const start = tf.memory().numTensors;
    const ids = [1, 403, 407, 261, 378, 432, 383, 286, 260, 394, 349, 370, 389, 261];
    const fixed = batchFrom(model, [ids]);
    // One fixed batch each step: the full run's loss at step k is then the loss of the lens after k steps on it.
    const next = () => ({ h: fixed.h.map((h) => h.clone()), finalLp: fixed.finalLp.clone() });
    const opts = { steps: 8, lr: 0.3, momentum: 0.9, weightDecay: 1e-3 };
    const full = await trainTunedLensOn(model, next, opts);
    disposeTunedLens(full.lens);
    for (const k of [1, 3, 6]) {
      const ctl = new AbortController();
      const part = await trainTunedLensOn(model, next, opts, (p) => { if (p.phase === 'train' && p.done === k) ctl.abort(); }, ctl.signal);
      expect(part.stopped).toMatchObject({ reason: 'cancelled', done: k, total: 8 });
      expect(Array.from(part.losses)).toEqual(Array.from(full.losses.subarray(0, k)));
      // The partial lens, scored on the batch, gives the uncancelled run's step-k loss.
      const lossK = tf.tidy(() => tf.mean(tf.stack(fixed.h.map((h, i) => lensKlLoss(model, h, fixed.finalLp, part.lens.weights[i] as tf.Tensor2D, part.lens.biases[i] as tf.Tensor1D)))));
      const got = (await lossK.data())[0] as number;
      lossK.dispose();
      expect(Math.abs(got - (full.losses[k] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, got));
      disposeTunedLens(part.lens);
    }
    // A learning rate too small to move float32 translators: the loss never falls, and the result says so.
    const flat = await trainTunedLensOn(model, next, { ...opts, lr: 1e-30 });
    expect(Array.from(flat.losses)).toEqual(new Array(8).fill(full.losses[0]));
    expect(flat.stopped).toBeUndefined();
    expect(flat.warning).toMatch(/^the loss did not fall \(mean of the first 3 steps [\d.]+ nats, of the last 3 [\d.]+\); try another learning rate \(now 1e-30\), more steps or more text$/);
    expect(full.warning).toBeUndefined();
    disposeTunedLens(flat.lens);
    tf.dispose([...fixed.h, fixed.finalLp]);
    expect(tf.memory().numTensors).toBe(start);
    engine.unload();
  });

  it('riseOf flags a non-finite loss, a spike and a rising window, and not batch noise', () => {
    expect(riseOf([1.2])).toBeUndefined();
    expect(riseOf([1.2, NaN])).toMatch(/became NaN/);
    expect(riseOf([1.2, Infinity])).toMatch(/became Infinity/);
    expect(riseOf([1, RISE_SPIKE * 1 + 0.01])).toMatch(/rose from 1\.000 to 2\.51/);
    expect(riseOf([1, RISE_SPIKE * 1 - 0.01])).toBeUndefined();
    // The curve on WebGPU before the fix (tf.addN): 1.40 → ~2.2 within 6 steps.
    expect(riseOf([1.40, 1.39, 1.40, 2.32, 2.07, 2.22])).toMatch(/rose from 1\.400 to 2\.203 nats \(mean of the last 3 steps\)/);
    const ref = 1.4;
    const below = RISE_FACTOR * ref - 0.01;
    expect(riseOf([1.2, ref, 1.3, below, below, below])).toBeUndefined();
    expect(riseOf([1.2, ref, 1.3, below + 0.02, below + 0.02, below + 0.02])).toMatch(/mean of the last 3/);
    // A healthy noisy curve (demo, defaults, measured): no flag at any prefix.
    const healthy = [1.26, 1.25, 1.38, 1.44, 1.06, 1.57, 0.77, 0.99, 0.66, 0.99, 1.03, 0.69, 0.80, 0.79, 0.79, 0.57, 0.78, 0.63, 0.59, 0.54];
    for (let n = 1; n <= healthy.length; n++) expect(riseOf(healthy.slice(0, n))).toBeUndefined();
    expect(RISE_WINDOW).toBe(3);
  });

  it('a loss that rises stops training early with a "diverged" warning, and the page gets it', async () => {
    const engine = await engineFor(DEMO);
    const start = tf.memory().numTensors;
    const { texts: lines } = JSON.parse(readFileSync(`public/${TUNED_DEFAULT_TEXTS_URL}`, 'utf8')) as { texts: string[] };
    const texts = lines.map((t) => engine.encode(t));
    // No clipping and a huge step: the translators overshoot (measured: 1.26 → 11.1 nats at step 2).
    const r = await trainTunedLens(engine.model().model, texts, { steps: 30, lr: 50, clipNorm: 0, batchTokens: 64 });
    console.log(`lr 50, no clip: losses ${Array.from(r.losses, (v) => v.toFixed(2)).join(' ')}; ${r.stopped?.message}`);
    expect(r.stopped?.reason).toBe('diverged');
    expect(r.losses.length).toBeLessThan(30);
    expect(r.stopped?.done).toBe(r.losses.length);
    expect(riseOf(Array.from(r.losses))).toBeDefined();
    expect(riseOf(Array.from(r.losses.subarray(0, -1)))).toBeUndefined(); // it stopped at the first flagged step
    disposeTunedLens(r.lens);
    // Through the analysis (extra engine options pass through): the result carries the warning.
    const a = await engine.analyze('tuned-train', { options: { ...TUNED_TRAIN_DEFAULTS, texts, steps: 30, lr: 50, clipNorm: 0 } as typeof TUNED_TRAIN_DEFAULTS });
    expect(a.warning?.kind).toBe('diverged');
    expect(a.warning?.message).toMatch(/training stopped at step \d+ of 30: .*try a lower learning rate \(now 50\)/);
    expect(a.losses.length).toBe(a.warning?.done);
    engine.dropArtifact(a.artifact);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(start);
    engine.unload();
  });
});
