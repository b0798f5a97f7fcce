import { fail } from '../../errors';

/** Typed reads of config.json fields with errors that name the field. */
export class ConfigReader {
  constructor(readonly cfg: Record<string, unknown>, readonly arch: string) {}

  has(key: string): boolean {
    return this.cfg[key] !== undefined && this.cfg[key] !== null;
  }

  num(key: string, fallback?: number): number {
    const v = this.cfg[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      return fail(`config.json (${this.arch}): required field ${key} is missing`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`config.json (${this.arch}): field ${key} is not a number`);
    return v;
  }

  int(key: string, fallback?: number): number {
    const v = this.num(key, fallback);
    if (!Number.isInteger(v) || v < 0) fail(`config.json (${this.arch}): field ${key} must be a non-negative integer, got ${v}`);
    return v;
  }

  /** The first key present among aliases (configs name the same thing differently). */
  intOf(keys: string[], fallback?: number): number {
    for (const k of keys) if (this.has(k)) return this.int(k);
    if (fallback !== undefined) return fallback;
    return fail(`config.json (${this.arch}): required field ${keys.join(' / ')} is missing`);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.cfg[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') fail(`config.json (${this.arch}): field ${key} is not true/false`);
    return v;
  }

  str(key: string, fallback: string): string {
    const v = this.cfg[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') fail(`config.json (${this.arch}): field ${key} is not a string`);
    return v;
  }

  obj(key: string): Record<string, unknown> | undefined {
    const v = this.cfg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) fail(`config.json (${this.arch}): field ${key} is not an object`);
    return v as Record<string, unknown>;
  }

  /** Divides evenly or fails naming both fields. */
  checkDivides(a: number, aName: string, b: number, bName: string): void {
    if (b === 0 || a % b !== 0) fail(`config.json (${this.arch}): ${aName} (${a}) is not a multiple of ${bName} (${b})`);
  }
}
