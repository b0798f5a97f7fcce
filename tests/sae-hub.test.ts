/**
 * SAEs from a folder of a hub repo (a local server with the hub's URL layout, subfolders
 * listed as the hub lists them): a SAELens release folder, a Gemma Scope
 * `layer_N/width_W/average_l0_K` folder (hook read from repo + folder) and a sparsify
 * hookpoint folder load and give the PyTorch reference's features (tests/golden/sae/gpt2.json,
 * scripts/reference/sae.py) to 1e-4; missing or empty folders are one line naming the repo.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaeResult } from '../src/contracts/sae';
import { addSae } from '../workers/engine/artifacts/sae-load';
import type { Engine } from '../workers/engine/engine';
import { MemoryCache } from '../workers/engine/io/cache';
import { hubFileSet } from '../workers/engine/io/hub';
import { HUB_SHA, startFakeHub, type FakeHub } from './helpers/hub-server';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface SaeCase { name: string; sae: string; hook: string; topIds: number[][]; topActs: number[][]; fve: number }
const golden = JSON.parse(readFileSync('tests/golden/sae/gpt2.json', 'utf8')) as { model: string; ids: number[]; k: number; cases: SaeCase[] };

let hub: FakeHub;
let engine: Engine;
beforeAll(async () => {
  hub = await startFakeHub();
  engine = await engineFor(golden.model);
}, 60_000);
afterAll(async () => { await hub.close(); });

const CASES = [
  { name: 'standard', repo: 'saes/saelens', folder: 'standard' },
  { name: 'gemma-scope', repo: 'saes/gemma-scope-fixture-res', folder: 'layer_2/width_64/average_l0_9' },
  { name: 'sparsify', repo: 'saes/sparsify', folder: 'h.1' },
];

describe('SAEs from a hub repo folder', () => {
  it.each(CASES)('$name: $repo / $folder matches the reference', async ({ name, repo, folder }) => {
    const c = golden.cases.find((x) => x.name === name);
    if (!c) throw new Error(`no golden case ${name}`);
    hub.log.length = 0;
    const cache = new MemoryCache();
    const { files } = await hubFileSet({ endpoint: hub.url, repo, revision: 'main' }, { subfolder: folder, cache });
    // Only the folder's own files were fetched, at the pinned commit.
    const got = hub.log.filter((l) => l.url.includes('/resolve/')).map((l) => l.url);
    expect(got.length).toBe(files.names().length);
    expect(got.every((u) => u.startsWith(`/${repo}/resolve/${HUB_SHA}/${folder}/`))).toBe(true);
    const info = await addSae(engine.registry, files, { path: `${repo}/${folder}` });
    expect(info.hook).toBe(c.hook);
    const r: SaeResult = await engine.analyze('sae', { run: { tokens: golden.ids }, options: { sae: info.id, topk: golden.k } });
    expect(r.topIds).toEqual(c.topIds);
    expect(maxAbsDiff(r.topActs.flat(), c.topActs.flat()).diff).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(r.fve - c.fve)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(c.fve)));
    engine.dropArtifact(info.id);
  });

  it('a folder without SAE files, a missing folder and a bad path are one line naming the repo', async () => {
    const req = { endpoint: hub.url, repo: 'saes/saelens', revision: 'main' };
    await expect(hubFileSet(req, { subfolder: '' })).rejects.toThrow(/^saes\/saelens \(top level\) holds no SAE files \(cfg\.json.*\); it has batchtopk, .* and \d+ more$/);
    await expect(hubFileSet(req, { subfolder: 'nope' })).rejects.toThrow(/^saes\/saelens\/nope holds no SAE files .*; no such folder$/);
    await expect(hubFileSet(req, { subfolder: '../x' })).rejects.toThrow(/is not a folder path of a repo/);
    await expect(hubFileSet({ ...req, repo: 'saes/nothing-here' }, { subfolder: 'a' })).rejects.toThrow(/saes\/nothing-here at revision main was not found/);
  });
});
