import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { addSae } from '../workers/engine/artifacts/sae-load';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * The SAE feature dashboard on WebGPU (SwiftShader): the demo model and its demo SAE, the
 * built-in "cities" set (first 24 rows), scan it (set metrics checked against the Node
 * engine's wasm scan, which tests/sae-dataset.test.ts checks against PyTorch), open the
 * densest feature (contexts with highlighted tokens, quantile groups, histogram), search the
 * features firing on " capital" in the prompt (before the scan), and see the scan go stale
 * when the row limit changes.
 */
const SAE = 'tests/fixtures/sae/demo/blocks.3.hook_resid_post';
const ROWS = 8;

test('scan a dataset, open a feature\'s dashboard, search a token', async ({ page }) => {
  test.setTimeout(170_000);
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-sae').click();
  await page.getByTestId('sae-files').setInputFiles(folderPayload(SAE));
  await expect(page.getByTestId('sae-info')).toContainText('128 → 256 features');
  await expect(page.getByTestId('sae-dash')).toBeVisible();

  // Before any scan, the token search reads the prompt: " capital" occurs once.
  await page.getByTestId('sae-dash-search').fill(' capital');
  await page.getByTestId('sae-dash-search-go').click();
  await expect(page.getByTestId('sae-dash-search-results')).toContainText('1 occurrences in the prompt');
  await expect(page.getByTestId('sae-dash-search-results').locator('tbody tr').first()).toBeVisible();
  await page.getByTestId('sae-dash-builtin').selectOption('cities');
  await expect(page.getByTestId('sae-dash-dataset')).toContainText('cities', { timeout: 60_000 });
  await page.getByTestId('sae-dash-limit').fill(String(ROWS));
  await page.getByTestId('sae-dash-scan').click();
  await expect(page.getByTestId('sae-dash-metrics')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('sae-dash-error')).toHaveCount(0);

  // The page's set metrics = the Node engine's scan of the same rows.
  const node = await engineFor('public/models/demo');
  const sae = (await addSae(node.registry, await dirFileSet(SAE), { path: SAE })).id;
  const ds = node.datasetLoad(readFileSync('public/datasets/cities.csv'), 'cities.csv', { mapping: { text: 'statement', label: 'label' } });
  const ref = await node.analyze('sae-dataset', { options: { sae, dataset: ds.id, limit: ROWS } });
  const text = (await page.getByTestId('sae-dash-metrics').textContent()) ?? '';
  const num = (label: string): number => Number(new RegExp(`${label} (-?[\\d.e-]+)`).exec(text)?.[1]);
  expect(Math.abs(num('FVE') - ref.fve)).toBeLessThanOrEqual(Math.max(2e-3, Math.abs(ref.fve) * 2e-3));
  expect(Math.abs(num('L0') - ref.l0)).toBeLessThanOrEqual(Math.max(0.02, ref.l0 * 2e-3));
  expect(num('tokens')).toBe(ref.tokens);
  await expect(page.getByTestId('sae-dash-density').locator('svg')).toBeVisible();

  // Open the densest feature: contexts with the activating token outlined, quantiles, histogram.
  const top = ref.topByDensity[0]?.id as number;
  await page.getByTestId(`sae-dash-feat-${top}`).click();
  await expect(page.getByTestId('sae-dash-feature')).toContainText(`Feature ${top} over the dataset`, { timeout: 60_000 });
  await expect(page.getByTestId('sae-dash-ctx-0').locator('.sae-ctx-max')).toHaveCount(1);
  const refFeature = await node.analyze('sae-feature', { options: { stats: ref.artifact, feature: top } });
  const act0 = Number(await page.getByTestId('sae-dash-ctx-0').locator('.sae-ctx-max').getAttribute('data-act'));
  expect(Math.abs(act0 - (refFeature.contexts[0]?.act as number))).toBeLessThanOrEqual(2e-3);
  await expect(page.getByTestId('sae-dash-hist').locator('rect')).toHaveCount(50);
  await expect(page.getByTestId('sae-dash-quantiles').locator('[data-testid^="sae-dash-q-"]').first()).toBeVisible();
  await expect(page.getByTestId('sae-feature')).toContainText(`Feature ${top}`);

  await page.screenshot({ path: test.info().outputPath('sae-dashboard.png'), fullPage: true });

  // Another row limit: the scan says it is stale.
  await page.getByTestId('sae-dash-limit').fill(String(ROWS + 1));
  await expect(page.getByTestId('stale-sae-dash')).toContainText('the settings');

  // CE loss recovered over the same rows: three runs of each row on WebGPU = the Node engine's sae-ce (PyTorch-checked in tests/sae-ce.test.ts).
  await page.getByTestId('sae-dash-ce').check();
  await page.getByTestId('stale-rerun-sae-dash').click();
  await expect(page.getByTestId('sae-dash-ce-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('stale-sae-dash')).toHaveCount(0);
  const ce = await node.analyze('sae-ce', { options: { sae, dataset: ds.id, limit: ROWS + 1 } });
  const ceText = (await page.getByTestId('sae-dash-ce-result').textContent()) ?? '';
  const ceNum = (label: string): number => Number(new RegExp(`${label} (-?[\\d.e-]+)`).exec(ceText)?.[1]);
  // Shown to 3 significant digits: half a unit of the third digit is ≤ 5e-3·|x|.
  const near = (shown: number, want: number): boolean => Math.abs(shown - want) <= 6e-3 * Math.max(1, Math.abs(want));
  expect(near(ceNum('recovered'), ce.recovered), `recovered ${ceText} vs ${ce.recovered}`).toBe(true);
  expect(near(ceNum('clean'), ce.clean), `clean ${ceText} vs ${ce.clean}`).toBe(true);
  expect(near(ceNum('zeroed'), ce.zero), `zeroed ${ceText} vs ${ce.zero}`).toBe(true);
  await page.getByTestId('sae-dash').screenshot({ path: test.info().outputPath('sae-dashboard-ce.png') });
});
