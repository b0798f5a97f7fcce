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
 * Computed on the host in Float64, one tensor at a time; the copy shares nothing with the
 * original (unchanged tensors are tf.clone'd: same data, own reference), so either can be
 * unloaded first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { QuantizeOptions } from '../../src/contracts/probe';
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

/** A copy of `m` with every block linear map fake-quantised; yields between tensors (`tick`). */
export async function quantizedCopy(m: LoadedModel, o: QuantizeOptions, tick: () => Promise<void> = async () => undefined): Promise<QuantizedCopy> {
  const made: tf.Tensor[] = [];
  try {
    const { blocks, ...rest } = m.weights;
    const restCopy = cloneDeep(rest, made);
    let quantized = 0;
    const blockCopies: BlockWeights[] = [];
    for (const bw of blocks) {
      const { q, k, v, o: out, gate, up, down, ...other } = bw;
      const lin: Record<string, Linear | undefined> = { q, k, v, o: out, gate, up, down };
      const copy = cloneDeep(other, made) as Omit<BlockWeights, (typeof LINEARS)[number]>;
      const linCopy: Partial<Record<(typeof LINEARS)[number], Linear>> = {};
      for (const name of LINEARS) {
        const L = lin[name];
        if (!L) continue;
        await tick();
        const [inputs, outputs] = linearDims(L);
        const wF32 = linearWeightF32(L); // widened on demand when the map is packed 16-bit
        const data = quantizeMatrix((await wF32.data()) as Float32Array, inputs, outputs, o);
        wF32.dispose();
        const w = tf.tensor2d(data, [inputs, outputs]);
        made.push(w);
        quantized += data.length;
        linCopy[name] = { w, ...(L.b ? { b: cloneDeep(L.b, made) } : {}) };
      }
      blockCopies.push({ ...copy, ...linCopy } as BlockWeights);
    }
    const model: LoadedModel = { arch: m.arch, weights: { ...restCopy, blocks: blockCopies } };
    return { model, quantized, dispose: () => made.forEach((t) => t.dispose()) };
  } catch (e) {
    made.forEach((t) => t.dispose());
    throw e;
  }
}
