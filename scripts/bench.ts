/**
 * `npm run bench`: a GPT-2-small-shaped forward on 128 tokens on wasm (or --backend cpu):
 * median time of a plain forward and of one with every hook captured and read back,
 * tokens/s, the capture overhead, the trace (lens over all rows), and peak memory.
 * Prints figures; nothing here asserts a time.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../workers/engine/engine';
import { BLOCK_HOOKS, GLOBAL_HOOKS } from '../workers/engine/forward/hooks';
import { dirFileSet } from '../workers/node/fs-source';
import { initNodeBackend } from '../workers/node/host';
import { makeBenchModel } from './make-bench-model';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, tokens: { type: 'string', default: '128' }, backend: { type: 'string', default: 'wasm' } } });
const runs = Number(values.runs);
const T = Number(values.tokens);
const backend = values.backend === 'cpu' ? 'cpu' : 'wasm';

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function time(label: string, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up: kernels compiled, buffers allocated
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  const med = median(ms);
  console.log(`${label.padEnd(34)} median ${med.toFixed(0).padStart(6)} ms  (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}, n=${runs})  ${((T / med) * 1000).toFixed(1)} tokens/s`);
  return med;
}

const dir = makeBenchModel();
console.log(`backend ${await initNodeBackend(backend)}; model ${dir}; ${T} tokens; ${runs} runs after a warm-up`);
const engine = new Engine();
const t0 = performance.now();
const info = await engine.load(await dirFileSet(dir));
console.log(`load: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(info.params / 1e6).toFixed(1)} M params, ${(info.deviceBytes / 2 ** 20).toFixed(0)} MiB on the device`);
const tokens = Array.from({ length: T }, (_, i) => (i * 7919) % info.vocab);
const capture = [...GLOBAL_HOOKS.filter((h) => h !== 'ln_final.hook_normalized'), 'ln_final.hook_normalized', ...BLOCK_HOOKS.map((h) => `blocks.*.${h}`)];
let capturedBytes = 0;

const plain = await time('forward, no capture', () => engine.run({ tokens }));
const full = await time(`forward, all ${BLOCK_HOOKS.length * info.layers + GLOBAL_HOOKS.length} hooks captured`, async () => {
  const r = await engine.run({ tokens, capture });
  capturedBytes = Object.values(r.captures).reduce((s, c) => s + c.data.byteLength, 0);
});
const traced = await time('trace (lens on all 13 rows, top-5)', () => engine.trace(tokens, undefined, { topk: 5 }));
const gflop = (2 * info.params * T) / 1e9;
console.log(`capture overhead: ×${(full / plain).toFixed(2)} (${(capturedBytes / 2 ** 20).toFixed(0)} MiB read back); trace: ×${(traced / plain).toFixed(2)} of a plain forward`);
console.log(`throughput: ~${(gflop / (plain / 1000)).toFixed(1)} GFLOP/s on the weight matmuls (${gflop.toFixed(0)} GFLOP per forward)`);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; tfjs holds ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB`);
engine.unload();
