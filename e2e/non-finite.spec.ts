/**
 * Issue 16 in the page: a checkpoint whose forward goes NaN (stories260K with one NaN in
 * layer 2's down_proj, so by hand the NaN first appears after step 2's MLP) shows the
 * engine's one line naming the step and hook, and no lens: before the fix the lens drew a
 * heatmap of NaN as if it were a result. On WebGPU, as a user would run it.
 */
import { expect, test } from '@playwright/test';
import { buildSafetensors, fixtureParsed, tensorSpecs } from '../tests/helpers/bad-checkpoints';
import { folderPayload } from './helpers';

function poisoned(): Buffer {
  const specs = tensorSpecs(fixtureParsed()).map((s) => {
    if (s.name !== 'model.layers.2.mlp.down_proj.weight') return s;
    const bytes = Buffer.from(s.bytes);
    bytes.writeFloatLE(NaN, 0);
    return { ...s, bytes };
  });
  return buildSafetensors(specs);
}

test('a forward that goes NaN shows its first step and hook instead of a lens of NaN', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/stories260K', { 'model.safetensors': poisoned() }) });
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await page.getByTestId('prompt').fill('Once upon a time');
  await page.getByTestId('prompt').press('Enter');
  const err = page.getByTestId('error');
  await expect(err).toContainText(/went NaN first at step 2 \(layer 2\), blocks\.2\.hook_resid_post \(after the MLP\)/);
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toHaveCount(0);
  await expect(page.locator('main')).not.toContainText('NaN');
  await page.screenshot({ path: 'test-results/screens/non-finite-error.png' });
});
