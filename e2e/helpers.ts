import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { TraceResult } from '../src/contracts/trace';
import type { Engine } from '../workers/engine/engine';

/** A fixture folder as in-memory files for locator.drop. */
export function folderPayload(dir: string, rename: Record<string, Buffer> = {}): { name: string; mimeType: string; buffer: Buffer }[] {
  return readdirSync(dir).filter((f) => !f.endsWith('.md')).map((name) => ({
    name,
    mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    buffer: rename[name] ?? readFileSync(join(dir, name)),
  }));
}

/** Runs ids through the page's own worker engine (console API) and returns plain arrays. */
export async function analyzeInPage(page: Page, tokens: number[], path?: number[]): Promise<{ logitsLast: number[]; top1: number[][] }> {
  return page.evaluate(async ({ tokens, path }) => {
    const s = window.strata;
    if (!s) throw new Error('no console API');
    // The page's model A by id, as the page itself names it.
    const model = s.state().model?.modelId;
    const ref = { ...(model ? { model } : {}), tokens, ...(path ? { path } : {}) };
    const run = await s.call((e) => e.run(ref));
    const lens = await s.call((e) => e.analyze(999_999, 'lens', { run: ref, options: { topk: 1 } }));
    return { logitsLast: Array.from(run.logitsLast), top1: lens.rows.map((r) => Array.from(r.topIds)) };
  }, { tokens, path });
}

/** The same run in the Node engine: last logits and the top-1 logit lens. */
export function traceInNode(node: Engine, tokens: number[], path?: number[]): Promise<TraceResult> {
  return node.analyze('trace', { run: { tokens, ...(path ? { path } : {}) }, options: { topk: 1 } });
}

/**
 * Opens the page on WebGPU, loads the demo and (optionally) runs a prompt until the lens
 * shows. `backend: 'wasm'` switches first: tests of what the page draws for hundreds of
 * positions run there, since SwiftShader's WebGPU is ~70× slower than wasm on this CPU
 * (measured in the page: 519 vs 7 ms for a demo forward) and the charts do not depend on it.
 */
export async function openDemo(page: Page, prompt?: string, opts: { backend?: 'wasm' } = {}): Promise<void> {
  const { expect } = await import('@playwright/test');
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  if (opts.backend === 'wasm') {
    await page.getByTestId('backend-select').selectOption('wasm');
    await expect(page.getByTestId('backend')).toContainText('backend: wasm');
  }
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  if (prompt === undefined) return;
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('prompt').press('Enter');
  await expect(page.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
}
