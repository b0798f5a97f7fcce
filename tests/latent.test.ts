/**
 * The latent analysis against the independent float64 PyTorch reference
 * (scripts/reference/latent.py → tests/golden/latent/): the same prompts, token sets,
 * dropped rows and ids; per-sample curves, means, bands and entropy to 1e-4 (two-sided).
 * Cases: the demo model (byte-level BPE) fr→de translation, ru repetition with two latent
 * languages, fr cloze; stories260K (SentencePiece with byte fallback) fr→en. Also: a zero
 * tuned lens is the logit lens, the last layer is the model's own output, and a cancel
 * after the first prompt keeps that prompt (partial).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Band, LatentTask, WordLists } from '../src/contracts/latent';
import { parseWordCsv } from '../workers/engine/analyses/latent-protocol';
import { engineFor } from './helpers/node-engine';

interface Golden {
  case: { name: string; model: string; words: string; task: LatentTask; source: string; target: string; latent: string[]; shots: number; seed: number; limit: number };
  rows: number;
  droppedWords: string[];
  samples: { word: string; prompt: string; ids: number[]; targetSet: number[]; latentSets: Record<string, number[]> }[];
  layers: number[];
  relDepth: number[];
  pTarget: Band;
  pLatent: Record<string, Band>;
  entropyBits: number[];
  perSample: { pTarget: number[]; pLatent: Record<string, number[]>; entropyBits: number[]; top1: number[] }[];
}

const DIR = 'tests/golden/latent';
const goldens = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Golden);

function lists(dir: string): WordLists {
  const out: WordLists = {};
  for (const l of readdirSync(dir)) {
    const p = join(dir, l, 'clean.csv');
    if (existsSync(p)) out[l] = parseWordCsv(readFileSync(p, 'utf8'), p);
  }
  return out;
}

function close(a: number[], e: number[], tol = 1e-4): void {
  expect(a).toHaveLength(e.length);
  const worst = Math.max(...a.map((x, i) => Math.abs(x - (e[i] as number))));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('latent analysis vs the PyTorch reference', () => {
  it('golden cases exist for both tokenizer kinds and all three tasks', () => {
    expect(goldens.map((g) => g.case.name).sort()).toEqual(['demo-cloze-fr', 'demo-fr-de', 'demo-rep-ru', 'stories-fr-en']);
  });

  for (const g of goldens) {
    it(`${g.case.name}: prompts, sets, drops and ids equal; curves to 1e-4`, async () => {
      const e = await engineFor(g.case.model);
      const { name: _n, model: _m, words, ...opts } = g.case;
      const r = await e.analyze('latent', { options: { ...opts, lists: lists(words) } });
      expect(r.rows).toBe(g.rows);
      expect(r.dropped.map((d) => d.word)).toEqual(g.droppedWords);
      expect(r.n).toBe(g.samples.length);
      r.samples.forEach((s, i) => {
        const gs = g.samples[i];
        expect(s.prompt).toBe(gs?.prompt);
        expect(s.ids).toEqual(gs?.ids);
        expect(s.targetSet).toEqual(gs?.targetSet);
        expect(s.latentSets).toEqual(gs?.latentSets);
        const c = r.perSample[i];
        const gc = g.perSample[i];
        if (!c || !gc) throw new Error('missing sample');
        close(c.pTarget, gc.pTarget);
        close(c.entropyBits, gc.entropyBits);
        for (const l of g.case.latent) close(c.pLatent[l] as number[], gc.pLatent[l] as number[]);
        expect(c.topIds.map((t) => t[0])).toEqual(gc.top1);
      });
      expect(r.layers).toEqual(g.layers);
      close(r.relDepth, g.relDepth, 1e-12);
      for (const k of ['mean', 'lo', 'hi'] as const) {
        close(r.pTarget[k], g.pTarget[k]);
        for (const l of g.case.latent) close((r.pLatent[l] as Band)[k], (g.pLatent[l] as Band)[k]);
      }
      close(r.entropyBits, g.entropyBits);
      e.registry.clear();
    }, 120_000);
  }

  it('the last layer is the model output; a zero tuned lens is the logit lens; cancel keeps the prompts finished', async () => {
    const g = goldens.find((x) => x.case.name === 'demo-fr-de') as Golden;
    const e = await engineFor('public/models/demo');
    const { name: _n, model: _m, words, ...base } = g.case;
    const opts = { ...base, lists: lists(words), limit: 3 };
    const logit = await e.analyze('latent', { options: opts });
    // Last layer = softmax of the model's own logits at the last position, summed over the target set.
    const s0 = logit.samples[0];
    if (!s0) throw new Error('no sample');
    const out = e.registry.run(undefined, s0.ids, undefined);
    const lp = tf.tidy(() => tf.logSoftmax(tf.slice(out.logits, [s0.ids.length - 1, 0], [1, -1])));
    const p = Array.from(await lp.data(), Math.exp);
    lp.dispose();
    const want = s0.targetSet.reduce((a, t) => a + (p[t] as number), 0);
    expect(Math.abs((logit.perSample[0]?.pTarget.at(-1) as number) - want)).toBeLessThanOrEqual(1e-6);
    // A zero tuned lens (h + 0·h + 0 = h) gives the logit lens's numbers.
    const { layers: L, dModel: d } = e.registry.model().model.arch;
    const zero = await import('../workers/engine/io/safetensors-write');
    const parts = Array.from({ length: L }, (_, i) => [
      { name: `${i}.weight`, dtype: 'F32' as const, shape: [d, d], data: new Float32Array(d * d) },
      { name: `${i}.bias`, dtype: 'F32' as const, shape: [d], data: new Float32Array(d) },
    ]).flat();
    const lens = await e.importTunedLens(zero.writeSafetensors(parts, {}), 'zero.safetensors');
    const tuned = await e.analyze('latent', { options: { ...opts, tuned: lens.id } });
    expect(tuned.lens).toBe('tuned');
    tuned.perSample.forEach((c, i) => close(c.pTarget, logit.perSample[i]?.pTarget as number[], 1e-6));
    // Cancel after the first prompt: the result holds that prompt, marked partial.
    const before = tf.memory().numTensors;
    await e.analyze('latent', { options: opts });
    expect(tf.memory().numTensors).toBe(before); // every tensor of the prompts' forwards disposed
    const ac = new AbortController();
    const part = await e.analyze('latent', { options: opts }, { signal: ac.signal, onProgress: () => ac.abort() });
    expect(part.partial).toEqual({ done: 1, total: 3, unit: 'prompts' });
    expect(part.n).toBe(1);
    close(part.pTarget.mean, logit.perSample[0]?.pTarget as number[], 1e-9);
    e.registry.clear();
  }, 120_000);
});
