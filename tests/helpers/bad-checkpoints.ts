/**
 * Builders for malformed checkpoints, derived from the valid real fixture
 * tests/fixtures/models/stories260K (config.json + model.safetensors, a 5-layer Llama
 * with vocab 512). Every builder starts from the real bytes and changes one thing, so a
 * test fails for exactly the reason it names.
 *
 * safetensors layout: 8-byte little-endian u64 header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then the
 * data region; offsets are relative to the start of the data region.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_DIR = join(REPO_ROOT, 'tests', 'fixtures', 'models', 'stories260K');
export const FIXTURE_CONFIG = join(FIXTURE_DIR, 'config.json');
export const FIXTURE_SAFETENSORS = join(FIXTURE_DIR, 'model.safetensors');

/** Facts about the fixture the error messages are checked against. */
export const FIXTURE_LAYERS = 5;
export const FIXTURE_VOCAB = 512;

/** Tensors the builders tamper with (all present in the fixture). */
export const Q_PROJ_0 = 'model.layers.0.self_attn.q_proj.weight';
export const K_PROJ_0 = 'model.layers.0.self_attn.k_proj.weight';
export const FINAL_NORM = 'model.norm.weight';

const DTYPE_WIDTH: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** One validated tensor entry of a parsed header. */
export interface TensorEntry {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

/** A tensor ready to be laid out by {@link buildSafetensors}. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

export interface ParsedSafetensors {
  headerLength: number;
  /** The header JSON as parsed, key order preserved. */
  rawHeader: Record<string, unknown>;
  /** Tensor entries in header order (no `__metadata__`). */
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string> | undefined;
  /** The data region (everything after the header). */
  data: Buffer;
}

// ---------------------------------------------------------------------------------------
// Parsing and serialising

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

function parseEntry(name: string, raw: unknown): TensorEntry {
  if (!isRecord(raw)) throw new Error(`fixture header entry ${name} is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') throw new Error(`fixture tensor ${name}: bad dtype`);
  if (!isNonNegIntArray(shape)) throw new Error(`fixture tensor ${name}: bad shape`);
  if (!isNonNegIntArray(offsets) || offsets.length !== 2) throw new Error(`fixture tensor ${name}: bad data_offsets`);
  const [begin, end] = offsets as [number, number];
  return { dtype, shape, dataOffsets: [begin, end] };
}

/** Parses a (valid) safetensors file; throws a plain Error if it is not one. */
export function parseSafetensors(buf: Buffer): ParsedSafetensors {
  if (buf.length < 8) throw new Error('not a safetensors file: shorter than 8 bytes');
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (8 + headerLength > buf.length) throw new Error('not a safetensors file: header runs past the end');
  const parsed: unknown = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  if (!isRecord(parsed)) throw new Error('not a safetensors file: header is not an object');
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> | undefined;
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (isRecord(raw)) metadata = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
      continue;
    }
    tensors.set(name, parseEntry(name, raw));
  }
  return { headerLength, rawHeader: parsed, tensors, metadata, data: buf.subarray(8 + headerLength) };
}

/** Header JSON bytes padded with spaces so the data region starts 8-byte aligned (as the format recommends). */
export function encodeHeader(header: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  return Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
}

/** Length prefix + header bytes + data. `declaredLength` overrides the length prefix (to lie about it). */
export function assemble(headerBytes: Buffer, data: Buffer, declaredLength?: bigint): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(declaredLength ?? BigInt(headerBytes.length), 0);
  return Buffer.concat([prefix, headerBytes, data]);
}

function entryJson(e: TensorEntry): Record<string, unknown> {
  return { dtype: e.dtype, shape: e.shape, data_offsets: e.dataOffsets };
}

/** Re-serialises a header whose entries were edited, with the original data region. */
export function withEditedHeader(
  p: ParsedSafetensors,
  edit: (name: string, entry: Record<string, unknown>) => Record<string, unknown> | undefined,
): Buffer {
  const header: Record<string, unknown> = {};
  if (p.metadata !== undefined) header['__metadata__'] = p.metadata;
  for (const [name, e] of p.tensors) {
    const edited = edit(name, entryJson(e));
    if (edited !== undefined) header[name] = edited;
  }
  return assemble(encodeHeader(header), p.data);
}

/** The raw bytes of one tensor of a parsed file. */
export function tensorBytes(p: ParsedSafetensors, name: string): Buffer {
  const e = p.tensors.get(name);
  if (e === undefined) throw new Error(`fixture has no tensor ${name}`);
  return p.data.subarray(e.dataOffsets[0], e.dataOffsets[1]);
}

/** All tensors of a parsed file as specs, in header order. */
export function tensorSpecs(p: ParsedSafetensors): TensorSpec[] {
  return [...p.tensors].map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape, bytes: tensorBytes(p, name) }));
}

/** Lays tensors out contiguously into a fully consistent safetensors file. */
export function buildSafetensors(specs: readonly TensorSpec[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  for (const s of specs) {
    const width = DTYPE_WIDTH[s.dtype];
    if (width === undefined) throw new Error(`unknown dtype ${s.dtype}`);
    const expected = s.shape.reduce((a, d) => a * d, 1) * width;
    if (expected !== s.bytes.length) throw new Error(`spec ${s.name}: ${s.bytes.length} bytes, shape says ${expected}`);
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [offset, offset + s.bytes.length] };
    offset += s.bytes.length;
  }
  return assemble(encodeHeader(header), Buffer.concat(specs.map((s) => s.bytes)));
}

function f32Values(bytes: Buffer): Float32Array {
  // Copy so the view is 4-byte aligned whatever the source offset.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

// ---------------------------------------------------------------------------------------
// The fixture

let cached: Buffer | undefined;
export function fixtureSafetensors(): Buffer {
  cached ??= readFileSync(FIXTURE_SAFETENSORS);
  return cached;
}

export function fixtureParsed(): ParsedSafetensors {
  return parseSafetensors(fixtureSafetensors());
}

export function fixtureConfigText(): string {
  return readFileSync(FIXTURE_CONFIG, 'utf8');
}

export function fixtureConfig(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(fixtureConfigText());
  if (!isRecord(parsed)) throw new Error('fixture config.json is not an object');
  return parsed;
}

// ---------------------------------------------------------------------------------------
// Bad model.safetensors builders (each returns the whole file)

/** Case 1: 0 bytes. */
export function emptyFile(): Buffer {
  return Buffer.alloc(0);
}

/** Case 2: the valid file cut in the middle of its data region. */
export function truncatedData(): Buffer {
  const p = fixtureParsed();
  return fixtureSafetensors().subarray(0, 8 + p.headerLength + Math.floor(p.data.length / 2));
}

/** Case 3: fewer than 8 bytes (cannot hold the length prefix). */
export function shorterThanEightBytes(): Buffer {
  return fixtureSafetensors().subarray(0, 5);
}

/** Case 4: the declared header length runs past the end of the file (but is not absurd). */
export function headerLengthPastEnd(): Buffer {
  const buf = Buffer.from(fixtureSafetensors());
  buf.writeBigUInt64LE(BigInt(buf.length), 0);
  return buf;
}

/** Case 5: an absurd declared header length (2^53 by default; also try 200 MiB). */
export function absurdHeaderLength(declared: bigint = 2n ** 53n): Buffer {
  const buf = Buffer.from(fixtureSafetensors());
  buf.writeBigUInt64LE(declared, 0);
  return buf;
}

/** Case 6: header bytes that are not JSON (length prefix consistent). */
export function headerNotJson(): Buffer {
  const p = fixtureParsed();
  const garbage = Buffer.alloc(64);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 37 + 0x81) & 0xff; // high bytes, not UTF-8 text
  garbage.write('{not json', 0, 'latin1');
  return assemble(garbage, p.data);
}

/** Case 7a: header JSON that is valid but not an object. */
export function headerNotObject(json = '[1,2]'): Buffer {
  return assemble(Buffer.from(json, 'utf8'), fixtureParsed().data);
}

/** Case 7b: one tensor entry lacks a required field. */
export function entryMissingField(field: 'dtype' | 'shape' | 'data_offsets', tensor = Q_PROJ_0): Buffer {
  return withEditedHeader(fixtureParsed(), (name, entry) => {
    if (name !== tensor) return entry;
    const copy = { ...entry };
    delete copy[field];
    return copy;
  });
}

/** The last tensor in data order: growing it cannot open a gap or overlap anything. */
export function lastTensorName(p: ParsedSafetensors = fixtureParsed()): string {
  let best: string | undefined;
  let bestEnd = -1;
  for (const [name, e] of p.tensors) {
    if (e.dataOffsets[1] > bestEnd) {
      best = name;
      bestEnd = e.dataOffsets[1];
    }
  }
  if (best === undefined) throw new Error('fixture has no tensors');
  return best;
}

/**
 * Case 8: the last tensor's end offset lies beyond the data region. Its first dimension is
 * doubled together with its end offset, so shape and byte size still agree, nothing
 * overlaps and nothing is left uncovered; the only fault is the out-of-range end.
 */
export function offsetsOutOfRange(): { file: Buffer; tensor: string } {
  const p = fixtureParsed();
  const tensor = lastTensorName(p);
  const file = withEditedHeader(p, (name, entry) => {
    if (name !== tensor) return entry;
    const e = p.tensors.get(name);
    if (e === undefined) return entry;
    const [b, end] = e.dataOffsets;
    const [first, ...rest] = e.shape;
    return { ...entry, shape: [(first ?? 1) * 2, ...rest], data_offsets: [b, b + 2 * (end - b)] };
  });
  return { file, tensor };
}

/**
 * Case 9: layer 0's k_proj is moved to overlap the second half of q_proj (byte sizes still
 * match shapes; the first anomaly in offset order is the overlap).
 */
export function overlappingOffsets(): { file: Buffer; tensors: [string, string] } {
  const p = fixtureParsed();
  const q = p.tensors.get(Q_PROJ_0);
  const k = p.tensors.get(K_PROJ_0);
  if (q === undefined || k === undefined) throw new Error('fixture lacks layer-0 q/k projections');
  const kSize = k.dataOffsets[1] - k.dataOffsets[0];
  const begin = q.dataOffsets[1] - kSize; // ends exactly where q_proj ends
  if (begin <= q.dataOffsets[0]) throw new Error('k_proj is not smaller than q_proj');
  const file = withEditedHeader(p, (name, entry) => (name === K_PROJ_0 ? { ...entry, data_offsets: [begin, begin + kSize] } : entry));
  return { file, tensors: [Q_PROJ_0, K_PROJ_0] };
}

/** Case 10: q_proj's shape says half the bytes its offsets span. */
export function shapeMismatch(tensor = Q_PROJ_0): Buffer {
  const p = fixtureParsed();
  return withEditedHeader(p, (name, entry) => {
    if (name !== tensor) return entry;
    const e = p.tensors.get(name);
    if (e === undefined) return entry;
    const [first, ...rest] = e.shape;
    return { ...entry, shape: [Math.max(1, Math.floor((first ?? 2) / 2)), ...rest] };
  });
}

/**
 * Case 11: one tensor genuinely converted to an unsupported dtype (F64, or I64 of the
 * rounded values), with the same shape, and the whole file re-laid out consistently, so
 * the only fault is the dtype.
 */
export function unsupportedDtype(dtype: 'F64' | 'I64', tensor = FINAL_NORM): Buffer {
  const p = fixtureParsed();
  const specs = tensorSpecs(p).map((s): TensorSpec => {
    if (s.name !== tensor) return s;
    const values = f32Values(s.bytes);
    const bytes =
      dtype === 'F64'
        ? Buffer.from(Float64Array.from(values).buffer)
        : Buffer.from(BigInt64Array.from(values, (v) => BigInt(Math.round(v))).buffer);
    return { ...s, dtype, bytes };
  });
  return buildSafetensors(specs, p.metadata);
}

/** Case 12: a tensor the Llama architecture needs is removed; the rest is re-laid out consistently. */
export function missingTensor(tensor = Q_PROJ_0): Buffer {
  const p = fixtureParsed();
  if (!p.tensors.has(tensor)) throw new Error(`fixture has no tensor ${tensor}`);
  return buildSafetensors(
    tensorSpecs(p).filter((s) => s.name !== tensor),
    p.metadata,
  );
}

// ---------------------------------------------------------------------------------------
// Bad config.json builders (each returns the file text)

/** Case 13: unknown model_type (architectures changed too, so no fallback can rescue it). */
export function unknownModelTypeConfig(modelType = 'frobnicator'): string {
  const cfg = fixtureConfig();
  cfg['model_type'] = modelType;
  cfg['architectures'] = ['FrobnicatorForCausalLM'];
  return JSON.stringify(cfg, null, 1);
}

/** Case 20: config.json that is not JSON. */
export function invalidJsonConfig(): string {
  return '{ "model_type": "llama", "num_hidden_layers": 5,, oops\n';
}

// ---------------------------------------------------------------------------------------
// Model directories

/** A fresh temp root (os.tmpdir()); remove it with {@link removeTempRoot}. */
export function createTempRoot(prefix = 'strata-bad-ckpt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempRoot(root: string | undefined): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
}

export interface ModelDirFiles {
  /** config.json text; `undefined` copies the fixture's, `null` omits the file. */
  config?: string | null;
  /** model.safetensors bytes; `undefined` copies the fixture's, `null` omits the file. */
  safetensors?: Buffer | null;
}

/** Writes `root/name/` with config.json and model.safetensors (fixture copies unless overridden). No tokenizer files. */
export function writeModelDir(root: string, name: string, files: ModelDirFiles = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (files.config === undefined) copyFileSync(FIXTURE_CONFIG, join(dir, 'config.json'));
  else if (files.config !== null) writeFileSync(join(dir, 'config.json'), files.config);
  if (files.safetensors === undefined) copyFileSync(FIXTURE_SAFETENSORS, join(dir, 'model.safetensors'));
  else if (files.safetensors !== null) writeFileSync(join(dir, 'model.safetensors'), files.safetensors);
  return dir;
}
