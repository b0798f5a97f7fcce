import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { QuantStudyResult } from '../src/contracts/quant-study';
import { engineFor } from '../tests/helpers/node-engine';
import { openDemo } from './helpers';

/**
 * The Quantization view on WebGPU (SwiftShader) with the demo model: a built-in dataset,
 * 4/8 bits, the LIM and random orders at three fractions; the page's curves, LIM and ZD
 * equal the Node engine's (wasm) computation of the same options (which tests/quant-study.test.ts
 * checks against NumPy/torch); the result is stamped (a new dataset makes it stale); a
 * cancel keeps the finished points, marked partial.
 */

const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';
const OPTIONS = { lowBits: 4, highBits: 8, orders: ['lim', 'random'] as const, fractions: [0, 0.5, 1], seeds: 2, limit: 6 };

test('quantization study on the demo model', async ({ page }) => {
  test.setTimeout(170_000);
  await openDemo(page);
  await page.getByTestId('tab-quant').click();
  await expect(page.getByTestId('quant-blocker')).toContainText('Open a dataset');
  await page.getByTestId('quant-builtin').selectOption('demo_facts_en');
  await expect(page.getByTestId('quant-dataset')).toContainText('782 rows');
  await page.getByTestId('quant-limit').fill(String(OPTIONS.limit));
  await page.getByTestId('quant-order-zd').uncheck();
  await page.getByTestId('quant-seeds').fill(String(OPTIONS.seeds));
  await page.getByTestId('quant-fractions').fill(OPTIONS.fractions.join(', '));
  await page.getByTestId('quant-run').click();
  await expect(page.getByTestId('quant-progress-text')).toHaveText(/^(starting…|(scores|quantize|configs): \d+\/\d+ forwards)$/);
  await expect(page.getByTestId('quant-result')).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('quant-curves').locator('svg')).toBeVisible();
  await expect(page.getByTestId('quant-lim').locator('svg')).toBeVisible();
  await expect(page.getByTestId('quant-zd').locator('svg')).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/quant.png`, fullPage: true });

  // The page's numbers against the Node engine's.
  const got = await page.evaluate(() => window.strata?.state().quant?.result) as QuantStudyResult | undefined;
  if (!got) throw new Error('no result in the store');
  const e = await engineFor('public/models/demo');
  const ds = e.datasetLoad(readFileSync('public/datasets/demo_facts_en.csv'), 'demo_facts_en.csv', { mapping: { text: 'statement', label: 'label' } });
  const want = await e.analyze('quant-study', { options: { ...OPTIONS, orders: [...OPTIONS.orders], dataset: ds.id } });
  e.unload();
  const close = (a: number, b: number, tol: number): boolean => Number.isFinite(a) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  expect(got.tokens).toBe(want.tokens);
  expect(close(got.fp, want.fp, 1e-3), `fp ${got.fp} vs ${want.fp}`).toBe(true);
  got.limMean.forEach((v, l) => expect(close(v, want.limMean[l] as number, 1e-4), `LIM ${l}`).toBe(true));
  got.zd.forEach((v, l) => expect(close(v, want.zd[l] as number, 1e-9), `ZD ${l}`).toBe(true));
  for (const [i, c] of got.curves.entries()) {
    const w = want.curves[i];
    expect(c.layers).toEqual(w?.layers);
    c.points.forEach((p, j) => expect(close(p.perplexity, w?.points[j]?.perplexity ?? NaN, 1e-3), `${c.order} ${p.fraction}: ${p.perplexity} vs ${w?.points[j]?.perplexity}`).toBe(true));
  }
  await expect(page.getByTestId('quant-table').locator('tbody tr')).toHaveCount(3);

  // Stamped: another dataset makes it stale.
  await page.getByTestId('quant-builtin').selectOption('demo_facts_fr');
  await expect(page.getByTestId('stale-quant')).toContainText('the settings');

  // Cancel during the configurations keeps the finished points.
  await page.getByTestId('quant-limit').fill('24');
  await page.getByTestId('quant-fractions').fill('0, 0.2, 0.4, 0.6, 0.8, 1');
  await page.getByTestId('quant-run').click();
  await expect(page.getByTestId('quant-progress-text')).toHaveText(/^configs: \d+\/\d+ forwards$/, { timeout: 120_000 });
  // 24 scoring forwards and 12 quantised blocks, then 24 forwards per configuration: past the
  // all-high one and the next, at least two points are done.
  await expect.poll(async () => Number((await page.getByTestId('quant-progress-text').textContent())?.match(/configs: (\d+)/)?.[1] ?? 0), { timeout: 120_000 }).toBeGreaterThan(24 + 12 + 2 * 24);
  await page.getByTestId('quant-cancel').click();
  await expect(page.getByTestId('quant-partial')).toContainText(/partial: \d+ of 12 points/, { timeout: 60_000 });
});
