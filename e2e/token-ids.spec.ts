/**
 * Models without a tokenizer: token ids typed in the id box run (lens and token strip),
 * bad ids give one error line and the page keeps working, and a tokenizer.json dropped
 * later makes text prompts work. Plus the model card's context, tokenizer and demo
 * model-card link, and the favicon. Expected ids are looked up by hand in tokenizer.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { folderPayload, openDemo } from './helpers';

const DEMO = 'public/models/demo';
const file = (dir: string, name: string) => ({ name, mimeType: 'application/json', buffer: readFileSync(join(dir, name)) });
/** The demo's weights and config only: a checkpoint without tokenizer files. */
const demoWithoutTokenizer = () => folderPayload(DEMO).filter((f) => f.name === 'config.json' || f.name === 'model.safetensors');

async function open(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
}

async function strip(page: Page): Promise<{ text: string; id: string }[]> {
  return page.getByTestId('token-strip').locator('.tok').evaluateAll((els) => els.map((el) => ({ text: el.querySelector('.piece')?.textContent ?? '', id: el.querySelector('.id')?.textContent ?? '' })));
}

test('a checkpoint without tokenizer.json runs token ids; bad ids give one error line and the page keeps working', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page);
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/qwen3') });
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('qwen3');
  // config.json: max_position_embeddings 64, a RoPE model; no tokenizer.
  await expect(card.getByTestId('model-context-length')).toHaveText('64 positions, RoPE (past them: extrapolation)');
  await expect(card.getByTestId('model-tokenizer')).toHaveText('none — drop a tokenizer.json');
  await expect(page.getByTestId('prompt')).toBeDisabled();
  const ids = page.getByTestId('token-ids');
  await ids.fill('1, 7, 42 99 3');
  await ids.press('Enter');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  expect(await strip(page)).toEqual([1, 7, 42, 99, 3].map((id) => ({ text: `<${id}>`, id: String(id) })));
  await page.screenshot({ path: 'test-results/screens/token-ids.png' });

  // Bad entries: one line naming the entry and its position (from 0), nothing runs.
  const err = page.getByTestId('error');
  await ids.fill('[5, 6, x]');
  await ids.press('Enter');
  await expect(err).toHaveText(/^token id "x" at position 2 is not an integer/);
  await ids.fill('5 6 7 300');
  await ids.press('Enter');
  // The fixture's vocab_size is 128.
  await expect(err).toHaveText(/^token id 300 at position 3 is past the vocabulary \(128 ids: 0 to 127\)/);
  expect((await strip(page)).map((t) => t.id)).toEqual(['1', '7', '42', '99', '3']);

  // A tokenizer for another model (2297 ids) is refused with both sizes; the model still has none.
  await card.getByTestId('tokenizer-drop').drop({ files: [file(DEMO, 'tokenizer.json')] });
  await expect(err).toHaveText(/^this tokenizer\.json has 2297 ids but the model's vocabulary has 128: it belongs to another model/);
  await expect(card.getByTestId('model-tokenizer')).toHaveText('none — drop a tokenizer.json');

  // Still working: good ids run and the error goes.
  await ids.fill('120 5');
  await ids.press('Enter');
  await expect(err).toHaveCount(0);
  await expect.poll(async () => (await strip(page)).map((t) => t.id)).toEqual(['120', '5']);
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a tokenizer.json dropped later for a model without one: text prompts work', async ({ page }) => {
  await open(page);
  await page.getByTestId('drop-zone').drop({ files: demoWithoutTokenizer() });
  const card = page.getByTestId('model-card');
  await expect(card.getByTestId('model-tokenizer')).toHaveText('none — drop a tokenizer.json');
  await expect(page.getByTestId('prompt')).toBeDisabled();
  // Ids first: shown as bare ids.
  await page.getByTestId('token-ids').fill('0 340 366');
  await page.getByTestId('token-ids').press('Enter');
  await expect.poll(async () => (await strip(page)).map((t) => t.text)).toEqual(['<0>', '<340>', '<366>']);

  await card.getByTestId('tokenizer-drop').drop({ files: [file(DEMO, 'tokenizer.json'), file(DEMO, 'tokenizer_config.json')] });
  await expect(card.getByTestId('model-tokenizer')).toHaveText('BPE (byte-level), 2297 ids');
  await expect(card.getByTestId('tokenizer-drop')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
  // The run on screen is shown again with the tokenizer's pieces.
  await expect.poll(async () => (await strip(page)).map((t) => t.text)).toEqual(['<s>', 'The', '␣capital']);

  const prompt = page.getByTestId('prompt');
  await expect(prompt).toBeEnabled();
  await prompt.fill('The capital of Italy is');
  await prompt.press('Enter');
  // tokenizer.json vocab: <s> 0, The 340, Ġcapital 366, Ġof 354, ĠItaly 1672, Ġis 308 (BOS from tokenizer_config.json).
  await expect.poll(async () => strip(page)).toEqual([['<s>', 0], ['The', 340], ['␣capital', 366], ['␣of', 354], ['␣Italy', 1672], ['␣is', 308]].map(([text, id]) => ({ text, id: String(id) })));
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  // With a tokenizer the id box stays, as the secondary way in.
  await expect(page.locator('form.ids label')).toContainText('or run token ids');
  await page.screenshot({ path: 'test-results/screens/tokenizer-added.png' });
});

test('the model card shows context and tokenizer and links the demo model card; the site has a favicon', async ({ page, request }) => {
  await openDemo(page);
  const card = page.getByTestId('model-card');
  await expect(card.getByTestId('model-context-length')).toHaveText('256 positions, RoPE (past them: extrapolation)');
  await expect(card.getByTestId('model-tokenizer')).toHaveText('BPE (byte-level), 2297 ids');
  const link = card.getByTestId('demo-model-card');
  await expect(link).toHaveAttribute('href', 'models/demo/README.md');
  await expect(link).toHaveAttribute('target', '_blank');
  const readme = await request.get(new URL('models/demo/README.md', page.url()).href);
  expect(readme.status()).toBe(200);
  expect(await readme.text()).toContain('# Strata demo model');
  // Opens in a new tab, on the card's text.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await tab.waitForLoadState();
  expect(tab.url()).toMatch(/\/models\/demo\/README\.md$/);
  await tab.close();

  const icon = page.locator('link[rel="icon"]');
  await expect(icon).toHaveAttribute('type', 'image/svg+xml');
  const href = await icon.getAttribute('href');
  const res = await request.get(new URL(href ?? '', page.url()).href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/image\/svg\+xml/);
  expect(await res.text()).toMatch(/^<svg[^>]+viewBox="0 0 32 32"/);
  // A dropped checkpoint is not the demo: no link to the demo's card.
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/qwen3') });
  await expect(card).toContainText('qwen3');
  await expect(card.getByTestId('demo-model-card')).toHaveCount(0);
});
