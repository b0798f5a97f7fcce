/**
 * Chain search (METHODS §8). Rewards are checked against an independent computation:
 * one engine.run per target token (last-position logits of prompt ++ target_<i) and a
 * float64 log-softmax in plain JS — a different code path from the search's batched
 * teacher-forced tensor gather.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SEGMENT } from '../workers/engine/analyses/chain';
import { chainSearch, mulberry32, type ChainExample, type ChainScore } from '../workers/engine/analyses/chain-search';
import type { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { engineFor } from './helpers/node-engine';

interface Ref {
  logprob: number;
  exact: number;
}

async function independent(engine: Engine, examples: ChainExample[], chain: number[]): Promise<Ref> {
  let logprob = 0;
  let exact = 0;
  for (const { prompt, target } of examples) {
    let sum = 0;
    let all = true;
    for (let i = 0; i < target.length; i++) {
      const z = (await engine.capture({ tokens: [...prompt, ...target.slice(0, i)], path: chain })).logitsLast;
      let max = -Infinity;
      let arg = 0;
      z.forEach((v, k) => {
        if (v > max) {
          max = v;
          arg = k;
        }
      });
      let s = 0;
      z.forEach((v) => (s += Math.exp(v - max)));
      const t = target[i] as number;
      sum += (z[t] as number) - max - Math.log(s);
      if (arg !== t) all = false;
    }
    logprob += sum / target.length;
    exact += all ? 1 : 0;
  }
  return { logprob: logprob / examples.length, exact: exact / examples.length };
}

/** Every distinct chain reachable by keep / skip / repeat×2 over segments of 1–4 layers. */
function searchSpace(L: number): number[][] {
  const seen = new Map<string, number[]>();
  const rec = (at: number, chain: number[]): void => {
    if (at === L) {
      seen.set(chain.join(','), chain);
      return;
    }
    for (let s = 1; s <= Math.min(MAX_SEGMENT, L - at); s++) {
      const seg = Array.from({ length: s }, (_, k) => at + k);
      rec(at + s, [...chain, ...seg]);
      rec(at + s, chain);
      rec(at + s, [...chain, ...seg, ...seg]);
    }
  };
  rec(0, []);
  return [...seen.values()];
}

function randomExamples(seed: number, n: number, promptLen: number, targetLen: number, vocab: number, bos: number): ChainExample[] {
  const r = mulberry32(seed);
  const ids = (k: number): number[] => Array.from({ length: k }, () => 3 + Math.floor(r() * (vocab - 3)));
  return Array.from({ length: n }, () => ({ prompt: [bos, ...ids(promptLen - 1)], target: ids(targetLen) }));
}

/** The model's own greedy continuation of `prompt` under the full chain, so the full chain answers exactly. */
async function greedy(engine: Engine, prompt: number[], n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = (await engine.capture({ tokens: [...prompt, ...out] })).logitsLast;
    let arg = 0;
    z.forEach((v, k) => {
      if (v > (z[arg] as number)) arg = k;
    });
    out.push(arg);
  }
  return out;
}

/** One chain at a time: the engine runs one forward pass at a time anyway. */
async function bruteForce<R>(space: number[][], f: (chain: number[]) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const chain of space) out.push(await f(chain));
  return out;
}

const rank = (a: { chain: number[]; reward: number }, b: { chain: number[]; reward: number }): number =>
  b.reward - a.reward || a.chain.length - b.chain.length || a.chain.join(',').localeCompare(b.chain.join(','), 'en', { numeric: true });

describe('chain search on llama-gqa (3 layers)', () => {
  let engine: Engine;
  const L = 3;
  let examples: ChainExample[];
  beforeAll(async () => {
    engine = await engineFor('tests/fixtures/models/llama-gqa');
    examples = randomExamples(11, 2, 6, 3, 200, 1);
  });
  afterAll(() => engine.unload());

  it('exhausts the space with budget = its size and finds the brute-force best; every reward matches the independent one', async () => {
    const space = searchSpace(L);
    // 27 per-layer choices + 3 + 3 with a 2-layer loop + 1 with the 3-layer loop.
    expect(space.length).toBe(34);
    const penalty = 0.3;
    const truth = await bruteForce(space, async (chain) => {
      const r = await independent(engine, examples, chain);
      return { chain, reward: r.logprob - penalty * (chain.length / L), ...r };
    });
    truth.sort(rank);
    const before = tf.memory().numTensors;
    const res = await chainSearch(engine.model().model, examples, { budget: space.length, lengthPenalty: penalty, topK: 100, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.evaluations).toBe(space.length);
    expect(res.best.length).toBe(space.length);
    expect(res.best[0]?.chain).toEqual(truth[0]?.chain);
    const byKey = new Map(truth.map((t) => [t.chain.join(','), t]));
    for (const s of res.best) {
      const t = byKey.get(s.chain.join(','));
      if (!t) throw new Error(`chain [${s.chain.join(',')}] is outside the search space`);
      expect(Math.abs(s.logprob - t.logprob)).toBeLessThan(1e-4);
      expect(Math.abs(s.reward - t.reward)).toBeLessThan(1e-4);
      expect(s.exact).toBe(t.exact);
      expect(s.length).toBe(s.chain.length);
    }
    expect(res.full.chain).toEqual([0, 1, 2]);
    expect(res.full.notation).toBe('0-2');
    // A larger budget stops as soon as the space is exhausted.
    const more = await chainSearch(engine.model().model, examples, { budget: 500, lengthPenalty: penalty, seed: 3 });
    expect(more.exhausted).toBe(true);
    expect(more.evaluations).toBe(space.length);
    expect(more.best[0]?.chain).toEqual(truth[0]?.chain);
  });

  it('exact mode: the greedy answer of the full model; a length penalty prefers the shortest exact chain', async () => {
    const prompt = examples[0]?.prompt ?? [];
    const ex: ChainExample[] = [{ prompt, target: await greedy(engine, prompt, 3) }];
    const space = searchSpace(L);
    const truth = await bruteForce(space, async (chain) => {
      const r = await independent(engine, ex, chain);
      return { chain, reward: r.exact - 0.1 * (chain.length / L), ...r };
    });
    truth.sort(rank);
    const res = await chainSearch(engine.model().model, ex, { mode: 'exact', budget: 100, lengthPenalty: 0.1, seed: 1 });
    expect(res.full.exact).toBe(1);
    expect(res.best[0]?.chain).toEqual(truth[0]?.chain);
    expect(res.best[0]?.reward).toBeCloseTo(truth[0]?.reward ?? NaN, 6);
  });

  it('budget 1 evaluates and reports only the full chain; bad settings are refused', async () => {
    const res = await chainSearch(engine.model().model, examples, { budget: 1 });
    expect(res.evaluations).toBe(1);
    expect(res.best.map((b) => b.chain)).toEqual([[0, 1, 2]]);
    expect(res.full).toEqual(res.best[0]);
    await expect(chainSearch(engine.model().model, [], {})).rejects.toThrow(StrataError);
    await expect(chainSearch(engine.model().model, examples, { budget: 0 })).rejects.toThrow(StrataError);
    await expect(chainSearch(engine.model().model, [{ prompt: [1], target: [] }])).rejects.toThrow(StrataError);
    await expect(chainSearch(engine.model().model, [{ prompt: [1], target: [999] }])).rejects.toThrow(StrataError);
  });
});

describe('chain search on stories260K (5 layers)', () => {
  let engine: Engine;
  let examples: ChainExample[];
  beforeAll(async () => {
    engine = await engineFor('tests/fixtures/models/stories260K');
    examples = randomExamples(5, 2, 8, 3, 512, 1);
  });
  afterAll(() => engine.unload());

  it('rewards match the independent computation to 1e-4 (skips, loops, the empty chain)', async () => {
    const res = await chainSearch(engine.model().model, examples, { budget: 25, topK: 25, seed: 2, lengthPenalty: 0.05 });
    const scores: ChainScore[] = [res.full, ...res.best];
    expect(scores.some((s) => s.chain.length > 5)).toBe(true);
    for (const s of scores) {
      const r = await independent(engine, examples, s.chain);
      expect(Math.abs(s.logprob - r.logprob)).toBeLessThan(1e-4);
      expect(Math.abs(s.reward - (r.logprob - 0.05 * (s.chain.length / 5)))).toBeLessThan(1e-4);
      expect(s.exact).toBe(r.exact);
    }
    const empty = await independent(engine, examples, []);
    expect(Number.isFinite(empty.logprob)).toBe(true);
  });

  it('is deterministic for a seed; reports progress per evaluation; leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const seen: { done: number; budget: number; reward: number }[] = [];
    const opts = { budget: 30, seed: 42, exploration: 1, lengthPenalty: 0.1 };
    const a = await chainSearch(engine.model().model, examples, { ...opts, onProgress: (p) => seen.push({ done: p.done, budget: p.budget, reward: p.best.reward }) });
    const b = await chainSearch(engine.model().model, examples, opts);
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toEqual(a);
    expect(a.evaluations).toBe(30);
    expect(seen.map((p) => p.done)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(seen.every((p) => p.budget === 30)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.reward).toBeGreaterThanOrEqual(seen[i - 1]?.reward ?? Infinity);
    expect(seen.at(-1)?.reward).toBe(a.best[0]?.reward);
  });

  it('a cancel after k evaluations returns the search of budget k (marked partial); before the first it fails; tensors balance', async () => {
    const before = tf.memory().numTensors;
    const opts = { seed: 7, exploration: 1, lengthPenalty: 0.1, topK: 6 };
    for (const k of [1, 4, 13]) {
      const ctrl = new AbortController();
      let last = 0;
      const part = await chainSearch(engine.model().model, examples, {
        ...opts, budget: 200, signal: ctrl.signal,
        onProgress: ({ done }) => {
          last = done;
          if (done === k) ctrl.abort();
        },
      });
      expect(last).toBe(k);
      expect(part.partial).toEqual({ done: k, total: 200, unit: 'chains' });
      // The independent reference: a search that was never cancelled, with budget k and the same seed.
      const small = await chainSearch(engine.model().model, examples, { ...opts, budget: k });
      expect(small.partial).toBeUndefined();
      expect({ ...part, partial: undefined }).toEqual({ ...small, partial: undefined });
      expect(part.evaluations).toBe(k);
      expect(part.exhausted).toBe(false);
    }
    const run = chainSearch(engine.model().model, examples, { budget: 200, signal: AbortSignal.abort() });
    await expect(run).rejects.toThrow(/cancelled/);
    await expect(run).rejects.toBeInstanceOf(StrataError);
    // Through the registered analysis: the engine's signal reaches the search.
    const ctl = new AbortController();
    const r = await engine.analyze('chain-search', { options: { examples, budget: 50, seed: 1 } }, { signal: ctl.signal, onProgress: (p) => { if (p.done === 3) ctl.abort(); } });
    expect(r.partial).toEqual({ done: 3, total: 50, unit: 'chains' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('timing: evaluations per second with 8-token prompts', async () => {
    const ex = randomExamples(9, 1, 8, 1, 512, 1);
    const t0 = performance.now();
    const res = await chainSearch(engine.model().model, ex, { budget: 100, seed: 0 });
    const s = (performance.now() - t0) / 1000;
    console.log(`stories260K, 1 example (8-token prompt + 1 target): ${res.evaluations} evaluations in ${s.toFixed(2)} s = ${(res.evaluations / s).toFixed(1)} eval/s; best ${res.best[0]?.notation} (${res.best[0]?.reward.toFixed(3)}) vs full ${res.full.reward.toFixed(3)}`);
    const ex4 = randomExamples(9, 4, 8, 4, 512, 1);
    const t1 = performance.now();
    const r4 = await chainSearch(engine.model().model, ex4, { budget: 100, seed: 0 });
    const s4 = (performance.now() - t1) / 1000;
    console.log(`stories260K, 4 examples (8-token prompt + 4 targets): ${r4.evaluations} evaluations in ${s4.toFixed(2)} s = ${(r4.evaluations / s4).toFixed(1)} eval/s`);
    expect(res.evaluations).toBe(100);
  });
});
