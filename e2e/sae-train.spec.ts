import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { SaeResult } from '../src/contracts/sae';
import { addSae } from '../workers/engine/artifacts/sae-load';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from '../tests/helpers/node-engine';
import { openDemo } from './helpers';

/**
 * Training an SAE in the page on WebGPU (SwiftShader): the demo model, a built-in fact set,
 * a TopK SAE at blocks.3.hook_resid_post with live progress and curves; it becomes the SAE
 * view's SAE; Export downloads its SAELens folder, which the Node engine loads and which
 * gives the page's FVE on the same prompt. Then a long run cancelled keeps its partial SAE.
 * (tests/sae-train.test.ts checks the training itself against PyTorch.)
 */
const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';
const PROMPT = 'The capital of France is';

test('train a TopK SAE, see it load as the view\'s SAE, export it, cancel a second run', async ({ page }) => {
  test.setTimeout(180_000);
  await openDemo(page, PROMPT);
  await page.getByTestId('tab-sae').click();
  await page.getByTestId('sae-train').locator('summary').click();
  await expect(page.getByTestId('sae-train-blocker')).toContainText('Open a dataset');
  await page.getByTestId('sae-train-builtin').selectOption('demo_facts_en');
  await expect(page.getByTestId('sae-train-dataset')).toContainText('782 rows');
  await page.getByTestId('sae-train-limit').fill('60');
  await page.getByTestId('sae-train-layer').selectOption('3');
  await page.getByTestId('sae-train-arch').selectOption('topk');
  await page.getByTestId('sae-train-width').fill('128');
  await page.getByTestId('sae-train-k').fill('8');
  await page.getByTestId('sae-train-lr').fill('0.003');
  await page.getByTestId('sae-train-steps').fill('40');
  await page.getByTestId('sae-train-batch').fill('128');
  await page.getByTestId('sae-train-start').click();
  await expect(page.getByTestId('sae-train-progress-text')).toHaveText(/^(starting…|extract: \d+\/60 rows|train: \d+\/40 steps)$/);
  await expect(page.getByTestId('sae-train-live')).toContainText('FVE', { timeout: 120_000 });
  await expect(page.getByTestId('sae-train-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('sae-train-error')).toHaveCount(0);
  const text = (await page.getByTestId('sae-train-result').textContent()) ?? '';
  const fve = Number(/last batch FVE (-?[\d.]+)/.exec(text)?.[1]);
  expect(fve).toBeGreaterThan(0.3);
  await expect(page.getByTestId('sae-train-curves').locator('svg')).toHaveCount(3);
  // The trained SAE is the view's: its features on the prompt.
  await expect(page.getByTestId('sae-info')).toContainText(/saelens · topk \(k 8\) · 128 → 128 features at blocks\.3\.hook_resid_post/);
  await expect(page.getByTestId('sae-top')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('sae-train').screenshot({ path: `${SCREENS}/sae-train.png` });

  // Export: two downloads, a SAELens folder the Node engine loads; same FVE on the same tokens.
  const dir = mkdtempSync(join(tmpdir(), 'sae-train-e2e-'));
  try {
    const got: string[] = [];
    page.on('download', (d) => void d.saveAs(join(dir, d.suggestedFilename())).then(() => got.push(d.suggestedFilename())));
    await page.getByTestId('sae-train-export').click();
    await expect.poll(() => got.sort().join(','), { timeout: 30_000 }).toBe('cfg.json,sae_weights.safetensors');
    const tokens = await page.evaluate(() => window.strata?.state().run?.tokens.map((t) => t.id) ?? []);
    const node = await engineFor('public/models/demo');
    const id = (await addSae(node.registry, await dirFileSet(dir), { path: dir })).id;
    const ref: SaeResult = await node.analyze('sae', { run: { tokens }, options: { sae: id, topk: 8 } });
    const metrics = await page.getByTestId('sae-metrics').textContent();
    const pageFve = Number(/FVE (-?[\d.e-]+)/.exec(metrics ?? '')?.[1]);
    expect(Math.abs(pageFve - ref.fve)).toBeLessThanOrEqual(Math.max(2e-3, Math.abs(ref.fve) * 2e-3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A long run cancelled after some steps keeps the SAE of the steps taken.
  await page.getByTestId('sae-train-steps').fill('5000');
  await page.getByTestId('sae-train-start').click();
  await expect(page.getByTestId('sae-train-progress-text')).toHaveText(/^train: \d+\/5000 steps$/, { timeout: 60_000 });
  await page.getByTestId('sae-train-cancel').click();
  await expect(page.getByTestId('sae-train-error')).toContainText(/Cancelled after \d+ of 5000 steps: that SAE is kept\./, { timeout: 60_000 });
  await expect(page.getByTestId('sae-train-result')).toContainText('trained topk 128→128 k=8');
});
