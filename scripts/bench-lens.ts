/**
 * The lens at its matmul floor (issue 15 item 4): on a cached run, the full lens over all T
 * positions decodes R = layers rows (the output row reuses the model's logits), i.e.
 * 2·R·T·d·V FLOPs of unembedding; printed as GFLOP/s beside one plain [R·T, d]·[d, V] matmul
 * on the same backend, for the fused batched lens and the row-by-row one. Medians; asserts nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Engine } from '../workers/engine/engine';

async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1] as number;
}

export async function benchLensFloor(engine: Engine, tokens: number[], runs: number): Promise<void> {
  const info = engine.model().info;
  const T = tokens.length;
  const R = info.layers; // embedding + layers−1 intermediate rows; the output row is the model's logits
  const d = info.dModel;
  const V = info.vocab;
  const gflop = (2 * R * T * d * V) / 1e9;
  await engine.analyze('lens', { run: { tokens }, options: { topk: 5 } }); // the run is cached: only the lens is timed
  const fused = await median(runs, () => engine.analyze('lens', { run: { tokens }, options: { topk: 5 } }));
  const perRow = await median(runs, () => engine.analyze('lens', { run: { tokens }, options: { topk: 5, perRow: true } }));
  const a = tf.randomNormal([R * T, d]) as tf.Tensor2D;
  const w = tf.randomNormal([d, V]) as tf.Tensor2D;
  // Only one element is read back: the lens reads back [N, k] tops, not the logits, and a
  // 300 MB readback would slow the yardstick, not the matmul.
  const mm = await median(runs, async () => {
    const y = tf.matMul(a, w);
    const one = tf.slice(y, [0, 0], [1, 1]);
    await one.data();
    tf.dispose([y, one]);
  });
  tf.dispose([a, w]);
  const rate = (ms: number): number => gflop / (ms / 1000);
  console.log(`lens, all ${T} positions × ${R} rows (${gflop.toFixed(1)} GFLOP of unembedding): fused ${fused.toFixed(0)} ms = ${rate(fused).toFixed(1)} GFLOP/s; row by row ${perRow.toFixed(0)} ms = ${rate(perRow).toFixed(1)} GFLOP/s`);
  console.log(`plain matmul [${R * T}, ${d}]·[${d}, ${V}]: ${mm.toFixed(0)} ms = ${rate(mm).toFixed(1)} GFLOP/s; the fused lens runs at ${((100 * mm) / fused).toFixed(0)}% of it (row by row ${((100 * mm) / perRow).toFixed(0)}%)`);
}
