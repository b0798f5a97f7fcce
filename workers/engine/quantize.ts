/**
 * Fake weight quantisation (METHODS §11): every block's linear maps (q, k, v, o, gate, up,
 * down) rounded to `bits` and dequantised back to f32, in a copy of the model; embeddings,
 * norms and the unembedding stay full precision. Groups are `g` consecutive inputs of one
 * output row (the engine stores W as [in, out], so a group is g consecutive rows of one
 * column):
 *   asymmetric  s = (max − min)/(2^b − 1), q = clamp(round((w − min)/s), 0, 2^b − 1), ŵ = q·s + min
 *   symmetric   s = max|w|/(2^(b−1) − 1), q = clamp(round(w/s), −2^(b−1), 2^(b−1) − 1), ŵ = q·s
 * round = half to even (torch.round). Defaults = Quanto's: 8 bits symmetric over the whole row,
 * fewer bits asymmetric with g = 128 lowered by 32 until it divides `in` (else the whole row).
 * Layer-wise (LayerQuantizeOptions): block l at bits[l], blocks absent at full precision.
 * Computed on the host in Float64, one tensor at a time; the copy shares nothing with the
 * original (unchanged tensors are tf.clone'd: same data, own reference), so either can be
 * unloaded first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { QuantizeOptions } from '../../src/contracts/probe';
import type { QuantizeSpec } from '../../src/contracts/run';
import { fail } from './errors';
import { linearDims, linearWeightF32 } from './models/common/ops';
import type { BlockWeights, Linear, LoadedModel } from './models/common/types';

const LINEARS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

/** Round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The group size used for a row of `inputs` weights. */
export function groupFor(inputs: number, o: QuantizeOptions): number {
  if (o.groupSize > 0) {
    if (!Number.isInteger(o.groupSize)) fail(`quantize: the group size must be an integer, got ${o.groupSize}`);
    if (inputs % o.groupSize !== 0) fail(`quantize: group size ${o.groupSize} does not divide a row of ${inputs} inputs; pick a divisor of ${inputs} (or 0 for the default)`);
    return o.groupSize;
  }
  if (o.bits >= 8) return inputs;
  for (let g = 128; g >= 32; g -= 32) if (inputs % g === 0) return g;
  return inputs;
}

export function isSymmetric(o: QuantizeOptions): boolean {
  return o.symmetric ?? o.bits >= 8;
}

/** Quantises w [in, out] (row-major) in place of a copy: groups of g rows within each column. */
export function quantizeMatrix(w: Float32Array, inputs: number, outputs: number, o: QuantizeOptions): Float32Array {
  const b = o.bits;
  if (!(Number.isInteger(b) && b >= 2 && b <= 16)) fail(`quantize: bits must be an integer from 2 to 16, got ${b}`);
  const g = groupFor(inputs, o);
  const sym = isSymmetric(o);
  const out = new Float32Array(w.length);
  const qmax = sym ? 2 ** (b - 1) - 1 : 2 ** b - 1;
  const qmin = sym ? -(2 ** (b - 1)) : 0;
  for (let c = 0; c < outputs; c++) {
    for (let r0 = 0; r0 < inputs; r0 += g) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let r = r0; r < r0 + g; r++) {
        const v = w[r * outputs + c] as number;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const s = sym ? Math.max(Math.abs(mn), Math.abs(mx)) / qmax : (mx - mn) / qmax;
      const zero = sym ? 0 : mn;
      for (let r = r0; r < r0 + g; r++) {
        const i = r * outputs + c;
        const v = w[i] as number;
        // A constant group (s = 0) is exact as it is.
        out[i] = s > 0 ? Math.min(qmax, Math.max(qmin, roundHalfEven((v - zero) / s))) * s + zero : v;
      }
    }
  }
  return out;
}

/** Clones every tensor inside a plain weights structure (arrays and objects). */
function cloneDeep<T>(x: T, made: tf.Tensor[]): T {
  if (x instanceof tf.Tensor) {
    const c = tf.clone(x);
    made.push(c);
    return c as unknown as T;
  }
  if (Array.isArray(x)) return x.map((v) => cloneDeep(v, made)) as unknown as T;
  if (x && typeof x === 'object' && !(x instanceof Float64Array)) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, cloneDeep(v, made)])) as T;
  }
  return x;
}

export interface QuantizedCopy {
  model: LoadedModel;
  /** Weights rounded (the block linear maps' parameters, biases excluded). */
  quantized: number;
  dispose: () => void;
}

/**
 * Layer-wise options (METHODS §11): block l's linear maps at `bits[l]` bits, blocks absent
 * from the map at full precision; `groupSize` and `symmetric` as in QuantizeOptions.
 */
export interface LayerQuantizeOptions {
  bits: Record<number, number>;
  groupSize: number;
  symmetric?: boolean;
}

/** The layer → bits map of a request: every block at `o.bits` (whole model), or the map as given (checked). */
function bitsOf(o: QuantizeOptions | LayerQuantizeOptions, layers: number): Record<number, number> {
  const whole = o.bits;
  if (typeof whole === 'number') return Object.fromEntries(Array.from({ length: layers }, (_, l) => [l, whole])) as Record<number, number>;
  for (const [k, b] of Object.entries(whole)) {
    const l = Number(k);
    if (!(Number.isInteger(l) && l >= 0 && l < layers)) fail(`quantize: layer ${k} in the bits map is not a layer of this model (0..${layers - 1})`);
    if (!(Number.isInteger(b) && b >= 2 && b <= 16)) fail(`quantize: bits for layer ${k} must be an integer from 2 to 16, got ${String(b)}`);
  }
  return whole;
}

/** A run spec's `quantize` checked (one line naming the field) and as layer-wise options. */
export function layerOptions(q: QuantizeSpec, layers: number): LayerQuantizeOptions {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) fail('run spec quantize must be an object {"bits": {"layer": bits}, "group"?, "scheme"?}');
  for (const k of Object.keys(q)) if (!['bits', 'group', 'scheme'].includes(k)) fail(`run spec quantize: unknown key "${k}" (bits, group, scheme)`);
  const { bits, group = 0, scheme } = q;
  if (typeof bits !== 'object' || bits === null || Array.isArray(bits)) fail('run spec quantize.bits must be an object of layer → bits, e.g. {"0": 4, "3": 8}');
  const out: Record<number, number> = {};
  for (const [k, b] of Object.entries(bits)) {
    const l = Number(k);
    if (!(/^\d+$/.test(k) && l < layers)) fail(`run spec quantize.bits: "${k}" is not a layer of this model (0..${layers - 1})`);
    if (!(Number.isInteger(b) && b >= 2 && b <= 16)) fail(`run spec quantize.bits["${k}"] must be an integer from 2 to 16, got ${JSON.stringify(b)}`);
    out[l] = b;
  }
  if (Object.keys(out).length === 0) fail('run spec quantize.bits names no layer: give at least one, e.g. {"0": 4}');
  if (!(Number.isInteger(group) && group >= 0)) fail(`run spec quantize.group must be a non-negative integer (0 = the default), got ${JSON.stringify(group)}`);
  if (scheme !== undefined && scheme !== 'symmetric' && scheme !== 'asymmetric') fail(`run spec quantize.scheme must be symmetric or asymmetric, got ${JSON.stringify(scheme)}`);
  return { bits: out, groupSize: group, ...(scheme ? { symmetric: scheme === 'symmetric' } : {}) };
}

/**
 * Block `bw`'s linear maps rounded at `o.bits`: new f32 [in, out] weight tensors (pushed to
 * `made`); biases and every other tensor of the block shared with `bw` (a copy that must
 * outlive the original clones them). `count` = weights rounded.
 */
export async function quantizeBlockLinears(bw: BlockWeights, o: QuantizeOptions, made: tf.Tensor[], tick: () => Promise<void>): Promise<{ block: BlockWeights; count: number }> {
  const block: BlockWeights = { ...bw };
  let count = 0;
  for (const name of LINEARS) {
    const L = bw[name] as Linear | undefined;
    if (!L) continue;
    await tick();
    const [inputs, outputs] = linearDims(L);
    const wF32 = linearWeightF32(L); // widened on demand when the map is packed 16-bit
    const data = quantizeMatrix((await wF32.data()) as Float32Array, inputs, outputs, o);
    wF32.dispose();
    const w = tf.tensor2d(data, [inputs, outputs]);
    made.push(w);
    count += data.length;
    block[name] = { w, ...(L.b ? { b: L.b } : {}) };
  }
  return { block, count };
}

/**
 * A copy of `m` with block linear maps fake-quantised: every block (QuantizeOptions) or the
 * blocks a layer → bits map names (LayerQuantizeOptions; the others exact clones); yields
 * between tensors (`tick`).
 */
export async function quantizedCopy(m: LoadedModel, o: QuantizeOptions | LayerQuantizeOptions, tick: () => Promise<void> = async () => undefined): Promise<QuantizedCopy> {
  const made: tf.Tensor[] = [];
  try {
    const bits = bitsOf(o, m.weights.blocks.length);
    const { blocks, ...rest } = m.weights;
    const restCopy = cloneDeep(rest, made);
    let quantized = 0;
    const blockCopies: BlockWeights[] = [];
    for (const [l, bw] of blocks.entries()) {
      const b = bits[l];
      if (b === undefined) {
        blockCopies.push(cloneDeep(bw, made));
        continue;
      }
      const opts: QuantizeOptions = { bits: b, groupSize: o.groupSize, ...(o.symmetric !== undefined ? { symmetric: o.symmetric } : {}) };
      const { block, count } = await quantizeBlockLinears(bw, opts, made, tick);
      quantized += count;
      // The rounded weights are new; every other tensor of the block (biases included) is cloned.
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(block)) {
        const lin = (LINEARS as readonly string[]).includes(k) ? (v as Linear | undefined) : undefined;
        own[k] = lin ? { w: lin.w, ...(lin.b ? { b: cloneDeep(lin.b, made) } : {}) } : cloneDeep(v, made);
      }
      blockCopies.push(own as unknown as BlockWeights);
    }
    const model: LoadedModel = { arch: m.arch, weights: { ...restCopy, blocks: blockCopies } };
    return { model, quantized, dispose: () => made.forEach((t) => t.dispose()) };
  } catch (e) {
    made.forEach((t) => t.dispose());
    throw e;
  }
}
