/**
 * `sae-ce` (CE loss recovered over a dataset) against the float64 PyTorch reference
 * (scripts/reference/sae_dataset.py: every row run alone, clean / reconstruction spliced /
 * hook zeroed, CE summed over all predictions): clean, sae, zero and the recovered fraction,
 * with the rows batched and one at a time, along a layer path; one-row rows contribute no
 * prediction; cancel; the CLI's --dataset --ce.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SaeCeResult } from '../src/contracts/sae-ce';
import { addSae } from '../workers/engine/artifacts/sae-load';
import type { Engine } from '../workers/engine/engine';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

interface Ce { predictions: number; clean: number; sae: number; zero: number; recovered: number }
interface Case { name: string; sae: string; dataset: string; limit: number; path?: number[]; hook: string; ce: Ce }
const golden = JSON.parse(readFileSync('tests/golden/sae/dataset-gpt2.json', 'utf8')) as { model: string; cases: Case[] };

/** |got − want| ≤ 1e-4·max(1, |want|), finite. */
function close(got: number, want: number, what: string): void {
  expect(Number.isFinite(got), `${what} finite`).toBe(true);
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
}

let engine: Engine;
beforeAll(async () => {
  engine = await engineFor(golden.model);
}, 60_000);

describe.each(golden.cases)('sae-ce $name', (c) => {
  it('clean, spliced and zeroed CE and the recovered fraction match the reference, batched or not', async () => {
    const before = tf.memory().numTensors;
    const sae = (await addSae(engine.registry, await dirFileSet(c.sae), { path: c.sae })).id;
    const dataset = engine.datasetLoad(readFileSync(c.dataset), 'extract-gpt2.csv').id;
    const run = { tokens: [], ...(c.path ? { path: c.path } : {}) };
    const results: SaeCeResult[] = [];
    for (const batchTokens of [24, 0]) results.push(await engine.analyze('sae-ce', { run, options: { sae, dataset, limit: c.limit, batchTokens } }));
    for (const r of results) {
      expect(r.hook).toBe(c.hook);
      expect(r.predictions).toBe(c.ce.predictions);
      close(r.clean, c.ce.clean, 'clean CE');
      close(r.sae, c.ce.sae, 'spliced CE');
      close(r.zero, c.ce.zero, 'zeroed CE');
      close(r.recovered, c.ce.recovered, 'recovered');
    }
    engine.registry.dropArtifact(sae);
    engine.registry.dropArtifact(dataset);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sae-ce refusals, cancel and the CLI', () => {
  const c0 = golden.cases[0] as Case;
  it('refuses a missing SAE in one line and stops when cancelled', async () => {
    const dataset = engine.datasetLoad(readFileSync(c0.dataset), 'x.csv').id;
    await expect(engine.analyze('sae-ce', { options: { sae: '', dataset } })).rejects.toThrow(/^sae-ce: give the SAE artifact id/);
    const sae = (await addSae(engine.registry, await dirFileSet(c0.sae), { path: c0.sae })).id;
    const ctl = new AbortController();
    const stages: string[] = [];
    await expect(engine.analyze('sae-ce', { options: { sae, dataset, batchTokens: 0 } }, {
      signal: ctl.signal,
      onProgress: (p) => {
        stages.push(p.stage);
        if (p.stage === 'sae') ctl.abort();
      },
    })).rejects.toThrow(/the CE scan was cancelled/);
    expect(stages[0]).toBe('clean');
  });
  it('strata sae --dataset --ce prints the same numbers', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'sae', '--model', golden.model, '--sae', c0.sae, '--dataset', c0.dataset, '--ce', '--json'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { ce: SaeCeResult };
    close(out.ce.recovered, c0.ce.recovered, 'CLI recovered');
    close(out.ce.clean, c0.ce.clean, 'CLI clean');
  });
});
