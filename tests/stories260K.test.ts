/**
 * The genuine trained stories260K checkpoint with its real tokenizer: the engine's greedy
 * continuation of "Once upon a time" equals the independent reference's (scripts/reference,
 * stored in tests/golden/stories260K.json), the text is fluent TinyStories English, and the
 * mean next-token NLL on TinyStories-style sentences is far below uniform and matches the
 * reference. (The scrambled copy this replaced produced "QQQQ…" and scored 11.7 nats/token,
 * worse than uniform's log 512 = 6.24.)
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../workers/engine/engine';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { TextTokenizer } from '../workers/engine/tokenizer/tokenizer';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor } from './helpers/node-engine';

const DIR = 'tests/fixtures/models/stories260K';

interface StoriesGolden {
  greedy: { promptText: string; prompt: number[]; continuation: number[]; text: string };
  nll: { texts: string[]; ids: number[][]; perText: number[]; mean: number; tokens: number; logVocab: number };
}
const golden = JSON.parse(readFileSync('tests/golden/stories260K.json', 'utf8')) as StoriesGolden;

/** Common TinyStories words; a fluent continuation is made almost only of these. */
const COMMON = new Set(('once upon a time there was little girl boy named lily tom ben sue she he it they her his him ' +
  'loved liked to play outside in the park one day saw big red ball and with mom dad friend friends went ' +
  'happy sad very so of on at was were is had have said dog cat tree toy toys sun').split(' '));

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

function logSoftmaxAt(z: Float32Array, k: number): number {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  return (z[k] as number) - m - Math.log(s);
}

describe('stories260K: genuine trained weights and tokenizer', () => {
  let engine: Engine;
  let tok: TextTokenizer;

  beforeAll(async () => {
    engine = await engineFor(DIR);
    const t = await TextTokenizer.fromCheckpoint(await openCheckpoint(await dirFileSet(DIR)));
    if (!t) throw new Error('stories260K has no tokenizer');
    tok = t;
  });

  it('encodes the prompt as the reference tokenizer does (BOS first)', () => {
    expect((engine.model().tokenizer !== undefined)).toBe(true);
    expect(engine.encode(golden.greedy.promptText)).toEqual(golden.greedy.prompt);
    expect(golden.greedy.prompt).toEqual([1, 403, 407, 261, 378]);
    golden.nll.texts.forEach((t, i) => expect(engine.encode(t)).toEqual(golden.nll.ids[i]));
  });

  it('greedy continuation of "Once upon a time" equals the reference and is fluent English', async () => {
    const g = golden.greedy;
    expect(g.continuation.length).toBeGreaterThanOrEqual(20);
    const ids = engine.encode(g.promptText);
    for (let i = 0; i < g.continuation.length; i++) {
      const r = await engine.capture({ tokens: ids });
      ids.push(argmax(r.logitsLast));
    }
    expect(ids.slice(g.prompt.length)).toEqual(g.continuation);
    const text = tok.decode(ids.slice(1)); // without BOS (decode keeps special pieces)
    expect(text).toBe(g.text);
    // Fluency: printable ASCII prose only, real words, mostly common ones.
    expect(text).toMatch(/^[A-Za-z ,.!?'"]+$/);
    const words = text.toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 0);
    expect(words.length).toBeGreaterThanOrEqual(15);
    const common = words.filter((w) => COMMON.has(w));
    expect(new Set(common).size).toBeGreaterThanOrEqual(10);
    expect(common.length / words.length).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...words.map((w) => w.length))).toBeLessThanOrEqual(10);
    expect(text).toMatch(/\. [A-Z]/); // at least one full sentence
  });

  it('mean next-token NLL on TinyStories-style text is far below uniform and matches the reference', async () => {
    const n = golden.nll;
    expect(n.logVocab).toBeCloseTo(Math.log(512), 6);
    expect(n.mean).toBeLessThan(0.4 * n.logVocab);
    let tot = 0;
    let count = 0;
    for (const [i, ids] of n.ids.entries()) {
      let s = 0;
      for (let t = 1; t < ids.length; t++) {
        const r = await engine.capture({ tokens: ids.slice(0, t) });
        s -= logSoftmaxAt(r.logitsLast, ids[t] as number);
      }
      const per = s / (ids.length - 1);
      expect(Math.abs(per - (n.perText[i] as number))).toBeLessThanOrEqual(1e-3 * (n.perText[i] as number));
      tot += s;
      count += ids.length - 1;
    }
    expect(count).toBe(n.tokens);
    const mean = tot / count;
    console.log(`stories260K mean NLL: engine ${mean.toFixed(4)}, reference ${n.mean} nats/token over ${count} tokens; uniform log(512) = ${n.logVocab}`);
    expect(Math.abs(mean - n.mean)).toBeLessThanOrEqual(1e-3 * n.mean);
  });
});
