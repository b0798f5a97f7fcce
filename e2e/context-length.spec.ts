/**
 * Prompts longer than the model's context (the demo: max_position_embeddings 256): the
 * page never runs them without a word. Each choice of the setting beside the prompt is
 * run, and the line always gives both sizes and what was done. The prompt is counted by
 * hand: BOS + "The" + 429 × " capital" (each word one vocabulary entry) = 431 tokens.
 */
import { expect, test, type Page } from '@playwright/test';
import { folderPayload, openDemo } from './helpers';

const LONG = 'The' + ' capital'.repeat(429);
const HEAD = '431 tokens, the model was trained on 256: ';

const tokenCount = (page: Page) => page.getByTestId('token-strip').locator('.tok').count();
const pieces = (page: Page) => page.getByTestId('token-strip').locator('.tok .piece').allTextContents();

async function submit(page: Page, text: string): Promise<void> {
  await page.getByTestId('prompt').fill(text);
  await page.getByTestId('prompt').press('Enter');
}

test('past the context: ask, keep the last / first N, run anyway, refuse — each says what it did', async ({ page }) => {
  // Three forwards of 256 to 431 positions: on wasm (see openDemo; SwiftShader takes minutes each on a busy machine).
  test.setTimeout(600_000);
  await openDemo(page, 'The capital of Italy is', { backend: 'wasm' });
  expect(await tokenCount(page)).toBe(6);
  // The line (the answers, when asked, follow it in the same note).
  const note = page.getByTestId('context-line');
  await expect(note).toHaveCount(0); // 6 tokens fit: no line
  const policy = page.getByTestId('context-policy');
  await expect(policy).toHaveValue('ask');

  // Default: warn and ask; nothing runs meanwhile.
  await submit(page, LONG);
  await expect(note).toHaveText(new RegExp(`^${HEAD}not run yet`));
  await expect(page.getByTestId('context-run-anyway')).toHaveText('run all 431 anyway');
  expect(await tokenCount(page)).toBe(6);
  await expect(page.getByTestId('stale-lens')).toContainText('the prompt');
  await page.screenshot({ path: 'test-results/screens/context-ask.png' });

  // "do not run": the line says so, still nothing ran.
  await page.getByTestId('context-cancel').click();
  await expect(note).toHaveText(`${HEAD}not run (shorten the prompt or pick what to keep)`);
  expect(await tokenCount(page)).toBe(6);

  // Ask again, answer "keep the last 256": BOS kept, then the last 255 (all " capital"); the answer becomes the setting.
  await submit(page, LONG);
  await page.getByTestId('context-keep-last').click();
  await expect(note).toHaveText(`${HEAD}kept the first token (BOS) and the last 255, dropped the 175 between (positions 1 to 175)`);
  await expect.poll(() => tokenCount(page), { timeout: 240_000 }).toBe(256);
  const last = await pieces(page);
  expect(last[0]).toBe('<s>');
  expect(last.slice(1).every((p) => p === '␣capital')).toBe(true);
  await expect(policy).toHaveValue('last');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('stale-lens')).toHaveCount(0);

  // Keep the first 256: BOS, "The", then 254 × " capital".
  await policy.selectOption('first');
  await submit(page, LONG);
  await expect(note).toHaveText(`${HEAD}kept the first 256, dropped the last 175`);
  await expect.poll(async () => (await pieces(page)).slice(0, 3), { timeout: 240_000 }).toEqual(['<s>', 'The', '␣capital']);
  expect(await tokenCount(page)).toBe(256);

  // Run anyway (RoPE): all 431 positions, and the line says past 255 is extrapolation.
  await policy.selectOption('extrapolate');
  await submit(page, LONG);
  await expect(note).toHaveText(`${HEAD}ran all 431; positions 256 to 430 are past its training (RoPE extrapolation), read them with care`);
  await expect.poll(() => tokenCount(page), { timeout: 240_000 }).toBe(431);
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);

  // Refuse: a short prompt runs (no line), the long one does not.
  await policy.selectOption('refuse');
  await submit(page, 'The capital of France is');
  await expect.poll(() => tokenCount(page)).toBe(6);
  await expect(note).toHaveCount(0);
  await submit(page, LONG);
  await expect(note).toHaveText(`${HEAD}not run (shorten the prompt or pick what to keep)`);
  expect(await tokenCount(page)).toBe(6);
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a learned-position model (GPT-2) says before running that it cannot go past its context', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  // The fixture: n_positions 32, vocab 160, no tokenizer.
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/gpt2') });
  const card = page.getByTestId('model-card');
  await expect(card.getByTestId('model-context-length')).toHaveText('32 positions, learned (cannot run past them)');
  const ids = Array.from({ length: 40 }, (_, i) => (i * 7) % 160);
  await page.getByTestId('token-ids').fill(ids.join(', '));
  await page.getByTestId('token-ids').press('Enter');
  const note = page.getByTestId('context-line');
  await expect(note).toHaveText('40 tokens, the model was trained on 32: not run yet — gpt2 has learned positions for 32 only, so it cannot run past them; keep the first or the last 32?');
  await expect(page.getByTestId('context-run-anyway')).toHaveCount(0);
  await expect(page.getByTestId('context-policy').locator('option[value="extrapolate"]')).toBeDisabled();
  await page.getByTestId('context-keep-last').click();
  await expect(note).toHaveText('40 tokens, the model was trained on 32: kept the last 32, dropped the first 8');
  await expect.poll(() => page.getByTestId('token-strip').locator('.tok .id').allTextContents()).toEqual(ids.slice(8).map(String));
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('the setting travels in the permalink', async ({ page, browser }) => {
  await openDemo(page);
  await page.waitForFunction(() => /#s=/.test(location.hash));
  const before = page.url();
  await page.getByTestId('context-policy').selectOption('first');
  // The fragment follows the change after a short debounce.
  await expect.poll(() => page.url()).not.toBe(before);
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(page.url());
  await expect(other.getByTestId('model-card')).toContainText('llama');
  await expect(other.getByTestId('context-policy')).toHaveValue('first');
  // The link from before the change opens with the setting it had.
  const third = await fresh.newPage();
  await third.goto(before);
  await expect(third.getByTestId('model-card')).toContainText('llama');
  await expect(third.getByTestId('context-policy')).toHaveValue('ask');
  await fresh.close();
});
