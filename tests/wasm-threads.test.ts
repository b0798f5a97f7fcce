/**
 * The wasm backend's threaded SIMD build in Node (workers/node/wasm-threads.ts): it starts
 * with as many threads as STRATA_WASM_THREADS allows (or names why not), a matmul equals a
 * float64 triple loop, and a forward on the genuine stories260K weights equals the
 * independent float64 PyTorch reference (tests/golden/stories260K.json) to 1e-4; the CLI
 * ends by itself once its output is written.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../workers/engine/engine';
import { nodeWasmLine, nodeWasmStatus, wantedThreads } from '../workers/node/wasm-threads';
import type { GoldenCase } from './helpers/golden';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

const DIR = 'tests/fixtures/models/stories260K';
const golden = JSON.parse(readFileSync('tests/golden/stories260K.json', 'utf8')) as { model: string; cases: GoldenCase[] };
const cores = os.availableParallelism();

describe('STRATA_WASM_THREADS', () => {
  it('0 is off, unset is the cores, N is capped to the cores, anything else is refused in one line', () => {
    expect(wantedThreads({ STRATA_WASM_THREADS: '0' }, 2)).toBe(0);
    expect(wantedThreads({}, 2)).toBe(2);
    expect(wantedThreads({ STRATA_WASM_THREADS: '' }, 4)).toBe(4);
    expect(wantedThreads({}, 64)).toBe(8); // Emscripten's preloaded pool
    expect(wantedThreads({ STRATA_WASM_THREADS: '5' }, 2)).toBe(2);
    expect(wantedThreads({ STRATA_WASM_THREADS: '1' }, 2)).toBe(1);
    expect(() => wantedThreads({ STRATA_WASM_THREADS: 'two' }, 2)).toThrow('STRATA_WASM_THREADS must be a whole number of threads (0 = single-threaded), got "two"');
    expect(() => wantedThreads({ STRATA_WASM_THREADS: '-1' }, 2)).toThrow(/whole number/);
  });
});

describe('the threaded wasm build in Node', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await engineFor(DIR);
  });

  it('starts with the wanted threads, or says why not', () => {
    expect(tf.getBackend()).toBe('wasm');
    const s = nodeWasmStatus();
    if (!s) throw new Error('wasm started without a status');
    const want = wantedThreads();
    if (s.info.build === 'threaded-simd') {
      expect(s.noThreads).toBeUndefined();
      expect(s.info.threads).toBe(want);
      expect(nodeWasmLine()).toBe(`wasm build threaded-simd, ${want} threads`);
    } else {
      expect(s.info.threads).toBe(1);
      expect(s.noThreads).toMatch(want >= 2 ? /^the threaded build did not start \(.+\)$/ : /^(one logical core|STRATA_WASM_THREADS=\d+)$/);
    }
    // On a machine with two or more cores and threads not turned off, the threaded build must run.
    if (cores >= 2 && want >= 2) expect(s.info.build, s.noThreads).toBe('threaded-simd');
  });

  it('a matmul [160, 96] × [96, 200] equals a float64 triple loop to 1e-4', async () => {
    const [M, K, N] = [160, 96, 200];
    const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(0.37 * Math.floor(i / K) + 0.11 * (i % K)));
    const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(0.23 * Math.floor(i / N) - 0.17 * (i % N)));
    const want = new Float64Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += (a[m * K + k] as number) * (b[k * N + n] as number);
        want[m * N + n] = s;
      }
    }
    const c = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N]))); // [M, N]
    const got = await c.data();
    c.dispose();
    const { diff, scale } = maxAbsDiff(got, want);
    expect(Number.isFinite(diff)).toBe(true);
    expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
  });

  it('a forward on stories260K equals the float64 reference to 1e-4 (logits and residual norms)', async () => {
    expect(golden.model).toBe(DIR);
    for (const c of golden.cases.filter((x) => x.path === null)) {
      const r = await engine.analyze('trace', { run: { tokens: c.ids }, options: { topk: 1 } });
      const { diff, scale } = maxAbsDiff(r.logitsLast, c.logitsLast);
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
      c.residNorms.forEach((row, s) => {
        const n = maxAbsDiff(r.residNorms[s] as Float32Array, row);
        expect(n.diff, `residNorms[${s}]`).toBeLessThanOrEqual(1e-4 * Math.max(1, n.scale));
      });
    }
  });
});

describe('the CLI with threads on', () => {
  it('ends by itself once a command is done, with nothing on stderr', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const c = golden.cases[0];
    if (!c) throw new Error('no case');
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'trace', '--model', DIR, '--ids', c.ids.join(','), '--json'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.signal).toBeNull(); // not killed by the timeout: the pthread workers did not keep Node alive
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { logitsLast: number[] };
    const { diff, scale } = maxAbsDiff(out.logitsLast, c.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
  });
});
