import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import type { CkaOptions, CkaResult } from '../src/contracts/cka';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * The CKA view on WebGPU (SwiftShader): the demo's layer map, the demo against stories260K
 * by relative depth (two tokenizers: `mean` over each model's own tokens; `all` refused), and
 * the full model against a skip path (rows = steps). Every map is checked against the Node
 * engine's (wasm) computation of the same options, which tests/cka.test.ts checks against NumPy.
 */

const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';
const FACTS = 'public/datasets/demo_facts_en.csv';

async function openFacts(page: Page, rows: number): Promise<void> {
  await page.getByTestId('cka-builtin').selectOption('demo_facts_en');
  await expect(page.getByTestId('cka-dataset')).toContainText('782 rows');
  await page.getByTestId('cka-limit').fill(String(rows));
}

/** Runs the map, sees its progress line, waits for the result. */
async function compute(page: Page): Promise<void> {
  await page.getByTestId('cka-run').click();
  await expect(page.getByTestId('cka-progress-text')).toHaveText(/^(starting…|(extract A|extract B|cka|linear map): \d+\/\d+ \w+)$/);
  await expect(page.getByTestId('cka-result')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('cka-progress')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
}

async function saved(page: Page, testId: string): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]) as [Download, unknown];
  const bytes = readFileSync(await dl.path());
  return { name: dl.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

/** Exports all four files; returns the JSON. */
async function exportAll(page: Page, stem: string, cells: number): Promise<CkaResult> {
  const json = await saved(page, 'export-json');
  expect(json.name).toBe(`${stem}.json`);
  const csv = await saved(page, 'export-csv');
  expect(csv.name).toBe(`${stem}.csv`);
  const lines = csv.text.trim().split('\n');
  expect(lines[0]).toBe('hookA,depthA,hookB,depthB,cka,bestForA,mapError,mapFvu');
  expect(lines).toHaveLength(cells + 1);
  const svg = await saved(page, 'export-svg');
  expect(svg.name).toBe(`${stem}.svg`);
  expect(svg.text).toContain('<svg');
  expect((svg.text.match(/class="cell/g) ?? []).length).toBeGreaterThanOrEqual(cells);
  const png = await saved(page, 'export-png');
  expect(png.name).toBe(`${stem}.png`);
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return JSON.parse(json.text) as CkaResult;
}

/** The same map in the Node engine (wasm), B optional. */
async function inNode(options: Partial<CkaOptions>, path?: number[], modelB?: string): Promise<CkaResult> {
  const e = await engineFor('public/models/demo');
  const a = e.registry.modelIds()[0] as string;
  const b = modelB ? (await e.load(await dirFileSet(modelB))).id : undefined;
  const ds = e.datasetLoad(readFileSync(FACTS), 'demo_facts_en.csv', { mapping: { text: 'statement', label: 'label' } });
  const r = await e.analyze('cka', { model: a, run: { model: a, tokens: [], ...(path ? { path } : {}) }, options: { ...options, dataset: ds.id, ...(b ? { b: { model: b } } : options.b ? { b: options.b } : {}) } });
  e.unload();
  return r;
}

function expectSameMap(page: CkaResult, node: CkaResult, tol: number): void {
  expect(page.rows).toEqual(node.rows);
  expect(page.cols).toEqual(node.cols);
  node.cka.forEach((row, i) => row.forEach((v, j) => expect(Math.abs((page.cka[i]?.[j] ?? NaN) - v), `cka[${i}][${j}]`).toBeLessThanOrEqual(tol)));
}

test('CKA: the demo model\'s layers — progress, hover, best matches, linear maps, export, stale after a path edit, report, permalink', async ({ page, browser }) => {
  test.setTimeout(420_000);
  await openDemo(page);
  await page.getByTestId('tab-cka').click();
  await expect(page.getByTestId('cka-blocker')).toContainText('Open a dataset');
  await openFacts(page, 40);
  await compute(page);
  const map = page.getByTestId('cka-map');
  await expect(map.locator('rect.cell')).toHaveCount(36);
  await expect(map.locator('rect.mark')).toHaveCount(6);
  // Hover: the value and both hooks; the diagonal is CKA(X, X) = 1.
  await expect(map.locator('rect.cell').nth(1).locator('title')).toHaveText(/^A blocks\.0\.hook_resid_post \(depth 0\.167\) × B blocks\.1\.hook_resid_post \(depth 0\.333\): CKA 0\.\d+$/);
  for (let i = 0; i < 6; i++) expect(Math.abs(Number(await map.locator('rect.cell').nth(i * 7).getAttribute('data-v')) - 1)).toBeLessThanOrEqual(1e-5);
  await expect(page.getByTestId('cka-linear').locator('rect.cell')).toHaveCount(36);
  await expect(page.getByTestId('cka-best').locator('tbody tr')).toHaveCount(6);
  await page.screenshot({ path: `${SCREENS}/cka-layers.png`, fullPage: true });
  const got = await exportAll(page, 'cka-layers', 36);
  const want = await inNode({ limit: 40, linearMap: true });
  expectSameMap(got, want, 1e-3);
  // Near-diagonal bands: adjacent blocks are more alike than the first and the last.
  expect(got.cka[2]?.[3] as number).toBeGreaterThan(got.cka[0]?.[5] as number);
  // The result belongs to the path it was computed for.
  await expect(page.getByTestId('stale-cka')).toHaveCount(0);
  await page.getByTestId('path-chip-3').locator('button').click();
  await expect(page.getByTestId('stale-cka')).toContainText('the path or interventions');
  // The report carries the map with what it was computed for, flagged stale.
  const report = JSON.parse((await saved(page, 'export-report')).text) as { cka: { stale: string[] | null; data: { result: CkaResult } } };
  expect(report.cka.stale).toEqual(['the path or interventions']);
  expect(report.cka.data.result.cka).toEqual(got.cka);
  // The link reopens the view with its settings (and the built-in dataset).
  await page.getByTestId('cka-kind').selectOption('debiased');
  await page.waitForTimeout(400); // the URL is written 250 ms after the last change
  const other = await browser.newPage();
  await other.goto(page.url());
  await expect(other.getByTestId('cka-view')).toBeVisible({ timeout: 120_000 });
  await expect(other.getByTestId('cka-limit')).toHaveValue('40');
  await expect(other.getByTestId('cka-kind')).toHaveValue('debiased');
  await expect(other.getByTestId('cka-dataset')).toContainText('demo_facts_en');
  await other.close();
});

test('CKA: demo × stories260K by relative depth — mean over each model\'s own tokens; all tokens refused', async ({ page }) => {
  test.setTimeout(420_000);
  await openDemo(page);
  await page.getByTestId('tab-cka').click();
  await page.getByTestId('cka-mode-model').click();
  await page.getByTestId('cka-b-files').setInputFiles(folderPayload('tests/fixtures/models/stories260K'));
  await expect(page.getByTestId('cka-model-b')).toContainText('5 layers');
  await openFacts(page, 32);
  await page.getByTestId('cka-position').selectOption('all');
  await page.getByTestId('cka-run').click();
  await expect(page.getByTestId('error')).toContainText('position all pools every token, so both models must read the same tokens');
  await page.getByTestId('cka-position').selectOption('mean');
  await compute(page);
  await expect(page.getByTestId('cka-map').locator('rect.cell')).toHaveCount(30);
  await expect(page.getByTestId('cka-notes')).toContainText('own tokenizer');
  const best = page.getByTestId('cka-best');
  await expect(best.locator('tbody tr')).toHaveCount(6);
  await expect(page.getByTestId('cka-best-5')).toContainText('L5 resid_post');
  await page.screenshot({ path: `${SCREENS}/cka-models.png`, fullPage: true });
  const got = await exportAll(page, 'cka-model', 30);
  expect(got.depthCols).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  const want = await inNode({ limit: 32, position: 'mean', linearMap: true }, undefined, 'tests/fixtures/models/stories260K');
  expectSameMap(got, want, 1e-3);
  expect(got.best).toEqual(want.best);
});

test('CKA: the full model against a path with layer 3 skipped (rows = steps)', async ({ page }) => {
  test.setTimeout(420_000);
  await openDemo(page);
  await page.getByTestId('path-chip-3').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('[0, 1, 2, 4, 5]');
  await page.getByTestId('tab-cka').click();
  await page.getByTestId('cka-mode-path').click();
  await openFacts(page, 32);
  await page.getByTestId('cka-linear-map').uncheck();
  // Cancel part-way: no result, no error, the button is back.
  await page.getByTestId('cka-run').click();
  await expect(page.getByTestId('cka-progress-text')).toHaveText(/^extract A: [1-9]\d*\/32 rows$/);
  await page.getByTestId('cka-cancel').click();
  await expect(page.getByTestId('cka-progress')).toHaveCount(0);
  await expect(page.getByTestId('cka-result')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('cka-run')).toBeEnabled();
  await compute(page);
  const map = page.getByTestId('cka-map');
  await expect(map.locator('rect.cell')).toHaveCount(30);
  await expect(map.locator('text.row-label').nth(3).locator('title')).toHaveText('A step 3 (L4) resid_post');
  await expect(page.getByTestId('cka-linear')).toHaveCount(0);
  // Steps 0–2 run layers 0–2 exactly as the full model does: CKA 1 on that diagonal.
  for (let s = 0; s < 3; s++) expect(Math.abs(Number(await map.locator('rect.cell').nth(s * 6 + s).getAttribute('data-v')) - 1)).toBeLessThanOrEqual(1e-5);
  await page.screenshot({ path: `${SCREENS}/cka-path.png`, fullPage: true });
  const got = await exportAll(page, 'cka-path', 30);
  expect(got.pathA).toEqual([0, 1, 2, 4, 5]);
  expect(got.pathB).toEqual([0, 1, 2, 3, 4, 5]);
  const want = await inNode({ limit: 32, linearMap: false, b: {} }, [0, 1, 2, 4, 5]);
  expectSameMap(got, want, 1e-3);
});
