/** Hub loading against a local server with the hub's URL layout: listing, range reads, gating, errors. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { MemoryCache } from '../workers/engine/io/cache';
import { hubFileSet } from '../workers/engine/io/hub';
import { HUB_SHA, HUB_TOKEN, startFakeHub, type FakeHub } from './helpers/hub-server';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

let hub: FakeHub;
beforeAll(async () => { hub = await startFakeHub(); });
afterAll(async () => { await hub.close(); });

describe('hub loading', () => {
  it('reads weights by HTTP range, pins the commit, and matches the reference', async () => {
    (await engineFor('tests/fixtures/models/gpt2')).unload();
    hub.log.length = 0;
    const { files, sha } = await hubFileSet({ endpoint: hub.url, repo: 'someone/llama-gqa', revision: 'main' }, { wholeFileBytes: 0 });
    expect(sha).toBe(HUB_SHA);
    const engine = new Engine();
    await engine.load(files);
    const golden = JSON.parse(readFileSync('tests/golden/llama-gqa.json', 'utf8')) as { cases: { ids: number[]; logitsLast: number[] }[] };
    const c = golden.cases[0];
    if (!c) throw new Error('no case');
    const r = await engine.analyze('trace', { run: { tokens: c.ids, path: undefined } });
    const { diff, scale } = maxAbsDiff(r.logitsLast, c.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    // Every weight read was a range request against the pinned commit; nothing else was downloaded whole.
    const weightReads = hub.log.filter((l) => l.url.endsWith('.safetensors'));
    expect(weightReads.length).toBeGreaterThan(4);
    expect(weightReads.every((l) => l.range !== undefined && l.url.includes(`/resolve/${HUB_SHA}/`))).toBe(true);
    engine.unload();
  });

  it('sends the token for gated repos and explains a refusal without one', async () => {
    await expect(hubFileSet({ endpoint: hub.url, repo: 'gated/gpt2', revision: 'main' })).rejects.toThrow(/gated or private.*token/);
    hub.log.length = 0;
    const { files } = await hubFileSet({ endpoint: hub.url, repo: 'gated/gpt2', revision: 'main', token: HUB_TOKEN });
    expect(files.names()).toContain('config.json');
    expect(hub.log.every((l) => l.auth === `Bearer ${HUB_TOKEN}`)).toBe(true);
  });

  it('downloads into the cache once, reads it from there the second time, and refuses a bad hash', async () => {
    const cache = new MemoryCache();
    const req = { endpoint: hub.url, repo: 'someone/qwen3', revision: 'main' };
    hub.log.length = 0;
    const first = await hubFileSet(req, { cache });
    expect(first.fromCache).toBe(0);
    const keys = (await cache.list()).map((e) => e.key).sort();
    expect(keys).toEqual([`hub/someone/qwen3/${HUB_SHA}/config.json`, `hub/someone/qwen3/${HUB_SHA}/model.safetensors`]);
    expect((await cache.list()).find((e) => e.key.endsWith('model.safetensors'))?.size).toBe(readFileSync('tests/fixtures/models/qwen3/model.safetensors').length);
    hub.log.length = 0;
    const second = await hubFileSet(req, { cache });
    expect(second.fromCache).toBe(2);
    expect(hub.log.filter((l) => l.url.includes('/resolve/'))).toEqual([]); // only the listing was asked for
    const engine = new Engine();
    expect((await engine.load(second.files)).info.arch).toBe('qwen3');
    engine.unload();
    await expect(hubFileSet({ ...req, repo: 'badhash/qwen3' }, { cache })).rejects.toThrow(/model\.safetensors: the downloaded file's SHA-256 does not match the hub's/);
    expect((await cache.list()).some((e) => e.key.startsWith('hub/badhash/') && e.key.endsWith('.safetensors'))).toBe(false);
    await cache.remove('hub/someone/');
    expect((await cache.list()).map((e) => e.key)).toEqual([`hub/badhash/qwen3/${HUB_SHA}/config.json`]);
    await cache.remove();
    expect(await cache.list()).toEqual([]);
  });

  it('names a missing repo and refuses ids that are not repo ids', async () => {
    await expect(hubFileSet({ endpoint: hub.url, repo: 'someone/nope', revision: 'main' })).rejects.toThrow(/someone\/nope at revision main was not found/);
    await expect(hubFileSet({ endpoint: hub.url, repo: '../etc/passwd', revision: 'main' })).rejects.toThrow(StrataError);
  });
});
