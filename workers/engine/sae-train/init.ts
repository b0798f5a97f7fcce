/**
 * The SAE trainer's seeded draws, from ONE numpy `RandomState(seed)` stream (MT19937,
 * probe/mt19937.ts), so the reference (scripts/reference/sae_train.py) draws the same:
 * - init: `standard_normal((d_sae, d_in))` (numpy's legacy polar Box–Muller `gauss` on
 *   53-bit `random_sample` doubles), each row scaled to norm `rowNorm`
 *   (W_dec,i = g_i / ‖g_i‖ · rowNorm), W_enc = W_decᵀ, b_enc = 0, b_dec = 0;
 * - batch order: then, from the same stream, `permutation(N)` per pass over the tokens;
 *   batch s is the next `batch` indices of the concatenated passes (a batch may span two).
 */
import { MT19937 } from '../probe/mt19937';

export class NumpyStream {
  private readonly mt: MT19937;
  private gauss: number | undefined;

  constructor(seed: number) {
    this.mt = new MT19937(seed);
  }

  /** random_sample(): (a >> 5, b >> 6) → [0, 1) with 53 bits. */
  sample(): number {
    const a = this.mt.nextUint32() >>> 5;
    const b = this.mt.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** legacy_gauss: the polar method, the second value cached. */
  normal(): number {
    if (this.gauss !== undefined) {
      const g = this.gauss;
      this.gauss = undefined;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.sample() - 1;
      x2 = 2 * this.sample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt(-2 * Math.log(r2) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  shuffle(a: number[]): void {
    this.mt.shuffle(a);
  }
}

export interface SaeInit {
  /** [d_in, d_sae] */
  wEnc: Float32Array;
  /** [d_sae, d_in] */
  wDec: Float32Array;
}

/** W_dec rows random directions of norm `rowNorm`, W_enc = W_decᵀ (host, f32). */
export function initWeights(rs: NumpyStream, dIn: number, dSae: number, rowNorm: number): SaeInit {
  const g = new Float64Array(dSae * dIn);
  for (let i = 0; i < g.length; i++) g[i] = rs.normal();
  const wDec = new Float32Array(dSae * dIn);
  const wEnc = new Float32Array(dIn * dSae);
  for (let i = 0; i < dSae; i++) {
    let n = 0;
    for (let j = 0; j < dIn; j++) n += (g[i * dIn + j] as number) ** 2;
    const s = rowNorm / Math.sqrt(n);
    for (let j = 0; j < dIn; j++) {
      const v = (g[i * dIn + j] as number) * s;
      wDec[i * dIn + j] = v;
      wEnc[j * dSae + i] = v;
    }
  }
  return { wEnc, wDec };
}

/** Batches of token indices in [0, n): consecutive slices of seeded permutations. */
export function batchOrder(rs: NumpyStream, n: number): (size: number) => Int32Array {
  let pass: number[] = [];
  let at = 0;
  return (size) => {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      if (at >= pass.length) {
        pass = Array.from({ length: n }, (_, j) => j);
        rs.shuffle(pass);
        at = 0;
      }
      out[i] = pass[at++] as number;
    }
    return out;
  };
}
