import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import type { LatentResult, WordLists } from '../src/contracts/latent';
import { readWordCsv } from '../src/contracts/latent-csv';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * The Latent language view on WebGPU (SwiftShader): French → German on the demo model with
 * its own word list, and stories260K as model B on the same relative-depth axis; progress,
 * counts, curves with bands, the entropy strip, one sample's layers coloured by language,
 * export, stale after a settings change. The page's curves are checked against the Node
 * engine (wasm), which tests/latent.test.ts checks against the PyTorch reference.
 */

const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';

async function saved(page: Page, testId: string): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]) as [Download, unknown];
  const bytes = readFileSync(await dl.path());
  return { name: dl.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

function demoLists(): WordLists {
  const out: WordLists = {};
  for (const l of ['en', 'fr', 'de', 'ru']) {
    const r = readWordCsv(readFileSync(`public/latent-language/demo/${l}/clean.csv`, 'utf8'), l);
    if ('error' in r) throw new Error(r.error);
    out[l] = r.rows;
  }
  return out;
}

async function inNode(dir: string, limit: number): Promise<LatentResult> {
  const e = await engineFor('public/models/demo');
  if (dir !== 'public/models/demo') await e.load(await dirFileSet(dir));
  const r = await e.analyze('latent', { options: { task: 'translation', source: 'fr', target: 'de', latent: ['en'], lists: demoLists(), shots: 4, seed: 0, limit } });
  e.unload();
  return r;
}

test('Latent language: demo fr → de vs stories260K — progress, bands, entropy strip, one sample by language, export, stale', async ({ page }) => {
  test.setTimeout(420_000);
  await openDemo(page);
  await page.getByTestId('tab-latent').click();
  await expect(page.getByTestId('latent-view')).toBeVisible();
  await page.getByTestId('latent-words').selectOption('demo');
  await page.getByTestId('latent-source').selectOption('fr');
  await page.getByTestId('latent-target').selectOption('de');
  await page.getByTestId('latent-limit').fill('10');
  await page.getByTestId('latent-b-files').setInputFiles(folderPayload('tests/fixtures/models/stories260K'));
  await expect(page.getByTestId('latent-model-b')).toContainText('5 layers', { timeout: 60_000 });
  await page.getByTestId('latent-run').click();
  await expect(page.getByTestId('latent-progress-text')).toHaveText(/^(starting…|\d+\/\d+ prompts \(model [AB], [12] of 2\))$/);
  await expect(page.getByTestId('latent-result')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  const counts = page.getByTestId('latent-counts');
  await expect(counts).toContainText('A: ');
  await expect(counts).toContainText('10 samples run of 196 rows (101 dropped by the filters)');
  await expect(counts).toContainText('B: ');
  // Which target words are one token: A's whole list (196), none in stories260K's 512-token vocabulary.
  await expect(page.getByTestId('latent-single-token')).toHaveCount(1);
  await expect(page.getByTestId('latent-single-token')).toContainText('Hund');
  // Curves: A's target and English (6 layers each), B's (5 layers each), with bands; the strip has 6 + 5 cells.
  const curves = page.getByTestId('latent-curves');
  await expect(curves.locator('circle[data-series^="A · target de"]')).toHaveCount(6);
  await expect(curves.locator('circle[data-series="A · latent en"]')).toHaveCount(6);
  await expect(curves.locator('circle[data-series^="B · target de"]')).toHaveCount(5);
  await expect(curves.locator('path[data-band]')).toHaveCount(4);
  await expect(page.getByTestId('latent-entropy').locator('rect[data-bits]')).toHaveCount(11);
  // One sample: 6 layers; at the output the top token is German (the answer).
  const table = page.getByTestId('latent-sample-table');
  await expect(table.locator('tbody tr')).toHaveCount(6);
  await expect(table.locator('tbody tr').last().locator('.latent-tok').first()).toHaveAttribute('data-lang', 'de');
  await expect(page.getByTestId('latent-sample-prompt')).toContainText('Français: "');
  await page.getByTestId('latent-sample-pick').selectOption('1');
  await expect(page.getByTestId('latent-sample-prompt')).toContainText('- Deutsch: "');
  await page.screenshot({ path: `${SCREENS}/latent.png`, fullPage: true });
  // Export: the JSON's curves equal the Node engine's to 1e-3 (WebGPU f32 vs wasm).
  const json = await saved(page, 'export-json');
  expect(json.name).toBe('latent-language.json');
  const got = JSON.parse(json.text) as { curves: { label: string; result: LatentResult }[] };
  const wantA = await inNode('public/models/demo', 10);
  const wantB = await inNode('tests/fixtures/models/stories260K', 10);
  for (const [c, w] of [[got.curves[0], wantA], [got.curves[1], wantB]] as const) {
    expect(c?.result.samples.map((s) => s.prompt)).toEqual(w.samples.map((s) => s.prompt));
    w.pTarget.mean.forEach((v, i) => expect(Math.abs((c?.result.pTarget.mean[i] ?? NaN) - v)).toBeLessThanOrEqual(1e-3));
    (w.pLatent['en'] as { mean: number[] }).mean.forEach((v, i) => expect(Math.abs((c?.result.pLatent['en']?.mean[i] ?? NaN) - v)).toBeLessThanOrEqual(1e-3));
    w.entropyBits.forEach((v, i) => expect(Math.abs((c?.result.entropyBits[i] ?? NaN) - v)).toBeLessThanOrEqual(1e-2));
  }
  const csv = await saved(page, 'export-csv');
  expect(csv.text.trim().split('\n')).toHaveLength(1 + 2 * 6 + 2 * 5);
  const svg = await saved(page, 'export-svg');
  expect(svg.text).toContain('data-chart="latent-curves"');
  expect(svg.text).toContain('data-chart="entropy-strip"');
  const png = await saved(page, 'export-png');
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  // A settings change marks the curves stale.
  await expect(page.getByTestId('stale-latent')).toHaveCount(0);
  await page.getByTestId('latent-seed').fill('3');
  await expect(page.getByTestId('stale-latent')).toContainText('the settings');
});
