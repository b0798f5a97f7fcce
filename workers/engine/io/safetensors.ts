import { fail } from '../errors';
import { DTYPE_BYTES, isReadable, READABLE_DTYPES, toFloat32 } from './dtype';
import { printable, type ByteSource } from './source';
import { toHalfBits } from '../kernels/packed16';

/** One tensor's entry in a safetensors header, validated. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file (header offsets + 8 + header length). */
  begin: number;
  end: number;
  file: ByteSource;
}

export interface SafetensorsFile {
  source: ByteSource;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

/** Headers above this are refused as corrupt (real ones are well under 10 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

/**
 * `__metadata__` is string → string in the format; numbers and booleans (some writers) are
 * kept as their text, anything else is refused rather than stringified (a nested array
 * would recurse without bound).
 */
function readMetadata(raw: Record<string, unknown>, f: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else fail(`${f}: header __metadata__ entry ${JSON.stringify(k.slice(0, 60))} is ${Array.isArray(v) ? 'an array' : v === null ? 'null' : 'an object'}, not a string`);
  }
  return out;
}

/** Reads and fully validates the header of one safetensors file (MODELS.md). */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsFile> {
  const f = src.name;
  if (src.size === 0) fail(`${f} is empty (0 bytes)`);
  if (src.size < 8) fail(`${f} is truncated: ${src.size} bytes cannot hold the 8-byte header length`);
  const lenBytes = await src.read(0, 8);
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    fail(`${f}: header length ${headerLen} bytes is absurdly large (limit ${MAX_HEADER_BYTES}); the file is not safetensors or is corrupt`);
  }
  const n = Number(headerLen);
  if (8 + n > src.size) fail(`${f}: header length ${n} runs past the end of the file (${src.size} bytes); the file is truncated or not safetensors`);
  const headerText = new TextDecoder('utf-8', { fatal: false }).decode(await src.read(8, 8 + n));
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    return fail(`${f}: header is not valid JSON; the file is not safetensors or is corrupt`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`${f}: header is not a JSON object`);
  }
  const dataStart = 8 + n;
  const dataLen = src.size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  const ranges: { name: string; b: number; e: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      // null is "no metadata" (the reference reader's Option); anything else must be an object.
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw)) fail(`${f}: header __metadata__ is not an object of strings`);
      metadata = readMetadata(raw as Record<string, unknown>, f);
      continue;
    }
    if (typeof raw !== 'object' || raw === null) fail(`${f}: header entry for tensor ${printable(name)} is not an object`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`${f}: tensor ${printable(name)} has no dtype`);
    if (!isIntArray(shape)) fail(`${f}: tensor ${printable(name)} has no valid shape`);
    if (!isIntArray(offsets) || offsets.length !== 2) fail(`${f}: tensor ${printable(name)} has no valid data_offsets`);
    const width = DTYPE_BYTES[dtype];
    if (width === undefined) fail(`${f}: tensor ${printable(name)} has unknown dtype ${printable(dtype)}`);
    const [b, e] = offsets as [number, number];
    if (e < b) fail(`${f}: tensor ${printable(name)} has data_offsets [${b}, ${e}] that end before they begin`);
    const expected = shape.reduce((a, d) => a * d, 1) * width;
    if (e - b !== expected) {
      fail(`${f}: tensor ${printable(name)} has shape [${shape.join(', ')}] ${dtype} (${expected} bytes) but its data_offsets span ${e - b} bytes`);
    }
    if (e > dataLen) {
      fail(`${f}: tensor ${printable(name)} ends at data byte ${e} but the data region holds only ${dataLen} bytes; the file is truncated or its offsets are out of range`);
    }
    ranges.push({ name, b, e });
    tensors.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + e, file: src });
  }
  ranges.sort((x, y) => x.b - y.b || x.e - y.e);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1] as { name: string; e: number; b: number };
    const cur = ranges[i] as { name: string; b: number; e: number };
    // Zero-byte tensors may share an offset with their neighbour without overlapping.
    if (cur.b < prev.e && cur.e > cur.b) {
      fail(`${f}: tensors ${printable(prev.name)} [${prev.b}, ${prev.e}) and ${printable(cur.name)} [${cur.b}, ${cur.e}) overlap`);
    }
  }
  return { source: src, tensors, metadata };
}

/** Reads one tensor and widens it to f32; refuses dtypes the engine cannot compute with. */
export async function readTensorF32(entry: TensorEntry): Promise<Float32Array> {
  if (!isReadable(entry.dtype)) {
    fail(`${entry.file.name}: tensor ${entry.name} has dtype ${entry.dtype}, which Strata cannot read (supported: ${READABLE_DTYPES.join(', ')})`);
  }
  const bytes = await entry.file.read(entry.begin, entry.end);
  return toFloat32(bytes, entry.dtype);
}

/**
 * Reads one tensor as 16-bit values for the packed WebGPU weights (kernels/packed16.ts):
 * F16 and BF16 exactly as stored; F32 only when `halve` asks for it, rounded to F16
 * (nearest even). Undefined when the tensor stays f32 (F32 without `halve`).
 */
export async function readTensorBits16(entry: TensorEntry, halve: boolean): Promise<{ bits: Uint16Array; format: 'f16' | 'bf16' } | undefined> {
  if (entry.dtype !== 'F16' && entry.dtype !== 'BF16' && !(entry.dtype === 'F32' && halve)) return undefined;
  const bytes = await entry.file.read(entry.begin, entry.end);
  if (entry.dtype === 'F32') {
    const x = toFloat32(bytes, 'F32');
    const bits = new Uint16Array(x.length);
    for (let i = 0; i < x.length; i++) bits[i] = toHalfBits(x[i] as number);
    return { bits, format: 'f16' };
  }
  const n = bytes.byteLength / 2;
  const bits = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice().buffer);
  return { bits, format: entry.dtype === 'F16' ? 'f16' : 'bf16' };
}
