import { mkdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openDemo } from './helpers';

/** The header of a safetensors file: 8-byte little-endian length, then that many bytes of JSON. */
function safetensorsHeader(bytes: Buffer): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>> {
  expect(bytes.length).toBeGreaterThan(8);
  const n = Number(bytes.readBigUInt64LE(0));
  expect(n).toBeGreaterThan(1);
  expect(8 + n).toBeLessThanOrEqual(bytes.length);
  return JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as ReturnType<typeof safetensorsHeader>;
}

const SCREENS = process.env['SCREENS_DIR'] ?? 'test-results/screens';

async function openDataset(page: Page, name: string, rows: number): Promise<void> {
  await page.getByTestId(`builtin-${name}`).click();
  await expect(page.getByTestId('dataset-rows')).toHaveText(String(rows));
}

test('Datasets: a built-in set, its preview and balance, extraction with cancel, safetensors download, stale result, permalink', async ({ page, browser }) => {
  test.setTimeout(420_000); // SwiftShader: the 200-row extraction alone takes one to two minutes
  mkdirSync(SCREENS, { recursive: true });
  await openDemo(page);
  await page.getByTestId('tab-datasets').click();
  const row = page.getByTestId('builtin-row-demo_facts_en');
  await expect(row).toContainText('782');
  await expect(row).toContainText('false 391 · true 391');
  await expect(page.getByTestId('builtin-table')).toContainText('CC-BY-4.0'); // the Concept Depth sets carry their licence

  await openDataset(page, 'demo_facts_en', 782);
  await expect(page.getByTestId('dataset-preview').locator('tbody tr')).toHaveCount(5);
  await expect(page.getByTestId('preview-row-0')).toContainText('The capital of France is Paris.');
  await expect(page.getByTestId('preview-row-0')).toContainText('true');
  const balance = page.getByTestId('dataset-balance');
  await expect(balance.locator('g.bar')).toHaveCount(2);
  await expect(balance.getByTestId('label-false').locator('text.count')).toHaveText('391 (50.0%)');
  await expect(balance.getByTestId('label-true').locator('text.count')).toHaveText('391 (50.0%)');
  await expect(page.getByTestId('map-column')).toHaveValue('statement');
  await expect(page.getByTestId('map-label')).toHaveValue('label');

  // Another label column re-reads the file with that mapping; then back.
  await page.getByTestId('map-label').selectOption('lang');
  await expect(balance.getByTestId('label-en').locator('text.count')).toHaveText('782 (100.0%)');
  await page.getByTestId('map-label').selectOption('label');
  await expect(balance.getByTestId('label-true')).toBeVisible();

  // The link carries the dataset: a fresh page opens it by itself.
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=/);
  await page.waitForTimeout(400); // the URL is written 250 ms after the last change
  const link = page.url();

  // Extraction settings and the estimate (200 rows × 6 hooks × 128 × 4 B).
  await expect(page.getByTestId('extract-hooks')).toHaveValue('blocks.*.hook_resid_post');
  await expect(page.getByTestId('extract-position')).toHaveValue('last');
  await page.getByTestId('extract-limit').fill('200');
  await expect(page.getByTestId('extract-estimate')).toContainText('200 rows × 6 hooks × d 128 × 4 B = 600.0 KiB');

  // Over the engine's limit: it refuses with a message, the page stays usable.
  await page.getByTestId('extract-limit').fill('0');
  await page.getByTestId('extract-advanced').click();
  await page.getByTestId('extract-max-mib').fill('1');
  await expect(page.getByTestId('extract-estimate')).toContainText('over the limit');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('error')).toContainText('more than the 1 MiB allowed');
  await page.getByTestId('extract-max-mib').fill('1024');
  await page.getByTestId('extract-limit').fill('200');

  // Small batches make the first run slow enough to cancel part-way.
  await page.getByTestId('extract-batch').fill('32');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('error')).toHaveCount(0);
  const progress = page.getByTestId('extract-progress-text');
  await expect(progress).toHaveText(/^([1-9]\d*)\/200 rows · [\d.]+ rows\/s · ETA /);
  await page.screenshot({ path: `${SCREENS}/datasets-progress.png`, fullPage: true });
  await page.getByTestId('extract-cancel').click();
  await expect(page.getByTestId('notice')).toContainText(/Extraction cancelled after \d+ of 200 rows/);
  await expect(page.getByTestId('extract-progress')).toHaveCount(0);
  await expect(page.getByTestId('extract-result')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);

  // Again, in packed batches, to the end.
  await page.getByTestId('extract-batch').fill('512');
  await page.getByTestId('extract-start').click();
  const result = page.getByTestId('extract-result');
  await expect(result).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('extract-result-rows')).toHaveText('200');
  await expect(page.getByTestId('extract-result-d')).toHaveText('128');
  await expect(page.getByTestId('extract-result-hooks')).toContainText('6: blocks.0.hook_resid_post … blocks.5.hook_resid_post');
  await expect(page.getByTestId('extract-result-batched')).toContainText('yes');
  await expect(page.getByTestId('extract-stale')).toHaveCount(0);
  await page.screenshot({ path: `${SCREENS}/datasets.png`, fullPage: true });

  // The download is a safetensors file with one [200, 128] F32 tensor per hook and I32 labels.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('extract-download').click()]);
  expect(dl.suggestedFilename()).toBe('demo_facts_en-last.safetensors');
  const file = await dl.path();
  const bytes = readFileSync(file);
  const header = safetensorsHeader(bytes);
  const n = Number(bytes.readBigUInt64LE(0));
  for (let i = 0; i < 6; i++) {
    const t = header[`blocks.${i}.hook_resid_post`] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    expect(t, `blocks.${i}.hook_resid_post`).toBeDefined();
    expect(t.dtype).toBe('F32');
    expect(t.shape).toEqual([200, 128]);
    expect(t.data_offsets[1] - t.data_offsets[0]).toBe(200 * 128 * 4);
    expect(8 + n + t.data_offsets[1]).toBeLessThanOrEqual(bytes.length);
  }
  const labels = header['labels'] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  expect(labels.dtype).toBe('I32');
  expect(labels.shape).toEqual([200]);
  // Labels index the sorted label names (false = 0, true = 1); the first row is a true statement.
  const start = 8 + n + labels.data_offsets[0];
  const lab = Array.from({ length: 200 }, (_, i) => bytes.readInt32LE(start + 4 * i));
  expect(lab[0]).toBe(1);
  expect(new Set(lab)).toEqual(new Set([0, 1]));
  const tensors = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(tensors.sort()).toEqual([...Array.from({ length: 6 }, (_, i) => `blocks.${i}.hook_resid_post`), 'labels'].sort());
  // Activations are finite numbers, not all zero.
  const t0 = header['blocks.5.hook_resid_post'] as { data_offsets: [number, number] };
  const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n + t0.data_offsets[0], bytes.byteOffset + 8 + n + t0.data_offsets[1]));
  expect(f.every(Number.isFinite)).toBe(true);
  expect(f.some((v) => v !== 0)).toBe(true);

  // A result belongs to its path: skipping a layer marks it stale (and the estimate counts 5 hooks); back to all layers, it is current again.
  await page.getByTestId('path-chip-2').locator('button').click();
  await expect(page.getByTestId('extract-stale')).toContainText('the layer path changed');
  await expect(page.getByTestId('extract-estimate')).toContainText('200 rows × 5 hooks × d 128');
  await page.getByTestId('path-reset').click();
  await expect(page.getByTestId('extract-stale')).toHaveCount(0);

  // ... and to its dataset: opening another marks it stale.
  await openDataset(page, 'demo_facts_fr', 782);
  await expect(page.getByTestId('extract-stale')).toContainText('stale — re-run');

  // A bad file shows the engine's one-line error; the page stays usable.
  await page.getByTestId('dataset-file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"rows": [1, 2,') });
  await expect(page.getByTestId('error')).toBeVisible();
  const err = (await page.getByTestId('error').textContent()) ?? '';
  expect(err).toContain('broken.json');
  expect(err.includes('\n')).toBe(false);
  await expect(page.getByTestId('dataset-rows')).toHaveText('782'); // the open dataset stays
  await page.getByTestId('error').getByRole('button').click();
  await page.getByTestId('dataset-file').setInputFiles({ name: 'tiny.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from('sentence\tsentiment\ngood movie\tpos\nbad movie\tneg\nfine movie\tpos\n') });
  await expect(page.getByTestId('dataset-rows')).toHaveText('3');
  await expect(page.getByTestId('map-column')).toHaveValue('sentence');
  await expect(page.getByTestId('map-label')).toHaveValue(''); // "sentiment" is not a name the guess knows: map it
  await expect(page.getByTestId('dataset-balance')).toContainText('no labels');
  await page.getByTestId('map-label').selectOption('sentiment');
  await expect(page.getByTestId('dataset-balance').getByTestId('label-pos').locator('text.count')).toHaveText('2 (66.7%)');

  // The link made earlier opens the built-in set (and its mapping) by itself.
  const fresh = await browser.newContext(); // as someone else opening the link
  const other = await fresh.newPage();
  await other.goto(link);
  await expect(other.getByTestId('model-card')).toContainText('llama');
  await other.getByTestId('tab-datasets').click();
  await expect(other.getByTestId('dataset-rows')).toHaveText('782');
  await expect(other.getByTestId('dataset-name')).toContainText('facts');
  await expect(other.getByTestId('map-label')).toHaveValue('label');
  await fresh.close();
});

test('Datasets: a link naming a local dataset asks for the file', async ({ page, browser }) => {
  await openDemo(page);
  await page.getByTestId('tab-datasets').click();
  const csv = Buffer.from('text,label\nThe capital of France is Paris.,yes\nThe capital of France is Rome.,no\n');
  await page.getByTestId('dataset-file').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: csv });
  await expect(page.getByTestId('dataset-rows')).toHaveText('2');
  await page.waitForTimeout(400);
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=/);
  const link = page.url();
  const fresh = await browser.newContext(); // as someone else opening the link
  const other = await fresh.newPage();
  await other.goto(link);
  await other.getByTestId('tab-datasets').click();
  await expect(other.getByTestId('dataset-pending')).toContainText('mine.csv');
  await other.getByTestId('dataset-drop').locator('input[type=file]').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: csv });
  await expect(other.getByTestId('dataset-rows')).toHaveText('2');
  await expect(other.getByTestId('dataset-pending')).toHaveCount(0);
  await fresh.close();
});
