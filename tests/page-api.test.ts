/**
 * The page's actions (src/state) driven against the engine API in Node, the way the
 * page uses it: every analysis of the current run passes the run's full RunRef (model,
 * tokens, path, interventions), so an intervention reaches every view, and no view
 * re-runs the model. Plus the job helper (progress, cancel, stale results dropped) and
 * loads that arrive before the backend has started.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../src/contracts/engine-api';
import type { Intervention } from '../src/contracts/run';
import type { TunedLensResult } from '../src/contracts/tuned-lens';
import { engine } from '../src/services/engine';
import { runCompare } from '../src/state/compare';
import { refreshAttention } from '../src/state/attention';
import { refreshResidual } from '../src/state/depth';
import { initEngine } from '../src/state/engine';
import { cancelJob, runJob } from '../src/state/job';
import { setLensKind } from '../src/state/lens';
import { loadFiles } from '../src/state/load';
import { runTokens, setPath } from '../src/state/run';
import { get, initialState, set, type CurrentRun, type State } from '../src/state/store';
import { loadTunedLensFile } from '../src/state/tuned';
import { createEngineApi } from '../workers/engine/api';
import { initNodeBackend } from '../workers/node/host';

const DIR = 'tests/fixtures/models/llama-gqa';
const LENS = 'tests/golden/tuned-lens/llama-gqa.lens.safetensors';
const IDS = [1, 111, 180, 100, 16, 115, 135, 18, 96, 72];
const PATH = [0, 2, 2, 1];
const ZERO: Intervention[] = [{ hook: 'blocks.0.hook_attn_out', kind: 'zero' }];

const platform = { initBackend: async (): Promise<BackendInfo> => { await initNodeBackend('wasm'); return { name: 'wasm', skipped: [] }; } };

function checkpoint(): File[] {
  return readdirSync(DIR).filter((n) => !n.endsWith('.md')).map((n) => new File([readFileSync(join(DIR, n))], n));
}

/** What the views show after a run: every result the page stored for it. */
interface Shown {
  run: CurrentRun;
  lens: NonNullable<State['lens']>;
  tuned: TunedLensResult;
  residual: NonNullable<State['residual']>;
  attention: NonNullable<State['attention']>;
  effect: NonNullable<State['effect']>;
  profiles: NonNullable<State['compareProfiles']>;
}

function need<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`the page stored no ${what} (error: ${get().error ?? 'none'})`);
  return v;
}

/** Runs IDS under the current path and interventions through the page's actions, and reads what every view stored. */
async function showAll(): Promise<Shown> {
  await setLensKind('logit');
  await runTokens(IDS);
  const run = need(get().run, 'run');
  const lens = need(get().lens, 'lens');
  const effect = need(get().effect, 'path effect');
  await refreshResidual();
  await refreshAttention();
  await runCompare();
  await setLensKind('tuned');
  const tuned = need(get().lens, 'tuned lens') as TunedLensResult;
  return { run, lens, tuned, residual: need(get().residual, 'residual'), attention: need(get().attention, 'attention'), effect, profiles: need(get().compareProfiles, 'depth profiles') };
}

describe('the page on the engine API (in Node, wasm)', () => {
  const api = createEngineApi(platform);
  let plain: Shown;
  let zeroed: Shown;

  beforeAll(async () => {
    set(initialState, true);
    engine.connect(api);
    // As the page opens: the engine starts and a load is asked for before it has.
    const started = initEngine();
    await loadFiles(checkpoint());
    await started;
    need(get().model, 'model');
    await setPath(PATH);
    await loadTunedLensFile(new File([readFileSync(LENS)], 'llama-gqa.lens.safetensors'));
    need(get().tunedArtifact, 'tuned lens artifact');
    plain = await showAll();
    set({ interventions: ZERO });
    zeroed = await showAll();
    expect(get().error).toBeNull();
  });

  it('names the run by its full RunRef: model id, tokens, path, interventions', () => {
    const model = need(get().model, 'model').modelId;
    expect(zeroed.run.ref).toEqual({ model, tokens: IDS, path: PATH, interventions: ZERO });
    expect(plain.run.ref).toEqual({ model, tokens: IDS, path: PATH, interventions: [] });
    expect(zeroed.run.runId).not.toBe(plain.run.runId);
  });

  it('the intervention reaches every view: lens, tuned lens, residual, attention, path effect, compare', () => {
    expect(zeroed.lens.rows).not.toEqual(plain.lens.rows);
    expect(zeroed.tuned.rows).not.toEqual(plain.tuned.rows);
    expect(zeroed.tuned.translators).toEqual(plain.tuned.translators);
    expect(zeroed.residual.attnRel).not.toEqual(plain.residual.attnRel);
    expect(zeroed.attention.summaries).not.toEqual(plain.attention.summaries);
    expect(zeroed.effect).not.toEqual(plain.effect);
    expect(zeroed.profiles.a).not.toEqual(plain.profiles.a);
    // Compare's B side (all layers) keeps the interventions too.
    expect(zeroed.profiles.b).not.toEqual(plain.profiles.b);
    // Zeroing layer 0's attention output zeroes its contribution in the residual stats.
    expect(zeroed.residual.attnRel.mean[0]).toBe(0);
    expect(plain.residual.attnRel.mean[0]).toBeGreaterThan(0);
  });

  it('what the page shows equals the API on the same RunRef, and analysing it again never re-runs the model', async () => {
    const ref = zeroed.run.ref;
    const full = { model: ref.model, tokens: ref.tokens, interventions: ref.interventions };
    const lensArtifact = need(get().tunedArtifact, 'tuned lens artifact');
    const s = get().lensSettings;
    const T = IDS.length;
    const lensOpts = { topk: s.topk, kl: s.kl, range: [0, T] as [number, number] };
    const runs = (await api.memory()).runs.length;
    // One run cache per distinct RunRef the page used: the path and all layers (compare), without and with the intervention.
    expect(runs).toBe(4);
    for (let pass = 0; pass < 2; pass++) {
      const { logitsLast, ...summary } = await api.run(ref);
      expect(logitsLast.length).toBe(200);
      expect({ ...summary, ref }).toEqual(zeroed.run);
      expect(await api.analyze(101, 'lens', { run: ref, options: lensOpts })).toEqual(zeroed.lens);
      expect(await api.analyze(102, 'tuned-lens', { run: ref, options: { ...lensOpts, lens: lensArtifact } })).toEqual(zeroed.tuned);
      expect(await api.analyze(103, 'residual', { run: ref, options: { alpha: get().residualAlpha } })).toEqual(zeroed.residual);
      expect(await api.analyze(104, 'attention', { run: ref })).toEqual(zeroed.attention);
      expect(await api.analyze(105, 'path-effect', { run: ref })).toEqual(zeroed.effect);
      expect(await api.analyze(106, 'depth-profile', { run: ref })).toEqual(zeroed.profiles.a);
      expect(await api.analyze(107, 'depth-profile', { run: full })).toEqual(zeroed.profiles.b);
      expect((await api.memory()).runs.length).toBe(runs);
    }
  });

  it('model B loads into the same engine under its own id; the current model stays', async () => {
    const { loadCompareFiles, setCompareMode } = await import('../src/state/compare');
    const a = need(get().model, 'model').modelId;
    setCompareMode('model');
    await loadCompareFiles(checkpoint());
    const b = need(get().compareModel, 'model B').modelId;
    expect(b).not.toBe(a);
    await runCompare();
    const prof = need(get().compareProfiles, 'depth profiles');
    expect(prof.b).toEqual(await api.analyze(108, 'depth-profile', { run: { model: b, tokens: IDS } }));
    expect(prof.a).toEqual(zeroed.profiles.a);
    expect((await api.memory()).models.map((m) => m.id).sort()).toEqual([a, b].sort());
    // The model card's report is the engine's.
    expect(get().memory?.models.length).toBe(2);
  });
});

describe('loads before the backend has started', () => {
  it('load called while init is still running (not awaited) succeeds', async () => {
    const api = createEngineApi(platform);
    const init = api.init();
    const summary = await api.load(1, { kind: 'files', files: checkpoint() });
    expect(summary.info.layers).toBe(3);
    await expect(init).resolves.toMatchObject({ name: 'wasm' });
    const run = await api.run({ model: summary.modelId, tokens: IDS });
    expect(run.path).toEqual([0, 1, 2]);
  });
});

describe('the job helper', () => {
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

  it('stores a result only while the run it was computed for is current', async () => {
    set(initialState, true);
    const runA = { runId: 1 } as unknown as CurrentRun;
    set({ run: runA });
    let stored = 0;
    const r = await runJob({ slot: 'lens', scope: 'run', work: async () => { set({ run: { runId: 2 } as unknown as CurrentRun }); return 42; }, done: () => { stored++; } });
    expect(r).toBeUndefined();
    expect(stored).toBe(0);
    expect(get().jobs.lens).toBeUndefined();
    expect(await runJob({ slot: 'lens', scope: 'run', work: async () => 7, done: (v) => { stored = v; } })).toBe(7);
    expect(stored).toBe(7);
  });

  it('reports progress into the store, cancels, replaces and refuses', async () => {
    set(initialState, true);
    let release: () => void = () => undefined;
    const seen: number[] = [];
    const job = runJob({
      slot: 'sweep', scope: 'none', label: 'sweep',
      work: async ({ progress }) => { progress({ done: 1, total: 3, unit: 'runs' }); await new Promise<void>((r) => { release = r; }); return 'x'; },
      done: () => { throw new Error('a cancelled job must not store'); },
      onProgress: (p) => seen.push(p.done),
    });
    await tick();
    expect(get().jobs.sweep?.progress).toEqual({ done: 1, total: 3, unit: 'runs' });
    expect(await runJob({ slot: 'sweep', mode: 'refuse', scope: 'none', work: async () => 'y', done: () => undefined })).toBeUndefined();
    cancelJob('sweep');
    expect(get().jobs.sweep).toBeUndefined();
    release();
    expect(await job).toBeUndefined();
    expect(seen).toEqual([1]);

    let first = '';
    let unblock: () => void = () => undefined;
    const older = runJob({ slot: 'lens', scope: 'none', work: async () => { await new Promise<void>((r) => { unblock = r; }); return 'old'; }, done: (v) => { first = v; } });
    await tick();
    const newer = await runJob({ slot: 'lens', scope: 'none', work: async () => 'new', done: (v) => { first = v; } });
    unblock();
    expect(await older).toBeUndefined();
    expect(newer).toBe('new');
    expect(first).toBe('new');
    expect(get().error).toBeNull();
  });
});
