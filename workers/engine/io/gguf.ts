import { fail } from '../errors';
import { GGML_TYPES, type GgmlType } from './gguf-types';
import type { ByteSource } from './source';

/**
 * The GGUF container (ggml gguf.h / docs/gguf.md; MODELS.md "GGUF"): header, key/value
 * metadata, tensor infos, aligned data. Every count and length is checked against the bytes
 * left in the file before anything is allocated from it.
 */

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ne[], innermost first (the reverse of the PyTorch shape). */
  ne: number[];
  type: GgmlType;
  typeId: number;
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface GgufFile {
  source: ByteSource;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataStart: number;
}

/** Far above any real file (llama.cpp models have < 2,000 tensors and < 100 keys). */
export const GGUF_MAX_TENSORS = 1_000_000;
export const GGUF_MAX_KV = 1_000_000;
const MAX_NAME = 63;
const MAX_DIMS = 4;
const CHUNK = 1 << 20;
// Keys and tensor names are printable (they end up in one-line messages).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Sequential reads over a ByteSource, fetching ~1 MiB at a time. */
class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private base = 0;
  pos = 0;
  constructor(private readonly src: ByteSource, private readonly what: () => string) {}

  get label(): string {
    return this.src.name;
  }

  get where(): string {
    return this.what();
  }

  get left(): number {
    return this.src.size - this.pos;
  }

  private async ensure(n: number): Promise<number> {
    if (n > this.left) fail(`${this.src.name} is truncated: ${this.what()} needs ${n} bytes at offset ${this.pos} but the file ends at ${this.src.size}`);
    const rel = this.pos - this.base;
    if (rel + n <= this.buf.byteLength) return rel;
    const end = Math.min(this.src.size, this.pos + Math.max(n, CHUNK));
    this.buf = await this.src.read(this.pos, end);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.base = this.pos;
    return 0;
  }

  async u8(): Promise<number> { const r = await this.ensure(1); this.pos += 1; return this.view.getUint8(r); }
  async i8(): Promise<number> { const r = await this.ensure(1); this.pos += 1; return this.view.getInt8(r); }
  async u16(): Promise<number> { const r = await this.ensure(2); this.pos += 2; return this.view.getUint16(r, true); }
  async i16(): Promise<number> { const r = await this.ensure(2); this.pos += 2; return this.view.getInt16(r, true); }
  async u32(): Promise<number> { const r = await this.ensure(4); this.pos += 4; return this.view.getUint32(r, true); }
  async i32(): Promise<number> { const r = await this.ensure(4); this.pos += 4; return this.view.getInt32(r, true); }
  async f32(): Promise<number> { const r = await this.ensure(4); this.pos += 4; return this.view.getFloat32(r, true); }
  async f64(): Promise<number> { const r = await this.ensure(8); this.pos += 8; return this.view.getFloat64(r, true); }
  async u64(): Promise<bigint> { const r = await this.ensure(8); this.pos += 8; return this.view.getBigUint64(r, true); }
  async i64(): Promise<bigint> { const r = await this.ensure(8); this.pos += 8; return this.view.getBigInt64(r, true); }

  /** A u64 that must be a safe integer no larger than `max` (else `absurd` names it). */
  async count(max: number, absurd: (n: bigint) => string): Promise<number> {
    const n = await this.u64();
    if (n > BigInt(max)) fail(`${this.src.name}: ${absurd(n)}`);
    return Number(n);
  }

  async str(): Promise<string> {
    const n = await this.count(this.left - 8, (n) => `${this.what()} has a string length of ${n} bytes, past the end of the file (${this.src.size} bytes); the file is truncated or corrupt`);
    const r = await this.ensure(n);
    this.pos += n;
    return new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(r, r + n));
  }
}

/** Bytes of one value of each scalar metadata type (for checking array counts before allocating). */
const SCALAR_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

async function scalar(c: Cursor, t: number): Promise<GgufValue> {
  switch (t) {
    case 0: return c.u8();
    case 1: return c.i8();
    case 2: return c.u16();
    case 3: return c.i16();
    case 4: return c.u32();
    case 5: return c.i32();
    case 6: return c.f32();
    case 7: {
      const b = await c.u8();
      if (b > 1) fail(`${c.label}: ${c.where} holds a bool of ${b} (not 0 or 1)`);
      return b === 1;
    }
    case STRING: return c.str();
    case 10: return c.u64();
    case 11: return c.i64();
    case 12: return c.f64();
    default: return fail(`unknown metadata value type ${t}`);
  }
}

async function value(c: Cursor, src: ByteSource, key: string): Promise<GgufValue> {
  const t = await c.u32();
  if (t !== ARRAY) {
    if (SCALAR_BYTES[t] === undefined && t !== STRING) fail(`${src.name}: metadata key ${key} has unknown value type ${t} (known: 0–12)`);
    return scalar(c, t);
  }
  const et = await c.u32();
  if (et === ARRAY) fail(`${src.name}: metadata key ${key} is an array of arrays, which GGUF does not allow`);
  const width = et === STRING ? 8 : SCALAR_BYTES[et];
  if (width === undefined) fail(`${src.name}: metadata key ${key} is an array of unknown value type ${et} (known: 0–12)`);
  const n = await c.count(Math.floor((c.left - 8) / width), (n) => `metadata key ${key} claims ${n} elements, more than the ${src.size}-byte file can hold; the file is truncated or corrupt`);
  const out: GgufValue[] = new Array<GgufValue>(n);
  for (let i = 0; i < n; i++) out[i] = await scalar(c, et);
  return out;
}

/** Reads and validates a GGUF file's header, metadata and tensor infos (not the tensor data). */
export async function readGgufHeader(src: ByteSource): Promise<GgufFile> {
  const f = src.name;
  let where = 'the header';
  const c = new Cursor(src, () => where);
  if (src.size === 0) fail(`${f} is empty (0 bytes)`);
  if (src.size < 24) fail(`${f} is truncated: ${src.size} bytes cannot hold the 24-byte GGUF header`);
  const magic = await src.read(0, 4);
  if (String.fromCharCode(...magic) !== 'GGUF') fail(`${f} is not a GGUF file (it does not start with "GGUF")`);
  c.pos = 4;
  const version = await c.u32();
  if ((version & 0xffff) === 0 && version !== 0) fail(`${f} is a big-endian GGUF file; Strata reads little-endian GGUF only`);
  if (version === 1) fail(`${f} is GGUF version 1, which llama.cpp itself no longer reads; convert it again`);
  if (version !== 2 && version !== 3) fail(`${f} has GGUF version ${version}; Strata reads versions 2 and 3`);
  // A tensor info takes at least 8 + 1 + 4 + 8 + 4 + 8 bytes and a kv at least 8 + 1 + 4 + 1.
  const tensorCount = await c.count(GGUF_MAX_TENSORS, (n) => `tensor count ${n} is absurd (limit ${GGUF_MAX_TENSORS}); the file is corrupt`);
  const kvCount = await c.count(GGUF_MAX_KV, (n) => `metadata key count ${n} is absurd (limit ${GGUF_MAX_KV}); the file is corrupt`);
  if (tensorCount * 33 + kvCount * 14 > c.left) fail(`${f}: ${tensorCount} tensors and ${kvCount} metadata keys cannot fit in a ${src.size}-byte file; the file is truncated or corrupt`);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    where = `metadata key ${i} of ${kvCount}`;
    const key = await c.str();
    if (CONTROL.test(key)) fail(`${f}: metadata key ${i} has control characters in its name; the file is corrupt`);
    if (metadata.has(key)) fail(`${f}: metadata key ${key} appears twice`);
    where = `metadata key ${key}`;
    metadata.set(key, await value(c, src, key));
  }

  let alignment = 32;
  const al = metadata.get('general.alignment');
  if (al !== undefined) {
    if (typeof al !== 'number' || !Number.isInteger(al) || al <= 0 || (al & (al - 1)) !== 0) fail(`${f}: general.alignment is ${String(al)}; it must be a power of two`);
    alignment = al;
  }

  const infos: { name: string; ne: number[]; typeId: number; type: GgmlType; offset: number; bytes: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    where = `tensor info ${i} of ${tensorCount}`;
    const name = await c.str();
    if (CONTROL.test(name)) fail(`${f}: tensor ${i} has control characters in its name; the file is corrupt`);
    if (name.length > MAX_NAME) fail(`${f}: tensor ${i} has a ${name.length}-byte name; GGUF names are at most ${MAX_NAME} bytes`);
    if (names.has(name)) fail(`${f}: tensor ${name} appears twice`);
    names.add(name);
    where = `tensor info ${name}`;
    const nd = await c.u32();
    if (nd < 1 || nd > MAX_DIMS) fail(`${f}: tensor ${name} has ${nd} dimensions; GGUF allows 1–${MAX_DIMS}`);
    const ne: number[] = [];
    let elems = 1;
    for (let k = 0; k < nd; k++) {
      const n = await c.u64();
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${f}: tensor ${name} has absurd dimension ${n}`);
      ne.push(Number(n));
      elems *= Number(n);
    }
    const typeId = await c.u32();
    const type = GGML_TYPES.get(typeId);
    if (!type) fail(`${f}: tensor ${name} has unknown ggml type ${typeId}`);
    if ((ne[0] as number) % type.block !== 0) fail(`${f}: tensor ${name} has ne[0] = ${ne[0]}, not a multiple of ${type.name}'s block of ${type.block}`);
    const bytes = (elems / type.block) * type.bytes;
    if (!Number.isSafeInteger(bytes) || bytes > src.size) fail(`${f}: tensor ${name} [${ne.join(', ')}] ${type.name} would take ${bytes} bytes, more than the whole file (${src.size} bytes)`);
    const off = await c.u64();
    if (off > BigInt(src.size)) fail(`${f}: tensor ${name} has data offset ${off}, past the end of the file (${src.size} bytes)`);
    const offset = Number(off);
    if (offset % alignment !== 0) fail(`${f}: tensor ${name} has data offset ${offset}, not a multiple of the alignment ${alignment}`);
    infos.push({ name, ne, typeId, type, offset, bytes });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const dataLen = src.size - dataStart;
  if (tensorCount > 0 && dataLen < 0) fail(`${f} is truncated: the tensor data should start at byte ${dataStart} but the file has ${src.size} bytes`);
  const tensors: GgufTensorInfo[] = [];
  for (const t of infos) {
    if (t.offset + t.bytes > dataLen) {
      fail(`${f}: tensor ${t.name} ends at data byte ${t.offset + t.bytes} but the data region holds only ${Math.max(0, dataLen)} bytes; the file is truncated or its offsets are out of range`);
    }
    tensors.push({ name: t.name, ne: t.ne, type: t.type, typeId: t.typeId, begin: dataStart + t.offset, end: dataStart + t.offset + t.bytes });
  }
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1] as GgufTensorInfo;
    const q = sorted[i] as GgufTensorInfo;
    if (q.begin < p.end && q.end > q.begin) fail(`${f}: tensors ${p.name} and ${q.name} overlap in the data region`);
  }
  return { source: src, version, metadata, tensors, alignment, dataStart };
}
