import { expect, test } from '@playwright/test';
import { folderPayload } from './helpers';

test('a link to local files asks for them and refuses different files', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/gpt2') });
  await expect(page.getByTestId('model-card')).toContainText('gpt2');
  await page.waitForFunction(() => /#s=/.test(location.hash));
  await page.waitForTimeout(500);
  const url = page.url();

  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await other.goto(url);
  await expect(other.getByTestId('notice')).toContainText('local files (config.json, model.safetensors)');
  // Another checkpoint with the same file names: refused by fingerprint.
  await other.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/qwen3') });
  await expect(other.getByTestId('error')).toContainText('these files do not match the link: config.json differs');
  await expect(other.getByTestId('model-card')).toHaveCount(0);
  await other.getByTestId('drop-zone').drop({ files: folderPayload('tests/fixtures/models/gpt2') });
  await expect(other.getByTestId('model-card')).toContainText('gpt2');
  await ctx.close();
});
