import { expect, test, type Page } from '@playwright/test';
import { GLOSSARY } from '../src/features/help/glossary';
import { openDemo } from './helpers';

/** The URL fragment once the page has stopped rewriting it (the permalink is written debounced). */
async function settledHash(page: Page): Promise<string> {
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=/);
  let last = '';
  await expect.poll(async () => {
    const now = await page.evaluate(() => location.hash);
    const same = now === last;
    last = now;
    return same;
  }, { intervals: [600] }).toBe(true);
  return last;
}

test('terms show their definition on hover and open the method notes at their anchor without touching the permalink', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  const lensHash = await settledHash(page);

  // Lens view: the red-outline term.
  const outline = page.getByTestId('logit-lens').locator('[data-term="next-token-hit"] .term-label');
  await outline.hover();
  const tip = page.getByTestId('term-tip');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(GLOSSARY['next-token-hit'].definition);
  await page.screenshot({ path: 'test-results/screens/help-tooltip.png' });
  await page.mouse.move(5, 5);
  await expect(tip).toHaveCount(0);

  // Its "?" opens the notes in a panel, scrolled to that section.
  await page.getByTestId('logit-lens').getByTestId('term-help-next-token-hit').click();
  const notes = page.getByTestId('method-notes');
  await expect(notes).toBeVisible();
  await expect(notes).toHaveAttribute('data-anchor', 'next-token-hit');
  const heading = notes.locator('#mn-next-token-hit');
  await expect(heading).toBeInViewport();
  await expect(heading).toContainText('Outline: top-1 = next token');
  await expect(notes.locator('#mn-next-token-hit + p')).toContainText('red outline');
  await page.screenshot({ path: 'test-results/screens/help-notes.png' });
  // A link inside the notes moves within them, still without a fragment change.
  await notes.locator('#mn-lens-kind ~ p a[href="#mn-tuned-lens"]').first().click();
  await expect(notes.locator('#mn-tuned-lens')).toBeInViewport();
  expect(await page.evaluate(() => location.hash)).toBe(lensHash);
  await page.getByTestId('method-notes-close').click();
  await expect(notes).toHaveCount(0);
  expect(await page.evaluate(() => location.hash)).toBe(lensHash);

  // Residual view: the void threshold α.
  await page.getByTestId('tab-residual').click();
  await expect(page.getByTestId('residual-rel').locator('svg')).toBeVisible();
  const residualHash = await settledHash(page);
  await page.getByTestId('residual-view').locator('[data-term="alpha"] .term-label').hover();
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(GLOSSARY.alpha.definition);
  await page.getByTestId('residual-view').getByTestId('term-help-alpha').click();
  await expect(notes).toBeVisible();
  await expect(notes.locator('#mn-alpha')).toBeInViewport();
  await expect(notes.locator('#mn-alpha')).toContainText('Void threshold α');
  await page.keyboard.press('Escape');
  await expect(notes).toHaveCount(0);
  expect(await page.evaluate(() => location.hash)).toBe(residualHash);
  // Still the residual view of the same experiment, and no error on the way.
  await expect(page.getByTestId('residual-view')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);

  // A modified click opens the notes as their own page, in a new tab, at the anchor.
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByTestId('residual-view').getByTestId('term-help-alpha').click({ modifiers: ['Control'] }),
  ]);
  await tab.waitForLoadState();
  expect(new URL(tab.url()).pathname).toMatch(/\/methods\.html$/);
  expect(new URL(tab.url()).hash).toBe('#alpha');
  await expect(tab.getByTestId('methods-page')).toBeVisible();
  await expect(tab.locator('#alpha')).toBeInViewport();
  await tab.screenshot({ path: 'test-results/screens/help-page.png' });
  await tab.close();
  expect(await page.evaluate(() => location.hash)).toBe(residualHash);
});
