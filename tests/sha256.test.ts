/** Incremental SHA-256 against Node's crypto (OpenSSL), across chunk boundaries. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../workers/engine/io/sha256';

describe('Sha256', () => {
  it('matches the FIPS test vectors', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto for lengths 0..300 fed in uneven chunks', () => {
    let seed = 1;
    for (let n = 0; n <= 300; n++) {
      const data = Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      const h = new Sha256();
      for (let i = 0; i < n; ) {
        const step = 1 + ((i * 7 + n) % 71);
        h.update(data.subarray(i, i + step));
        i += step;
      }
      expect(h.hex()).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});
