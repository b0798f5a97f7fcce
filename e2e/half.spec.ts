import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { engineFor } from '../tests/helpers/node-engine';
import { analyzeInPage, folderPayload } from './helpers';

/**
 * 16-bit weights on WebGPU in the page (issue 15 item 1): F16 (llama-gqa-f16: untied, GQA,
 * llama3 rope; gpt2-f16: Conv1D weights transposed to rows on load) and BF16 (qwen2-bf16: tied,
 * q/k/v biases; gpt_neox-bf16: the fused query_key_value cut by rows) checkpoints dropped in Chromium stay
 * packed on the device (model card ≈ 2 bytes per parameter) and their logits match the float64
 * reference on the same 16-bit values (tests/golden/half, scripts/reference/make_half.py):
 * last-position logits within 1e-2·max(1, |z|max), top-1 at every position identical. The F32
 * qwen2 loaded with "halve memory" is compared with the reference on its matrices rounded to F16.
 */
interface HalfGolden { ids: number[]; logits: number[][] }

const golden = (name: string): HalfGolden => JSON.parse(readFileSync(`tests/golden/half/${name}.json`, 'utf8')) as HalfGolden;
const argmax = (row: number[]): number => row.reduce((best, v, i) => (v > (row[best] as number) ? i : best), 0);

async function dropAndCompare(page: Page, dir: string, name: string, halve = false, maxBpp = 2.1): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  if (halve) await page.getByTestId('load-halve').check();
  await page.getByTestId('drop-zone').drop({ files: folderPayload(dir) });
  const memory = page.getByTestId('model-memory-on-device');
  await expect(memory).toContainText('bytes per parameter');
  const text = (await memory.textContent()) ?? '';
  const bpp = Number(/\(([\d.]+) bytes per parameter\)/.exec(text)?.[1]);
  console.log(`${name}: ${text}`);
  expect(bpp).toBeGreaterThanOrEqual(2);
  expect(bpp).toBeLessThan(maxBpp);
  const g = golden(name);
  const got = await analyzeInPage(page, g.ids);
  const last = g.logits[g.logits.length - 1] as number[];
  let diff = 0;
  let scale = 0;
  last.forEach((z, i) => {
    const d = Math.abs((got.logitsLast[i] as number) - z);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(z));
  });
  console.log(`${name}: max |Δlogit| ${diff.toExponential(2)}, |z|max ${scale.toFixed(3)}`);
  expect(got.logitsLast.length).toBe(last.length);
  expect(diff).toBeLessThanOrEqual(1e-2 * Math.max(1, scale));
  expect(got.top1[got.top1.length - 1]).toEqual(g.logits.map(argmax));
}

test('an F16 checkpoint stays 16-bit on WebGPU and matches the float64 reference', async ({ page }) => {
  await dropAndCompare(page, 'tests/fixtures/models/llama-gqa-f16', 'llama-gqa-f16');
  await page.getByTestId('model-card').screenshot({ path: 'test-results/screens/half-f16-card.png' });
});

test('a BF16 checkpoint (tied, with biases) stays 16-bit on WebGPU and matches the float64 reference', async ({ page }) => {
  await dropAndCompare(page, 'tests/fixtures/models/qwen2-bf16', 'qwen2-bf16');
});

test('a GPT-2 F16 checkpoint (Conv1D [in, out] weights, fused c_attn) stays 16-bit on WebGPU and matches the float64 reference', async ({ page }) => {
  // 93 312 B / 44 320 params = 2.105 (tests/half.test.ts counts it): wpe, biases and norms stay f32 on this tiny model.
  await dropAndCompare(page, 'tests/fixtures/models/gpt2-f16', 'gpt2-f16', false, 2.12);
});

test('a GPT-NeoX BF16 checkpoint (per-head interleaved query_key_value, untied) stays 16-bit on WebGPU and matches the float64 reference', async ({ page }) => {
  await dropAndCompare(page, 'tests/fixtures/models/gpt_neox-bf16', 'gpt_neox-bf16');
});

test('"halve memory" keeps an F32 checkpoint as F16 on WebGPU and matches the reference on F16-rounded matrices', async ({ page }) => {
  await dropAndCompare(page, 'tests/fixtures/models/qwen2', 'qwen2-halve', true);
});

test('the tuned-lens trainer backpropagates through the packed F16 unembedding (losses equal the Node engine on widened weights)', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/llama-gqa-f16') });
  await expect(page.getByTestId('model-memory-on-device')).toContainText('2.01 bytes per parameter');
  const texts = Array.from({ length: 4 }, (_, r) => Array.from({ length: 12 }, (_, t) => (r * 37 + t * 11 + 5) % 200));
  const options = { texts, steps: 3, batchTokens: 16, seed: 0 };
  const inPage = await page.evaluate(async (options) => {
    const s = window.strata;
    if (!s) throw new Error('no console API');
    const model = s.state().model?.modelId;
    const r = await s.call((e) => e.analyze(999_998, 'tuned-train', { ...(model ? { model } : {}), options }));
    return Array.from(r.losses);
  }, options);
  const node = await engineFor('tests/fixtures/models/llama-gqa-f16');
  const ref = Array.from((await node.analyze('tuned-train', { options })).losses);
  console.log(`tuned-lens losses, page (packed F16): ${inPage.map((l) => l.toFixed(6)).join(', ')}; Node (widened): ${ref.map((l) => l.toFixed(6)).join(', ')}`);
  expect(inPage.length).toBe(3);
  inPage.forEach((l, i) => expect(Math.abs(l - (ref[i] as number))).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(ref[i] as number))));
  // The translators moved: a wrong (zero) gradient through the unembedding would leave the loss flat.
  expect(Math.abs((inPage[2] as number) - (inPage[0] as number))).toBeGreaterThan(1e-6);
});
