import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

test('hundreds of positions: only the visible window is decoded and drawn, scrolling fetches more', async ({ page }) => {
  const sentence = 'Le chien dit ouaf. Die Katze ist ein Säugetier. The capital of Italy is Rome. ';
  const prompt = sentence.repeat(18).trim();
  // Hundreds of positions: on wasm (see openDemo); the windowing is the page's, not the backend's.
  await openDemo(page, undefined, { backend: 'wasm' });
  // ~380 tokens on a model trained on 256: run them all (RoPE extrapolation) rather than be asked.
  await page.getByTestId('context-policy').selectOption('extrapolate');
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('prompt').press('Enter');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  const T = await page.getByTestId('token-strip').locator('.tok').count();
  expect(T).toBeGreaterThan(256);
  await expect(page.getByTestId('context-line')).toHaveText(new RegExp(`^${T} tokens, the model was trained on 256: ran all ${T};`));
  const lens = page.getByTestId('logit-lens');
  const drawn = await lens.locator('[data-testid^="lens-cell-"]').count();
  expect(drawn).toBeLessThan(7 * 80); // 7 rows × at most the window, not 7 × T
  await expect(lens.getByTestId(`lens-cell-6-${T - 1}`)).toBeVisible(); // starts at the end of the prompt
  await expect(lens.getByTestId('lens-cell-6-0')).toHaveCount(0);
  await expect.poll(() => page.locator('.scroller').evaluate((el) => el.scrollLeft)).toBeGreaterThan(1000); // opened at the end
  await page.locator('.scroller').evaluate((el) => { el.scrollLeft = 0; });
  await expect(lens.getByTestId('lens-cell-6-0')).toBeAttached();
  await expect(page.getByTestId('error')).toHaveCount(0);
});
