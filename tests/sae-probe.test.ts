/**
 * `sae-probe` (METHODS §9.5) against scikit-learn (scripts/reference/sae_probe.py →
 * tests/golden/sae-probe/gpt2.json): per-feature roc_auc_score / f1_score of SAE features on the
 * probe's test split, float64 activations and SAE in the reference. AUROC two-sided 1e-6, best
 * feature ids equal, the probe's AUROC 1e-6, cosines and the random control 1e-4. Then the
 * one-line refusals, no tensor left behind, and the CLI.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SaeProbeClass, SaeProbeResult } from '../src/contracts/sae-probe';
import { rankFeatures, scoreColumns } from '../workers/engine/analyses/sae-probe';
import { addSae } from '../workers/engine/artifacts/sae-load';
import type { Engine } from '../workers/engine/engine';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

interface Case { name: string; sae: string; hook: string; dataset?: string; classes: string[]; scored: string[]; test: number[]; constant: number; entries: SaeProbeClass[]; control: { mean: number; p95: number } }
const golden = JSON.parse(readFileSync('tests/golden/sae-probe/gpt2.json', 'utf8')) as { model: string; dataset: string; seed: number; top: number; controls: number; cases: Case[] };
const AUC = 1e-6;
const COS = 1e-4;

let engine: Engine;
beforeAll(async () => {
  engine = await engineFor(golden.model);
}, 60_000);

function dataset(path: string): string {
  return engine.datasetLoad(new Uint8Array(readFileSync(path)), path.split('/').pop() ?? '', { mapping: { ids: 'ids', label: 'label' } }).id;
}

function close(got: number | undefined, want: number | undefined, eps: number, what: string): void {
  expect(Number.isFinite(got), `${what} is finite`).toBe(true);
  expect(Math.abs((got as number) - (want as number)), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(eps);
}

describe.each(golden.cases)('sae-probe $name', (c) => {
  it('matches scikit-learn: AUROC 1e-6, best ids equal', async () => {
    const before = tf.memory().numTensors;
    const sae = (await addSae(engine.registry, await dirFileSet(c.sae), { path: c.sae })).id;
    const ds = dataset(c.dataset ?? golden.dataset);
    const r: SaeProbeResult = await engine.analyze('sae-probe', { options: { dataset: ds, saes: [sae], seed: golden.seed, top: golden.top, controls: golden.controls } });
    expect(r.split.test).toEqual(c.test);
    expect(r.labels).toEqual(c.classes);
    expect(r.scored).toEqual(c.scored);
    const e = r.entries[0];
    expect(e?.saeHook).toBe(c.hook);
    expect(e?.constant).toBe(c.constant);
    expect(e?.probe).toBeUndefined();
    c.entries.forEach((want, k) => {
      const got = e?.classes[k] as SaeProbeClass;
      expect(got.name).toBe(want.name);
      expect(got.count).toBe(want.count);
      expect(got.best.feature, `${want.name} best feature`).toBe(want.best.feature);
      expect(got.either.feature, `${want.name} either-sign feature`).toBe(want.either.feature);
      close(got.best.auc, want.best.auc, AUC, 'best AUROC');
      close(got.best.f1, want.best.f1, AUC, 'best F1');
      close(got.either.auc, want.either.auc, AUC, 'either-sign AUROC');
      expect(got.top.map((t) => t.feature)).toEqual(want.top.map((t) => t.feature));
      want.top.forEach((t, j) => { close(got.top[j]?.auc, t.auc, AUC, `top ${j} AUROC`); close(got.top[j]?.f1, t.f1, AUC, `top ${j} F1`); });
      close(got.probeAuc, want.probeAuc, AUC, 'probe AUROC');
      close(got.cosBest, want.cosBest, COS, 'cos(probe, best decoder row)');
      close(got.cosMax, want.cosMax, COS, 'max |cos|');
    });
    close(e?.control?.mean, c.control.mean, COS, 'control mean');
    close(e?.control?.p95, c.control.p95, COS, 'control p95');
    engine.registry.dropArtifact(sae);
    engine.registry.dropArtifact(ds);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

describe('sae-probe over several SAEs and refusals', () => {
  it('scores every SAE in one run, in the order given, one probe per hook', async () => {
    const paths = golden.cases.filter((c) => !c.dataset).map((c) => c.sae);
    const ids = await Promise.all(paths.map(async (p) => (await addSae(engine.registry, await dirFileSet(p), { path: p })).id));
    const ds = dataset(golden.dataset);
    const r = await engine.analyze('sae-probe', { options: { dataset: ds, saes: ids, controls: 0, keepProbes: true } });
    expect(r.entries.map((e) => e.sae)).toEqual(ids);
    r.entries.forEach((e, i) => expect(e.classes[0]?.best.feature).toBe(golden.cases[i]?.entries[0]?.best.feature));
    // keepProbes: each hook's probe stays an artifact (by default they are dropped).
    r.entries.forEach((e) => expect(engine.registry.artifact('probe', e.probe ?? '').probe.hook).toBe(e.hook));
  }, 120_000);

  it('cancel keeps the SAEs finished so far; a cancel while extracting fails in one line', async () => {
    const before = tf.memory().numTensors;
    const paths = golden.cases.slice(0, 2).map((c) => c.sae);
    const ids = await Promise.all(paths.map(async (p) => (await addSae(engine.registry, await dirFileSet(p), { path: p })).id));
    const ds = dataset(golden.dataset);
    const ctl = new AbortController();
    const r = await engine.analyze('sae-probe', { options: { dataset: ds, saes: ids } }, { signal: ctl.signal, onProgress: (p) => { if (p.unit === 'SAEs' && p.done === 1) ctl.abort(); } });
    expect(r.entries).toHaveLength(1);
    expect(r.partial).toEqual({ done: 1, total: 2, unit: 'SAEs' });
    const ctl2 = new AbortController();
    await expect(engine.analyze('sae-probe', { options: { dataset: ds, saes: ids } }, { signal: ctl2.signal, onProgress: (p) => { if (p.phase === 'extract') ctl2.abort(); } })).rejects.toThrow(/cancelled/);
    ids.forEach((id) => engine.registry.dropArtifact(id));
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('the same numbers when z is read in blocks of 7 features and chunks of 10 rows', async () => {
    const c = golden.cases[1] as Case;
    const sae = (await addSae(engine.registry, await dirFileSet(c.sae), { path: c.sae })).id;
    const r = await engine.analyze('sae-probe', { options: { dataset: dataset(golden.dataset), saes: [sae], deviceFloats: 64 * 10, hostFloats: c.test.length * 7, controls: 0 } });
    const got = r.entries[0]?.classes[0];
    const want = c.entries[0] as SaeProbeClass;
    expect(got?.best.feature).toBe(want.best.feature);
    expect(got?.top.map((t) => t.feature)).toEqual(want.top.map((t) => t.feature));
    want.top.forEach((t, j) => close(got?.top[j]?.auc, t.auc, AUC, `blocked top ${j}`));
    expect(r.entries[0]?.constant).toBe(c.constant);
  });

  it('refuses bad input in one line', async () => {
    const ds = dataset(golden.dataset);
    await expect(engine.analyze('sae-probe', { options: { dataset: ds, saes: [] } })).rejects.toThrow(/at least one SAE/);
    await expect(engine.analyze('sae-probe', { options: { dataset: ds, saes: ['a999'] } })).rejects.toThrow(/does not exist/);
    await expect(engine.analyze('sae-probe', { options: { dataset: ds, saes: ['x'], split: 'kfold' } })).rejects.toThrow(/kfold/);
  });
});

describe('feature ties and constant features', () => {
  it('ties (within 1e-12) go to the lowest id; a constant feature scores 0.5 and is counted', () => {
    expect(rankFeatures([0.5, 0.7, 0.7 + 1e-14, 0.6, 0.7], 4)).toEqual([1, 2, 4, 3]);
    // Columns [3 features, 4 rows]: constant, perfect, reversed; labels 0 0 1 1.
    const cols = Float32Array.from([2, 2, 2, 2, 0, 0, 1, 3, 3, 1, 0, 0]);
    const t = { auc: [new Float64Array(3)], f1: [new Float64Array(3)], constant: 0 };
    scoreColumns(cols, 3, 4, 0, Int32Array.from([0, 0, 1, 1]), [1], t);
    expect(Array.from(t.auc[0] as Float64Array)).toEqual([0.5, 1, 0]);
    // F1 of z > 0 for class 1: all predicted (2/3), exact (1), the wrong two (0).
    expect(Array.from(t.f1[0] as Float64Array).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([Math.round((2 / 3) * 1e9) / 1e9, 1, 0]);
    expect(t.constant).toBe(1);
  });
});

describe('strata sae-probe (CLI)', () => {
  it('prints the best feature per SAE as JSON', () => {
    const c = golden.cases[0] as Case;
    const p = spawnSync('npx', ['tsx', 'workers/cli.ts', 'sae-probe', '--model', golden.model, '--dataset', golden.dataset, '--ids-column', 'ids', '--label-column', 'label', '--sae', c.sae, '--json'], { encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as SaeProbeResult;
    close(r.entries[0]?.classes[0]?.best.auc, c.entries[0]?.best.auc, AUC, 'CLI best AUROC');
    expect(r.entries[0]?.classes[0]?.best.feature).toBe(c.entries[0]?.best.feature);
  }, 120_000);
});
