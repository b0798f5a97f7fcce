/**
 * SAE features over a dataset against the independent float64 PyTorch reference
 * (scripts/reference/sae_dataset.py → tests/golden/sae/dataset-gpt2.json): whole-set L0,
 * FVE, cos, dead count, per-feature fires and max; one feature's top examples (as a set,
 * act within 1e-4), 50-bin histogram and quantile groups; the token search. Batched and
 * one-row-at-a-time scans agree, nothing leaks, cancel leaves no artifact; the CLI.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SaeDatasetResult } from '../src/contracts/sae-dataset';
import { addSae } from '../workers/engine/artifacts/sae-load';
import type { Engine } from '../workers/engine/engine';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface Case {
  name: string; sae: string; dataset: string; limit: number; path?: number[]; hook: string; tokens: number; l0: number; fve: number; cos: number; dead: number;
  fires: number[]; max: number[];
  feature: { id: number; top: [number, number, number][]; hist: number[]; quantiles: { q: number; contains: number; max: number | null }[] };
  search: { token: number; occurrences: number; hits: [number, number, number][] };
}
const golden = JSON.parse(readFileSync('tests/golden/sae/dataset-gpt2.json', 'utf8')) as { model: string; bos: number; cases: Case[] };
const EPS = 1e-4;
const close = (got: number, want: number, what: string, eps = EPS): void => {
  expect(Number.isFinite(got), `${what} finite`).toBe(true);
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(eps * Math.max(1, Math.abs(want)));
};

let engine: Engine;
beforeAll(async () => {
  engine = await engineFor(golden.model);
}, 60_000);

async function scan(c: Case, batchTokens: number, keepBytes = 2 ** 26): Promise<{ r: SaeDatasetResult; sae: string; dataset: string }> {
  const sae = (await addSae(engine.registry, await dirFileSet(c.sae), { path: c.sae })).id;
  const dataset = engine.datasetLoad(readFileSync(c.dataset), 'extract-gpt2.csv').id;
  const r = await engine.analyze('sae-dataset', { run: { tokens: [], ...(c.path ? { path: c.path } : {}) }, options: { sae, dataset, limit: c.limit, batchTokens, keepBytes } });
  return { r, sae, dataset };
}

describe.each(golden.cases)('sae-dataset $name', (c) => {
  it('set metrics, per-feature tables, one feature\'s dashboard and the token search match the reference', async () => {
    const before = tf.memory().numTensors;
    const { r, sae, dataset } = await scan(c, 24);
    expect(r.hook).toBe(c.hook);
    expect(r.tokens).toBe(c.tokens);
    expect(r.batched).toBe(true);
    close(r.l0, c.l0, 'L0');
    close(r.fve, c.fve, 'FVE');
    close(r.cos, c.cos, 'cos');
    expect(r.dead).toBe(c.dead);
    const s = engine.registry.artifact('sae-stats', r.artifact).stats;
    expect(Array.from(s.fires)).toEqual(c.fires);
    expect(maxAbsDiff(s.max, c.max).diff).toBeLessThanOrEqual(EPS);
    expect(r.density.counts.reduce((a, b) => a + b, 0)).toBe(c.fires.filter((x) => x > 0).length);
    expect(r.topByDensity[0]?.fires).toBe(Math.max(...c.fires));

    // The feature's dashboard.
    const f = c.feature;
    const d = await engine.analyze('sae-feature', { options: { stats: r.artifact, feature: f.id, window: 0 } });
    expect(d.stat.fires).toBe(c.fires[f.id]);
    const want = new Map(f.top.map(([row, pos, act]) => [`${row}:${pos}`, act]));
    const cut = f.top[f.top.length - 1]?.[2] ?? 0;
    expect(d.contexts).toHaveLength(f.top.length);
    for (const x of d.contexts) {
      const w = want.get(`${x.row}:${x.position}`);
      // A near-tie with the last kept example may swap which one is kept.
      if (w === undefined) expect(Math.abs(x.act - cut)).toBeLessThanOrEqual(EPS);
      else close(x.act, w, `top ${x.row}:${x.position}`);
      // The row re-run on the device gives the stored activation at the example's position.
      close(x.acts[x.position - x.from] ?? NaN, x.act, 'context act at its position', 1e-5);
      expect(x.tokens).toHaveLength(x.acts.length);
    }
    expect(d.histogram.counts).toEqual(f.hist);
    close(d.histogram.edges[50] ?? NaN, c.max[f.id] as number, 'histogram top edge');
    close(d.histogram.percent.reduce((a, b) => a + b, 0), (100 * (c.fires[f.id] as number)) / c.tokens, 'histogram percent', 1e-3);
    expect(d.quantiles.map((q) => q.min)).toEqual([...d.quantiles.map((q) => q.min)].sort((a, b) => b - a));
    d.quantiles.forEach((q, j) => {
      const g = f.quantiles[f.quantiles.length - 1 - j];
      close(q.contains, g?.contains ?? NaN, `quantile ${j} contains`, 1e-6);
      if (g?.max === null) expect(q.examples).toHaveLength(0);
      else close(q.examples[0]?.act ?? NaN, g?.max ?? NaN, `quantile ${j} largest`);
      for (const e of q.examples) expect(e.act >= q.min - 1e-6 && e.act <= q.max + 1e-6).toBe(true);
    });
    expect(d.logits?.top).toHaveLength(10);
    const win = await engine.analyze('sae-feature', { options: { stats: r.artifact, feature: f.id, window: 2 } });
    for (const x of win.contexts) expect(x.tokens.length).toBeLessThanOrEqual(5);

    // The token search over the dataset.
    const q = await engine.analyze('sae-search', { options: { stats: r.artifact, token: c.search.token } });
    expect(q.over).toBe('dataset');
    expect(q.occurrences).toBe(c.search.occurrences);
    expect(q.features.length).toBe(c.search.hits.length);
    q.features.forEach((h, j) => {
      const [id, mean, rate] = c.search.hits[j] as [number, number, number];
      const next = c.search.hits[j + 1]?.[1] ?? -Infinity;
      const prev = c.search.hits[j - 1]?.[1] ?? Infinity;
      if (Math.min(prev - mean, mean - next) > 1e-3) expect(h.id, `search rank ${j}`).toBe(id);
      close(h.meanAct, mean, `search mean ${j}`);
      if (h.id === id) close(h.fireRate, rate, `search rate ${j}`);
    });

    engine.registry.dropArtifact(r.artifact);
    engine.registry.dropArtifact(sae);
    engine.registry.dropArtifact(dataset);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

describe('sae-dataset batching, search on a prompt, refusals, cancel', () => {
  const c = golden.cases[0] as Case;
  it('one row at a time, and pass 2 running the rows again (keepBytes 0), give the batched numbers', async () => {
    const before = tf.memory().numTensors;
    const a = await scan(c, 24);
    const b = await scan(c, 0);
    const again = await scan(c, 24, 0);
    expect(b.r.batched).toBe(false);
    const sa = engine.registry.artifact('sae-stats', a.r.artifact).stats;
    for (const o of [b, again]) {
      close(o.r.fve, a.r.fve, 'FVE', 1e-5);
      expect(o.r.l0).toBe(a.r.l0);
      const so = engine.registry.artifact('sae-stats', o.r.artifact).stats;
      expect(Array.from(so.hist)).toEqual(Array.from(sa.hist));
      so.quantiles.forEach((t, j) => expect(maxAbsDiff(t.vals, sa.quantiles[j]?.vals ?? []).diff, `quantile ${j}`).toBeLessThanOrEqual(1e-5));
    }
    for (const o of [a, b, again]) for (const id of [o.r.artifact, o.sae, o.dataset]) engine.registry.dropArtifact(id);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('search over a prompt, and one-line refusals', async () => {
    const sae = (await addSae(engine.registry, await dirFileSet(c.sae), { path: c.sae })).id;
    const ids = [0, 110, 5, 110];
    const q = await engine.analyze('sae-search', { run: { tokens: ids }, options: { sae, token: 110 } });
    expect(q.over).toBe('prompt');
    expect(q.occurrences).toBe(2);
    const none = await engine.analyze('sae-search', { run: { tokens: ids }, options: { sae, token: 0 } });
    expect(none.occurrences).toBe(0);
    await expect(engine.analyze('sae-search', { run: { tokens: ids }, options: { sae, token: 999 } })).rejects.toThrow(/token 999 is outside the vocabulary/);
    await expect(engine.analyze('sae-feature', { options: { stats: '', feature: 1 } })).rejects.toThrow(/give the sae-stats artifact id/);
    const ds = engine.datasetLoad(readFileSync(c.dataset), 'x.csv').id;
    await expect(engine.analyze('sae-dataset', { options: { sae, dataset: ds, topN: 0 } })).rejects.toThrow(/topN must be an integer in 1\.\.1000/);
    const r = await engine.analyze('sae-dataset', { options: { sae, dataset: ds, limit: 2 } });
    await expect(engine.analyze('sae-feature', { options: { stats: r.artifact, feature: 64 } })).rejects.toThrow(/feature 64 is outside 0\.\.63/);
    const ctl = new AbortController();
    const n = engine.memory().artifacts.length;
    await expect(engine.analyze('sae-dataset', { options: { sae, dataset: ds, batchTokens: 0 } }, { signal: ctl.signal, onProgress: (p) => { if (p.done === 1) ctl.abort(); } })).rejects.toThrow(/SAE scan was cancelled/);
    expect(engine.memory().artifacts.length).toBe(n);
  });
});

describe('strata sae --dataset', () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  it('prints the set metrics and a feature\'s dashboard, equal to the reference', () => {
    const f = c0().feature;
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'sae', '--model', golden.model, '--sae', c0().sae, '--dataset', c0().dataset, '--feature', String(f.id), '--json'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { tokens: number; fve: number; l0: number; feature: { contexts: { row: number; position: number; act: number }[]; histogram: { counts: number[] } } };
    expect(out.tokens).toBe(c0().tokens);
    close(out.fve, c0().fve, 'CLI FVE');
    close(out.l0, c0().l0, 'CLI L0');
    expect(out.feature.histogram.counts).toEqual(f.hist);
    expect(out.feature.contexts[0]?.row).toBe(f.top[0]?.[0]);
  });
});

function c0(): Case {
  return golden.cases[0] as Case;
}
