/**
 * An SAE's per-feature tables over a dataset (the `sae-stats` artifact, host memory):
 * fire counts, max and sum of z per feature, the top-N (row, position, activation)
 * examples per feature, the examples per quantile group, and a 50-bin histogram of the
 * non-zero activations per feature over (0, max_f] — bin b = min(49, ⌊50·z/max_f⌋).
 * Quantile group q (of 5) is bins 10q..10q+9, i.e. [q·max/5, (q+1)·max/5).
 *
 * Top tables: per feature up to `n` entries sorted by activation (largest first), only
 * z > 0 kept; merged on the host from each batch's on-device tf.topk over positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { SAE_HIST_BINS } from '../../../src/contracts/sae-dataset';
import type { ForwardOutput } from '../forward/forward';
import type { RowBatch } from '../analyses/dataset-rows';

/** Per feature f, entries f·n .. f·n + count[f] − 1, largest first. */
export interface TopTable {
  n: number;
  vals: Float32Array;
  row: Int32Array;
  pos: Int32Array;
  count: Int32Array;
}

export function topTable(dSae: number, n: number): TopTable {
  return { n, vals: new Float32Array(dSae * n), row: new Int32Array(dSae * n), pos: new Int32Array(dSae * n), count: new Int32Array(dSae) };
}

/**
 * Merges one batch's per-feature top-k (values / indices [dSae, k], largest first, indices
 * into the batch's token list `rowOf` / `posOf`) into the table. Values ≤ 0 are dropped.
 */
export function mergeTop(t: TopTable, vals: Float32Array, idx: Int32Array, k: number, rowOf: Int32Array, posOf: Int32Array): void {
  const { n } = t;
  const mv = new Float32Array(n);
  const mr = new Int32Array(n);
  const mp = new Int32Array(n);
  const dSae = t.count.length;
  for (let f = 0; f < dSae; f++) {
    const base = f * n;
    const have = t.count[f] as number;
    let a = 0;
    let b = 0;
    let m = 0;
    while (m < n) {
      const va = a < have ? (t.vals[base + a] as number) : -Infinity;
      const vb = b < k ? (vals[f * k + b] as number) : -Infinity;
      if (va === -Infinity && !(vb > 0)) break;
      if (va >= vb || !(vb > 0)) {
        mv[m] = va; mr[m] = t.row[base + a] as number; mp[m] = t.pos[base + a] as number; a++;
      } else {
        const j = idx[f * k + b] as number;
        mv[m] = vb; mr[m] = rowOf[j] as number; mp[m] = posOf[j] as number; b++;
      }
      m++;
    }
    t.vals.set(mv.subarray(0, m), base);
    t.row.set(mr.subarray(0, m), base);
    t.pos.set(mp.subarray(0, m), base);
    t.count[f] = m;
  }
}

/** One feature's entries of a table. */
export function topOf(t: TopTable, f: number): { row: number; position: number; act: number }[] {
  const out: { row: number; position: number; act: number }[] = [];
  for (let j = 0; j < (t.count[f] as number); j++) out.push({ row: t.row[f * t.n + j] as number, position: t.pos[f * t.n + j] as number, act: t.vals[f * t.n + j] as number });
  return out;
}

export interface SaeStats {
  /** What it was computed for. */
  sae: string;
  dataset: string;
  datasetName: string;
  limit: number;
  path: number[];
  interventions: Intervention[];
  /** The scan's tokens per batch (the feature and search runs use it too). */
  batchTokens: number;
  /** The run's hook the SAE read. */
  hook: string;
  dSae: number;
  /** Token ids of the rows scanned (for contexts and search). */
  ids: number[][];
  bosId: number | undefined;
  /** Tokens encoded (BOS positions left out). */
  tokens: number;
  fires: Float64Array;
  max: Float32Array;
  sum: Float64Array;
  top: TopTable;
  /** SAE_QUANTILES tables, group 0 = the lowest interval. */
  quantiles: TopTable[];
  /** [dSae × SAE_HIST_BINS] counts, feature-major. */
  hist: Float64Array;
  bytes: number;
}

export function statsBytes(s: Omit<SaeStats, 'bytes'>): number {
  const table = (t: TopTable): number => t.vals.length * 12 + t.count.length * 4;
  return s.fires.length * 8 + s.max.length * 4 + s.sum.length * 8 + s.hist.length * 8 + table(s.top) + s.quantiles.reduce((a, t) => a + table(t), 0) + s.ids.reduce((a, r) => a + r.length * 8, 0);
}

/** First position of a row that is encoded: 1 when position 0 holds the BOS token. */
export function firstPosition(ids: number[], bos: number | undefined): number {
  return bos !== undefined && ids[0] === bos ? 1 : 0;
}

/**
 * The SAE's input for the batch's kept tokens: x [n, width] gathered on the device from
 * the capture ([slots·len, …]), with each kept token's row and position. `keep(i, j)`
 * says whether position j of row i is kept (BOS and padding never are).
 */
export function batchInput(fw: ForwardOutput, hook: string, width: number, g: RowBatch, ids: number[][], keep: (i: number, j: number) => boolean): { x: tf.Tensor2D; rowOf: Int32Array; posOf: Int32Array } {
  const flat: number[] = [];
  const rows: number[] = [];
  const poss: number[] = [];
  g.rows.forEach((i, k) => {
    const r = ids[i] as number[];
    for (let j = 0; j < r.length; j++) if (keep(i, j)) { flat.push(k * g.len + j); rows.push(i); poss.push(j); }
  });
  const cap = fw.captures.get(hook);
  if (!cap) throw new Error(`the forward did not capture ${hook}`);
  const x = tf.tidy(() => tf.gather(tf.reshape(cap, [g.slots * g.len, width]), tf.tensor1d(flat, 'int32')) as tf.Tensor2D);
  return { x, rowOf: Int32Array.from(rows), posOf: Int32Array.from(poss) };
}

/** Bin of each activation (feature-wise max `maxT` [dSae]): [n, dSae] int32 in 0..49. */
export function histBins(z: tf.Tensor2D, maxT: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.minimum(tf.floor(tf.mul(z, tf.div(SAE_HIST_BINS, maxT))), SAE_HIST_BINS - 1), 'int32') as tf.Tensor2D);
}
