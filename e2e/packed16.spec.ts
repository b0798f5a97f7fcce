import { expect, test } from '@playwright/test';

/**
 * The packed 16-bit weight programs (workers/engine/kernels/packed16.ts) in Chromium on
 * WebGPU against a float64 CPU computation from the same 16-bit values (selftest.ts): linear
 * maps (y = x·Wᵀ) and embedding gathers on small and odd shapes (K and d odd: a zero high
 * half in the last word), F16 by unpack2x16float and BF16 by shift, and a matmul split into
 * row blocks under a tiny buffer limit. Tolerance: f32 accumulation of ≤ 127 products.
 */
test('packed F16/BF16 matmul and gather equal the CPU computation', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  const cases = await page.evaluate(async () => {
    const s = window.strata;
    if (!s) throw new Error('no console API');
    return s.call((e) => e.kernelSelfTest());
  });
  if (!cases) throw new Error('the self-test did not run on WebGPU');
  console.log(cases.map((c) => `${c.name}: diff ${c.diff.toExponential(2)} scale ${c.scale.toFixed(3)}`).join('\n'));
  expect(cases.length).toBe(30);
  for (const c of cases) {
    expect(c.scale, c.name).toBeGreaterThan(0);
    expect(c.diff, c.name).toBeLessThanOrEqual(1e-5 * Math.max(1, c.scale));
  }
  // Gathers are exact (a 16-bit value widened to f32 is exact).
  for (const c of cases.filter((x) => x.name.startsWith('gather'))) expect(c.diff, c.name).toBe(0);
});
