/**
 * GGUF files (MODELS.md "GGUF"): the real stories260K.gguf gives the same logits and token
 * ids as the HF-layout copy; its q/k rows are exactly llama.cpp's permutation of HF's; every
 * readable tensor type decodes to what scripts/gguf_quant_ref.py (checked there against
 * gguf-py) dequantizes; malformed files are refused with one line naming the problem.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { fileSetFromFiles } from '../workers/engine/io/file-list';
import { readGgufHeader } from '../workers/engine/io/gguf';
import { ggufEntry } from '../workers/engine/io/gguf-checkpoint';
import { readTensorF32 } from '../workers/engine/io/safetensors';
import { bufferSource } from '../workers/engine/io/source';
import { dirFileSet } from '../workers/node/fs-source';
import { cat, kvString, kvU32, str, u32, u64, writeGguf, type TensorSpec } from './helpers/gguf-writer';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const HF = 'tests/fixtures/models/stories260K';
const GGUF = 'tests/fixtures/models/stories260K-gguf/stories260K.gguf';
const QUANTS = 'tests/fixtures/gguf/quants.gguf';

const TEXTS = [
  'Once upon a time, there was a little girl named Lily.',
  'She said, "I can\'t find my red ball!"  Tom  ran   away.\n\nThe end',
  'héllo wörld — 123 + 4567 = ? ☃ <s> </s> <unk>',
  ' leading space and trailing ',
];

describe('stories260K.gguf equals the HF-layout copy', () => {
  let hf: Engine;
  let gg: Engine;
  beforeAll(async () => {
    hf = await engineFor(HF);
    gg = await engineFor(GGUF);
  });

  it('encodes every text to the same ids with the rebuilt tokenizer', () => {
    for (const t of TEXTS) expect(gg.encode(t)).toEqual(hf.encode(t));
    expect(gg.encode('Once upon a time')).toEqual([1, 403, 407, 261, 378]); // README's ids
    for (const t of TEXTS) expect(gg.model().tokenizer?.decode(gg.encode(t).slice(1))).toBe(hf.model().tokenizer?.decode(hf.encode(t).slice(1)));
  });

  it('rebuilds the merges HF conversion wrote (same pairs, same order)', async () => {
    const ckpt = await openCheckpoint(await dirFileSet(GGUF));
    const built = JSON.parse(new TextDecoder().decode(await ckpt.tokenizerJson?.read(0, ckpt.tokenizerJson.size))) as { model: { merges: string[][]; vocab: Record<string, number> } };
    const ref = JSON.parse(readFileSync(`${HF}/tokenizer.json`, 'utf8')) as { model: { merges: string[][]; vocab: Record<string, number> } };
    expect(built.model.merges).toEqual(ref.model.merges);
    expect(built.model.vocab).toEqual(ref.model.vocab);
  });

  it('gives the same logits at every prefix (1e-5, two-sided)', async () => {
    for (const t of TEXTS.slice(0, 2)) {
      const ids = hf.encode(t);
      for (const n of [1, 2, Math.floor(ids.length / 2), ids.length]) {
        const a = await hf.capture({ tokens: ids.slice(0, n) });
        const b = await gg.capture({ tokens: ids.slice(0, n) });
        const { diff, scale } = maxAbsDiff(b.logitsLast, a.logitsLast);
        expect(scale).toBeGreaterThan(1);
        expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
      }
    }
  });

  it('maps the hyper-parameters from llama.* keys', () => {
    const a = hf.model().info;
    const b = gg.model().info;
    for (const k of ['arch', 'layers', 'dModel', 'heads', 'kvHeads', 'headDim', 'vocab'] as const) expect(b[k]).toEqual(a[k]);
    expect(b.contextLength).toBe(2048); // llama.context_length in the file (the HF copy says 512)
  });

  it('stores q/k in llama.cpp order: GGUF row h·hd + 2i + a = HF row h·hd + a·hd/2 + i', async () => {
    const g = await readGgufHeader(bufferSource(readFileSync(GGUF), 'stories260K.gguf'));
    const hfCk = await openCheckpoint(await dirFileSet(HF));
    const hd = 8;
    let checked = 0;
    for (const [gname, hname, heads] of [['blk.2.attn_q.weight', 'model.layers.2.self_attn.q_proj.weight', 8], ['blk.4.attn_k.weight', 'model.layers.4.self_attn.k_proj.weight', 4]] as const) {
      const t = g.tensors.find((x) => x.name === gname);
      if (!t) throw new Error(`no ${gname}`);
      const raw = new Float32Array(readFileSync(GGUF).buffer.slice(t.begin, t.end));
      const ref = await readTensorF32(hfCk.tensors.get(hname) as never);
      const d = 64;
      let same = true;
      for (let h = 0; h < heads; h++) for (let i = 0; i < hd / 2; i++) for (let a = 0; a < 2; a++) {
        const gr = h * hd + 2 * i + a;
        const hr = h * hd + a * (hd / 2) + i;
        for (let c = 0; c < d; c++) if (raw[gr * d + c] !== ref[hr * d + c]) same = false;
        checked++;
      }
      expect(same).toBe(true);
      // The layouts really differ (an identity map would have passed the logits test only by luck).
      expect(Array.from(raw.subarray(d, 2 * d))).not.toEqual(Array.from(ref.subarray(d, 2 * d)));
    }
    expect(checked).toBe(8 * 8 + 4 * 8);
  });

  it('loads from a dropped .gguf file (the page drop zone path)', async () => {
    const file = new File([readFileSync(GGUF)], 'stories260K.gguf');
    const ckpt = await openCheckpoint(fileSetFromFiles([file]));
    expect(ckpt.config['model_type']).toBe('llama');
    expect(ckpt.tensors.get('model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([64, 64]);
    expect(ckpt.tensors.has('lm_head.weight')).toBe(true);
  });
});

describe('tensor types decode as the reference quantizer dequantizes', () => {
  it.each(['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'])('%s', async (type) => {
    const g = await readGgufHeader(bufferSource(readFileSync(QUANTS), 'quants.gguf'));
    const q = g.tensors.find((t) => t.name === `q.${type}`);
    const r = g.tensors.find((t) => t.name === `ref.${type}`);
    const x = g.tensors.find((t) => t.name === 'q.F32');
    if (!q || !r || !x) throw new Error('fixture incomplete: run scripts/gguf_quant_ref.py');
    expect(q.type.name).toBe(type);
    const got = await readTensorF32(ggufEntry(g, q, q.name, undefined, false));
    const ref = await readTensorF32(ggufEntry(g, r, r.name, undefined, false));
    const orig = await readTensorF32(ggufEntry(g, x, x.name, undefined, false));
    expect(got.length).toBe(1536);
    const { diff, scale } = maxAbsDiff(got, ref);
    expect(diff).toBeLessThanOrEqual(1e-6 * scale);
    // The fixture is a real quantization: close to the data, not equal to it (except F32).
    const err = maxAbsDiff(ref, orig).diff;
    if (type === 'F32') expect(err).toBe(0);
    else {
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(type.startsWith('Q4') ? 1 : 0.2);
    }
  });
});

const F32 = 0;
const tensor = (name: string, ne: number[], type = F32, bytes?: number): TensorSpec => ({ name, ne, type, data: new Uint8Array(bytes ?? ne.reduce((a, b) => a * b, 1) * 4) });
const good = (): Uint8Array => writeGguf([kvString('general.architecture', 'llama'), kvU32('general.alignment', 32)], [tensor('a.weight', [8, 2]), tensor('b.weight', [4])]);

async function refusal(bytes: Uint8Array): Promise<string> {
  try {
    await readGgufHeader(bufferSource(bytes, 'bad.gguf'));
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    expect(e.message).not.toContain('\n');
    return e.message;
  }
  throw new Error('accepted a malformed file');
}

function patch(b: Uint8Array, at: number, v: Uint8Array): Uint8Array {
  const c = b.slice();
  c.set(v, at);
  return c;
}

describe('malformed GGUF files are refused with one line', () => {
  it('accepts the well-formed base file', async () => {
    const g = await readGgufHeader(bufferSource(good(), 'ok.gguf'));
    expect(g.tensors.map((t) => [t.name, t.ne, t.end - t.begin])).toEqual([['a.weight', [8, 2], 64], ['b.weight', [4], 16]]);
    expect(g.alignment).toBe(32);
    expect(g.dataStart % 32).toBe(0);
  });

  it('truncation at every cut point', async () => {
    const b = good();
    const cuts = [0, 3, 23, 30, 60, 100, b.byteLength - 20, b.byteLength - 17];
    for (const n of cuts) expect(await refusal(b.slice(0, n))).toMatch(/empty|truncated|not a GGUF|past the end|offsets are out of range/);
  });

  it('magic, versions and endianness', async () => {
    expect(await refusal(patch(good(), 0, new TextEncoder().encode('GGML')))).toMatch(/not a GGUF file/);
    expect(await refusal(patch(good(), 4, u32(1)))).toMatch(/version 1/);
    expect(await refusal(patch(good(), 4, u32(7)))).toMatch(/version 7/);
    expect(await refusal(patch(good(), 4, u32(3 << 24)))).toMatch(/big-endian/);
  });

  it('absurd counts and lengths (nothing allocated from them)', async () => {
    expect(await refusal(patch(good(), 8, u64(2n ** 62n)))).toMatch(/tensor count \d+ is absurd/);
    expect(await refusal(patch(good(), 16, u64(2n ** 40n)))).toMatch(/metadata key count \d+ is absurd/);
    expect(await refusal(patch(good(), 16, u64(5000)))).toMatch(/cannot fit in a \d+-byte file; the file is truncated/);
    expect(await refusal(patch(good(), 24, u64(2n ** 60n)))).toMatch(/string length of \d+ bytes, past the end/);
    const arr = writeGguf([{ key: 'x', type: 9, bytes: cat(u32(4), u64(2n ** 50n)) }], []);
    expect(await refusal(arr)).toMatch(/key x claims \d+ elements/);
    const strArr = writeGguf([{ key: 'toks', type: 9, bytes: cat(u32(8), u64(100), str('a'), str('b')) }], []);
    expect(await refusal(strArr)).toMatch(/key toks claims 100 elements/);
  });

  it('unknown value types, nested arrays, duplicate keys, bad alignment', async () => {
    expect(await refusal(writeGguf([{ key: 'k', type: 13, bytes: u32(0) }], []))).toMatch(/key k has unknown value type 13/);
    expect(await refusal(writeGguf([{ key: 'k', type: 9, bytes: cat(u32(9), u64(0)) }], []))).toMatch(/array of arrays/);
    expect(await refusal(writeGguf([{ key: 'k', type: 9, bytes: cat(u32(99), u64(1)) }], []))).toMatch(/unknown value type 99/);
    expect(await refusal(writeGguf([kvU32('k', 1), kvU32('k', 2)], []))).toMatch(/key k appears twice/);
    expect(await refusal(writeGguf([kvU32('general.alignment', 48)], []))).toMatch(/alignment is 48; it must be a power of two/);
    expect(await refusal(writeGguf([{ key: 'b', type: 7, bytes: new Uint8Array([2]) }], []))).toMatch(/key b holds a bool of 2/);
  });

  it('tensor infos: types, dims, blocks, offsets, overlaps, names', async () => {
    expect(await refusal(writeGguf([], [tensor('t', [4], 99, 16)]))).toMatch(/tensor t has unknown ggml type 99/);
    expect(await refusal(writeGguf([], [tensor('t', [1, 1, 1, 1, 4])]))).toMatch(/tensor t has 5 dimensions/);
    expect(await refusal(writeGguf([], [tensor('t', [33, 2], 8, 68)]))).toMatch(/ne\[0\] = 33, not a multiple of Q8_0's block of 32/);
    expect(await refusal(writeGguf([], [tensor('t', [2 ** 40, 2 ** 12], F32, 16)]))).toMatch(/would take \d+ bytes, more than the whole file/);
    expect(await refusal(writeGguf([], [{ ...tensor('t', [4]), offset: 1 << 20 }]))).toMatch(/data offset 1048576, past the end/);
    expect(await refusal(writeGguf([], [{ ...tensor('t', [4]), offset: 8 }]))).toMatch(/data offset 8, not a multiple of the alignment 32/);
    expect(await refusal(writeGguf([], [tensor('t', [64]), { ...tensor('u', [8]), offset: 0 }]))).toMatch(/tensors t and u overlap/);
    expect(await refusal(writeGguf([], [tensor('t', [4]), tensor('t', [4])]))).toMatch(/tensor t appears twice/);
    expect(await refusal(writeGguf([], [tensor('n'.repeat(64), [4])]))).toMatch(/64-byte name/);
    expect(await refusal(writeGguf([kvString('pad', 'p'.repeat(600))], [{ ...tensor('t', [64]), data: new Uint8Array(32) }]))).toMatch(/ends at data byte 256 but the data region holds only \d+ bytes/);
  });

  it('unsupported architectures and types are named when the model is opened', async () => {
    const f = (arch: string, type = F32, bytes?: number): Uint8Array => writeGguf([kvString('general.architecture', arch)], [tensor('token_embd.weight', [32, 4], type, bytes)]);
    await expect(openCheckpoint({ label: 'x', names: () => ['m.gguf'], open: (n) => (n === 'm.gguf' ? bufferSource(f('mamba'), 'm.gguf') : undefined) })).rejects.toThrow(/architecture "mamba" is not supported for GGUF \(supported: llama, qwen2, gemma2\)/);
    await expect(openCheckpoint({ label: 'x', names: () => ['m.gguf'], open: (n) => (n === 'm.gguf' ? bufferSource(f('llama'), 'm.gguf') : undefined) })).rejects.toThrow(/metadata key llama.attention.head_count \(needed for llama\) is missing/);
  });
});
