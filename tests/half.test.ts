/**
 * 16-bit checkpoints in Node (issue 15 item 1): F16 (llama-gqa-f16, gpt2-f16: Conv1D [in, out]
 * weights and the fused c_attn) and BF16 (qwen2-bf16, gpt_neox-bf16: rows of the per-head interleaved
 * query_key_value picked per part) copies written by scripts/reference/make_half.py, widened to f32 on the Node backend, against
 * the float64 reference on the same 16-bit values (tests/golden/half): last-position logits
 * within 1e-3·max(1, |z|max), top-1 at every position identical. The packed load path (what
 * WebGPU uses) is checked for its storage: two weights to a word, ≈2 bytes per parameter,
 * the embedding split into row blocks under a small buffer limit. The packed programs
 * themselves need WebGPU: e2e/half.spec.ts and e2e/packed16.spec.ts run them in Chromium.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface HalfGolden { model: string; ids: number[]; logits: number[][] }

const golden = (name: string): HalfGolden => JSON.parse(readFileSync(`tests/golden/half/${name}.json`, 'utf8')) as HalfGolden;
const argmax = (row: number[]): number => row.reduce((best, v, i) => (v > (row[best] as number) ? i : best), 0);

describe.each(['llama-gqa-f16', 'qwen2-bf16', 'gpt2-f16', 'gpt_neox-bf16'])('16-bit checkpoint %s', (name) => {
  const g = golden(name);

  it('widened to f32 on the Node backend matches the float64 reference', async () => {
    const engine = await engineFor(g.model);
    expect(engine.info?.bytesPerParam).toBe(4);
    const r = await engine.analyze('trace', { run: { tokens: g.ids }, options: { topk: 1 } });
    const last = g.logits[g.logits.length - 1] as number[];
    const { diff, scale } = maxAbsDiff(r.logitsLast, last);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    const final = r.lens.rows[r.lens.rows.length - 1];
    expect(Array.from(final?.topIds ?? [])).toEqual(g.logits.map(argmax));
    engine.unload();
  });

  it('the packed load keeps the matrices 16-bit (≈2 bytes per parameter) and splits the embedding into row blocks', async () => {
    (await engineFor(g.model)).unload(); // backend up
    const engine = new Engine();
    // A limit of the packed embedding's own size: every layer matrix still fits as f32 (llama-gqa
    // 18 432 ≤ 19 200 B, qwen2 8 192 ≤ 9 600 B), and vocabulary blocks take at most half a buffer.
    const cfg = JSON.parse(readFileSync(`${g.model}/config.json`, 'utf8')) as { vocab_size: number; hidden_size?: number; n_embd?: number };
    const d = cfg.hidden_size ?? cfg.n_embd ?? 0;
    // gpt2 / gpt_neox: the MLP's [32, 128] as f32 is 16 384 B (the pre-load check sizes every matrix as f32);
    // gpt2's packed wte (160 rows × 64 B) still splits at half a buffer, gpt_neox's 100 rows do not.
    const limit = name === 'gpt2-f16' || name === 'gpt_neox-bf16' ? 32 * 128 * 4 : cfg.vocab_size * d * 2;
    const m = await engine.load(await dirFileSet(g.model), { packed16: true, maxTensorBytes: limit });
    const { info } = m;
    expect(info.bytesPerParam).toBeGreaterThan(2);
    if (name === 'gpt2-f16') {
      // By hand: wte 160·32 and 3 × (c_attn 32·96 + c_proj 32·32 + c_fc 32·128 + mlp.c_proj 128·32) = 41 984 at 2 bytes;
      // wpe 32·32, biases 3 × (96 + 32 + 128 + 32), norms 3 × 4·32 + 2·32 = 2 336 at 4 bytes → 93 312 B / 44 320 params.
      expect(info.params).toBe(44_320);
      expect(info.deviceBytes).toBe(93_312);
    } else if (name === 'gpt_neox-bf16') {
      // By hand: embed_in and embed_out 2 × 100·32 and 3 × (qkv 96·32 + dense 32·32 + h_to_4h 128·32 + 4h_to_h 32·128) = 43 264 at 2 bytes;
      // biases 3 × (96 + 32 + 128 + 32), norms 3 × 4·32 + 2·32 = 1 312 at 4 bytes → 91 776 B / 44 576 params.
      expect(info.params).toBe(44_576);
      expect(info.deviceBytes).toBe(91_776);
    } else expect(info.bytesPerParam).toBeLessThan(2.1);
    expect(info.deviceBytes).toBeCloseTo(info.params * info.bytesPerParam, 6);
    const w = m.model.weights;
    expect(w.blocks[0]?.q.packed?.rows).toBe(info.heads * info.headDim);
    // Half a buffer per vocabulary block, rows of ⌈d/2⌉ words.
    expect(w.unembed.length).toBe(Math.ceil(cfg.vocab_size / Math.floor(limit / 2 / (Math.ceil(d / 2) * 4))));
    if (name !== 'gpt_neox-bf16') expect(w.unembed.length).toBeGreaterThan(1);
    expect(w.unembed.every((b) => b.packed !== undefined && b.packed.data.dtype === 'int32')).toBe(true);
    expect(w.unembed.reduce((s, b) => s + (b.packed?.rows ?? 0), 0)).toBe(info.vocab);
    expect(w.lnFinal.weight.dtype).toBe('float32');
    engine.unload();
  });
});

it('halve memory rounds F32 matrices to F16 only when packing (qwen2, F32)', async () => {
  (await engineFor('tests/fixtures/models/qwen2')).unload();
  const engine = new Engine();
  const off = await engine.load(await dirFileSet('tests/fixtures/models/qwen2'), { halve: true });
  expect(off.info.bytesPerParam).toBe(4);
  const on = await engine.load(await dirFileSet('tests/fixtures/models/qwen2'), { halve: true, packed16: true });
  expect(on.info.bytesPerParam).toBeLessThan(2.1);
  expect(on.info.params).toBe(off.info.params);
  expect(on.model.weights.unembed[0]?.packed?.format).toBe('f16');
  engine.unload();
});
