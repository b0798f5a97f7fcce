import { fail } from '../errors';
import type { GgufFile, GgufValue } from './gguf';

/** Typed access to GGUF metadata; a missing or mistyped key is a one-line error naming it. */
export class Meta {
  constructor(readonly g: GgufFile, readonly arch: string) {}
  private raw(key: string): GgufValue | undefined {
    return this.g.metadata.get(key);
  }
  has(key: string): boolean {
    return this.g.metadata.has(key);
  }
  /** A numeric key (any integer or float type; u64 accepted where the spec and writers differ). */
  num(key: string, dflt?: number): number {
    const v = this.raw(key);
    if (v === undefined) {
      if (dflt !== undefined) return dflt;
      return fail(`${this.g.source.name}: metadata key ${key} (needed for ${this.arch}) is missing`);
    }
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail(`${this.g.source.name}: metadata key ${key} is ${v}, absurdly large`);
      return Number(v);
    }
    if (typeof v !== 'number') return fail(`${this.g.source.name}: metadata key ${key} should be a number but is ${Array.isArray(v) ? 'an array' : typeof v}`);
    return v;
  }
  str(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') fail(`${this.g.source.name}: metadata key ${key} should be a string`);
    return v;
  }
  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') fail(`${this.g.source.name}: metadata key ${key} should be a bool`);
    return v;
  }
  array(key: string): GgufValue[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) fail(`${this.g.source.name}: metadata key ${key} should be an array`);
    return v;
  }
  /** A token id key; 0xFFFFFFFF (and absent) mean unset. */
  tokenId(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.num(key);
    return v === 0xffffffff || v < 0 ? undefined : v;
  }
}

