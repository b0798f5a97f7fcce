import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/**
 * 16-bit weights on WebGPU (MODELS.md "TensorFlow.js facts": tfjs has no f16/bf16 tensors).
 * A [rows, cols] matrix of F16 or BF16 values is kept as an int32 tensor [rows, ceil(cols/2)],
 * two values to a 32-bit word (low half = even column, as the file stores them), read by the
 * programs below through tfjs-backend-webgpu's program interface. F16 is unpacked with WGSL's
 * core `unpack2x16float` and BF16 by a 16-bit shift, so no `shader-f16` feature is needed.
 * Activations and accumulation stay f32. Rows are the output dimension (nn.Linear [out, in],
 * an embedding [V, d]), so y = x·Wᵀ reads each row contiguously.
 */

export type Half = 'f16' | 'bf16';

/** A packed 16-bit matrix on the device. */
export interface Packed16 {
  format: Half;
  rows: number;
  cols: number;
  /** int32 [rows, ceil(cols / 2)]. */
  data: tf.Tensor2D;
}

/** Little-endian 16-bit values [rows, cols] → words [rows, ceil(cols/2)] (an odd row gets a zero high half). */
export function packRows(bits: Uint16Array, rows: number, cols: number): Int32Array {
  const w = Math.ceil(cols / 2);
  const out = new Int32Array(rows * w);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < w; j++) {
      const lo = bits[r * cols + 2 * j] as number;
      const hi = 2 * j + 1 < cols ? (bits[r * cols + 2 * j + 1] as number) : 0;
      out[r * w + j] = (lo | (hi << 16)) | 0;
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 → IEEE half bits, round to nearest even (for "halve memory" on F32 checkpoints). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0] as number;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow → ±Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // a carry into the exponent is still correct
  return sign | h;
}

function unpackFn(format: Half): string {
  // Column c of a row lives in word c / 2, half c % 2 (low half first).
  return format === 'f16'
    ? `fn weight(word : i32, hi : bool) -> f32 { let v = unpack2x16float(bitcast<u32>(word)); return select(v.x, v.y, hi); }`
    : `fn weight(word : i32, hi : bool) -> f32 { let u = bitcast<u32>(word); return bitcast<f32>(select(u << 16u, u & 0xffff0000u, hi)); }`;
}

/**
 * y [T, N] = x [T, K] · Wᵀ with W packed [N, ceil(K/2)]; a thread computes column n for R
 * consecutive rows t0..t0+R−1 (R = 4 for T ≤ 4, else 8; thread index = ⌊t0 / R⌋·N + n) in
 * vec4 f32 accumulators, so each weight word is read and unpacked once per R rows. Rows past T
 * read row T−1 (clamped) and are not written. Measured on SwiftShader for [8, 896]·[896, 4864]ᵀ
 * (BF16, raw WebGPU, medians of 5): one output per thread 264–498 ms, R = 4 95–104 ms, R = 8 71 ms.
 */
class MatMulPackedProgram implements WebGPUProgram {
  variableNames = ['X', 'W'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'T : i32, K : i32, N : i32, KW : i32, TB : i32,';
  constructor(T: number, N: number, private readonly format: Half, readonly rows: number, util: WebGPUUtil) {
    this.outputShape = [T, N];
    const threads = [Math.ceil(T / rows), N];
    this.dispatchLayout = util.flatDispatchLayout(threads);
    this.dispatch = util.computeDispatch(this.dispatchLayout, threads, this.workgroupSize);
    this.shaderKey = `strata_matmul_packed_${format}_r${rows}`;
  }
  getUserCode(): string {
    const R = this.rows;
    const V = R / 4;
    const rowsOf = (v: number) => [0, 1, 2, 3].map((i) => 4 * v + i);
    const xs = Array.from({ length: R }, (_, r) => `let x${r} = min(t0 + ${r}, uniforms.T - 1) * uniforms.K;`).join('\n          ');
    const accs = Array.from({ length: V }, (_, v) => `var a${v} = vec4<f32>(0.0);`).join(' ');
    const step = Array.from({ length: V }, (_, v) => {
      const at = (k: string) => `vec4<f32>(${rowsOf(v).map((r) => `X[x${r} + ${k}]`).join(', ')})`;
      return `a${v} += ${at('k')} * w0 + ${at('k1')} * w1;`;
    }).join('\n            ');
    const stores = Array.from({ length: R }, (_, r) => `if (t0 + ${r} < uniforms.T) { setOutputAtIndex((t0 + ${r}) * uniforms.N + n, a${Math.floor(r / 4)}[${r % 4}]); }`).join('\n          ');
    return `
      ${unpackFn(this.format)}
      fn main(index : i32) {
        let n = index % uniforms.N;
        let tb = index / uniforms.N;
        if (tb < uniforms.TB) {
          let t0 = tb * ${R};
          ${xs}
          ${accs}
          let wb = n * uniforms.KW;
          for (var j = 0; j < uniforms.KW; j++) {
            let word = W[wb + j];
            let k = 2 * j;
            let k1 = min(k + 1, uniforms.K - 1);
            let w0 = weight(word, false);
            let w1 = select(0.0, weight(word, true), k + 1 < uniforms.K);
            ${step}
          }
          ${stores}
        }
      }`;
  }
}

/** Rows of W packed [V, ceil(d/2)] picked by id: out [T, d] f32. */
class GatherPackedProgram implements WebGPUProgram {
  variableNames = ['I', 'W'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'D : i32, DW : i32,';
  size = true;
  constructor(T: number, d: number, private readonly format: Half, util: WebGPUUtil) {
    this.outputShape = [T, d];
    this.dispatchLayout = util.flatDispatchLayout(this.outputShape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `strata_gather_packed_${format}`;
  }
  getUserCode(): string {
    return `
      ${unpackFn(this.format)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let t = index / uniforms.D;
          let c = index % uniforms.D;
          let word = W[I[t] * uniforms.DW + c / 2];
          setOutputAtIndex(index, weight(word, c % 2 == 1));
        }
      }`;
  }
}

interface WebGPUUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], wg: [number, number, number]): [number, number, number];
}

let util: WebGPUUtil | undefined;

/** The WebGPU backend and its dispatch helpers, or undefined on any other backend. */
async function webgpu(): Promise<{ backend: WebGPUBackend; util: WebGPUUtil } | undefined> {
  if (tf.getBackend() !== 'webgpu') return undefined;
  util ??= (await import('@tensorflow/tfjs-backend-webgpu')).webgpu_util as unknown as WebGPUUtil;
  return { backend: tf.backend() as WebGPUBackend, util };
}

/** Loads the dispatch helpers; call once after the WebGPU backend is active (kernels below are synchronous). */
export async function initPacked16(): Promise<boolean> {
  return (await webgpu()) !== undefined;
}

function ready(): { backend: WebGPUBackend; util: WebGPUUtil } {
  if (tf.getBackend() !== 'webgpu' || !util) throw new Error('packed 16-bit kernels need the WebGPU backend (call initPacked16 first)');
  return { backend: tf.backend() as WebGPUBackend, util };
}

export function uploadPacked(bits: Uint16Array, rows: number, cols: number, format: Half): Packed16 {
  const words = packRows(bits, rows, cols);
  return { format, rows, cols, data: tf.tensor2d(words, [rows, Math.ceil(cols / 2)], 'int32') };
}

/** x [T, K] f32 · Wᵀ for W packed [N, K] → [T, N] f32. */
export function matMulPacked(x: tf.Tensor2D, w: Packed16): tf.Tensor2D {
  const { backend, util: u } = ready();
  const [T, K] = x.shape;
  if (K !== w.cols) throw new Error(`matMulPacked: x has ${K} columns but W has ${w.cols}`);
  const rows = T <= 4 ? 4 : 8;
  const prog = new MatMulPackedProgram(T, w.rows, w.format, rows, u);
  const uniforms = [T, K, w.rows, Math.ceil(K / 2), Math.ceil(T / rows)].map((v) => ({ type: 'int32', data: [v] }));
  const info = backend.runWebGPUProgram(prog, [x, w.data], 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
}

/** Rows `ids` of W packed [V, d] → [T, d] f32. */
export function gatherPacked(ids: tf.Tensor1D, w: Packed16): tf.Tensor2D {
  const { backend, util: u } = ready();
  const prog = new GatherPackedProgram(ids.shape[0], w.cols, w.format, u);
  const uniforms = [{ type: 'int32', data: [w.cols] }, { type: 'int32', data: [Math.ceil(w.cols / 2)] }];
  const info = backend.runWebGPUProgram(prog, [ids, w.data], 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
}

/** Row blocks of an [rows, cols] 16-bit matrix whose packed words each fit `maxBytes` (the adapter's binding limit). */
export function rowBlocks(rows: number, cols: number, maxBytes: number): [number, number][] {
  const perRow = Math.ceil(cols / 2) * 4;
  const n = Math.max(1, Math.min(rows, Math.floor(maxBytes / perRow)));
  const out: [number, number][] = [];
  for (let r = 0; r < rows; r += n) out.push([r, Math.min(rows, r + n)]);
  return out;
}
