/**
 * Training a tuned lens in the page (METHODS.md §1), following tuned-lens's train loop:
 * loss_i = mean over positions of KL(P_final ‖ P_lens,i) on the residual entering layer i
 * (default path; the model's weights get no gradient), translators start at zero (so
 * step 0 is the logit lens), then per step: clip the global gradient norm (tuned-lens
 * clips at 1), add weight decay to the gradient (torch SGD's coupled L2: g + λ·θ), and
 * take a Nesterov-momentum SGD step with lr·(1 − step/steps) (linear decay to 0).
 * tf.train.momentum(useNesterov) is torch.optim.SGD(nesterov=True, dampening=0):
 * buf = μ·buf + g; θ −= lr·(g + μ·buf).
 *
 * Each translator's gradient is that of its own layer's loss (tuned-lens backpropagates
 * each layer's loss separately, i.e. the gradient of their SUM); the reported loss is the
 * MEAN over layers. A step's batch is `batchTokens` tokens of the texts run through the
 * model: once for all steps when the texts' rows fit `cacheBytes`, else afresh each step,
 * so memory stays bounded by one batch (never all residuals of a large text set).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';
import { defaultPath, forward } from '../forward/forward';
import { decodeResidual } from '../forward/decode-residual';
import type { LoadedModel } from '../models/common/types';
import { ensureGradients } from './gradients';
import { TUNED_COMPARE_DEFAULTS, TUNED_TRAIN_DEFAULTS } from '../../../src/contracts/tuned-lens';
import type { TunedLensInfo } from '../../../src/contracts/tuned-lens';
import { defineAnalysis } from './analysis';
import { disposeTunedLens, lensArtifact, translate, type TunedLens } from './tuned-lens';
import type { TunedTrainSettings } from '../../../src/contracts/tuned-lens';
import { mulberry32 as rng } from '../random';
import { RISE_WINDOW, riseOf } from './tuned-lens-rise';

/**
 * The page's settings (src/contracts/depth.ts TunedTrainSettings: steps; peak lr — tuned-lens's
 * SGD default is 0.1 = lr_scale 1 × (1 − momentum); momentum; weightDecay, coupled L2 on every
 * parameter as torch SGD's; batchTokens per step — tuned-lens uses 2^18, the browser far fewer;
 * seed, which shuffles the text chunks) plus engine-only knobs.
 */
export interface TrainOptions extends TunedTrainSettings {
  /** Global gradient-norm clip (tuned-lens: 1); 0 or Infinity = none. */
  clipNorm?: number;
  /**
   * Bytes of device memory (tokens × (L·d + V) × 4) under which all texts are run through
   * the model once and their rows kept for every step; above it each step runs the model
   * on its own batch. 0 = never cache.
   */
  cacheBytes?: number;
}

const { steps, lr, momentum, weightDecay, batchTokens, seed } = TUNED_TRAIN_DEFAULTS;
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { steps, lr, momentum, weightDecay, batchTokens, seed, clipNorm: 1, cacheBytes: 64 * 2 ** 20 };

/** Why training ended before its steps: a cancel, or the loss rose (tuned-lens-rise.ts). */
export interface TrainStop {
  reason: 'cancelled' | 'diverged';
  /** Steps taken (= losses.length). */
  done: number;
  total: number;
  message: string;
}

export interface TrainResult {
  lens: TunedLens;
  /** [steps taken] mean over layers of the batch loss (nats) before that step's update; losses[0] is the logit lens. */
  losses: Float64Array;
  /** [steps taken][L] per-layer batch loss (nats) before each update. */
  layerLosses: Float64Array[];
  tokensPerStep: number;
  /** Set when training ended early; the lens is that after the steps taken. */
  stopped?: TrainStop;
  /** Set when all steps ran but the loss did not fall (mean of the last RISE_WINDOW ≥ mean of the first). */
  warning?: string;
}

/** A progress report: preparing (one text run through the model) or one training step done. */
export type TrainProgress =
  | { phase: 'prepare'; done: number; total: number; ms: number }
  | { phase: 'train'; done: number; total: number; loss: number; ms: number };

/** One batch: the residual entering each layer [L] × [N, d] and the final log-probs [N, V]. */
export interface LensBatch {
  h: tf.Tensor2D[];
  finalLp: tf.Tensor2D;
}

/** mean over rows of KL(P_final ‖ softmax(W_U · N(h + h·Wᵀ + b))), nats; differentiable in w and b. */
export function lensKlLoss(model: LoadedModel, h: tf.Tensor2D, finalLp: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const lp = decodeResidual(model, translate(h, w, b));
    return tf.mean(tf.sum(tf.mul(tf.exp(finalLp), tf.sub(finalLp, lp)), 1)) as tf.Scalar;
  });
}


/** Runs the default path on `seqs` and stacks their rows: [L] × [N, d] residuals and [N, V] final log-probs. */
export function batchFrom(model: LoadedModel, seqs: number[][]): LensBatch {
  const L = model.arch.layers;
  const hs: tf.Tensor2D[][] = Array.from({ length: L }, () => []);
  const lps: tf.Tensor2D[] = [];
  try {
    for (const s of seqs) {
      const out = forward(model, s, { path: defaultPath(L), keepResiduals: true });
      out.residuals.forEach((r, i) => (i < L ? (hs[i] as tf.Tensor2D[]).push(r) : r.dispose()));
      lps.push(tf.tidy(() => tf.logSoftmax(out.logits)));
      out.logits.dispose();
    }
    const cat = (xs: tf.Tensor2D[]): tf.Tensor2D => (xs.length === 1 ? (xs[0] as tf.Tensor2D).clone() : tf.concat(xs, 0));
    return { h: hs.map(cat), finalLp: cat(lps) };
  } finally {
    tf.dispose([...hs.flat(), ...lps]);
  }
}

function checkOptions(o: TrainOptions): void {
  const pos = (v: number, name: string): void => {
    if (!(Number.isFinite(v) && v > 0)) fail(`tuned-lens training: ${name} must be a positive number, got ${v}`);
  };
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) fail(`tuned-lens training: steps must be a positive integer, got ${o.steps}`);
  if (!(Number.isInteger(o.batchTokens) && o.batchTokens >= 1)) fail(`tuned-lens training: batchTokens must be a positive integer, got ${o.batchTokens}`);
  pos(o.lr, 'lr');
  if (!(o.momentum >= 0 && o.momentum < 1)) fail(`tuned-lens training: momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.weightDecay >= 0)) fail(`tuned-lens training: weightDecay must be ≥ 0, got ${o.weightDecay}`);
}

/** A yield to the event loop, so a cancel message can arrive in a worker between steps. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * The optimisation loop over caller-made batches (`nextBatch(step)`; the loop disposes
 * each). Exposed for the reference check of one step against PyTorch.
 */
export async function trainTunedLensOn(
  model: LoadedModel,
  nextBatch: (step: number) => LensBatch,
  options: Partial<TrainOptions> = {},
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainResult> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  checkOptions(o);
  await ensureGradients();
  const { layers: L, dModel: d } = model.arch;
  // Inside tidy: tf.variable leaves its initial tensor as a separate live handle.
  const ws = Array.from({ length: L }, () => tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R2>([d, d]))));
  const bs = Array.from({ length: L }, () => tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([d]))));
  const opt = tf.train.momentum(o.lr, o.momentum, true);
  const losses: number[] = [];
  const layerLosses: Float64Array[] = [];
  let tokensPerStep = 0;
  let stopped: TrainStop | undefined;
  let done = false;
  try {
    for (let step = 0; step < o.steps; step++) {
      await tick();
      if (signal?.aborted) {
        // Nothing trained yet: no lens to keep.
        if (step === 0) fail('tuned-lens training was cancelled');
        stopped = { reason: 'cancelled', done: step, total: o.steps, message: `cancelled after ${step} of ${o.steps} steps` };
        break;
      }
      const t0 = Date.now();
      const batch = nextBatch(step);
      tokensPerStep = batch.finalLp.shape[0];
      const grads: tf.Tensor[] = [];
      const lossT: tf.Scalar[] = [];
      try {
        for (let i = 0; i < L; i++) {
          const w = ws[i] as tf.Variable<tf.Rank.R2>;
          const b = bs[i] as tf.Variable<tf.Rank.R1>;
          // One layer at a time: only that layer's [N, V] logits are on the tape.
          const { value, grads: g } = tf.variableGrads(() => lensKlLoss(model, batch.h[i] as tf.Tensor2D, batch.finalLp, w, b), [w, b]);
          lossT.push(value);
          grads.push(g[w.name] as tf.Tensor, g[b.name] as tf.Tensor);
        }
      } finally {
        tf.dispose([...batch.h, batch.finalLp]);
      }
      const stacked = tf.stack(lossT);
      const stepLoss = Float64Array.from(await stacked.data());
      stacked.dispose();
      const clip = o.clipNorm ?? 0;
      const named: { name: string; tensor: tf.Tensor }[] = [];
      tf.tidy(() => {
        let scale: tf.Scalar | number = 1;
        if (clip > 0 && Number.isFinite(clip)) {
          // torch clip_grad_norm_: g · min(1, clip / (‖g‖ + 1e-6)), ‖g‖ over all parameters.
          // Not tf.addN: on WebGPU (tfjs 4.22, SwiftShader) addN of more than 7 tensors sums only
          // some of them, so 2·L > 7 gradients gave a wrong norm and a wrong clip (e2e/tuned-cancel.spec.ts).
          const norm = tf.sqrt(tf.sum(tf.stack(grads.map((g) => tf.sum(tf.square(g))))));
          scale = tf.minimum(1, tf.div(clip, tf.add(norm, 1e-6))) as tf.Scalar;
        }
        for (let i = 0; i < L; i++) {
          for (const [j, v] of [ws[i], bs[i]].entries()) {
            const g = grads[2 * i + j] as tf.Tensor;
            named.push({ name: (v as tf.Variable).name, tensor: tf.keep(tf.add(tf.mul(g, scale), tf.mul(v as tf.Variable, o.weightDecay))) });
          }
        }
      });
      tf.dispose([...grads, ...lossT]);
      // get_linear_schedule_with_warmup(0 warmup): lr at step k is lr·(steps − k)/steps.
      opt.setLearningRate(o.lr * (o.steps - step) / o.steps);
      // Always the same variable order: the optimiser keys its momentum buffers by position.
      opt.applyGradients(named);
      tf.dispose(named.map((n) => n.tensor));
      layerLosses.push(stepLoss);
      const loss = stepLoss.reduce((a, v) => a + v, 0) / L;
      losses.push(loss);
      onProgress?.({ phase: 'train', done: step + 1, total: o.steps, loss, ms: Date.now() - t0 });
      const why = riseOf(losses);
      if (why) {
        const where = step + 1 < o.steps ? `training stopped at step ${step + 1} of ${o.steps}` : `at the last step (${o.steps})`;
        stopped = { reason: 'diverged', done: step + 1, total: o.steps, message: `${where}: ${why}; try a lower learning rate (now ${o.lr})` };
        break;
      }
    }
    const n = losses.length;
    const mean = (xs: number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length;
    const first = mean(losses.slice(0, RISE_WINDOW));
    const last = mean(losses.slice(Math.max(0, n - RISE_WINDOW)));
    const warning = !stopped && n > RISE_WINDOW && !(last < first)
      ? `the loss did not fall (mean of the first ${RISE_WINDOW} steps ${first.toFixed(3)} nats, of the last ${RISE_WINDOW} ${last.toFixed(3)}); try another learning rate (now ${o.lr}), more steps or more text`
      : undefined;
    done = true;
    return {
      lens: { layers: L, dModel: d, weights: ws, biases: bs }, losses: Float64Array.from(losses), layerLosses, tokensPerStep,
      ...(stopped ? { stopped } : {}), ...(warning ? { warning } : {}),
    };
  } finally {
    opt.dispose();
    // tfjs 4.22: MomentumOptimizer.dispose() skips SGDOptimizer's, leaking its learning-rate scalar.
    tf.SGDOptimizer.prototype.dispose.call(opt);
    if (!done) disposeTunedLens({ layers: L, dModel: d, weights: ws, biases: bs });
  }
}

/** Cuts every text into chunks the model can run (≤ batchTokens, ≤ learned positions). */
function chunks(model: LoadedModel, texts: number[][], batchTokens: number): number[][] {
  const { vocab, maxPositions } = model.arch;
  const len = maxPositions > 0 ? Math.min(batchTokens, maxPositions) : batchTokens;
  const out: number[][] = [];
  texts.forEach((t, i) => {
    if (t.length === 0) fail(`tuned-lens training: text ${i} is empty`);
    t.forEach((id, j) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocab) fail(`tuned-lens training: text ${i} has token id ${id} at position ${j}, outside the vocabulary (0..${vocab - 1})`);
    });
    for (let s = 0; s < t.length; s += len) out.push(t.slice(s, s + len));
  });
  if (out.length === 0) fail('tuned-lens training needs at least one text');
  return out;
}

/**
 * Trains a lens on token-id texts: each step takes exactly `batchTokens` tokens from the
 * chunks in a seeded shuffled order (reshuffled each pass; the last chunk of a step is
 * cut to a prefix, which keeps it causal), runs the model and updates the translators.
 */
export async function trainTunedLens(
  model: LoadedModel,
  texts: number[][],
  options: Partial<TrainOptions> = {},
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainResult> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  checkOptions(o);
  const pool = chunks(model, texts, o.batchTokens);
  const rand = rng(o.seed);
  let order: number[] = [];
  const next = (): number => {
    if (order.length === 0) {
      order = pool.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    return order.pop() as number;
  };
  // Small text sets are run through the model once and their rows kept on the device:
  // the forward passes, not the lens, dominate a step (~150 ms per 128-token forward of
  // stories260K on tfjs-wasm vs ~40 ms per layer for the lens gradient, measured).
  const { layers: L, dModel: d, vocab: V } = model.arch;
  const tokens = pool.reduce((a, c) => a + c.length, 0);
  const cache: LensBatch[] = [];
  try {
    if (tokens * (L * d + V) * 4 <= (o.cacheBytes ?? 0)) {
      for (const c of pool) {
        await tick();
        if (signal?.aborted) fail('tuned-lens training was cancelled');
        const t0 = Date.now();
        const b = batchFrom(model, [c]);
        cache.push(b);
        // Reading one value back waits for the device, so the time is the forward's (WebGPU queues work).
        const probe = tf.slice(b.finalLp, [0, 0], [1, 1]);
        await probe.data();
        probe.dispose();
        onProgress?.({ phase: 'prepare', done: cache.length, total: pool.length, ms: Date.now() - t0 });
      }
    }
    return await trainTunedLensOn(model, () => {
      const picks: [number, number][] = [];
      for (let n = 0; n < o.batchTokens;) {
        const c = next();
        const len = Math.min((pool[c] as number[]).length, o.batchTokens - n);
        picks.push([c, len]);
        n += len;
      }
      if (cache.length === 0) return batchFrom(model, picks.map(([c, len]) => (pool[c] as number[]).slice(0, len)));
      // A prefix of a cached chunk: causal attention makes its rows those of running the prefix alone.
      const rows = (get: (b: LensBatch) => tf.Tensor2D, len: number, b: LensBatch): tf.Tensor2D => tf.slice(get(b), [0, 0], [len, get(b).shape[1]]);
      const gather = (get: (b: LensBatch) => tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.concat(picks.map(([c, len]) => rows(get, len, cache[c] as LensBatch)), 0));
      return { h: Array.from({ length: L }, (_, i) => gather((b) => b.h[i] as tf.Tensor2D)), finalLp: gather((b) => b.finalLp) };
    }, o, onProgress, signal);
  } finally {
    tf.dispose(cache.flatMap((b) => [...b.h, b.finalLp]));
  }
}

/**
 * Mean over all positions of all texts of KL(P_final ‖ P_row) for rows 0..L−1 of the
 * default path (row i = residual entering layer i), with the lens's translator i, or
 * none (the logit lens) when `lens` is undefined. Nats.
 */
export async function lensKlPerLayer(model: LoadedModel, lens: TunedLens | undefined, texts: number[][], signal?: AbortSignal): Promise<Float64Array> {
  const L = model.arch.layers;
  const sum = new Float64Array(L);
  let n = 0;
  for (const t of chunks(model, texts, Infinity)) {
    if (signal?.aborted) fail('the tuned-lens evaluation was cancelled');
    const batch = batchFrom(model, [t]);
    try {
      const klT = tf.tidy(() => tf.stack(batch.h.map((h, i) => {
        const x = lens ? translate(h, lens.weights[i] as tf.Tensor2D, lens.biases[i] as tf.Tensor1D) : h;
        const lp = decodeResidual(model, x);
        return tf.sum(tf.relu(tf.sum(tf.mul(tf.exp(batch.finalLp), tf.sub(batch.finalLp, lp)), 1)));
      })));
      const kl = await klT.data();
      klT.dispose();
      for (let i = 0; i < L; i++) sum[i] = (sum[i] as number) + (kl[i] as number);
      n += t.length;
    } finally {
      tf.dispose([...batch.h, batch.finalLp]);
    }
  }
  return sum.map((s) => s / n);
}

/** Steps the time estimate averages over. */
const ETA_STEPS = 5;

/**
 * `tuned-train`: trains a lens on the texts; the lens becomes an artifact of the model, also
 * when training was cancelled after a step (marked `partial`) or stopped because the loss rose.
 */
export const tunedTrainAnalysis = defineAnalysis({
  name: 'tuned-train',
  defaults: TUNED_TRAIN_DEFAULTS,
  async run(ctx, { texts, ...settings }) {
    if (texts.length === 0) fail('give the tuned lens some training text (one text per line)');
    const recent: number[] = [];
    const r = await trainTunedLens(ctx.model.model, texts, settings, (p) => {
      if (p.phase === 'prepare') {
        ctx.progress({ phase: 'prepare', done: p.done, total: p.total, unit: 'text chunks', loss: NaN, ms: p.ms });
        return;
      }
      // The estimate uses the last few steps, without the first once there is another: the first
      // also compiles the device programs (measured on SwiftShader: 35 s vs ~10 s for the next ones).
      if (p.done === 2) recent.length = 0;
      recent.push(p.ms);
      if (recent.length > ETA_STEPS) recent.shift();
      const perStep = recent.reduce((a, v) => a + v, 0) / recent.length / 1000;
      ctx.progress({ phase: 'train', done: p.done, total: p.total, unit: 'steps', loss: p.loss, ms: p.ms, rate: 1 / perStep, etaSeconds: (p.total - p.done) * perStep });
    }, ctx.signal);
    const done = r.losses.length;
    const info: TunedLensInfo = { layers: r.lens.layers, dModel: r.lens.dModel, source: 'trained in the page', missingBias: [] };
    const label = `tuned lens (trained, ${done === settings.steps ? `${done} steps` : `${done} of ${settings.steps} steps`})`;
    const a = ctx.registry.addArtifact({ kind: 'tuned-lens', model: ctx.model.id, label, lens: r.lens, info });
    const stop = r.stopped;
    return {
      artifact: a.id, info, losses: r.losses,
      ...(stop?.reason === 'cancelled' ? { partial: { done: stop.done, total: stop.total, unit: 'steps' } } : {}),
      ...(stop?.reason === 'diverged' ? { warning: { kind: 'diverged' as const, done: stop.done, total: stop.total, message: stop.message } } : {}),
      ...(r.warning ? { warning: { kind: 'no-progress' as const, done, total: settings.steps, message: r.warning } } : {}),
    };
  },
});

/** `tuned-compare`: mean KL to the final output per layer, logit lens vs the lens artifact, nats. */
export const tunedCompareAnalysis = defineAnalysis({
  name: 'tuned-compare',
  defaults: TUNED_COMPARE_DEFAULTS,
  async run(ctx, { texts, lens: id }) {
    if (texts.length === 0) fail('give some texts to compare the lenses on');
    const lens = lensArtifact(ctx, id);
    return { logit: await lensKlPerLayer(ctx.model.model, undefined, texts, ctx.signal), tuned: await lensKlPerLayer(ctx.model.model, lens, texts, ctx.signal) };
  },
});
