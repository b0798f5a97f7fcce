import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { engineFor, maxAbsDiff } from '../tests/helpers/node-engine';
import { traceInNode } from './helpers';

const DEMO = 'public/models/demo';
const behaviours = existsSync(`${DEMO}/behaviours.json`) ? (JSON.parse(readFileSync(`${DEMO}/behaviours.json`, 'utf8')) as { prompt: string; expect: string }[]) : [];
const PROMPT = behaviours[0]?.prompt ?? 'The capital of France is';

test('the demo loads in one click; the logit lens and attention views render', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  await page.getByTestId('prompt').fill(PROMPT);
  await page.getByTestId('prompt').press('Enter');
  const lens = page.getByTestId('logit-lens');
  await expect(lens.getByTestId('lens-heatmap').locator('svg')).toBeVisible();
  const tokens = await page.getByTestId('token-strip').locator('.tok').count();
  expect(tokens).toBeGreaterThan(2);
  const layers = Number(await page.getByTestId('model-layers').textContent());
  // One row per layer plus the embedding row; the last column is the last position.
  const lastRow = lens.getByTestId(`lens-cell-${layers}-${tokens - 1}`);
  await expect(lastRow).toBeVisible();
  if (behaviours[0]) {
    // A documented behaviour: the final row at the last position shows the expected next token.
    const want = behaviours[0].expect.replace(/^ /, '␣');
    await expect(lastRow.locator('text')).toHaveText(want.length > 9 ? `${want.slice(0, 8)}…` : want);
  }
  await page.screenshot({ path: 'test-results/screens/demo-lens.png', fullPage: true });
  // Hover shows the top-k; clicking a token makes it the target.
  await lastRow.click();
  await expect(page.getByTestId('lens-detail')).toBeVisible();
  await page.getByTestId('lens-topk-1').click();
  await expect(page.getByTestId('lens-target')).toContainText('id ');
  await expect(page.getByTestId('lens-metric')).toHaveValue('targetProb');
  await page.getByTestId('tab-attention').click();
  await expect(page.getByTestId('att-thumb-0-0')).toBeVisible();
  await page.getByTestId(`att-thumb-${layers - 1}-1`).click();
  await expect(page.getByTestId('attention-detail').locator('svg')).toBeVisible();
  await expect(page.getByTestId('head-summaries').locator('tbody tr')).toHaveCount(Number((await page.getByTestId('model-heads-kv-heads').textContent())?.split('/')[0]));
  await page.screenshot({ path: 'test-results/screens/demo-attention.png', fullPage: true });
});

test('the same prompt gives the same top-1 tokens and logits on WebGPU in the page and wasm in Node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('model-card')).toContainText('llama');
  const prompts = [PROMPT, ...(behaviours.slice(1, 3).map((b) => b.prompt))];
  const node = await engineFor(DEMO);
  for (const prompt of prompts) {
    const inPage = await page.evaluate(async (text) => {
      const s = window.strata;
      if (!s) throw new Error('no console API');
      const model = s.state().model?.modelId;
      const toks = await s.call((e) => e.encode(model, text));
      const ref = { ...(model ? { model } : {}), tokens: toks.map((t) => t.id) };
      const run = await s.call((e) => e.run(ref));
      const lens = await s.call((e) => e.analyze(424_242, 'lens', { run: ref, options: { topk: 1 } }));
      return { ids: toks.map((t) => t.id), logitsLast: Array.from(run.logitsLast), top1: lens.rows.map((r) => Array.from(r.topIds)) };
    }, prompt);
    const ids = node.encode(prompt);
    expect(inPage.ids).toEqual(ids);
    const ref = await traceInNode(node, ids);
    const { diff, scale } = maxAbsDiff(inPage.logitsLast, ref.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    expect(inPage.top1).toEqual(ref.lens.rows.map((r) => Array.from(r.topIds)));
  }
});
