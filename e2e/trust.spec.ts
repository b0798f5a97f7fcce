import { expect, test, type Page } from '@playwright/test';
import { identityLens, truncatedDemo } from './fixture-models';
import { openDemo } from './helpers';

/** Page errors and console errors collected over a test (none are expected). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return errors;
}

test('a lens cell pins on a real-speed mouse click, and hovering never rebuilds the heatmap', async ({ page }) => {
  const errors = collectErrors(page);
  await openDemo(page, 'The capital of France is');
  const cell = page.getByTestId('lens-cell-3-4');
  await expect(cell).toBeVisible();
  // Mark the heatmap's SVG node: a rebuild replaces it.
  await page.getByTestId('lens-heatmap').locator('svg').evaluate((el) => el.setAttribute('data-probe', '1'));
  const box = await cell.boundingBox();
  if (!box) throw new Error('no cell box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('lens-heatmap').locator('svg[data-probe="1"]')).toHaveCount(1);
  await expect(page.getByTestId('lens-detail')).toContainText('position 4');
  // A human click: ~90 ms between press and release, after the pointer has rested.
  await page.mouse.down();
  await page.waitForTimeout(90);
  await page.mouse.up();
  await expect(page.getByTestId('lens-marker')).toHaveAttribute('data-pinned', 'true');
  await expect(page.getByTestId('lens-unpin')).toBeVisible();
  // Pinned: moving away keeps the detail on the clicked cell.
  await page.mouse.move(box.x + box.width / 2 + 130, box.y + box.height / 2 + 44, { steps: 5 });
  await page.waitForTimeout(300);
  await expect(page.getByTestId('lens-detail')).toContainText('position 4');
  await expect(page.getByTestId('lens-heatmap').locator('svg[data-probe="1"]')).toHaveCount(1);
  // Repeated clicks on other cells pin every time.
  for (const [r, p] of [[1, 2], [5, 3], [2, 5]] as const) {
    const b = await page.getByTestId(`lens-cell-${r}-${p}`).boundingBox();
    if (!b) throw new Error('no cell box');
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 3 });
    await page.waitForTimeout(150);
    await page.mouse.down();
    await page.waitForTimeout(90);
    await page.mouse.up();
    await expect(page.getByTestId('lens-detail')).toContainText(`position ${p}`);
  }
  // The exported picture carries its metric and colour legend.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('logit-lens').getByTestId('export-svg').click()]);
  const { readFileSync } = await import('node:fs');
  const file = readFileSync(await dl.path(), 'utf8');
  expect(file).toContain('colour: top-1 probability');
  expect(file).toContain('linearGradient');
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('logit-lens').getByTestId('export-png').click()]);
  const bytes = readFileSync(await png.path());
  // PNG header: width and height (big-endian) at bytes 16 and 20; 2× the heatmap + title + legend.
  const heat = await page.getByTestId('lens-heatmap').locator('svg').evaluate((el) => Number(el.getAttribute('height')));
  expect(bytes.readUInt32BE(20)).toBeGreaterThan(2 * (heat + 40));
  expect(errors).toEqual([]);
});

test('switching from the 6-layer demo to a 3-layer model leaves no result or setting of the old one', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await openDemo(page, 'The capital of France is');
  // A path that names layers 4 and 5, with its effect panel.
  await page.getByTestId('path-chip-2').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('skip 2');
  await expect(page.getByTestId('effect-kl')).toBeVisible();
  // A skip sweep, a chain search, a comparison, attention on step 4.
  await page.getByTestId('tab-sweep').click();
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-depth')).toContainText('depth score');
  await page.getByTestId('tab-chains').click();
  await page.getByTestId('chain-budget').fill('8');
  await page.getByTestId('chain-run').click();
  await expect(page.getByTestId('chain-results')).toContainText('chains evaluated');
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-kl').locator('svg')).toBeVisible();
  await page.getByTestId('tab-attention').click();
  await page.getByTestId('att-thumb-4-1').click();
  await expect(page.getByTestId('attention')).toContainText('step 4, head 1');

  await page.getByTestId('drop-zone').drop({ files: truncatedDemo(3) });
  await expect(page.getByTestId('model-layers')).toHaveText('3');
  await expect(page.getByTestId('notice')).toContainText('back to all layers');
  await expect(page.getByTestId('path-notation')).toContainText('all 3 layers');
  // The prompt reruns on the new model: 3 steps, attention clamped to an existing step.
  await expect(page.getByTestId('attention')).toContainText('step 0, head 0');
  await expect(page.getByTestId('att-thumb-2-0')).toBeVisible();
  await expect(page.getByTestId('att-thumb-3-0')).toHaveCount(0);
  await expect(page.getByTestId('path-effect')).toHaveCount(0);
  await page.getByTestId('tab-lens').click();
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  // Rows: embeddings, the residual after steps 0 and 1, the output (S + 1 = 4 rows).
  await expect(page.getByTestId('lens-cell-3-0')).toBeVisible();
  await expect(page.getByTestId('lens-cell-4-0')).toHaveCount(0);
  await page.getByTestId('tab-sweep').click();
  await expect(page.getByTestId('sweep-depth')).toHaveCount(0);
  await page.getByTestId('tab-chains').click();
  await expect(page.getByTestId('chain-results')).toHaveCount(0);
  await page.getByTestId('tab-compare').click();
  await expect(page.getByTestId('compare-kl')).toHaveCount(0);
  await page.getByTestId('tab-residual').click();
  await expect(page.getByTestId('residual-rel').locator('svg')).toBeVisible();
  await expect(page.getByTestId('residual-view')).not.toContainText('L5');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/after-switch.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('results whose settings changed say stale and re-run in place', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-sweep').click();
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-depth')).toContainText('depth score');
  await expect(page.getByTestId('stale-sweep')).toHaveCount(0);
  await page.getByTestId('sweep-prompts').fill('Le chien dit');
  await expect(page.getByTestId('stale-sweep')).toContainText('the settings');
  await page.getByTestId('stale-rerun-sweep').click();
  await expect(page.getByTestId('stale-sweep')).toHaveCount(0);
  // A new prompt makes the prompt-bound sweep of the current prompt stale.
  await page.getByTestId('sweep-prompts').fill('');
  await page.getByTestId('stale-rerun-sweep').click();
  await expect(page.getByTestId('stale-sweep')).toHaveCount(0);
  await page.getByTestId('prompt').fill('Der Hund sagt');
  await page.getByTestId('prompt').press('Enter');
  await expect(page.getByTestId('stale-sweep')).toContainText('the prompt');
  await expect(page.getByTestId('token-strip')).toContainText('Hund');
  await page.getByTestId('tab-chains').click();
  await page.getByTestId('chain-budget').fill('8');
  await page.getByTestId('chain-run').click();
  await expect(page.getByTestId('chain-results')).toContainText('chains evaluated', { timeout: 180_000 });
  await page.getByTestId('chain-target').fill(' wuff');
  await expect(page.getByTestId('stale-chains')).toContainText('the settings');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('Enter while a run is in progress is not dropped: the views follow the last prompt', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  const box = page.getByTestId('prompt');
  await box.fill('Le chien dit');
  await box.press('Enter');
  // At once, before that run can finish: another prompt.
  await box.fill('Die Katze ist');
  await box.press('Enter');
  await expect(page.getByTestId('token-strip')).toContainText('Katze');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toContainText('Katze');
  await expect(page.getByTestId('stale-lens')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('the attention selection follows a shorter path; exports never silently do nothing; the error stays in sight', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-attention').click();
  await page.getByTestId('att-thumb-5-2').click();
  await expect(page.getByTestId('attention')).toContainText('step 5, head 2');
  // Skip layers 4 and 5: the path has 4 steps, the selection moves to the last one.
  await page.getByTestId('path-chip-5').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('skip 5');
  await page.getByTestId('path-chip-4').locator('button').click();
  await expect(page.getByTestId('path-notation')).toContainText('[0, 1, 2, 3]');
  await expect(page.getByTestId('attention')).toContainText('step 3, head 2');
  await expect(page.getByTestId('attention-detail').locator('svg')).toBeVisible();
  await expect(page.getByTestId('head-summaries').locator('tbody tr')).toHaveCount(4);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attention').getByTestId('export-svg').click()]);
  expect(dl.suggestedFilename()).toContain('step3');
  // An error that arrives while the user is scrolled down is on screen.
  await page.getByTestId('hub-repo').fill('nobody/nothing');
  await page.locator('summary', { hasText: 'endpoint' }).click();
  await page.getByTestId('hub-endpoint').fill('http://127.0.0.1:9');
  await page.getByTestId('hub-load').click();
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const err = page.getByTestId('error');
  await expect(err).toBeVisible();
  await expect(err).toBeInViewport();
  await err.getByRole('button', { name: 'dismiss' }).click();
  await page.getByTestId('tab-lens').click();
  await page.getByTestId('lens-k').selectOption('10');
  await expect(page.getByTestId('next-tokens').locator('.cand')).toHaveCount(10);
  await page.getByTestId('lens-cell-2-3').click();
  await expect(page.getByTestId('lens-detail').locator('li')).toHaveCount(10);
  await page.getByTestId('lens-k').selectOption('3');
  await expect(page.getByTestId('next-tokens').locator('.cand')).toHaveCount(3);
  await expect(page.getByTestId('lens-detail').locator('li')).toHaveCount(3);
});

test('the report bundles every current result, each with what it was computed for', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-residual').click();
  await expect(page.getByTestId('residual-rel').locator('svg')).toBeVisible();
  await page.getByTestId('tab-sweep').click();
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-depth')).toContainText('depth score');
  await page.getByTestId('sweep-prompts').fill('Le chien dit');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report').click()]);
  const { readFileSync } = await import('node:fs');
  const r = JSON.parse(readFileSync(await dl.path(), 'utf8')) as Record<string, { stale: string[] | null; data: unknown } | null>;
  expect(r['lens']?.stale).toBeNull();
  expect(r['residual']?.stale).toBeNull();
  expect(r['residual']?.data).toBeTruthy();
  expect(r['skipSweep']?.stale).toContain('the settings');
  expect(r['attention']).toBeNull();
});

test('after a backend switch the tuned lens is gone and nothing says otherwise', async ({ page }) => {
  const errors = collectErrors(page);
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-tuned').click();
  await page.getByTestId('tuned-file').setInputFiles({ name: 'lens.safetensors', mimeType: 'application/octet-stream', buffer: identityLens(6, 128) });
  await expect(page.getByTestId('tuned-info')).toContainText('lens.safetensors');
  await page.getByTestId('tuned-show').click();
  await expect(page.getByTestId('lens-kind')).toHaveValue('tuned');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend')).toContainText('cpu');
  await expect(page.getByTestId('lens-kind')).toHaveCount(0);
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  await expect(page.getByTestId('lens-kind')).toHaveValue('logit');
  await page.getByTestId('tab-tuned').click();
  await expect(page.getByTestId('tuned-info')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(errors).toEqual([]);
});
