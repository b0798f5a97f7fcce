import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

async function exported(page: Page, testId = 'export-json'): Promise<Record<string, unknown>> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).first().click()]);
  return JSON.parse(readFileSync(await dl.path(), 'utf8')) as Record<string, unknown>;
}

test('a permalink reproduces the same view with the same exported data in a fresh browser', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await page.getByTestId('prompt').fill('Français: "chien" - English: "');
  await page.getByTestId('prompt').press('Enter');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await page.getByTestId('lens-metric').selectOption('entropy');
  await page.getByTestId('lens-kl').selectOption('row||final');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('lens-kl')).toHaveValue('row||final');
  await expect(page.locator('.busy')).toHaveCount(0);
  await page.waitForFunction(() => /#s=/.test(location.hash));
  await page.waitForTimeout(600); // the URL follows the last change after a short debounce
  const first = await exported(page);
  const csv = await (async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    return readFileSync(await dl.path(), 'utf8');
  })();
  expect(csv.split('\n')[0]).toContain('entropy (nats)');
  const url = page.url();

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(url);
  await expect(other.getByTestId('model-card')).toContainText('llama');
  await expect(other.getByTestId('prompt')).toHaveValue('Français: "chien" - English: "');
  await expect(other.getByTestId('lens-metric')).toHaveValue('entropy');
  await expect(other.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  const second = await exported(other);
  expect(second['rows']).toEqual(first['rows']);
  expect(second['tokens']).toEqual(first['tokens']);
  expect(second['settings']).toEqual(first['settings']);
  expect(second['permalink']).toBe(first['permalink']);
  await other.screenshot({ path: 'test-results/screens/permalink-reopened.png' });
  await fresh.close();
});

test('malformed and hostile links leave a working default page and never run markup', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  for (const hash of ['#s=%%%not-base64', '#s=AAAA', '#s=' + 'A'.repeat(9000), '#s=q1YqU7IyqlbKS8xNVbJSKs_ILy1KTVGqBQA']) {
    await page.goto('about:blank');
    await page.goto(`/${hash}`);
    await expect(page.getByTestId('notice')).toContainText('could not be read');
    await expect(page.getByTestId('backend')).toContainText('webgpu');
  }
  // The default page works: the demo loads.
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  // A well-formed link whose prompt is markup: shown as text, never executed or parsed as HTML.
  const markup = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  const packed = await page.evaluate(async (prompt) => {
    const json = new TextEncoder().encode(JSON.stringify({ v: 1, model: 'demo', prompt, view: 'lens' }));
    const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }, markup);
  await page.goto('about:blank');
  await page.goto(`/#s=${packed}`);
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await expect(page.getByTestId('prompt')).toHaveValue(markup);
  await expect(page.getByTestId('token-strip')).toBeVisible();
  const shown = (await page.getByTestId('token-strip').locator('.piece').allTextContents()).join('').replace(/␣/g, ' ');
  expect(shown).toContain('<img src=x onerror=');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('img[src="x"], main script').count()).toBe(0);
  expect(dialogs).toEqual([]);
});
