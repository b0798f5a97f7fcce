import * as tf from '@tensorflow/tfjs-core';
import { halfToFloat } from '../io/gguf-types';
import { gatherPacked, initPacked16, matMulPacked, rowBlocks, toHalfBits, uploadPacked, type Half } from './packed16';

/** One kernel case: the largest |GPU − CPU| and the largest |CPU| (for a two-sided relative check). */
export interface KernelCase {
  name: string;
  diff: number;
  scale: number;
}

function decode(bits: number, f: Half): number {
  if (f === 'f16') return halfToFloat(bits);
  const b = new Uint32Array([bits << 16]);
  return new Float32Array(b.buffer)[0] as number;
}

function bf16Bits(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Seeded uniform values in [-1, 1). */
function rand(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/**
 * Runs the packed 16-bit programs on the active WebGPU backend against a float64 CPU
 * computation from the same 16-bit values: matmuls and gathers on small and odd shapes,
 * and a matmul split into row blocks under a tiny buffer limit. Undefined off WebGPU.
 */
export async function kernelSelfTest(): Promise<KernelCase[] | undefined> {
  if (!(await initPacked16())) return undefined;
  const out: KernelCase[] = [];
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [2, 64, 33], [5, 127, 3], [4, 2, 130]];
  for (const f of ['f16', 'bf16'] as const) {
    for (const [T, K, N] of shapes) {
      const x = rand(T * K, T * 1000 + K);
      const wv = rand(N * K, N * 7 + K);
      const bits = new Uint16Array(wv.map((v) => (f === 'f16' ? toHalfBits(v) : bf16Bits(v))));
      const w = uploadPacked(bits, N, K, f);
      const xt = tf.tensor2d(x, [T, K]);
      const blocks = rowBlocks(N, K, 4 * Math.ceil(K / 2) * 2); // two rows per block
      const whole = matMulPacked(xt, w);
      const parts = blocks.map(([r0, r1]) => {
        const b = uploadPacked(bits.subarray(r0 * K, r1 * K), r1 - r0, K, f);
        const y = matMulPacked(xt, b);
        b.data.dispose();
        return y;
      });
      const split = tf.concat(parts, 1);
      const got = (await whole.data()) as Float32Array;
      const gotSplit = (await split.data()) as Float32Array;
      let diff = 0;
      let diffSplit = 0;
      let scale = 0;
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += (x[t * K + k] as number) * decode(bits[n * K + k] as number, f);
        // x is uploaded as f32: compare against the f32 of each input, summed in float64.
        scale = Math.max(scale, Math.abs(s));
        diff = Math.max(diff, Math.abs((got[t * N + n] as number) - s));
        diffSplit = Math.max(diffSplit, Math.abs((gotSplit[t * N + n] as number) - s));
      }
      out.push({ name: `matmul ${f} T${T} K${K} N${N}`, diff, scale }, { name: `matmul ${f} T${T} K${K} N${N} in ${blocks.length} blocks`, diff: diffSplit, scale });
      const ids = Array.from({ length: T }, (_, i) => (i * 5 + 3) % N);
      const idt = tf.tensor1d(ids, 'int32');
      const g = gatherPacked(idt, w);
      const gv = (await g.data()) as Float32Array;
      let gd = 0;
      let gs = 0;
      ids.forEach((r, t) => { for (let k = 0; k < K; k++) { const e = decode(bits[r * K + k] as number, f); gs = Math.max(gs, Math.abs(e)); gd = Math.max(gd, Math.abs((gv[t * K + k] as number) - e)); } });
      out.push({ name: `gather ${f} T${T} d${K} V${N}`, diff: gd, scale: gs });
      tf.dispose([xt, whole, split, ...parts, g, idt, w.data]);
    }
  }
  return out;
}
