/** Checkpoint opening from in-memory and Blob sources (the browser's path), sharded or not. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { readSafetensorsHeader, readTensorF32, type TensorEntry } from '../workers/engine/io/safetensors';
import { blobSource, bufferSource, fileSetFromSources } from '../workers/engine/io/source';

const GQA = 'tests/fixtures/models/llama-gqa';
const files = ['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

/** A tiny safetensors file built by hand: header then data. */
function tinySafetensors(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('openCheckpoint', () => {
  it('reads a sharded BF16 checkpoint from Blobs, each tensor from its own shard', async () => {
    const srcs = files.map((f) => blobSource(new Blob([readFileSync(`${GQA}/${f}`)]), `dropped/${f}`));
    const ckpt = await openCheckpoint(fileSetFromSources('dropped files', srcs));
    const index = JSON.parse(readFileSync(`${GQA}/model.safetensors.index.json`, 'utf8')) as { weight_map: Record<string, string> };
    expect(ckpt.tensors.size).toBe(Object.keys(index.weight_map).length);
    for (const [name, file] of Object.entries(index.weight_map)) expect(ckpt.tensors.get(name)?.file.name).toBe(`dropped/${file}`);
    expect(ckpt.config['model_type']).toBe('llama');
  });

  it('names the missing shard', async () => {
    const srcs = files.slice(0, 3).map((f) => bufferSource(readFileSync(`${GQA}/${f}`), f));
    await expect(openCheckpoint(fileSetFromSources('a drop', srcs))).rejects.toThrow(/model-00002-of-00002\.safetensors.*not found in a drop/);
  });

  it('reads values at the header offsets, skipping the header', async () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 7, true);
    new DataView(data.buffer).setFloat32(4, -1, true);
    new DataView(data.buffer).setUint16(8, 0x3c00, true);
    new DataView(data.buffer).setUint16(10, 0x4000, true);
    const file = tinySafetensors({ b: { dtype: 'F16', shape: [2], data_offsets: [8, 12] }, a: { dtype: 'F32', shape: [2, 1], data_offsets: [0, 8] }, __metadata__: { format: 'pt' } }, data);
    const st = await readSafetensorsHeader(bufferSource(file, 'tiny.safetensors'));
    expect(st.metadata).toEqual({ format: 'pt' });
    const entry = (n: string): TensorEntry => {
      const e = st.tensors.get(n);
      if (!e) throw new Error(`no ${n}`);
      return e;
    };
    expect(Array.from(await readTensorF32(entry('a')))).toEqual([7, -1]);
    expect(Array.from(await readTensorF32(entry('b')))).toEqual([1, 2]);
  });

  it('accepts zero-element tensors sharing an offset', async () => {
    const file = tinySafetensors({ e: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    const st = await readSafetensorsHeader(bufferSource(file, 'z.safetensors'));
    expect(st.tensors.size).toBe(2);
  });
});
