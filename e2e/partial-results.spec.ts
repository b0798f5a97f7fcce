import { expect, test } from '@playwright/test';
import { trainTunedLens } from '../workers/engine/analyses/tuned-lens-train';
import { disposeTunedLens } from '../workers/engine/analyses/tuned-lens';
import { engineFor } from '../tests/helpers/node-engine';
import { openDemo } from './helpers';

/**
 * Cancel is not an error: a cancelled skip sweep and a cancelled tuned-lens training keep
 * what they finished, say so, and show no error. The training runs on WebGPU here, and its
 * losses must equal the Node engine's (wasm) for the same texts and settings: before the
 * clip fix (tf.addN of more than 7 tensors on WebGPU) they rose 1.40 → 2.3 instead of falling.
 */

test('a skip sweep cancelled midway keeps the layers it finished, marked partial, with no error', async ({ page }) => {
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-sweep').click();
  // Four prompts × 6 layers = 24 units, so the cancel lands midway.
  await page.getByTestId('sweep-prompts').fill(['The capital of France is Paris.', 'Le chien fait ouaf.', 'Die Katze ist ein Säugetier.', 'English: "dog" - Français: "chien"'].join('\n'));
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-progress')).toContainText(/\b([5-9]|1\d)\/24 runs/, { timeout: 120_000 });
  await page.getByTestId('sweep-cancel').click();
  const note = page.getByTestId('sweep-partial');
  await expect(note).toContainText('cancelled — partial result');
  const k = Number((/\((\d) of 6 layers/.exec((await note.textContent()) ?? '') ?? [])[1]);
  expect(k).toBeGreaterThanOrEqual(1);
  expect(k).toBeLessThan(6);
  await expect(page.getByTestId('sweep-progress')).toHaveCount(0);
  // The effect heatmap has one row per finished layer (its row titles), and the output chart is drawn.
  await expect(page.getByTestId('sweep-effect').locator('title').filter({ hasText: /^skipped layer L\d$/ })).toHaveCount(k);
  await expect(page.getByTestId('sweep-output').locator('svg')).toBeVisible();
  await expect(page.getByTestId('sweep-depth')).toContainText('needs every layer');
  await expect(page.getByTestId('error')).toHaveCount(0);
  // The slot is free again: a full sweep runs and replaces the partial one.
  await page.getByTestId('sweep-prompts').fill('');
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-depth')).toContainText('depth score', { timeout: 120_000 });
  await expect(page.getByTestId('sweep-partial')).toHaveCount(0);
});

test('a tuned lens trains on WebGPU like the Node engine, shows the time left, and a cancel keeps the lens of the steps taken', async ({ page }) => {
  test.setTimeout(600_000);
  const texts = ['The capital of Germany is Berlin.', 'Le chien dit ouaf.', 'Die Katze ist ein Säugetier.', 'English: "dog" - Français: "chien"'];
  await openDemo(page, 'The capital of France is');
  await page.getByTestId('tab-tuned').click();
  await expect(page.getByTestId('tuned-estimate')).toContainText('measured at the first step');
  await page.getByTestId('tuned-texts').fill(texts.join('\n'));
  await page.getByTestId('tuned-steps').fill('8');
  await page.getByTestId('tuned-train').click();
  const progress = page.getByTestId('tuned-progress-text');
  await expect(progress).toContainText(/step 3\/8/, { timeout: 300_000 });
  await expect(progress).toContainText(/≈ .* left \(from the measured .* per step\)/);
  await page.getByTestId('tuned-cancel').click();
  const note = page.getByTestId('tuned-partial');
  await expect(note).toContainText('cancelled — partial result', { timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('tuned-info')).toContainText('trained in the page');
  const state = await page.evaluate(() => {
    const s = window.strata?.state();
    return { losses: s?.tunedLosses ?? [], training: s?.tunedTraining ?? null, settings: s?.tunedSettings };
  });
  const k = state.losses.length;
  expect(k).toBeGreaterThanOrEqual(3);
  expect(k).toBeLessThan(8);
  await expect(note).toContainText(`${k} of 8 steps`);
  expect(state.training?.partial).toEqual({ done: k, total: 8, unit: 'steps' });
  // Before the next training: an estimate from this one's measured step time.
  await expect(page.getByTestId('tuned-estimate')).toContainText(/≈ .* for 8 steps \(from the last training of this model: [\d.]+ s per 64-token step, \d+ s to run its texts through the model\)/);

  // The same training in Node (wasm): the page's first k losses are its first k.
  const node = await engineFor('public/models/demo');
  const ids = texts.map((t) => node.encode(t));
  const ref = await trainTunedLens(node.model().model, ids, { ...state.settings, steps: 8 });
  disposeTunedLens(ref.lens);
  node.unload();
  console.log(`tuned-lens losses, WebGPU: ${state.losses.map((v) => v.toFixed(4)).join(' ')}\n  Node wasm: ${Array.from(ref.losses, (v) => v.toFixed(4)).join(' ')}`);
  state.losses.forEach((v, i) => expect(Math.abs(v - (ref.losses[i] as number)), `step ${i}`).toBeLessThanOrEqual(1e-3 * Math.max(1, ref.losses[i] as number)));
});
