/** Bytes per element of every safetensors dtype; only F32, F16 and BF16 can be read. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

export const READABLE_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type ReadableDtype = (typeof READABLE_DTYPES)[number];

export function isReadable(dtype: string): dtype is ReadableDtype {
  return (READABLE_DTYPES as readonly string[]).includes(dtype);
}

// IEEE half → float lookup for all 65536 bit patterns (256 KiB, built on first use);
// a table is exact and works where Float16Array does not exist (Node 20).
let halfTable: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Widen raw little-endian bytes of a readable dtype to f32. */
export function toFloat32(bytes: Uint8Array, dtype: ReadableDtype): Float32Array {
  if (dtype === 'F32') {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    return new Float32Array(bytes.slice().buffer);
  }
  const n = bytes.byteLength / 2;
  const u16 = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice().buffer);
  if (dtype === 'BF16') {
    // bfloat16 is the high half of an f32.
    const u32 = new Uint32Array(n);
    for (let i = 0; i < n; i++) u32[i] = (u16[i] as number) << 16;
    return new Float32Array(u32.buffer);
  }
  const table = halfToFloatTable();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = table[u16[i] as number] as number;
  return out;
}
