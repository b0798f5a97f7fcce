/**
 * Checkpoints the e2e tests derive from the shipped ones, built in memory: the demo
 * model cut to its first `layers` layers (same tokenizer, so prompts type), as the
 * payload locator.drop takes. The safetensors layout is rewritten by hand here (8-byte
 * little-endian header length, JSON header, packed data) — independent of the engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Payload = { name: string; mimeType: string; buffer: Buffer }[];

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }

export function truncatedDemo(layers: number): Payload {
  const dir = 'public/models/demo';
  const file = readFileSync(join(dir, 'model.safetensors'));
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Record<string, Entry | Record<string, string>>;
  const data = file.subarray(8 + n);
  const keep: [string, Entry][] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const m = /^model\.layers\.(\d+)\./.exec(name);
    if (m && Number(m[1]) >= layers) continue;
    keep.push([name, e as Entry]);
  }
  const file2 = packSafetensors(keep.map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape, bytes: data.subarray(e.data_offsets[0], e.data_offsets[1]) })));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  config['num_hidden_layers'] = layers;
  const asJson = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/json', buffer });
  return [
    asJson('config.json', Buffer.from(JSON.stringify(config, null, 2))),
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: file2 },
    asJson('tokenizer.json', readFileSync(join(dir, 'tokenizer.json'))),
    asJson('tokenizer_config.json', readFileSync(join(dir, 'tokenizer_config.json'))),
  ];
}

/** Packs tensors' raw bytes as a safetensors file (header padded to 8 bytes, data in order). */
function packSafetensors(tensors: { name: string; dtype: string; shape: number[]; bytes: Buffer }[]): Buffer {
  const header: Record<string, Entry> = {};
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...tensors.map((t) => t.bytes)]);
}

/** Writes F32 tensors as a safetensors file. */
export function safetensorsF32(tensors: Record<string, { shape: number[]; data: Float32Array }>): Buffer {
  return packSafetensors(Object.entries(tensors).map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, bytes: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) })));
}

/** A tuned lens for a model of `layers` layers and width d: every translator the identity plus a small shift. */
export function identityLens(layers: number, d: number): Buffer {
  const t: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let i = 0; i < layers; i++) {
    const w = new Float32Array(d * d);
    for (let j = 0; j < d; j++) w[j * d + j] = 1;
    t[`${i}.weight`] = { shape: [d, d], data: w };
    t[`${i}.bias`] = { shape: [d], data: new Float32Array(d).fill(0.01) };
  }
  return safetensorsF32(t);
}
