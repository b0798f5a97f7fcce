import { expect, test, type Page } from '@playwright/test';
import type { SaeResult } from '../src/contracts/sae';
import { addSae } from '../workers/engine/artifacts/sae-load';
import { dirFileSet } from '../workers/node/fs-source';
import { startFakeHub } from '../tests/helpers/hub-server';
import { engineFor } from '../tests/helpers/node-engine';
import { folderPayload, openDemo } from './helpers';

/**
 * The SAE view on WebGPU (SwiftShader): drop a SAELens folder made for the demo model, see
 * the top features per position (checked against the Node engine's wasm computation, which
 * tests/sae.test.ts checks against PyTorch), select a feature (strip coloured, its decoder
 * logits), clamp it in every run and see the model's next-token probabilities change.
 */
const SAE = 'tests/fixtures/sae/demo/blocks.3.hook_resid_post';
const PROMPT = 'The capital of France is';

test('load an SAE, see its features, steer one', async ({ page }) => {
  test.setTimeout(240_000);
  await openDemo(page, PROMPT);
  await page.getByTestId('tab-sae').click();
  await page.getByTestId('sae-files').setInputFiles(folderPayload(SAE));
  await expect(page.getByTestId('sae-info')).toContainText('saelens · standard · 128 → 256 features at blocks.3.hook_resid_post');
  await expect(page.getByTestId('sae-top')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('sae-error')).toHaveCount(0);

  // The page's numbers = the Node engine's on the same tokens.
  const tokens = await page.evaluate(() => window.strata?.state().run?.tokens.map((t) => t.id) ?? []);
  expect(tokens.length).toBeGreaterThan(2);
  const node = await engineFor('public/models/demo');
  const id = (await addSae(node.registry, await dirFileSet(SAE), { path: SAE })).id;
  const ref: SaeResult = await node.analyze('sae', { run: { tokens }, options: { sae: id, topk: 8 } });
  const metrics = await page.getByTestId('sae-metrics').textContent();
  const fve = Number(/FVE (-?[\d.e-]+)/.exec(metrics ?? '')?.[1]);
  expect(Math.abs(fve - ref.fve)).toBeLessThanOrEqual(Math.max(2e-3, Math.abs(ref.fve) * 2e-3));
  const T = tokens.length;
  const first = await page.getByTestId(`sae-feat-${T - 1}-0`).textContent();
  expect(Number(first?.split(':')[0])).toBe(ref.topIds[T - 1]?.[0]);

  // Select the last position's strongest feature: strip coloured, logits listed.
  await page.getByTestId(`sae-feat-${T - 1}-0`).click();
  await expect(page.getByTestId('sae-feature')).toContainText(`Feature ${ref.topIds[T - 1]?.[0]}`);
  await expect(page.getByTestId('sae-top-logits').locator('li')).toHaveCount(10);
  const act = Number(await page.getByTestId(`sae-token-${T - 1}`).getAttribute('data-act'));
  expect(Math.abs(act - (ref.topActs[T - 1]?.[0] as number))).toBeLessThanOrEqual(2e-3);

  // Clamp it to 20 in every run: the model's next-token distribution changes.
  const before = await page.evaluate(() => window.strata?.state().run?.next[0]?.prob ?? -1);
  await page.getByTestId('sae-value').fill('20');
  await page.getByTestId('sae-clamp').click();
  await expect(page.getByTestId('sae-splice')).toContainText(`clamp feature ${ref.topIds[T - 1]?.[0]} 20 at blocks.3.hook_resid_post`);
  await expect.poll(() => page.evaluate(() => window.strata?.state().interventions.filter((iv) => iv.kind === 'sae').length)).toBe(1);
  await expect.poll(() => page.evaluate(() => window.strata?.state().run?.next[0]?.prob ?? -1), { timeout: 60_000 }).not.toBe(before);
  await page.getByTestId('sae-clear').click();
  await expect.poll(() => page.evaluate(() => window.strata?.state().interventions.length)).toBe(0);
});

test('an SAE for another model is refused in one line naming both', async ({ page }) => {
  test.setTimeout(120_000);
  await openDemo(page, PROMPT);
  await page.getByTestId('tab-sae').click();
  await page.getByTestId('sae-files').setInputFiles(folderPayload('tests/fixtures/sae/saelens/standard'));
  await expect(page.getByTestId('sae-error')).toContainText("the SAE's d_in is 32 (blocks.1.hook_resid_post) but");
  await expect(page.getByTestId('sae-error')).toContainText('is 128 wide');
});

/**
 * The other two formats, made for the demo model (scripts/reference/sae.py): a Gemma Scope
 * params.npz dropped as a file (its hook typed, as the page asks) and from a hub repo folder
 * (hook read from `…-res/layer_2/…`), a sparsify hookpoint folder dropped; each SAE's features
 * equal the Node engine's, and all three stay loaded side by side.
 */
const GEMMA = 'tests/fixtures/sae/demo-gemma-scope-res/layer_2/width_256/average_l0_40';
const SPARSIFY = 'tests/fixtures/sae/demo-sparsify/layers.4';

async function expectSameAsNode(page: Page, dir: string, hook: string, o: { hook?: string } = {}): Promise<void> {
  await expect(page.getByTestId('sae-info')).toContainText(`features at ${hook}`);
  await expect(page.getByTestId('sae-top')).toBeVisible({ timeout: 60_000 });
  const tokens = await page.evaluate(() => window.strata?.state().run?.tokens.map((t) => t.id) ?? []);
  const node = await engineFor('public/models/demo');
  const id = (await addSae(node.registry, await dirFileSet(dir), { path: dir, ...o })).id;
  const ref: SaeResult = await node.analyze('sae', { run: { tokens }, options: { sae: id, topk: 8 } });
  const T = tokens.length;
  for (const t of [0, T - 1]) {
    const first = await page.getByTestId(`sae-feat-${t}-0`).textContent();
    expect(Number(first?.split(':')[0]), `top feature at ${t}`).toBe(ref.topIds[t]?.[0]);
    // The button shows 3 significant digits (±0.5 in the third: ≤ 5e-3 relative), plus f32 GPU-vs-wasm differences.
    const want = ref.topActs[t]?.[0] as number;
    expect(Math.abs(Number(first?.split(':')[1]) - want)).toBeLessThanOrEqual(6e-3 * Math.abs(want) + 1e-3);
  }
}

test('Gemma Scope and sparsify SAEs for the demo model: dropped, and from a hub repo folder', async ({ page }) => {
  test.setTimeout(300_000);
  const hub = await startFakeHub();
  try {
    await openDemo(page, PROMPT);
    await page.getByTestId('tab-sae').click();
    // A lone params.npz has no path to read the hook from: the page says so, then takes the typed hook.
    await page.getByTestId('sae-files').setInputFiles(folderPayload(GEMMA));
    await expect(page.getByTestId('sae-error')).toContainText('the hook cannot be read from the path');
    await page.getByTestId('sae-hook').fill('blocks.2.hook_resid_post');
    await page.getByTestId('sae-files').setInputFiles(folderPayload(GEMMA));
    await expectSameAsNode(page, GEMMA, 'blocks.2.hook_resid_post', { hook: 'blocks.2.hook_resid_post' });
    await expect(page.getByTestId('sae-info')).toContainText('gemma-scope · jumprelu · 128 → 256');
    await page.getByTestId('sae-hook').fill('');

    // sparsify: loose files lack the hookpoint (the folder's name); the folder has it.
    await page.getByTestId('sae-files').setInputFiles(folderPayload(SPARSIFY));
    await expect(page.getByTestId('sae-error')).toContainText("a sparsify SAE's hookpoint is its folder's name");
    await page.getByTestId('sae-folder').setInputFiles(SPARSIFY);
    await expectSameAsNode(page, SPARSIFY, 'blocks.4.hook_resid_post');
    await expect(page.getByTestId('sae-info')).toContainText('sparsify · topk (k 16) · 128 → 512');

    // The hub: repo + folder; the hook comes from the path.
    await page.getByTestId('sae-hub-repo').fill('saes/demo-gemma-scope-res');
    await page.getByTestId('sae-hub-folder').fill('layer_2/width_256/average_l0_40');
    await page.locator('.sae-sources details summary').click();
    await page.getByTestId('sae-hub-endpoint').fill(hub.url);
    await page.getByTestId('sae-hub-load').click();
    await expectSameAsNode(page, GEMMA, 'blocks.2.hook_resid_post', { hook: 'blocks.2.hook_resid_post' });
    expect(hub.log.some((l) => l.url.endsWith('/layer_2/width_256/average_l0_40/params.npz'))).toBe(true);
    await expect(page.getByTestId('sae-loaded').locator('li')).toHaveCount(3);
    await expect(page.getByTestId('sae-error')).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('sae-formats.png'), fullPage: true });
  } finally {
    await hub.close();
  }
});
