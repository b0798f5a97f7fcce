/**
 * ggml tensor types (ggml.h ids; block sizes from gguf-py constants.py GGML_QUANT_SIZES) and
 * their dequantizers (block layouts in MODELS.md, checked against gguf-py's quants.py).
 * Every decoder takes whole blocks: the reader has already checked ne[0] % block = 0.
 */

export interface GgmlType {
  name: string;
  /** Elements per block and bytes per block (1 and the element width for plain types). */
  block: number;
  bytes: number;
}

/** Every type a GGUF file may name, whether or not Strata can read it (so sizes can still be checked). */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map([
  [0, { name: 'F32', block: 1, bytes: 4 }],
  [1, { name: 'F16', block: 1, bytes: 2 }],
  [2, { name: 'Q4_0', block: 32, bytes: 18 }],
  [3, { name: 'Q4_1', block: 32, bytes: 20 }],
  [6, { name: 'Q5_0', block: 32, bytes: 22 }],
  [7, { name: 'Q5_1', block: 32, bytes: 24 }],
  [8, { name: 'Q8_0', block: 32, bytes: 34 }],
  [9, { name: 'Q8_1', block: 32, bytes: 36 }],
  [10, { name: 'Q2_K', block: 256, bytes: 84 }],
  [11, { name: 'Q3_K', block: 256, bytes: 110 }],
  [12, { name: 'Q4_K', block: 256, bytes: 144 }],
  [13, { name: 'Q5_K', block: 256, bytes: 176 }],
  [14, { name: 'Q6_K', block: 256, bytes: 210 }],
  [15, { name: 'Q8_K', block: 256, bytes: 292 }],
  [16, { name: 'IQ2_XXS', block: 256, bytes: 66 }],
  [17, { name: 'IQ2_XS', block: 256, bytes: 74 }],
  [18, { name: 'IQ3_XXS', block: 256, bytes: 98 }],
  [19, { name: 'IQ1_S', block: 256, bytes: 50 }],
  [20, { name: 'IQ4_NL', block: 32, bytes: 18 }],
  [21, { name: 'IQ3_S', block: 256, bytes: 110 }],
  [22, { name: 'IQ2_S', block: 256, bytes: 82 }],
  [23, { name: 'IQ4_XS', block: 256, bytes: 136 }],
  [24, { name: 'I8', block: 1, bytes: 1 }],
  [25, { name: 'I16', block: 1, bytes: 2 }],
  [26, { name: 'I32', block: 1, bytes: 4 }],
  [27, { name: 'I64', block: 1, bytes: 8 }],
  [28, { name: 'F64', block: 1, bytes: 8 }],
  [29, { name: 'IQ1_M', block: 256, bytes: 56 }],
  [30, { name: 'BF16', block: 1, bytes: 2 }],
  [34, { name: 'TQ1_0', block: 256, bytes: 54 }],
  [35, { name: 'TQ2_0', block: 256, bytes: 66 }],
]);

/** The types Strata dequantizes on load. */
export const GGUF_READABLE = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'] as const;

/** IEEE binary16 bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

type Decoder = (b: Uint8Array, v: DataView, at: number, out: Float32Array, o: number) => void;

// Q8_0: f16 d, i8 q[32]: x = d·q.
const q8_0: Decoder = (b, v, at, out, o) => {
  const d = halfToFloat(v.getUint16(at, true));
  for (let j = 0; j < 32; j++) out[o + j] = d * v.getInt8(at + 2 + j);
};

// Q4_0: f16 d, u8 qs[16]: low nibbles are elements 0..15, high nibbles 16..31, offset 8.
const q4_0: Decoder = (b, v, at, out, o) => {
  const d = halfToFloat(v.getUint16(at, true));
  for (let j = 0; j < 16; j++) {
    const q = b[at + 2 + j] as number;
    out[o + j] = d * ((q & 15) - 8);
    out[o + j + 16] = d * ((q >> 4) - 8);
  }
};

// Q4_K: f16 d, f16 dmin, u8 sc[12] (6-bit scales and mins of 8 sub-blocks), u8 qs[128].
const q4_k: Decoder = (b, v, at, out, o) => {
  const d = halfToFloat(v.getUint16(at, true));
  const dmin = halfToFloat(v.getUint16(at + 2, true));
  const sc = at + 4;
  const qs = at + 16;
  const s = (k: number): number => b[sc + k] as number;
  for (let sb = 0; sb < 8; sb++) {
    const scale = sb < 4 ? s(sb) & 63 : (s(sb + 4) & 15) | ((s(sb - 4) >> 6) << 4);
    const min = sb < 4 ? s(sb + 4) & 63 : (s(sb + 4) >> 4) | ((s(sb) >> 6) << 4);
    const c = sb >> 1;
    const high = sb & 1;
    for (let l = 0; l < 32; l++) {
      const q = b[qs + 32 * c + l] as number;
      out[o + 32 * sb + l] = d * scale * (high ? q >> 4 : q & 15) - dmin * min;
    }
  }
};

// Q6_K: u8 ql[128], u8 qh[64], i8 sc[16], f16 d (last): x = d·sc·(q − 32), q 6-bit.
const q6_k: Decoder = (b, v, at, out, o) => {
  const ql = at;
  const qh = at + 128;
  const sc = at + 192;
  const d = halfToFloat(v.getUint16(at + 208, true));
  for (let h = 0; h < 2; h++) {
    const L = ql + 64 * h;
    const H = qh + 32 * h;
    const S = sc + 8 * h;
    const base = o + 128 * h;
    for (let l = 0; l < 32; l++) {
      const i = l >> 4;
      const hb = b[H + l] as number;
      const a = b[L + l] as number;
      const c = b[L + l + 32] as number;
      out[base + l] = d * v.getInt8(S + i) * (((a & 15) | ((hb & 3) << 4)) - 32);
      out[base + 32 + l] = d * v.getInt8(S + i + 2) * (((c & 15) | (((hb >> 2) & 3) << 4)) - 32);
      out[base + 64 + l] = d * v.getInt8(S + i + 4) * (((a >> 4) | (((hb >> 4) & 3) << 4)) - 32);
      out[base + 96 + l] = d * v.getInt8(S + i + 6) * (((c >> 4) | ((hb >> 6) << 4)) - 32);
    }
  }
};

const DECODERS: Readonly<Record<string, Decoder>> = { Q8_0: q8_0, Q4_0: q4_0, Q4_K: q4_k, Q6_K: q6_k };

/** Dequantizes whole blocks of a quantized type to f32 (n = element count, a multiple of the block). */
export function dequantize(bytes: Uint8Array, type: GgmlType, n: number): Float32Array {
  const dec = DECODERS[type.name];
  if (!dec) throw new Error(`no dequantizer for ${type.name}`);
  const out = new Float32Array(n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0, at = 0; k < n; k += type.block, at += type.bytes) dec(bytes, v, at, out, k);
  return out;
}
