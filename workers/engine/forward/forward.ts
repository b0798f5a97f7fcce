import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { fail } from '../errors';
import { LIMITS } from '../models/common/config-schema';
import { activate, applyLinear, applyNorm, applyRope, embedTokens, softcap, unembed } from '../models/common/ops';
import { ropeTables } from '../models/common/rope';
import type { BlockWeights, LoadedModel, NonFiniteSink } from '../models/common/types';
import { checkpointLabels } from './finite';
import { checkHookName, hookMatcher, intervene, type SaeSplicer } from './hooks';

export interface ForwardOptions {
  path: number[];
  interventions?: Intervention[];
  /** Hook names or `blocks.*.x` patterns to keep on the device. */
  capture?: string[];
  /** Keep the residual entering each step and the final residual ([S+1] × [T, d]). */
  keepResiduals?: boolean;
  /**
   * Compute the [T, V] logits (default true). Extraction turns them off: the unembedding
   * is about a third of a GPT-2-small forward, and it only wants hooks. The output's
   * logits are then an empty [T, 0].
   */
  logits?: boolean;
  /**
   * A batch (extraction): `tokens` holds `rows` rows of equal length T/rows back to back
   * (shorter rows right-padded by the caller). Every token-wise op runs on all B·T tokens
   * at once; attention runs per row over [B·H, T, T] with the causal mask, so a row's
   * real tokens never see its padding (it is to their right) nor another row, and their
   * activations equal running the row alone. Attention hooks are then [B·H, T, T] and
   * interventions would see the batch, so callers batch only runs without them.
   */
  rows?: number;
  /**
   * Record this forward's finiteness (forward/finite.ts); defaults to the model's watch.
   * Costs one on-device sum per checkpoint (2S + 2), nothing read back here.
   */
  watch?: NonFiniteSink;
  /** Resolves `sae` interventions (the run's registry): without it they fail. */
  splice?: SaeSplicer;
}

/** Device tensors the caller owns and must dispose. */
export interface ForwardOutput {
  /** [T, V]. */
  logits: tf.Tensor2D;
  captures: Map<string, tf.Tensor>;
  /** S+1 tensors [T, d] when keepResiduals: entering each step, then the final residual (before the final norm). */
  residuals: tf.Tensor2D[];
}

/** Releases everything a forward returned (logits, captures, residuals). */
export function disposeForward(out: ForwardOutput): void {
  tf.dispose([out.logits, ...out.captures.values(), ...out.residuals]);
}

/** The [V] logits at the last position, read back to the host. */
export async function readLastLogits(logits: tf.Tensor2D): Promise<Float32Array> {
  const [T, V] = logits.shape;
  const last = tf.slice(logits, [T - 1, 0], [1, V]);
  try {
    return Float32Array.from(await last.data());
  } finally {
    last.dispose();
  }
}

/** The default path runs every layer once, in order. */
export function defaultPath(layers: number): number[] {
  return Array.from({ length: layers }, (_, i) => i);
}

export function validateRun(model: LoadedModel, tokens: number[], path: number[], longestRow = tokens.length): void {
  const { vocab, layers, maxPositions } = model.arch;
  if (tokens.length === 0) fail('the prompt is empty: there are no tokens to run');
  tokens.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= vocab) fail(`token id ${t} at position ${i} is outside the vocabulary (vocab size ${vocab}, ids 0..${vocab - 1})`);
  });
  path.forEach((l, s) => {
    if (!Number.isInteger(l) || l < 0 || l >= layers) fail(`path step ${s} names layer ${l} but the model has ${layers} layers (0..${layers - 1})`);
  });
  if (maxPositions > 0 && longestRow > maxPositions) fail(`${longestRow} tokens exceed the model's ${maxPositions} learned positions`);
}

/** Additive causal mask [T, T] (0 allowed, −1e9 masked), optionally with a sliding window. */
function causalMask(T: number, window?: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const allowed = j <= i && (window === undefined || i - j < window);
      if (!allowed) m[i * T + j] = -1e9;
    }
  }
  return tf.tensor2d(m, [T, T]);
}

/**
 * One forward pass under a layer path with interventions. Runs inside tf.tidy: only
 * the logits, the requested captures and (optionally) the residuals survive.
 */
export function forward(model: LoadedModel, tokens: number[], opts: ForwardOptions): ForwardOutput {
  const { arch: a, weights: w } = model;
  const B = opts.rows ?? 1;
  if (!(Number.isInteger(B) && B >= 1 && tokens.length % B === 0)) fail(`a batch of ${B} rows cannot hold ${tokens.length} tokens: rows must have equal length`);
  if (B > 1 && opts.interventions?.length) fail('a batch of rows cannot take interventions: run the rows one at a time');
  /** Positions per row. */
  const Tr = tokens.length / B;
  validateRun(model, tokens, opts.path, Tr);
  // Attention scores are one [B·H, T, T] tensor (and the mask a [T, T] host array): bound T before either is sized.
  const scores = B * a.heads * Tr * Tr;
  if (scores > LIMITS.tensorElements) {
    fail(`rows of ${Tr} tokens need attention scores of ${B * a.heads} × ${Tr}² = ${scores} elements, more than one tensor holds (${LIMITS.tensorElements}): run at most ${Math.floor(Math.sqrt(LIMITS.tensorElements / (B * a.heads)))} tokens a row`);
  }
  const S = opts.path.length;
  const ivs = opts.interventions ?? [];
  for (const iv of ivs) checkHookName(iv.hook, S);
  for (const c of opts.capture ?? []) checkHookName(c, S);
  const wants = hookMatcher(opts.capture ?? []);
  const reached = new Set<string>();
  const captures = new Map<string, tf.Tensor>();
  const residuals: tf.Tensor2D[] = [];
  const T = tokens.length;

  const hook = <R extends tf.Tensor>(name: string, x: R): R => {
    reached.add(name);
    const mine = ivs.filter((iv) => iv.hook === name);
    const y = (mine.length ? intervene(x, name, mine, opts.splice) : x) as R;
    // A clone is a new handle on the same data, so callers may dispose captures and residuals independently.
    if (wants(name)) captures.set(name, tf.keep(y.clone()));
    return y;
  };

  const watch = opts.watch ?? model.watch;
  /** Device scalars, one per checkpoint (finite.ts): the sum is finite iff no element is NaN/±Inf. */
  const sums: tf.Scalar[] = [];
  const check = (x: tf.Tensor): void => {
    if (watch) sums.push(tf.sum(x));
  };
  let health: tf.Tensor1D | undefined;
  const release = (): void => tf.dispose([...captures.values(), ...residuals, ...(health ? [health] : [])]);
  let logits: tf.Tensor2D;
  try {
  logits = tf.tidy(() => {
    let h = tf.mul(embedTokens(tokens, w.embed ?? w.unembed), a.embedScale) as tf.Tensor2D;
    h = hook('hook_embed', h);
    if (w.posEmbed) {
      const first = tf.slice(w.posEmbed, [0, 0], [Tr, a.dModel]);
      const pe = B > 1 ? tf.tile(first, [B, 1]) as tf.Tensor2D : first;
      h = tf.add(h, hook('hook_pos_embed', pe));
    }
    check(h);
    let cos: tf.Tensor3D | undefined;
    let sin: tf.Tensor3D | undefined;
    if (a.rotaryDims > 0) {
      const half = a.rotaryDims / 2;
      const tables = ropeTables(a.invFreq, Tr);
      // Every row restarts at position 0: the [Tr] tables repeated B times.
      cos = tf.tile(tf.tensor3d(tables.cos, [Tr, 1, half]), [B, 1, 1]) as tf.Tensor3D;
      sin = tf.tile(tf.tensor3d(tables.sin, [Tr, 1, half]), [B, 1, 1]) as tf.Tensor3D;
    }
    const masks = new Map<number | undefined, tf.Tensor2D>();
    const maskFor = (win?: number): tf.Tensor2D => {
      let m = masks.get(win);
      if (!m) masks.set(win, (m = causalMask(Tr, win)));
      return m;
    };
    opts.path.forEach((layer, s) => {
      if (opts.keepResiduals) residuals.push(tf.keep(h.clone()));
      h = block(`blocks.${s}`, w.blocks[layer] as BlockWeights, h, hook, maskFor, cos, sin, model, B, check);
      check(h);
    });
    if (opts.keepResiduals) residuals.push(tf.keep(h.clone()));
    const nf = hook('ln_final.hook_normalized', applyNorm(h, w.lnFinal));
    const out = opts.logits === false ? tf.zeros([T, 0]) as tf.Tensor2D : unembed(nf, w.unembed, a.finalSoftcap);
    if (opts.logits !== false) check(out);
    if (watch) health = tf.keep(tf.stack(sums) as tf.Tensor1D);
    return out;
  });
  } catch (e) {
    release();
    throw e;
  }
  for (const iv of ivs) {
    if (!iv.hook.includes('*') && !reached.has(iv.hook)) {
      logits.dispose();
      release();
      fail(`intervention hook ${iv.hook} is never reached by this model and path`);
    }
  }
  if (watch && health) watch.add(health, checkpointLabels(opts.path, opts.logits !== false), opts.path, T);
  return { logits, captures, residuals };
}

type Hook = <R extends tf.Tensor>(name: string, x: R) => R;

function block(
  p: string, b: BlockWeights, hIn: tf.Tensor2D, hook: Hook, maskFor: (w?: number) => tf.Tensor2D,
  cos: tf.Tensor3D | undefined, sin: tf.Tensor3D | undefined, model: LoadedModel, B: number, check: (x: tf.Tensor) => void,
): tf.Tensor2D {
  const a = model.arch;
  const T = hIn.shape[0];
  const Tr = T / B;
  const { heads: H, kvHeads: KV, headDim: hd } = a;
  const x = hook(`${p}.hook_resid_pre`, hIn);
  const n1 = hook(`${p}.ln1.hook_normalized`, applyNorm(x, b.ln1));
  let q = tf.reshape(applyLinear(n1, b.q), [T, H, hd]) as tf.Tensor3D;
  let k = tf.reshape(applyLinear(n1, b.k), [T, KV, hd]) as tf.Tensor3D;
  let v = tf.reshape(applyLinear(n1, b.v), [T, KV, hd]) as tf.Tensor3D;
  if (b.qNorm) q = applyNorm(q, b.qNorm);
  if (b.kNorm) k = applyNorm(k, b.kNorm);
  q = hook(`${p}.attn.hook_q`, q);
  k = hook(`${p}.attn.hook_k`, k);
  v = hook(`${p}.attn.hook_v`, v);
  if (cos && sin) {
    q = applyRope(q, cos, sin, a.rotaryDims);
    k = applyRope(k, cos, sin, a.rotaryDims);
  }
  // [B·heads, Tr, hd] (B = 1: [heads, T, hd]); query head h reads key/value head floor(h / (H / KV)) (HF repeat_kv).
  const heads = (t: tf.Tensor3D, n: number): tf.Tensor3D => (B === 1
    ? tf.transpose(t, [1, 0, 2])
    : tf.reshape(tf.transpose(tf.reshape(t, [B, Tr, n, hd]), [0, 2, 1, 3]), [B * n, Tr, hd]));
  const qh = heads(q, H);
  const expand = (t: tf.Tensor3D): tf.Tensor3D => {
    const th = heads(t, KV);
    if (KV === H) return th;
    return tf.reshape(tf.tile(tf.reshape(th, [B * KV, 1, Tr, hd]), [1, H / KV, 1, 1]), [B * H, Tr, hd]);
  };
  let scores = tf.mul(tf.matMul(qh, expand(k), false, true), a.attnScale) as tf.Tensor3D;
  if (a.attnSoftcap) scores = softcap(scores, a.attnSoftcap);
  scores = hook(`${p}.attn.hook_attn_scores`, tf.add(scores, maskFor(b.slidingWindow)));
  const pattern = hook(`${p}.attn.hook_pattern`, tf.softmax(scores));
  const zh = tf.matMul(pattern, expand(v)); // [B·H, Tr, hd]
  const zt = B === 1 ? tf.transpose(zh, [1, 0, 2]) : tf.reshape(tf.transpose(tf.reshape(zh, [B, H, Tr, hd]), [0, 2, 1, 3]), [T, H, hd]);
  const z = hook(`${p}.attn.hook_z`, zt as tf.Tensor3D);
  let attnOut = applyLinear(tf.reshape(z, [T, H * hd]), b.o);
  if (b.postAttnNorm) attnOut = applyNorm(attnOut, b.postAttnNorm);
  attnOut = hook(`${p}.hook_attn_out`, attnOut);
  const mid = hook(`${p}.hook_resid_mid`, tf.add<tf.Tensor2D>(x, attnOut));
  check(mid);
  const n2 = hook(`${p}.ln2.hook_normalized`, applyNorm(a.parallelResidual ? x : mid, b.ln2));
  const pre = applyLinear(n2, b.gate ?? b.up);
  const post = hook(`${p}.mlp.hook_post`, b.gate ? tf.mul<tf.Tensor2D>(activate(pre, a.activation), applyLinear(n2, b.up)) : activate(pre, a.activation));
  let mlpOut = applyLinear(post, b.down);
  if (b.postMlpNorm) mlpOut = applyNorm(mlpOut, b.postMlpNorm);
  mlpOut = hook(`${p}.hook_mlp_out`, mlpOut);
  return hook(`${p}.hook_resid_post`, tf.add<tf.Tensor2D>(mid, mlpOut));
}
