import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * The Concept depth view on WebGPU (SwiftShader): the demo model, a built-in fact set, probes
 * at every layer with progress; the curves against the Node engine's (wasm) probes of the same
 * rows (tests/probe.test.ts checks those against scikit-learn); overlays of a skip path, a 4-bit
 * copy and a dropped checkpoint as model B; a probe exported, scoring the prompt (against the
 * Node engine scoring the downloaded file) and steering by its direction; cancel.
 */

const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';
const PROMPT = 'The capital of France is Paris.';
const ROWS = 120;

async function train(page: Page, id: string): Promise<void> {
  await page.getByTestId('probes-train').click();
  await expect(page.getByTestId('probes-progress-text')).toHaveText(/^(starting…|making a \d-bit copy…|extract: \d+\/\d+ rows|train: \d+\/\d+ hooks)$/);
  await expect(page.getByTestId(`probes-curve-${id}`)).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('probes-progress')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
}

async function values(page: Page, series: string): Promise<number[]> {
  const pts = page.getByTestId('probes-chart').locator(`circle.point[data-series^="${series}:"]`);
  return (await pts.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-v')))));
}

const logit = (p: number): number => Math.log(p / (1 - p));

test('Concept depth: demo facts at every layer, overlays (skip path, 4-bit copy, model B), export, score, steer, cancel', async ({ page }) => {
  test.setTimeout(900_000);
  await openDemo(page, PROMPT);
  await page.getByTestId('tab-probes').click();
  await expect(page.getByTestId('probes-blocker')).toContainText('Open a labelled dataset');
  await page.getByTestId('probes-builtin').selectOption('demo_facts_en');
  await expect(page.getByTestId('probes-dataset')).toContainText('782 rows');
  await page.getByTestId('probes-limit').fill(String(ROWS));
  await train(page, 'c1');

  // Six hooks, one point each at step/5; the numbers are the Node engine's for the same rows.
  await expect(page.getByTestId('probes-chart').locator('circle.point')).toHaveCount(6);
  const depth = await page.getByTestId('probes-chart').locator('circle.point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-x'))));
  expect(depth).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  const acc = await values(page, 'c1');
  await page.getByTestId('probes-metric-auc').check();
  const auc = await values(page, 'c1');
  await page.getByTestId('probes-metric-acc').check();
  const node = await engineFor('public/models/demo');
  const ds = node.datasetLoad(readFileSync('public/datasets/demo_facts_en.csv'), 'demo_facts_en.csv', { mapping: { text: 'statement', label: 'label' } });
  const want = await node.analyze('probe', { options: { dataset: ds.id, limit: ROWS } });
  const nTest = want.split.test.length;
  acc.forEach((v, j) => expect(Math.abs(v - (want.acc[j] as number)), `acc ${j}`).toBeLessThanOrEqual(1 / nTest + 1e-9));
  auc.forEach((v, j) => expect(Math.abs(v - (want.auc[j] as number)), `auc ${j}`).toBeLessThanOrEqual(1e-2));
  await expect(page.getByTestId('probes-points-rule')).toContainText('give no formula');
  await expect(page.getByTestId('probes-hooks').locator('tbody tr')).toHaveCount(6);
  await expect(page.getByTestId('probes-acc-0')).toHaveText(/^0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]$/);
  // The thresholds are settings: a jump threshold no step reaches leaves no J mark.
  await page.getByTestId('probes-jump').fill('0.9');
  await expect(page.getByTestId('probes-chart').locator('g.mark-J')).toHaveCount(0);
  await expect(page.getByTestId('probes-jump-c1')).toHaveText('—');
  await page.getByTestId('probes-jump').fill('0.01');

  // A skip path: the curve is now stale, and a second curve overlays (5 steps).
  await page.getByTestId('path-chip-3').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('[0, 1, 2, 4, 5]');
  await expect(page.getByTestId('stale-probes')).toContainText('the path or interventions');
  await train(page, 'c2');
  await expect(page.getByTestId('probes-curve-c2')).toContainText('skip 3');
  await expect(page.getByTestId('probes-chart').locator('circle.point[data-series^="c2:"]')).toHaveCount(5);
  await page.getByTestId('path-reset').click();

  // A 4-bit copy of the demo: its own curve, dashed.
  await page.getByTestId('probes-perturb').selectOption('quantize');
  await page.getByTestId('probes-bits').selectOption('4');
  await train(page, 'c3');
  await expect(page.getByTestId('probes-curve-c3')).toContainText('4-bit');
  await page.getByTestId('probes-perturb').selectOption('none');

  // A dropped checkpoint as model B (stories260K, 5 layers).
  await page.getByTestId('probes-target-B').check();
  await page.getByTestId('probes-b-files').setInputFiles(folderPayload('tests/fixtures/models/stories260K'));
  await expect(page.getByTestId('probes-model-b')).toContainText('5 layers');
  await train(page, 'c4');
  await expect(page.getByTestId('probes-curve-c4')).toContainText('B ');
  await expect(page.getByTestId('probes-chart').locator('circle.point[data-series^="c4:"]')).toHaveCount(5);
  await expect(page.getByTestId('probes-chart').locator('g.legend-item')).toHaveCount(4);
  await page.getByTestId('probes-target-A').check();
  await page.screenshot({ path: `${SCREENS}/probes-curves.png`, fullPage: true });

  // Export layer 3's probe of c1: weight [128], bias [1], the metadata the issue names.
  await page.getByTestId('probes-open-c1').click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('probes-export-3').click()]) as [Download, unknown];
  expect(dl.suggestedFilename()).toBe('probe-demo_facts_en-blocks.3.hook_resid_post-c1.safetensors');
  const file = readFileSync(await dl.path());
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Record<string, Record<string, unknown>>;
  expect(header['weight']).toMatchObject({ dtype: 'F32', shape: [128] });
  expect(header['bias']).toMatchObject({ dtype: 'F32', shape: [1] });
  expect(header['__metadata__']).toMatchObject({ hook: 'blocks.3.hook_resid_post', dataset: 'demo_facts_en.csv', splitSeed: '0', position: 'last', method: 'logistic' });

  // It scores the prompt at every token, as the Node engine scores the same file.
  await page.getByTestId('probes-score-3').click();
  const cells = page.getByTestId('probes-strip-cells').locator('.probe-cell');
  const ids = node.encode(PROMPT);
  await expect(cells).toHaveCount(ids.length);
  const probs = await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))));
  const imported = await node.importProbe(new Uint8Array(file), 'p.safetensors');
  const nodeScore = await node.analyze('probe-score', { run: { tokens: ids }, options: { probe: imported.id } });
  probs.forEach((p, t) => expect(Math.abs(p - (nodeScore.probs[t] as number)), `token ${t}`).toBeLessThanOrEqual(1e-3));

  // Steering by its unit direction × 2 moves its logit by 2‖w‖ at every token.
  const w = new Float32Array(file.buffer.slice(file.byteOffset + 8 + n + (header['weight']?.['data_offsets'] as number[])[0]!, file.byteOffset + 8 + n + (header['weight']?.['data_offsets'] as number[])[1]!));
  const norm = Math.hypot(...Array.from(w));
  await page.getByTestId('probes-steer-scale').fill('2');
  await page.getByTestId('probes-steer').click();
  await expect(page.getByTestId('probes-steering')).toBeVisible();
  await expect.poll(async () => Number(await cells.first().getAttribute('data-p'))).not.toBe(probs[0]);
  const steered = await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))));
  steered.forEach((p, t) => {
    if (p > 1e-4 && p < 1 - 1e-4 && (probs[t] as number) > 1e-4 && (probs[t] as number) < 1 - 1e-4) expect(Math.abs(logit(p) - logit(probs[t] as number) - 2 * norm), `token ${t}`).toBeLessThanOrEqual(0.02);
  });
  await page.getByTestId('probes-steer-clear').click();
  await expect(page.getByTestId('probes-steering')).toHaveCount(0);
  node.unload();

  // Cancel during extraction: no new curve, no error, Train is back.
  await page.getByTestId('probes-limit').fill('400');
  await page.getByTestId('probes-train').click();
  await expect(page.getByTestId('probes-progress-text')).toHaveText(/^extract: [1-9]\d*\/400 rows$/, { timeout: 120_000 });
  await page.getByTestId('probes-cancel').click();
  await expect(page.getByTestId('probes-progress')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('probes-curves').locator('tbody tr')).toHaveCount(4);
  await expect(page.getByTestId('probes-train')).toBeEnabled();
});
