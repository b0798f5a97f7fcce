/**
 * Host side of the packed 16-bit weights: f32 → f16 rounding ("halve memory") equals NumPy's
 * float16 bit for bit on the reference fixture's data (tests/fixtures/gguf/quants.gguf, q.F32
 * → q.F16) and on edge values, and rows pack two values per word, low half first, an odd
 * row padded with a zero high half; row blocks respect the byte limit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGgufHeader } from '../workers/engine/io/gguf';
import { halfToFloat } from '../workers/engine/io/gguf-types';
import { bufferSource } from '../workers/engine/io/source';
import { packRows, rowBlocks, toHalfBits } from '../workers/engine/kernels/packed16';

describe('packed 16-bit weights (host side)', () => {
  it('toHalfBits equals NumPy float16 on the fixture (1536 values)', async () => {
    const bytes = readFileSync('tests/fixtures/gguf/quants.gguf');
    const g = await readGgufHeader(bufferSource(bytes, 'quants.gguf'));
    const t32 = g.tensors.find((t) => t.name === 'q.F32');
    const t16 = g.tensors.find((t) => t.name === 'q.F16');
    if (!t32 || !t16) throw new Error('fixture incomplete');
    const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset + t32.begin, bytes.byteOffset + t32.end));
    const h = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + t16.begin, bytes.byteOffset + t16.end));
    let mismatches = 0;
    x.forEach((v, i) => { if (toHalfBits(v) !== h[i]) mismatches++; });
    expect(x.length).toBe(1536);
    expect(mismatches).toBe(0);
  });

  it('rounds to nearest, ties to even, with overflow, subnormals and signs', () => {
    // Values from the IEEE 754 binary16 tables.
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00); // rounds up past the largest finite
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(2 ** -25)).toBe(0x0000); // a tie: to even (zero)
    expect(toHalfBits(3 * 2 ** -25)).toBe(0x0002); // a tie between 1 and 2 ulps: to even (2)
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(Number.isNaN(halfToFloat(toHalfBits(NaN)))).toBe(true);
    for (const v of [0.1, -0.3333, 1234.5, 6.1e-5, 3e-7]) {
      const b = toHalfBits(v);
      const err = Math.abs(halfToFloat(b) - Math.fround(v));
      expect(err).toBeLessThanOrEqual(Math.abs(halfToFloat(b + 1) - Math.fround(v)));
      expect(err).toBeLessThanOrEqual(Math.abs(halfToFloat(b - 1) - Math.fround(v)));
    }
  });

  it('packs rows low half first and pads odd rows', () => {
    const w = packRows(new Uint16Array([0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666]), 2, 3);
    expect(Array.from(w, (v) => v >>> 0)).toEqual([0x22221111, 0x00003333, 0x55554444, 0x00006666]);
  });

  it('splits rows so each block fits the byte limit', () => {
    expect(rowBlocks(10, 5, 3 * 12)).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]); // 12 bytes a row
    expect(rowBlocks(4, 4, 1)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
    expect(rowBlocks(4, 4, 1e9)).toEqual([[0, 4]]);
  });
});
