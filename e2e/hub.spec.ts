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
  await page.getByTestId('hub-load').click();
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('gpt_neox');
  await expect(card.getByTestId('model-source')).toHaveText(`hub:EleutherAI/gpt_neox@${HUB_SHA}`);
  expect(hub.log.some((l) => l.url === `/EleutherAI/gpt_neox/resolve/${HUB_SHA}/model.safetensors`)).toBe(true);
  // A repo that does not exist: a readable error, the loaded model stays.
  await page.getByTestId('hub-repo').fill('EleutherAI/nope');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('error')).toContainText('EleutherAI/nope at revision main was not found');
  await expect(page.getByTestId('model-card')).toContainText('gpt_neox');
});
