/**
 * `npm run bench`: a GPT-2-small-shaped forward on 128 tokens on wasm (or --backend cpu):
 * median time of a plain forward and of one with every hook captured and read back,
 * tokens/s, the capture overhead, the trace (lens over all rows), an analysis read from
 * the run cache, batch extraction (rows/s, packed batches vs one row at a time) and peak
 * memory. Every timed forward starts with the run caches dropped, so nothing is a cache
 * hit unless it says so. Prints figures; nothing here asserts a time. `--browser`: the
 * Qwen2.5-0.5B- and Llama-3.2-1B-shaped BF16 checkpoints in Chromium on WebGPU instead
 * (scripts/bench-browser.ts).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../workers/engine/engine';
import { BLOCK_HOOKS, GLOBAL_HOOKS } from '../workers/engine/forward/hooks';
import { dirFileSet } from '../workers/node/fs-source';
import { initNodeBackend } from '../workers/node/host';
import { nodeWasmLine } from '../workers/node/wasm-threads';
import { benchLensFloor } from './bench-lens';
import { benchCli, benchTorch } from './bench-peers';
import { benchBrowser } from './bench-browser';
import { makeBenchModel } from './make-bench-model';

if (process.argv.includes('--browser')) {
  // The large-model-shaped BF16 checkpoints in Chromium on WebGPU (scripts/bench-browser.ts).
  const { values: b } = parseArgs({ options: { browser: { type: 'boolean' }, dist: { type: 'string' }, port: { type: 'string' }, models: { type: 'string' } } });
  await benchBrowser(b);
  process.exit(0);
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, tokens: { type: 'string', default: '128' }, backend: { type: 'string', default: 'wasm' }, rows: { type: 'string', default: '256' }, 'row-tokens': { type: 'string', default: '32' } } });
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
if (backend === 'wasm') console.log(nodeWasmLine()); // e.g. "wasm build threaded-simd, 2 threads" (STRATA_WASM_THREADS)
const engine = new Engine();
const t0 = performance.now();
const info = (await engine.load(await dirFileSet(dir))).info;
console.log(`load: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(info.params / 1e6).toFixed(1)} M params, ${(info.deviceBytes / 2 ** 20).toFixed(0)} MiB on the device`);
const tokens = Array.from({ length: T }, (_, i) => (i * 7919) % info.vocab);
const capture = [...GLOBAL_HOOKS.filter((h) => h !== 'ln_final.hook_normalized'), 'ln_final.hook_normalized', ...BLOCK_HOOKS.map((h) => `blocks.*.${h}`)];
let capturedBytes = 0;

const cold = <R>(f: () => Promise<R>) => async (): Promise<R> => {
  engine.registry.dropRuns();
  return f();
};
const plain = await time('forward, no capture', cold(() => engine.capture({ tokens })));
const full = await time(`forward, all ${BLOCK_HOOKS.length * info.layers + GLOBAL_HOOKS.length} hooks captured`, cold(async () => {
  const r = await engine.capture({ tokens, capture });
  capturedBytes = Object.values(r.captures).reduce((s, c) => s + c.data.byteLength, 0);
}));
const traced = await time('trace (lens on all 13 rows, top-5)', cold(() => engine.analyze('trace', { run: { tokens }, options: { topk: 5 } })));
await engine.analyze('lens', { run: { tokens }, options: { topk: 5, range: [T - 16, T] } });
const cachedLens = await time('lens of a cached run, 16 positions', () => engine.analyze('lens', { run: { tokens }, options: { topk: 5, range: [T - 16, T] } }));
console.log(`run cache: a second view of the same run costs ×${(cachedLens / plain).toFixed(2)} of a forward (no re-run)`);
await benchLensFloor(engine, tokens, runs);
engine.registry.dropRuns();
const gflop = (2 * info.params * T) / 1e9;
console.log(`capture overhead: ×${(full / plain).toFixed(2)} (${(capturedBytes / 2 ** 20).toFixed(0)} MiB read back); trace: ×${(traced / plain).toFixed(2)} of a plain forward`);
console.log(`throughput: ~${(gflop / (plain / 1000)).toFixed(1)} GFLOP/s on the weight matmuls (${gflop.toFixed(0)} GFLOP per forward)`);

// Extraction: rows of `row-tokens` tokens at `last`, blocks.*.hook_resid_post, one timed pass each.
const R = Number(values.rows);
const RT = Number(values['row-tokens']);
const csv = ['ids', ...Array.from({ length: R }, (_, r) => `"${Array.from({ length: RT }, (_, t) => (r * 131 + t * 7919) % info.vocab).join(',')}"`)].join('\n');
const ds = engine.datasetLoad(new TextEncoder().encode(csv), 'bench.csv');
for (const [label, batchTokens] of [['batches of 512 tokens', 512], ['one row at a time', 0]] as const) {
  const rss0 = peakRss;
  const t1 = performance.now();
  const r = await engine.analyze('extract', { options: { dataset: ds.id, hooks: ['blocks.*.hook_resid_post'], position: 'last', batchTokens } });
  const secs = (performance.now() - t1) / 1000;
  console.log(`extract ${R} rows × ${RT} tokens, ${label}: ${secs.toFixed(1)} s, ${(R / secs).toFixed(1)} rows/s (${r.hooks.length} hooks, ${(r.bytes / 2 ** 20).toFixed(1)} MiB kept; peak RSS so far ${(Math.max(rss0, peakRss) / 2 ** 20).toFixed(0)} MiB)`);
  engine.dropArtifact(r.artifact);
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; tfjs holds ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB`);
engine.unload();
benchTorch(dir, T, runs, { forward: plain, trace: traced });
benchCli(dir, Math.min(runs, 3));
