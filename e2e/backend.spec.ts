import { expect, test } from '@playwright/test';

test('the page reports a WebGPU adapter and a working backend', async ({ page }) => {
  await page.goto('/');
  const badge = page.getByTestId('backend');
  await expect(badge).toContainText('backend: webgpu');
  await expect(badge).toContainText(/swiftshader/i);
  await page.screenshot({ path: 'test-results/screens/backend.png' });
});
