/**
 * The cost of non-finite detection (forward/finite.ts): the bench model (GPT-2-small
 * shaped, `npm run bench`'s) forwarded on T tokens with and without a FiniteWatch,
 * interleaved so drift hits both alike, and the one read-back that settles it.
 * `npx tsx scripts/bench-finite.ts [--runs 7] [--tokens 128] [--backend wasm|cpu]`.
 * Prints medians; nothing here asserts a time.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../workers/engine/engine';
import { FiniteWatch } from '../workers/engine/forward/finite';
import { defaultPath, disposeForward, forward } from '../workers/engine/forward/forward';
import { dirFileSet } from '../workers/node/fs-source';
import { initNodeBackend } from '../workers/node/host';
import { makeBenchModel } from './make-bench-model';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, tokens: { type: 'string', default: '128' }, backend: { type: 'string', default: 'wasm' } } });
const runs = Number(values.runs);
const T = Number(values.tokens);
console.log(`backend ${await initNodeBackend(values.backend === 'cpu' ? 'cpu' : 'wasm')}; ${T} tokens; ${runs} interleaved pairs after a warm-up`);
const engine = new Engine();
const entry = await engine.load(await dirFileSet(makeBenchModel()));
const model = entry.model;
const tokens = Array.from({ length: T }, (_, i) => (i * 7919) % model.arch.vocab);
const path = defaultPath(model.arch.layers);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[(s.length >> 1) - 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/** One forward, its last logit read back (the sync point every analysis has), and with a watch its settle. */
async function once(watched: boolean): Promise<{ total: number; settle: number }> {
  const watch = watched ? new FiniteWatch() : undefined;
  const t0 = performance.now();
  const out = forward(model, tokens, { path, keepResiduals: true, ...(watch ? { watch } : {}) });
  await tf.slice(out.logits, [T - 1, 0], [1, 1]).data();
  const t1 = performance.now();
  await watch?.settle();
  const t2 = performance.now();
  disposeForward(out);
  return { total: t2 - t0, settle: t2 - t1 };
}

await once(false);
await once(true);
const plain: number[] = [];
const watched: number[] = [];
const settle: number[] = [];
for (let i = 0; i < runs; i++) {
  plain.push((await once(false)).total);
  const w = await once(true);
  watched.push(w.total);
  settle.push(w.settle);
}
const p = median(plain);
const w = median(watched);
console.log(`forward without watch  median ${p.toFixed(1)} ms (min ${Math.min(...plain).toFixed(1)})`);
console.log(`forward with watch     median ${w.toFixed(1)} ms (min ${Math.min(...watched).toFixed(1)}), of which settle ${median(settle).toFixed(2)} ms`);
console.log(`overhead               ${(w - p).toFixed(1)} ms = ${(((w - p) / p) * 100).toFixed(2)} % (${2 * path.length + 2} on-device sums, one read-back)`);

// The checks alone, without the forward's noise: 2S + 2 sums of a [T, d] tensor, stacked, read back.
const x = tf.randomNormal([T, model.arch.dModel]) as tf.Tensor2D;
const alone: number[] = [];
for (let i = 0; i <= runs; i++) {
  const t0 = performance.now();
  const h = tf.tidy(() => tf.stack(Array.from({ length: 2 * path.length + 2 }, () => tf.sum(x))));
  await h.data();
  h.dispose();
  if (i > 0) alone.push(performance.now() - t0);
}
x.dispose();
console.log(`the sums alone         median ${median(alone).toFixed(2)} ms = ${((median(alone) / p) * 100).toFixed(3)} % of the plain forward`);
engine.unload();
