import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { addSae } from '../workers/engine/artifacts/sae-load';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * SAE vs probe on WebGPU (SwiftShader): the demo model, its three fixture SAEs (Gemma Scope at
 * blocks.2, SAELens at blocks.3, sparsify TopK at blocks.4: one point per layer), the built-in
 * demo facts (first 200 rows): score every feature against the label beside the probe, see
 * the per-layer plot and the table; the numbers agree with the Node engine's (wasm; the Node
 * engine is checked against scikit-learn in tests/sae-probe.test.ts); clicking a top feature
 * selects it in the SAE view; a new seed marks the result stale.
 */
const SAE = 'tests/fixtures/sae/demo/blocks.3.hook_resid_post';
const GEMMA = 'tests/fixtures/sae/demo-gemma-scope-res/layer_2/width_256/average_l0_40';
const SPARSIFY = 'tests/fixtures/sae/demo-sparsify/layers.4';
const ROWS = 200;

test('SAE features vs the linear probe on the demo facts', async ({ page }) => {
  test.setTimeout(180_000);
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-sae').click();
  await page.getByTestId('sae-files').setInputFiles(folderPayload(SAE));
  await expect(page.getByTestId('sae-info')).toContainText('at blocks.3.hook_resid_post');
  await page.getByTestId('sae-hook').fill('blocks.2.hook_resid_post');
  await page.getByTestId('sae-files').setInputFiles(folderPayload(GEMMA));
  await expect(page.getByTestId('sae-info')).toContainText('gemma-scope');
  await page.getByTestId('sae-hook').fill('');
  await page.getByTestId('sae-folder').setInputFiles(SPARSIFY);
  await expect(page.getByTestId('sae-info')).toContainText('sparsify');
  await expect(page.getByTestId('sae-probe-saes')).toContainText('3 SAEs');
  await expect(page.getByTestId('sae-probe-blocker')).toContainText('labelled dataset');
  await page.getByTestId('sae-probe-builtin').selectOption('demo_facts_en');
  await expect(page.getByTestId('sae-probe-dataset')).toContainText('782 rows');
  await page.getByTestId('sae-probe-limit').fill(String(ROWS));
  await page.getByTestId('sae-probe-run').click();
  await expect(page.getByTestId('sae-probe-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('sae-probe-error')).toHaveCount(0);
  const chart = page.getByTestId('sae-probe-chart');
  await expect(chart.locator('svg')).toBeVisible();
  await expect(chart.locator('circle')).toHaveCount(6);
  await expect(chart).toContainText('test ROC-AUC');
  await expect(chart).toContainText('linear probe');

  // The Node engine on the same rows and SAE.
  const node = await engineFor('public/models/demo');
  const saes = [
    (await addSae(node.registry, await dirFileSet(SAE), { path: SAE })).id,
    (await addSae(node.registry, await dirFileSet(GEMMA), { path: GEMMA, hook: 'blocks.2.hook_resid_post' })).id,
    (await addSae(node.registry, await dirFileSet(SPARSIFY), { path: SPARSIFY })).id,
  ];
  const ds = node.datasetLoad(readFileSync('public/datasets/demo_facts_en.csv'), 'demo_facts_en.csv', { mapping: { text: 'statement', label: 'label' } });
  const want = await node.analyze('sae-probe', { options: { dataset: ds.id, saes, limit: ROWS } });
  const rows = page.locator('[data-testid^="sae-probe-row-"]');
  await expect(rows).toHaveCount(3);
  let m: RegExpExecArray | null = null;
  // Rows by depth: blocks.2, blocks.3, blocks.4.
  await expect(rows.nth(0)).toContainText('blocks.2.hook_resid_post');
  for (let j = 0; j < 3; j++) {
    const c = want.entries[j]?.classes[0];
    const row = rows.filter({ hasText: want.entries[j]?.hook ?? '?' });
    const best = (await row.locator('[data-testid^="sae-probe-best-"]').textContent()) ?? '';
    const mj = /^#(\d+) \(([\d.]+), ([\d.]+)\)$/.exec(best.trim());
    expect(mj, best).not.toBeNull();
    expect(Math.abs(Number(mj?.[2]) - (c?.best.auc ?? NaN)), `best AUROC of SAE ${j}`).toBeLessThanOrEqual(2e-3);
    const probe = Number(await row.locator('[data-testid^="sae-probe-probe-auc-"]').textContent());
    expect(Math.abs(probe - (c?.probeAuc ?? NaN)), `probe AUROC at SAE ${j}`).toBeLessThanOrEqual(1e-2);
    if (j === 0) m = mj;
  }
  await page.screenshot({ path: test.info().outputPath('sae-probe.png'), fullPage: true });

  // A top feature selects it in the SAE view.
  await rows.filter({ hasText: 'blocks.3.hook_resid_post' }).locator('[data-testid^="sae-probe-feat-"]').first().click();
  await expect(page.getByTestId('sae-feature')).toContainText(`Feature ${Number(m?.[1])}`);

  // Another split seed: the result is marked stale until re-run.
  await page.getByTestId('sae-probe-seed').fill('3');
  await expect(page.getByTestId('stale-sae-probe')).toContainText('the settings');
});
