/**
 * `npm run bench -- --browser [--dist DIR] [--port 4305] [--models qwen2.5-0.5b,llama-3.2-1b]`:
 * the large-model-shaped random BF16 checkpoints (scripts/make-large-bf16.ts, written to .bench/
 * when missing) loaded in Debian's Chromium on WebGPU (SwiftShader here) through the page's own
 * file input, as a user would. Prints the load progress, load time, bytes on the device and
 * bytes per parameter (the model card's ModelInfo), and the time of an 8-token forward (the
 * first includes shader compilation, the second not). Figures only; nothing is asserted.
 * The site is built into DIR (default /tmp/dist-bench) unless DIR/index.html exists.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { LARGE, makeLarge } from './make-large-bf16';

export async function benchBrowser(opts: { dist?: string | undefined; port?: string | undefined; models?: string | undefined }): Promise<void> {
  const dist = resolve(opts.dist ?? '/tmp/dist-bench');
  const port = Number(opts.port ?? 4305);
  const models = (opts.models ?? Object.keys(LARGE).join(',')).split(',');
  const dirs = models.map((m) => {
    const t0 = performance.now();
    const dir = makeLarge(m);
    console.log(`${dir}: ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return dir;
  });
  if (!existsSync(join(dist, 'index.html'))) {
    console.log(`building the site into ${dist}…`);
    const b = spawnSync('npx', ['vite', 'build', '--outDir', dist, '--emptyOutDir'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('vite build failed');
  }
  const server: ChildProcess = spawn('npx', ['vite', 'preview', '--outDir', dist, '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
  try {
    const base = `http://localhost:${port}/`;
    for (let i = 0; i < 60; i++) {
      if (await fetch(base).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const dir of dirs) await benchOne(browser, base, dir);
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
}

async function benchOne(browser: import('@playwright/test').Browser, base: string, dir: string): Promise<void> {
  const page = await browser.newPage();
  page.setDefaultTimeout(3_600_000);
  try {
    await page.goto(base);
    await page.getByTestId('backend').filter({ hasText: 'backend: webgpu' }).waitFor();
    const adapter = await page.evaluate(async () => {
      const s = window.strata;
      if (!s) throw new Error('no console API');
      return s.state().backend?.adapter ?? null;
    });
    console.log(`\n${dir} in Chromium on WebGPU (largest buffer ${adapter ? (Math.min(adapter.maxStorageBufferBindingSize, adapter.maxBufferSize) / 2 ** 20).toFixed(0) : '?'} MiB)`);
    const t0 = performance.now();
    await page.getByTestId('file-input').setInputFiles([join(dir, 'config.json'), join(dir, 'model.safetensors')]);
    let last = '';
    for (;;) {
      const state = await page.evaluate(() => {
        const s = window.strata?.state();
        return { done: s?.model?.source?.startsWith('files') === true && !s.jobs.load, error: s?.error ?? null, progress: document.querySelector('[data-testid="load-progress"]')?.textContent ?? '' };
      });
      if (state.error) throw new Error(`${dir}: ${JSON.stringify(state.error)}`);
      if (state.done) break;
      const line = state.progress.replace(/Cancel$/, '').trim();
      if (line && line !== last) console.log(`  ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${line}`);
      last = line;
      await page.waitForTimeout(5000);
    }
    const loadS = (performance.now() - t0) / 1000;
    const info = await page.evaluate(() => window.strata?.state().model?.info ?? null);
    if (!info) throw new Error(`${dir}: no model after the load`);
    console.log(`  load ${loadS.toFixed(1)} s: ${(info.params / 1e6).toFixed(1)} M params, ${(info.deviceBytes / 2 ** 20).toFixed(0)} MiB on the device, ${info.bytesPerParam.toFixed(2)} bytes per parameter (dtype on disk ${info.dtypes.join(', ')})`);
    // Two different prompts, so the second is not a run-cache hit.
    for (const [k, label] of [[13, 'first (with shader compilation)'], [14, 'second']] as const) {
      const tokens = Array.from({ length: 8 }, (_, i) => (i * 7919 + k) % info.vocab);
      const ms = await page.evaluate(async (tokens) => {
        const s = window.strata;
        if (!s) throw new Error('no console API');
        const model = s.state().model?.modelId;
        const t = performance.now();
        const r = await s.call((e) => e.run({ ...(model ? { model } : {}), tokens }));
        if (!r.logitsLast.every((z) => Number.isFinite(z))) throw new Error('non-finite logits');
        return performance.now() - t;
      }, tokens);
      console.log(`  8-token forward, ${label}: ${(ms / 1000).toFixed(2)} s`);
    }
  } finally {
    await page.close();
  }
}
