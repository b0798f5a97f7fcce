import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { engineFor, maxAbsDiff } from '../tests/helpers/node-engine';
import { analyzeInPage, folderPayload, traceInNode } from './helpers';

test('dropping a checkpoint loads it; WebGPU in the page matches wasm in Node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/qwen3') });
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('qwen3');
  await expect(card.getByTestId('model-backend')).toHaveText('webgpu');
  const ids = [1, 7, 42, 99, 3, 64, 120, 5];
  for (const path of [undefined, [2, 0, 1, 1]]) {
    const inPage = await analyzeInPage(page, ids, path);
    const node = await engineFor('tests/fixtures/models/qwen3');
    const ref = await traceInNode(node, ids, path);
    const { diff, scale } = maxAbsDiff(inPage.logitsLast, ref.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    expect(inPage.top1).toEqual(ref.lens.rows.map((r) => Array.from(r.topIds)));
  }
  await page.screenshot({ path: 'test-results/screens/dropped-qwen3.png' });
});

test('a sharded BF16 folder loads through the folder picker', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('folder-input').setInputFiles('tests/fixtures/models/llama-gqa');
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('llama');
  await expect(card.getByTestId('model-dtype-on-disk')).toHaveText('BF16');
  await expect(card.getByTestId('model-embeddings')).toHaveText('untied');
});

test('a truncated safetensors shows a readable error and the page keeps working', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  const full = readFileSync('tests/fixtures/models/gpt2/model.safetensors');
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/gpt2', { 'model.safetensors': full.subarray(0, Math.floor(full.length * 0.6)) }) });
  const err = page.getByTestId('error');
  await expect(err).toContainText(/model\.safetensors.*truncated/);
  await expect(page.getByTestId('model-card')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/truncated-error.png' });
  // Same page, good files: it loads.
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/gpt2') });
  await expect(page.getByTestId('model-card')).toContainText('gpt2');
  await expect(page.getByTestId('error')).toHaveCount(0);
});
