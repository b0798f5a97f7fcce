/** F16 and BF16 widening against hand-computed IEEE values. */
import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../workers/engine/io/dtype';

function u16le(...xs: number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 2);
  xs.forEach((x, i) => { b[2 * i] = x & 0xff; b[2 * i + 1] = x >> 8; });
  return b;
}

describe('toFloat32', () => {
  it('widens F16 bit patterns exactly', () => {
    const got = toFloat32(u16le(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0xfc00, 0x8000), 'F16');
    expect(Array.from(got)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, Infinity, -Infinity, -0]);
    expect(Number.isNaN(toFloat32(u16le(0x7e00), 'F16')[0])).toBe(true);
  });

  it('widens BF16 as the high half of an f32', () => {
    const got = toFloat32(u16le(0x3f80, 0xc040, 0x4049, 0x0000, 0x7f80), 'BF16');
    expect(Array.from(got)).toEqual([1, -3, 3.140625, 0, Infinity]);
  });

  it('reads F32 little-endian, also from an unaligned view', () => {
    const buf = new Uint8Array(9);
    new DataView(buf.buffer).setFloat32(1, -1.5, true);
    new DataView(buf.buffer).setFloat32(5, 0.1, true);
    expect(Array.from(toFloat32(buf.subarray(1), 'F32'))).toEqual([-1.5, Math.fround(0.1)]);
  });
});
