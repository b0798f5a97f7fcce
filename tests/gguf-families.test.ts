/**
 * qwen2, gemma2 and Llama-3-scaled llama GGUF files written by scripts/gguf_from_hf.py (llama.cpp's conversion as
 * MODELS.md states it; the same script run on stories260K reproduces ggml's published
 * stories260K.gguf tensor for tensor) load to the same logits as the HF fixtures they came
 * from: names, q/k/v biases, Gemma 2's four norms stored as 1 + w, soft-caps and the sliding
 * window all mapped back. A Q8_0 copy is close to, and not equal to, the F32 one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { bufferSource, fileSetFromSources } from '../workers/engine/io/source';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const IDS = [1, 5, 17, 42, 3, 99, 7, 64, 2, 11];

async function logits(e: Engine, n: number): Promise<Float32Array> {
  return (await e.capture({ tokens: IDS.slice(0, n) })).logitsLast;
}

/** An HF fixture with some config.json values replaced (in memory). */
async function hfWith(dir: string, patch: Record<string, unknown>): Promise<Engine> {
  const set = await dirFileSet(dir);
  const cfg = { ...(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Record<string, unknown>), ...patch };
  const sources = set.names().map((n) => (n === 'config.json' ? bufferSource(new TextEncoder().encode(JSON.stringify(cfg)), n) : (set.open(n) as never)));
  await engineFor('tests/fixtures/models/qwen2'); // backend ready
  const e = new Engine();
  await e.load(fileSetFromSources(dir, sources));
  return e;
}

describe('GGUF families equal their HF sources', () => {
  it('qwen2 (q/k/v biases, not permuted): same logits (1e-5)', async () => {
    const hf = await engineFor('tests/fixtures/models/qwen2');
    const gg = await engineFor('tests/fixtures/gguf/qwen2.gguf');
    expect(gg.model().info.arch).toBe('qwen2');
    for (const n of [1, 4, IDS.length]) {
      const { diff, scale } = maxAbsDiff(await logits(gg, n), await logits(hf, n));
      expect(scale).toBeGreaterThan(0.01);
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    }
  });

  it('gemma2 (norms 1 + w, soft-caps, window): same logits (1e-5) with query_pre_attn_scalar = head_dim', async () => {
    // GGUF has no query_pre_attn_scalar: llama.cpp uses head_dim (n_embd / n_head for 27B); the fixture says 24.
    const hf = await hfWith('tests/fixtures/models/gemma2', { query_pre_attn_scalar: 16 });
    const gg = await engineFor('tests/fixtures/gguf/gemma2.gguf');
    expect(gg.model().info.arch).toBe('gemma2');
    for (const n of [1, 6, IDS.length]) { // past the window of 4
      const { diff, scale } = maxAbsDiff(await logits(gg, n), await logits(hf, n));
      expect(scale).toBeGreaterThan(0.01);
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    }
    // The fixture's own scalar (24) gives different logits: the test sees the attention scale.
    const orig = await engineFor('tests/fixtures/models/gemma2');
    expect(maxAbsDiff(await logits(gg, IDS.length), await logits(orig, IDS.length)).diff).toBeGreaterThan(1e-4);
  });

  it('qwen2 Q8_0: close to F32, not identical', async () => {
    const f = await engineFor('tests/fixtures/gguf/qwen2.gguf');
    const q = await engineFor('tests/fixtures/gguf/qwen2-q8_0.gguf');
    const { diff, scale } = maxAbsDiff(await logits(q, IDS.length), await logits(f, IDS.length));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThanOrEqual(0.05 * Math.max(1, scale));
  });
});

describe('Llama 3 RoPE scaling from rope_freqs', () => {
  it('llama-gqa (llama3 rope_scaling, BF16, q/k permuted) as GGUF: same logits as HF (1e-5)', async () => {
    const hf = await engineFor('tests/fixtures/models/llama-gqa');
    const gg = await engineFor('tests/fixtures/gguf/llama3-rope-bf16.gguf');
    for (const n of [2, IDS.length]) {
      const { diff, scale } = maxAbsDiff(await logits(gg, n), await logits(hf, n));
      expect(scale).toBeGreaterThan(0.01);
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    }
    // Without the divisors (plain RoPE) the logits differ: the test sees rope_freqs.
    const plain = await hfWith('tests/fixtures/models/llama-gqa', { rope_scaling: null });
    expect(maxAbsDiff(await logits(plain, IDS.length), await logits(gg, IDS.length)).diff).toBeGreaterThan(1e-4);
  });
});
