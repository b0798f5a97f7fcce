/**
 * The embedded demo model (public/models/demo, trained by scripts/demo/train.py):
 * the engine reproduces the Python trainer's logits, every documented behaviour holds,
 * and the held-out accuracy in the model card is what the engine measures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../workers/engine/engine';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { TextTokenizer } from '../workers/engine/tokenizer/tokenizer';
import { dirFileSet } from '../workers/node/fs-source';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const DIR = join('public', 'models', 'demo');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

interface Behaviour { prompt: string; expect: string }
interface HeldoutItem { kind: string; family: string; lang: string; prompt: string; expect: string; correct: boolean }
interface Heldout { counts: Record<string, { n: number; correct: number }>; items: HeldoutItem[] }
interface Reference { prompt: string; ids: number[]; logits: number[] }

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

describe('demo model', () => {
  let engine: Engine;
  let tok: TextTokenizer;
  const next = async (prompt: string): Promise<string> => {
    const r = await engine.capture({ tokens: engine.encode(prompt) });
    return tok.decode([argmax(r.logitsLast)]);
  };

  beforeAll(async () => {
    engine = await engineFor(DIR);
    const t = await TextTokenizer.fromCheckpoint(await openCheckpoint(await dirFileSet(DIR)));
    if (!t) throw new Error('demo model has no tokenizer');
    tok = t;
  });

  it('reproduces the Python trainer logits (export layout: RoPE, GQA, [out,in] linears)', async () => {
    const refs = readJson<Reference[]>(join('scripts', 'demo', 'reference_logits.json'));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(engine.encode(ref.prompt)).toEqual(ref.ids);
      const r = await engine.capture({ tokens: ref.ids });
      const { diff, scale } = maxAbsDiff(r.logitsLast, ref.logits);
      expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    }
  });

  it('is small enough to ship (< 10 MiB)', () => {
    const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
    const total = files.reduce((s, f) => s + readFileSync(join(DIR, f)).length, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
  });

  it('holds every behaviour in behaviours.json', async () => {
    const behaviours = readJson<Behaviour[]>(join(DIR, 'behaviours.json'));
    expect(behaviours.length).toBeGreaterThanOrEqual(20);
    const got: string[] = [];
    for (const b of behaviours) got.push(await next(b.prompt));
    expect(got).toEqual(behaviours.map((b) => b.expect));
  }, 300_000);

  it('measures the held-out accuracy stated in the model card', async () => {
    const heldout = readJson<Heldout>(join(DIR, 'heldout.json'));
    const card = readFileSync(join(DIR, 'README.md'), 'utf8');
    const correct: Record<string, number> = {};
    const n: Record<string, number> = {};
    for (const item of heldout.items) {
      const ok = (await next(item.prompt)) === item.expect;
      n[item.kind] = (n[item.kind] ?? 0) + 1;
      correct[item.kind] = (correct[item.kind] ?? 0) + (ok ? 1 : 0);
    }
    for (const [kind, c] of Object.entries(heldout.counts)) {
      expect(n[kind]).toBe(c.n);
      expect(correct[kind]).toBe(c.correct);
      expect(card).toContain(`${c.correct}/${c.n}`);
    }
  }, 600_000);
});
