import { expect, test, type Page } from '@playwright/test';

/** Holds the engine worker's script back, so the page is certainly still starting the engine when the test acts. */
async function slowEngineStart(page: Page, ms = 4000): Promise<void> {
  await page.context().route('**/assets/engine.worker-*.js', async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });
}

async function expectLensAfterPrompt(page: Page, prompt: string): Promise<void> {
  await expect(page.getByTestId('prompt')).toHaveValue(prompt);
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('engine-memory')).toContainText('1 run');
  await expect(page.getByTestId('error')).toHaveCount(0);
}

test('a click on the demo button while the engine starts is queued, not lost', async ({ page }) => {
  await slowEngineStart(page);
  await page.goto('/');
  // No waiting for the backend badge: the engine is still starting.
  await expect(page.getByTestId('engine-starting')).toHaveText('starting the engine…');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('load-progress')).toContainText('waiting for the engine to start');
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await expect(page.getByTestId('engine-starting')).toHaveCount(0);
  await expect(page.getByTestId('engine-memory')).toContainText('demo');
  await page.getByTestId('prompt').fill('The capital of France is');
  await page.getByTestId('prompt').press('Enter');
  await expectLensAfterPrompt(page, 'The capital of France is');
  await page.screenshot({ path: 'test-results/screens/startup-click.png', fullPage: true });
});

test('the same click right after opening the page (engine not held back) loads the demo', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await page.getByTestId('prompt').fill('Le chien dit');
  await page.getByTestId('prompt').press('Enter');
  await expectLensAfterPrompt(page, 'Le chien dit');
});

test('a permalink opened while the engine starts loads its model and shows the lens', async ({ page }) => {
  const prompt = 'The capital of France is';
  // A link as the page makes them (v1 shape: the codec upgrades it): deflate-raw JSON, base64url.
  await page.goto('about:blank');
  const packed = await page.evaluate(async (p) => {
    const json = new TextEncoder().encode(JSON.stringify({ v: 1, model: 'demo', prompt: p, view: 'lens' }));
    const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }, prompt);
  await slowEngineStart(page);
  await page.goto(`/#s=${packed}`);
  await expect(page.getByTestId('engine-starting')).toBeVisible();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await expectLensAfterPrompt(page, prompt);
});
