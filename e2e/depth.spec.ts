import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

test('skip and loop layers, read the residual stream, run a skip sweep with progress', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  // Skip layer 2, run layer 3 twice: the lens gets one row fewer + one more, the effect panel appears.
  await page.getByTestId('path-chip-2').locator('button').click();
  await expect(page.getByTestId('path-notation')).toHaveText('[0, 1, 3, 4, 5]  =  0-1 · skip 2 · 3-5');
  await page.getByTestId('path-repeat-3').selectOption('2');
  await expect(page.getByTestId('path-notation')).toContainText('[0, 1, 3, 3, 4, 5]');
  await expect(page.getByTestId('path-effect')).toContainText('KL(full ‖ path)');
  const kl = Number(await page.getByTestId('effect-kl').textContent());
  expect(kl).toBeGreaterThan(0);
  await expect(page.getByTestId('lens-heatmap').locator('text', { hasText: 'step 3 (layer 3)' })).toBeVisible();
  await page.getByTestId('tab-residual').click();
  await expect(page.getByTestId('residual-rel').locator('svg')).toBeVisible();
  await expect(page.getByTestId('residual-voids').locator('svg')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/residual.png', fullPage: true });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const exported = JSON.parse(readFileSync(await dl.path(), 'utf8')) as { path: number[]; lim: Record<string, number> };
  expect(exported.path).toEqual([0, 1, 3, 3, 4, 5]);
  await page.getByTestId('path-reset').click();
  await expect(page.getByTestId('path-notation')).toContainText('all 6 layers');
  await page.getByTestId('tab-sweep').click();
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-effect').locator('svg')).toBeVisible();
  await expect(page.getByTestId('sweep-depth')).toContainText('depth score');
  await page.screenshot({ path: 'test-results/screens/sweep.png', fullPage: true });
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('chain search runs with progress, and a chain it finds becomes the path in one click', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  await expect(page.getByTestId('next-tokens')).toContainText('Paris');
  await page.getByTestId('tab-chains').click();
  await page.getByTestId('chain-budget').fill('24');
  await page.getByTestId('chain-run').click();
  await expect(page.getByTestId('chain-results')).toContainText('chains evaluated');
  await expect(page.getByTestId('chain-results').locator('tbody tr').first()).toContainText('0-5 (full model)');
  await page.screenshot({ path: 'test-results/screens/chains.png', fullPage: true });
  await page.getByTestId('chain-use-1').click();
  await expect(page.getByTestId('path-notation')).not.toContainText('all 6 layers');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a tuned lens trains in the page with progress, is compared with the logit lens and drives the lens view', async ({ page }) => {
  // SwiftShader runs WebGPU at well under 1 GFLOP/s: a few small steps prove the path works.
  test.setTimeout(420_000);
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-tuned').click();
  await page.getByTestId('tuned-texts').fill(['The capital of Germany is Berlin.', 'Le chien dit ouaf.', 'Die Katze ist ein Säugetier.', 'English: "dog" - Français: "chien"'].join('\n'));
  await page.getByTestId('tuned-steps').fill('4');
  await page.getByTestId('tuned-train').click();
  await expect(page.getByTestId('tuned-progress')).toContainText('step');
  await expect(page.getByTestId('tuned-compare-chart').locator('svg')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('tuned-info')).toContainText('trained in the page');
  await expect(page.getByTestId('tuned-loss').locator('svg')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/tuned.png', fullPage: true });
  await page.getByTestId('tuned-show').click();
  await expect(page.getByTestId('lens-kind')).toHaveValue('tuned');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('side by side: a path against the full model, and two models by relative depth', async ({ page }) => {
  await openDemo(page, 'Le chien dit');
  await page.getByTestId('path-chip-3').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('skip 3');
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-kl').locator('svg')).toContainText('all 6 layers');
  await page.getByTestId('compare-mode-model').click();
  await page.getByTestId('compare-load-demo').click();
  await expect(page.getByTestId('compare-model')).toContainText('B: llama, 6 layers');
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-kl').locator('svg')).toContainText('B: llama');
  await page.screenshot({ path: 'test-results/screens/compare.png', fullPage: true });
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('layer chips reorder by drag and drop', async ({ page }) => {
  await openDemo(page, 'Le chien dit');
  await page.getByTestId('path-chip-5').dragTo(page.getByTestId('path-chip-0'), { sourcePosition: { x: 4, y: 6 }, targetPosition: { x: 4, y: 6 } });
  await expect(page.getByTestId('path-notation')).toContainText('[5, 0, 1, 2, 3, 4]');
  await expect(page.getByTestId('lens-heatmap').locator('text', { hasText: 'step 0 (layer 5)' })).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
});
