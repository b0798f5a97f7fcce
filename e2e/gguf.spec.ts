import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { analyzeInPage } from './helpers';

/**
 * A .gguf file dropped on the page loads with its own tokenizer and gives the HF-layout
 * copy's numbers (tests/gguf.test.ts checks the same in Node): stories260K.gguf vs the
 * stories260K folder, both dropped in turn, on WebGPU.
 */
test('a dropped stories260K.gguf loads and predicts what the HF copy predicts', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  const gguf = readFileSync('tests/fixtures/models/stories260K-gguf/stories260K.gguf');
  await page.getByTestId('file-input').setInputFiles([{ name: 'stories260K.gguf', mimeType: 'application/octet-stream', buffer: gguf }]);
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await expect(page.getByTestId('model-parameters')).toContainText('292.8 K');
  await expect(page.getByTestId('model-memory-on-device')).toContainText('4.00 bytes per parameter');
  const ids = await page.evaluate(async () => {
    const s = window.strata;
    if (!s) throw new Error('no console API');
    const model = s.state().model?.modelId;
    return (await s.call((e) => e.encode(model, 'Once upon a time'))).map((t) => t.id);
  });
  expect(ids).toEqual([1, 403, 407, 261, 378]);
  const g = await analyzeInPage(page, ids);

  const dir = 'tests/fixtures/models/stories260K';
  await page.getByTestId('file-input').setInputFiles(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((n) => ({ name: n, mimeType: 'application/octet-stream', buffer: readFileSync(`${dir}/${n}`) })));
  await expect(page.getByTestId('model-parameters')).not.toContainText('292.8 K');
  const h = await analyzeInPage(page, ids);
  let diff = 0;
  let scale = 0;
  h.logitsLast.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - (g.logitsLast[i] as number))); scale = Math.max(scale, Math.abs(v)); });
  expect(scale).toBeGreaterThan(1);
  expect(diff).toBeLessThanOrEqual(1e-5 * scale);
  expect(g.top1).toEqual(h.top1);
});
