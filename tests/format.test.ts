import { describe, expect, it } from 'vitest';
import { bitsToNats, fmtInfo, fmtNum, fmtProb, INFO_UNIT } from '../src/features/format';

// Every expected string below is written by hand from the rule in src/features/format.ts
// (3 significant digits; fixed notation for 1e-3 ≤ |x| < 1e6, else exponent).
describe('fmtNum', () => {
  it.each([
    [0, '0'],
    [1, '1.00'],
    [0.5, '0.500'],
    [1.2345, '1.23'],
    [12.345, '12.3'],
    [123.45, '123'],
    [1234.5, '1235'],
    [0.012345, '0.0123'],
    [0.0012345, '0.00123'],
    [0.00012345, '1.23e-4'],
    [1.5e-9, '1.50e-9'],
    [2.5e7, '2.50e7'],
    [-0.5, '-0.500'],
    [-1.2345, '-1.23'],
    // Rounding carries into the next decade: 3 significant digits, not 4.
    [9.996, '10.0'],
    [0.00099996, '0.00100'],
  ])('%s → %s', (x, want) => {
    expect(fmtNum(x)).toBe(want);
  });
  it('missing and infinite values', () => {
    expect(fmtNum(NaN)).toBe('—');
    expect(fmtNum(undefined)).toBe('—');
    expect(fmtNum(Infinity)).toBe('∞');
    expect(fmtNum(-Infinity)).toBe('-∞');
  });
  it('other digit counts', () => {
    expect(fmtNum(Math.PI, 5)).toBe('3.1416');
    expect(fmtNum(Math.PI, 1)).toBe('3');
  });
  it('a formatted value parses back within half a unit of its last digit', () => {
    for (const x of [0.123456, 5.4321, 87.65, 0.0040404, 3.3e-6, -2.71828]) {
      const back = Number(fmtNum(x));
      const unit = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 2);
      expect(Math.abs(back - x)).toBeLessThanOrEqual(unit / 2 + 1e-15);
    }
  });
});

describe('fmtProb', () => {
  it.each([
    [1, '100%'],
    [0.5, '50.0%'],
    [0.123456, '12.3%'],
    [0.0123456, '1.23%'],
    [0.00123456, '0.123%'],
    [1.23456e-5, '0.00123%'],
    [1.23456e-6, '1.23e-4%'],
    [0, '0%'],
  ])('%s → %s', (p, want) => {
    expect(fmtProb(p)).toBe(want);
  });
  it('missing', () => {
    expect(fmtProb(NaN)).toBe('—');
  });
});

describe('fmtInfo and bitsToNats', () => {
  it('nats with the unit, or without', () => {
    expect(INFO_UNIT).toBe('nats');
    expect(fmtInfo(1.2345)).toBe('1.23 nats');
    expect(fmtInfo(1.2345, { unit: false })).toBe('1.23');
    expect(fmtInfo(NaN)).toBe('—');
  });
  it('1 bit = ln 2 nats; log2(8) bits = ln(8) nats', () => {
    expect(Math.abs(bitsToNats(1) - 0.6931471805599453)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(bitsToNats(3) - Math.log(8))).toBeLessThanOrEqual(1e-15);
  });
});
