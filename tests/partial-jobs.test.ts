/**
 * Cancel is not an error, on the page's side: the job helper keeps a keepOnCancel job's slot
 * ("cancelling") until the engine answers and stores that answer; the sweep, chain-search and
 * tuned-lens actions, driven against the engine API in Node, store the partial result of a
 * cancel (equal to the start of an uncancelled run) and show no error.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../src/contracts/engine-api';
import { engine } from '../src/services/engine';
import { cancelChainSearch, runChainSearch, setChainSettings } from '../src/state/chains';
import { initEngine } from '../src/state/engine';
import { cancelJob, cancelledError, runJob } from '../src/state/job';
import { loadFiles } from '../src/state/load';
import { runPrompt } from '../src/state/run';
import { get, initialState, set, useStore, type JobSlot } from '../src/state/store';
import { cancelSweep, runSweep, setSweepPrompts } from '../src/state/sweep';
import { cancelTunedTraining, setTunedSettings, setTunedTexts, trainTunedLens, tunedEstimate, type TunedTrainingSummary } from '../src/state/tuned';
import { TUNED_TRAIN_DEFAULTS } from '../src/contracts/tuned-lens';
import { createEngineApi } from '../workers/engine/api';
import { initNodeBackend } from '../workers/node/host';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('the job helper: keepOnCancel', () => {
  it('keeps the slot "cancelling" until the answer, ignores later progress, and stores the answer', async () => {
    set(initialState, true);
    let answer: (v: string) => void = () => undefined;
    const stored: string[] = [];
    const seen: number[] = [];
    const job = runJob({
      slot: 'sweep', scope: 'none', keepOnCancel: true,
      work: async ({ progress }) => {
        progress({ done: 1, total: 4, unit: 'layers' });
        const v = await new Promise<string>((r) => { answer = r; });
        progress({ done: 2, total: 4, unit: 'layers' });
        return v;
      },
      done: (v) => stored.push(v),
      onProgress: (p) => seen.push(p.done),
    });
    await tick();
    cancelJob('sweep');
    expect(get().jobs.sweep).toMatchObject({ cancelling: true, progress: { done: 1 } });
    // While it waits for its partial result, the slot is busy: a 'refuse' job does not start.
    expect(await runJob({ slot: 'sweep', mode: 'refuse', scope: 'none', work: async () => 'other', done: (v) => stored.push(v) })).toBeUndefined();
    answer('partial');
    expect(await job).toBe('partial');
    expect(stored).toEqual(['partial']);
    expect(seen).toEqual([1]);
    expect(get().jobs.sweep).toBeUndefined();
    expect(get().error).toBeNull();
  });

  it('drops the answer when the scope changed meanwhile, and a cancel rejection shows no error', async () => {
    set(initialState, true);
    const stored: string[] = [];
    let answer: (v: string) => void = () => undefined;
    const stale = runJob({ slot: 'chains', scope: () => [get().prompt], keepOnCancel: true, work: () => new Promise<string>((r) => { answer = r; }), done: (v) => stored.push(v) });
    await tick();
    cancelJob('chains');
    set({ prompt: 'another prompt' });
    answer('late');
    expect(await stale).toBeUndefined();
    expect(get().jobs.chains).toBeUndefined();
    let fail: (e: Error) => void = () => undefined;
    const rejected = runJob({ slot: 'tuned', scope: 'none', keepOnCancel: true, work: () => new Promise<string>((_, r) => { fail = r; }), done: (v) => stored.push(v) });
    await tick();
    cancelJob('tuned');
    fail(new Error('tuned-lens training was cancelled'));
    expect(await rejected).toBeUndefined();
    // Work that saw the cancel before reaching the engine.
    const early = runJob({ slot: 'sweep', scope: 'none', keepOnCancel: true, work: async ({ alive }) => { await tick(); if (!alive()) throw cancelledError(); return 'ran'; }, done: (v) => stored.push(v) });
    cancelJob('sweep');
    expect(await early).toBeUndefined();
    expect(stored).toEqual([]);
    expect(get().jobs).toEqual({});
    expect(get().error).toBeNull();
  });
});

describe('the tuned-lens time estimate', () => {
  it('scales the last measured step by tokens per step and adds the measured preparation; none for another model', () => {
    const last: TunedTrainingSummary = { model: 'm1', done: 20, total: 20, partial: null, warning: null, msPerStep: 2000, batchTokens: 64, prepareMs: 10_000 };
    const e = tunedEstimate({ ...TUNED_TRAIN_DEFAULTS, steps: 30, batchTokens: 128 }, last, 'm1');
    // 30 steps × 2 s × (128 / 64) + 10 s.
    expect(e?.seconds).toBe(130);
    expect(e?.basis).toBe('the last training of this model: 2.0 s per 64-token step, 10 s to run its texts through the model');
    expect(tunedEstimate(TUNED_TRAIN_DEFAULTS, last, 'm2')).toBeNull();
    expect(tunedEstimate(TUNED_TRAIN_DEFAULTS, { ...last, msPerStep: null }, 'm1')).toBeNull();
    expect(tunedEstimate(TUNED_TRAIN_DEFAULTS, null, 'm1')).toBeNull();
  });
});

const DIR = 'tests/fixtures/models/stories260K';
const platform = { initBackend: async (): Promise<BackendInfo> => { await initNodeBackend('wasm'); return { name: 'wasm', skipped: [] }; } };

/** Cancels the job in `slot` from the store, as the Cancel button does, once `when` holds for its progress. */
function cancelWhen(slot: JobSlot, when: (done: number, phase?: string) => boolean, cancel: () => void): () => void {
  return useStore.subscribe((s) => {
    const j = s.jobs[slot];
    const p = j?.progress as { done: number; phase?: string } | null | undefined;
    if (j && !j.cancelling && p && when(p.done, p.phase)) cancel();
  });
}

describe('the page\'s actions store a cancelled job\'s partial result (Node, wasm)', () => {
  const api = createEngineApi(platform);
  beforeAll(async () => {
    set(initialState, true);
    engine.connect(api);
    const started = initEngine();
    await loadFiles(readdirSync(DIR).filter((n) => !n.endsWith('.md')).map((n) => new File([readFileSync(join(DIR, n))], n)));
    await started;
    await runPrompt('Once upon a time, there was a little girl');
    expect(get().run).not.toBeNull();
  });

  it('skip sweep: cancelled after 2 of 5 layers, the page keeps those 2 (equal to the full sweep\'s)', async () => {
    setSweepPrompts('');
    await runSweep();
    const full = get().sweep;
    expect(full?.partial).toBeUndefined();
    const stop = cancelWhen('sweep', (done) => done === 2, cancelSweep);
    await runSweep();
    stop();
    const part = get().sweep;
    expect(part?.partial).toEqual({ done: 2, total: 5, unit: 'layers' });
    expect(Array.from(part?.modes.layer?.outputL2 ?? [])).toEqual(Array.from(full?.modes.layer?.outputL2 ?? []).slice(0, 2));
    expect(get().jobs.sweep).toBeUndefined();
    expect(get().error).toBeNull();
  });

  it('chain search: cancelled after 5 chains, the page keeps the search of budget 5', async () => {
    setChainSettings({ budget: 5, seed: 3 });
    await runChainSearch();
    const small = get().chains;
    setChainSettings({ budget: 40 });
    const stop = cancelWhen('chains', (done) => done === 5, cancelChainSearch);
    await runChainSearch();
    stop();
    const part = get().chains;
    expect(part?.partial).toEqual({ done: 5, total: 40, unit: 'chains' });
    expect({ ...part, partial: undefined }).toEqual({ ...small, partial: undefined });
    expect(get().error).toBeNull();
  });

  it('tuned lens: cancelled after 3 steps, the page keeps that lens and says how far it got', async () => {
    setTunedTexts(['Once upon a time, there was a little girl named Lily.', 'She loved to play outside in the park with her friends.', 'One day, Tom found a big red ball under a tree.'].join('\n'));
    setTunedSettings({ steps: 12 });
    const stop = cancelWhen('tuned', (done, phase) => phase === 'train' && done === 3, cancelTunedTraining);
    await trainTunedLens();
    stop();
    const s = get();
    expect(s.tunedTraining).toMatchObject({ done: 3, total: 12, partial: { done: 3, total: 12, unit: 'steps' }, warning: null, batchTokens: 64 });
    expect(s.tunedTraining?.msPerStep).toBeGreaterThan(0);
    expect(s.tunedTraining?.prepareMs).toBeGreaterThanOrEqual(0);
    expect(s.tunedLosses?.length).toBe(3);
    expect(s.tunedArtifact).not.toBeNull();
    expect(s.tunedInfo?.source).toBe('trained in the page');
    expect(s.jobs.tuned).toBeUndefined();
    expect(s.error).toBeNull();
    // A complete training afterwards has no partial marker and is compared with the logit lens.
    setTunedSettings({ steps: 4 });
    await trainTunedLens();
    expect(get().tunedTraining).toMatchObject({ done: 4, total: 4, partial: null });
    expect(get().tunedComparison?.tuned.length).toBe(5);
    expect(get().error).toBeNull();
  });
});
