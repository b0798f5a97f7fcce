import { expect, test, type Page } from '@playwright/test';

/** A prompt of the demo's training kind (public/models/demo/README.md): a capital. */
const PROMPT = 'The capital of France is';
/** Prompts for timing the forward pass: distinct token lists, so no run comes from the run cache. */
const TIMING_PROMPTS = ['The capital of Germany is', 'Le chien dit', 'Die Katze ist ein', 'The capital of Italy is', 'Un chat dit'];

/** Every uncaught error of the page and its workers, and every console error. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  return errors;
}

/** The top next-token candidate the page shows: its piece and its probability in percent. */
async function topNext(page: Page): Promise<{ piece: string; percent: number }> {
  const first = page.getByTestId('next-tokens').locator('.cand').first();
  const piece = (await first.locator('.piece').textContent()) ?? '';
  const text = (await first.textContent()) ?? '';
  const m = /([\d.]+)%\s*$/.exec(text);
  if (!m?.[1]) throw new Error(`no probability in "${text}"`);
  return { piece, percent: Number(m[1]) };
}

async function loadDemoAndRun(page: Page, prompt: string): Promise<void> {
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('prompt').press('Enter');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
}

/** Median wall time (ms) of one forward pass of the loaded model, measured in the page (never asserted). */
async function forwardMs(page: Page): Promise<number> {
  return page.evaluate(async (prompts) => {
    const s = window.strata;
    if (!s) throw new Error('no console API');
    const model = s.state().model?.modelId;
    const times: number[] = [];
    for (const text of prompts) {
      const tokens = (await s.call((e) => e.encode(model, text))).map((t) => t.id);
      const t0 = performance.now();
      await s.call((e) => e.run({ ...(model ? { model } : {}), tokens }));
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? NaN;
  }, TIMING_PROMPTS);
}

async function switchTo(page: Page, name: string): Promise<void> {
  await page.getByTestId('backend-select').selectOption(name);
  await expect(page.getByTestId('backend')).not.toHaveText('starting engine…');
}

test('the page reports a WebGPU adapter and a working backend', async ({ page }) => {
  await page.goto('/');
  const badge = page.getByTestId('backend');
  await expect(badge).toContainText('backend: webgpu');
  await expect(badge).toContainText(/swiftshader/i);
  await expect(page.getByTestId('backend-skipped')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/backend.png' });
});

test('wasm runs in the page with threads, without errors, and predicts what webgpu predicts', async ({ page }, info) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  await loadDemoAndRun(page, PROMPT);
  const onGpu = await topNext(page);
  const gpuMs = await forwardMs(page);

  await switchTo(page, 'wasm');
  const isolated = await page.evaluate(() => crossOriginIsolated);
  expect(isolated).toBe(true);
  const backend = await page.evaluate(() => window.strata?.state().backend);
  expect(backend?.name, `skipped: ${backend?.skipped.join('; ')}`).toBe('wasm');
  // Isolated, so the threaded build must run, on tfjs-backend-wasm's count (its backend.cc):
  // half the logical cores, 1 to 8 (this 2-core machine: 1 thread).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(Math.max(Math.floor(cores / 2), 1), 8);
  expect(backend?.wasm).toEqual({ build: 'threaded-simd', threads });
  await expect(page.getByTestId('backend')).toHaveText(`backend: wasm · threaded SIMD · ${threads} thread${threads === 1 ? '' : 's'}`);
  await expect(page.getByTestId('backend-skipped')).toHaveCount(0);
  // The pthreads themselves: Emscripten starts its whole pool (pthreadPoolSize = 8) of blob: workers.
  await expect.poll(() => page.workers().filter((w) => w.url().startsWith('blob:')).length).toBe(8);
  await expect(page.getByTestId('backend-select')).toHaveValue('wasm');

  await loadDemoAndRun(page, PROMPT);
  const onWasm = await topNext(page);
  expect(onWasm.piece).toBe(onGpu.piece);
  // The page rounds to 0.1 %; float32 differences between the backends may flip the last digit.
  expect(Math.abs(onWasm.percent - onGpu.percent)).toBeLessThanOrEqual(0.1);
  const wasmMs = await forwardMs(page);
  const timing = `webgpu ${gpuMs.toFixed(1)}, wasm threaded SIMD (${threads} thread${threads === 1 ? '' : 's'}) ${wasmMs.toFixed(1)}`;
  info.annotations.push({ type: 'forward ms (median of 5 demo prompts)', description: timing });
  console.log(`forward ms: ${timing}`);
  await page.screenshot({ path: 'test-results/screens/backend-wasm.png' });
  expect(errors).toEqual([]);
});

test('when the threads cannot load their script, wasm runs single-threaded and the badge says why', async ({ page }, info) => {
  // A pthread imports this script by URL: without it the threaded build cannot start.
  await page.route('**/assets/tfjs-backend-wasm-threaded-simd*.js', (route) => route.fulfill({ status: 404, body: 'not here' }));
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  await switchTo(page, 'wasm');
  await expect(page.getByTestId('backend')).toHaveText('backend: wasm · SIMD · 1 thread');
  await expect(page.getByTestId('backend-skipped')).toContainText('wasm threads: the threads\' script did not load');
  expect(await page.evaluate(() => window.strata?.state().backend?.wasm)).toEqual({ build: 'simd', threads: 1 });
  await loadDemoAndRun(page, PROMPT);
  // The demo's documented answer (its model card): the single-threaded build computes the same model.
  expect((await topNext(page)).piece).toBe('␣Paris');
  const ms = await forwardMs(page);
  info.annotations.push({ type: 'forward ms (median of 5 demo prompts)', description: `wasm single-threaded SIMD ${ms.toFixed(1)}` });
  console.log(`forward ms: wasm single-threaded SIMD ${ms.toFixed(1)}`);
});

test('when wasm cannot start at all, the badge names the backend that runs instead and why', async ({ page }) => {
  const errors = collectErrors(page);
  // No wasm binary can be fetched: every wasm build fails, the start-up falls through to webgpu.
  await page.route('**/*.wasm', (route) => route.abort('failed'));
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  await switchTo(page, 'wasm');
  await expect(page.getByTestId('backend')).toContainText('backend: webgpu');
  await expect(page.getByTestId('backend-skipped')).toContainText('wasm:');
  await expect(page.getByTestId('backend-select')).toHaveValue('webgpu');
  const backend = await page.evaluate(() => window.strata?.state().backend);
  expect(backend?.name).toBe('webgpu');
  expect(backend?.skipped.some((s) => s.startsWith('wasm: '))).toBe(true);
  // The worker survived: no crash report, and the backend it names runs the demo.
  expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await loadDemoAndRun(page, PROMPT);
  await page.screenshot({ path: 'test-results/screens/backend-wasm-failed.png' });
});
