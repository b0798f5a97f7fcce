import { expect, test } from '@playwright/test';
import { HUB_SHA, startFakeHub, type FakeHub } from '../tests/helpers/hub-server';

let hub: FakeHub;
test.beforeAll(async () => { hub = await startFakeHub(); });
test.afterAll(async () => { await hub.close(); });

test('a Hugging Face repo id loads from a server with the hub URL layout', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByText('access token, endpoint').click();
  await page.getByTestId('hub-endpoint').fill(hub.url);
  await page.getByTestId('hub-repo').fill('EleutherAI/gpt_neox');
  await page.getByTestId('hub-list').click();
  await expect(page.getByTestId('hub-listing')).toContainText(`EleutherAI/gpt_neox @ ${HUB_SHA.slice(0, 12)}`);
  await expect(page.getByTestId('hub-listing').locator('li.picked')).toHaveCount(2); // config.json, model.safetensors
  await page.getByTestId('hub-load').click();
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('gpt_neox');
  await expect(card.getByTestId('model-source')).toHaveText(`hub:EleutherAI/gpt_neox@${HUB_SHA}`);
  expect(hub.log.some((l) => l.url === `/EleutherAI/gpt_neox/resolve/${HUB_SHA}/model.safetensors`)).toBe(true);
  // The same revision again comes from the browser's cache (OPFS) and says so; no file is downloaded twice.
  const before = hub.log.filter((l) => l.url.includes('/resolve/')).length;
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('notice')).toContainText('from the local cache');
  await expect(card.getByTestId('model-source')).toContainText('from cache');
  expect(hub.log.filter((l) => l.url.includes('/resolve/')).length).toBe(before);
  await page.getByText(/Download cache/).click();
  await expect(page.getByTestId('cache-entry')).toContainText('EleutherAI/gpt_neox');
  await page.getByTestId('cache-evict-all').click();
  await expect(page.getByTestId('cache-entry')).toHaveCount(0);
  // A repo that does not exist: a readable error, the loaded model stays.
  await page.getByTestId('hub-repo').fill('EleutherAI/nope');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('error')).toContainText('EleutherAI/nope at revision main was not found');
  await expect(page.getByTestId('model-card')).toContainText('gpt_neox');
});
