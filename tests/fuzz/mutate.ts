/**
 * Seeded mutations of the bytes a user might hand Strata: byte flips, truncation at
 * every boundary, absurd lengths and counts, and structure-aware JSON edits (type swaps,
 * huge/negative/fractional numbers, Infinity via 1e999 — JSON has no NaN literal, so a
 * NaN arrives as the string "NaN", as the bare word NaN, or as f32 bit patterns in
 * binary data). Every case is a pure function of (seed, target, index), so a failing
 * input can be regenerated anywhere.
 */

/** mulberry32: small, fast, good enough to spread mutations; never used for security. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** FNV-1a of a string, to derive a per-case seed from (seed, target, index). */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const c of parts.join('\u0000')) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

/** Numbers that break parsers: zero, negatives, fractions, the int32/2^53 edges, overflow to Infinity (1e999 in JSON text). */
export const NASTY_NUMBERS: readonly number[] = [
  0, -0, -1, -2, 1, 2, 0.5, -0.5, 1.5, 3, 7, 1e-320, 1e-45, 1e-30, 1e-7, 1e12, 1e30, 1e38, 3.5e38, 1e300, -1e300,
  255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, -(2 ** 31), 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_VALUE,
];

/** A value of another JSON type than `v`, or a nasty one of the same type. */
export function swapValue(rng: Rng, v: unknown): unknown {
  switch (rng.int(12)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick(NASTY_NUMBERS);
    case 3: return typeof v === 'number' ? -v : rng.pick(NASTY_NUMBERS);
    case 4: return typeof v === 'number' ? v * rng.pick([2, 10, 1000, 1e6, 1e12, 0.5, 0.1]) : String(v);
    case 5: return rng.pick(['', 'NaN', 'Infinity', '-1', '1e999', 'null', 'true', '__proto__', 'x'.repeat(300), '\u0000', '../../etc', 'F32', 'BF16', 'I64']);
    case 6: return [];
    case 7: return {};
    case 8: return Array.isArray(v) ? [...v, ...v] : [v];
    case 9: return Array.isArray(v) ? v.slice(0, rng.int(v.length + 1)) : { value: v };
    case 10: return typeof v === 'number' ? v + rng.pick([1, -1, 2, -2, 8]) : rng.pick(NASTY_NUMBERS);
    default: return typeof v === 'string' ? `${v}${rng.pick(['x', '.', ' ', '0', 'é'])}` : rng.pick(NASTY_NUMBERS);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = { get: () => Json; set: (v: Json) => void; del: () => void; key: string; rename?: (name: string) => void; name?: string };

/** Every slot (object member or array element) of a JSON value, depth-first, capped so huge files stay cheap. */
function slots(root: Json, cap = 20000): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Json, path: string, depth = 0): void => {
    // Deep nests (from an earlier edit) are walked only near the top.
    if (out.length >= cap || v === null || typeof v !== 'object' || depth > 64) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ get: () => v[i] as Json, set: (n) => (v[i] = n), del: () => v.splice(i, 1), key: `${path}[${i}]` });
        walk(x, `${path}[${i}]`, depth + 1);
      });
    } else {
      for (const k of Object.keys(v)) {
        const rename = (name: string): void => {
          const x = v[k] as Json;
          delete v[k];
          v[name] = x;
        };
        out.push({ get: () => v[k] as Json, set: (n) => (v[k] = n), del: () => delete v[k], key: `${path}.${k}`, rename, name: k });
        walk(v[k] as Json, `${path}.${k}`, depth + 1);
      }
    }
  };
  walk(root, '$');
  return out;
}

/**
 * 1–3 structural edits of a JSON document, then serialised; `prefer` biases the slots
 * picked towards keys that matter (e.g. the config keys a family reads).
 */
export function mutateJson(rng: Rng, source: string, prefer?: (key: string) => boolean): { text: string; what: string } {
  const doc = JSON.parse(source) as Json;
  const edits: string[] = [];
  const n = 1 + rng.int(3);
  for (let e = 0; e < n; e++) {
    const all = slots(doc);
    if (all.length === 0) break;
    const preferred = prefer ? all.filter((s) => prefer(s.key)) : [];
    const s = preferred.length > 0 && rng.chance(0.8) ? rng.pick(preferred) : rng.pick(all);
    const op = rng.int(11);
    if (op === 10 && s.rename && s.name !== undefined) {
      // Keys are user strings too (tensor and file names): control characters, quotes, huge ones.
      const bit = rng.pick(['\n', '\r', '\u0000', '\t', '"', '\\', '\u2028', 'é', ' ', '.', '..', '/', '__proto__', 'x'.repeat(5000)]);
      const name = rng.chance(0.5) ? `${s.name}${bit}` : rng.chance(0.5) ? `${bit}${s.name}` : bit;
      s.rename(name);
      edits.push(`rename ${s.key} → ${short(name)}`);
    } else if (op < 6) {
      const v = swapValue(rng, s.get()) as Json;
      s.set(v);
      edits.push(`${s.key}=${short(v)}`);
    } else if (op < 8) {
      s.del();
      edits.push(`-${s.key}`);
    } else if (op < 9) {
      // Absurd sizes and counts as containers: a long array or a deep nest.
      if (rng.chance(0.5)) {
        // Also written as text after serialising, so later edits do not walk 100 000 slots.
        const n = rng.pick([1000, 100000]);
        s.set(`@@ARRAY${n}@@`);
        edits.push(`${s.key}=<array ${n}>`);
      } else {
        // Written as text after serialising (JSON.stringify itself overflows its stack near 5000 levels).
        const depth = rng.pick([100, 5000, 100000]);
        s.set(`@@NEST${depth}@@`);
        edits.push(`${s.key}=<nest ${depth} deep>`);
      }
    } else {
      const v = s.get();
      s.set(Array.isArray(v) ? ([] as Json) : ({} as Json));
      edits.push(`${s.key}=empty`);
    }
  }
  let out = JSON.stringify(doc)
    .replace(/"@@NEST(\d+)@@"/g, (_m, d: string) => `${'['.repeat(Number(d))}0${']'.repeat(Number(d))}`)
    .replace(/"@@ARRAY(\d+)@@"/g, (_m, n: string) => `[${'1,'.repeat(Number(n) - 1)}1]`);
  // Literals JSON.stringify cannot write: overflow to Infinity, the bare word NaN, a duplicated key.
  if (rng.chance(0.15)) {
    const lit = rng.pick(['1e999', '-1e999', 'NaN', 'Infinity', '1e-999', '00', '-', '1.', '.5']);
    const at = out.search(/:\s*-?\d/);
    if (at >= 0) {
      const m = /^:\s*-?[\d.eE+-]+/.exec(out.slice(at));
      if (m) {
        out = `${out.slice(0, at)}:${lit}${out.slice(at + m[0].length)}`;
        edits.push(`number→${lit}`);
      }
    }
  }
  return { text: out, what: `json ${edits.join(', ')}` };
}

function short(v: unknown): string {
  const s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 30 ? `${s.slice(0, 27)}...` : s;
}

/** Flips 1–8 random bytes inside [begin, end). */
export function flipBytes(rng: Rng, bytes: Uint8Array, begin = 0, end = bytes.length): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const n = 1 + rng.int(8);
  const at: number[] = [];
  if (end <= begin) return { bytes: out, what: 'flip nothing' };
  for (let i = 0; i < n; i++) {
    const p = begin + rng.int(end - begin);
    out[p] = rng.chance(0.5) ? (out[p] as number) ^ (1 << rng.int(8)) : rng.int(256);
    at.push(p);
  }
  return { bytes: out, what: `flip bytes ${at.join(',')}` };
}

/** Cut at one of the boundaries (or near one, or anywhere). */
export function truncate(rng: Rng, bytes: Uint8Array, boundaries: number[]): { bytes: Uint8Array; what: string } {
  const b = rng.pick(boundaries.length ? boundaries : [bytes.length]);
  const at = Math.max(0, Math.min(bytes.length, rng.chance(0.7) ? b + rng.pick([-1, 0, 0, 1]) : rng.int(bytes.length + 1)));
  return { bytes: bytes.slice(0, at), what: `truncate at ${at} of ${bytes.length}` };
}

/** Random text edits of a text file (quotes, delimiters, line breaks, control bytes, long lines). */
export function mutateText(rng: Rng, s: string): { text: string; what: string } {
  const edits: string[] = [];
  let t = s;
  const n = 1 + rng.int(4);
  for (let e = 0; e < n; e++) {
    const at = rng.int(t.length + 1);
    // Past a million characters only cutting edits: growth on growth would reach what a string can hold.
    const op = t.length > 1_000_000 ? 3 + rng.int(2) : rng.int(7);
    const piece = rng.pick(['"', '""', ',', '\t', '\n', '\r\n', '\r', '\u0000', '{', '}', '[', ']', ':', '\\', '\uFFFD', 'é', '"x"', '1e999', '-1', '99999999999999999999', 'NaN', ' ']);
    if (op < 3) {
      t = t.slice(0, at) + piece + t.slice(at);
      edits.push(`insert ${JSON.stringify(piece)}@${at}`);
    } else if (op < 5) {
      const len = 1 + rng.int(20);
      t = t.slice(0, at) + t.slice(at + len);
      edits.push(`delete ${len}@${at}`);
    } else if (op < 6) {
      const rep = piece.repeat(rng.pick([100, 10000, 100000]));
      t = t.slice(0, at) + rep + t.slice(at);
      edits.push(`insert ${JSON.stringify(piece)}×${rep.length / piece.length}@${at}`);
    } else {
      const line = t.slice(0, t.indexOf('\n') + 1 || t.length);
      t = t + line.repeat(Math.min(rng.pick([2, 50, 2000]), Math.floor(1_000_000 / Math.max(1, line.length))));
      edits.push('repeat first line');
    }
  }
  return { text: t, what: `text ${edits.join(', ')}` };
}
