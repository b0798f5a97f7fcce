/**
 * Writes a safetensors file: 8-byte little-endian header length, a JSON header
 * (`{name: {dtype, shape, data_offsets: [begin, end]}}` plus `__metadata__`, string
 * values only), then the tensors' bytes back to back, little-endian. The header is
 * padded with spaces to a multiple of 8 bytes, as the reference writer does, so the
 * data starts aligned. `safetensors.numpy.load_file` reads it.
 */
import { fail } from '../errors';

export interface TensorOut {
  name: string;
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export function writeSafetensors(tensors: TensorOut[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) fail(`safetensors: tensor ${t.name} has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    if (t.name in header) fail(`safetensors: tensor name ${t.name} is used twice`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors) {
    // Little-endian by definition of the format, whatever the platform's byte order.
    if (t.data instanceof Float32Array) for (let j = 0; j < t.data.length; j++, pos += 4) view.setFloat32(pos, t.data[j] as number, true);
    else for (let j = 0; j < t.data.length; j++, pos += 4) view.setInt32(pos, t.data[j] as number, true);
  }
  return out;
}
