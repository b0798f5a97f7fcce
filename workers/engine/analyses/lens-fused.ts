/**
 * The logit lens's rows decoded together, at the unembedding's matmul rate (METHODS §1,
 * PERFORMANCE "Fused lens reductions"). The residuals of every row but the model's own output
 * are normed and stacked, X [N = rows·T, d] (row r, position t at r·T + t); X is cut into
 * chunks whose logits [Nc, V_block] fit the memory budget — whole rows (Nc = c·T) or, when one
 * row does not fit, a run of positions of one row — and each chunk meets the vocabulary block
 * by block (blocks already fit one device buffer). Per block, z = c(X_c·W_b) (c the final
 * soft-cap) updates running per-row statistics; no [N, V] tensor and no log-softmax is formed.
 * A block is read by few passes that each stream it once (softmax is one fused kernel on every
 * backend; a gather of the output's probabilities per stacked row cost more than the matmul on
 * wasm, so the chunk's rows are laid out [c, Tc, V_b] and the output's [Tc, V_b] broadcasts):
 *   p = softmax_b(z)    m_b = max z (top-1 of the block's top-k)    s_b = Σ e^(z−m_b) = 1/max p
 *   ẑ_t = X·W_U[:, t] (+ soft-cap), computed first;  n = ẑ − z;  Σ_b p·z = ẑ − Σ_b p·n
 *   running  m = max m_b,  s = Σ s_b e^(m_b−m),  A = Σ e^(z−m)(z−m) = Σ s_b e^(m_b−m)(Σ_b p·z − m)
 *            lse = m + log s,  entropy = log s − A/s                          (nats)
 *   B  = Σ p_f·z   (p_f the output's probabilities at the same position)
 *        KL(final‖row) = Σ p_f·log p_f − B + lse
 *   C  = Σ e^(z−m)·log p_f = Σ s_b e^(m_b−m) Σ_b p·log p_f       KL(row‖final) = −entropy − C/s
 *   top-k of z merged across blocks (log-probabilities = z − lse at the end)
 *   z_t, the target's logit, gathered exactly from its block; rank = 1 + #{v ≠ t : z_v ≥ z_t},
 *   counted as #{n ≤ 0} against ẑ_t (a dot product: it may differ from z_t in the last bits,
 *   so the target's own column is taken out of the count).
 * m starts at −1e30, not −∞, so the first block's rescale e^(m_old − m_new) is 0, not NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KlDirection } from '../../../src/contracts/lens';
import { fail } from '../errors';
import { applyNorm, blockSize, embedTokens, softcap, unembed } from '../models/common/ops';
import type { LoadedModel, UnembedBlock } from '../models/common/types';

/** Bytes one [Nc, V_block] f32 logits tensor may take; a handful are alive per block. */
const CHUNK_BYTES = 48 * 2 ** 20;

export interface FusedRowStats {
  /** [N, k] row-major, N = rows·T in row-major (row r, position t) order. */
  topIds: Int32Array;
  topLp: Float32Array;
  /** [N] each. */
  entropy: Float32Array;
  kl: Float32Array;
  targetLp: Float32Array;
  rank: Int32Array;
}

interface Running {
  m: tf.Tensor2D; // [Nc, 1]
  s: tf.Tensor2D;
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  c: tf.Tensor2D;
  topV: tf.Tensor2D; // [Nc, k]
  topI: tf.Tensor2D; // [Nc, k] int32
  ge: tf.Tensor2D; // [Nc, 1] #{v ≠ t : z_v ≥ ẑ_t}
  zt: tf.Tensor2D; // [Nc, 1] exact target logit
}

/** Merges the running top-k with a block's top-k: k of the 2k by value. */
function mergeTop(v1: tf.Tensor2D, i1: tf.Tensor2D, v2: tf.Tensor2D, i2: tf.Tensor2D, k: number): [tf.Tensor2D, tf.Tensor2D] {
  const n = v1.shape[0];
  const vals = tf.concat([v1, v2], 1);
  const ids = tf.concat([i1, i2], 1);
  const { values, indices } = tf.topk(vals, k);
  // Flat gather (the batched gather crashes tfjs-wasm 4.22): row·2k + position.
  const flat = tf.add(tf.mul(tf.reshape(tf.range(0, n, 1, 'int32'), [n, 1]), tf.scalar(2 * k, 'int32')), indices);
  const picked = tf.reshape(tf.gather(tf.reshape(ids, [-1]), tf.reshape(flat, [-1])), [n, k]) as tf.Tensor2D;
  return [values as tf.Tensor2D, picked];
}

/** What a block reads besides its logits. */
interface BlockCtx {
  /** [Tc, V] the output's probabilities (final‖row) or log-probabilities (row‖final) at the chunk's positions. */
  fin: tf.Tensor2D;
  /** Stacked rows and positions of the chunk: Nc = rows·positions. */
  rows: number;
  positions: number;
  zhat: tf.Tensor2D;
  tLocal: tf.Tensor1D;
  inBlock: tf.Tensor2D;
  dir: KlDirection;
  k: number;
}

/** One vocabulary block's contribution to the running statistics of a row chunk. */
function update(st: Running, x: tf.Tensor2D, blk: UnembedBlock, cap: number | undefined, ctx: BlockCtx): Running {
  const z = unembed(x, [blk], cap); // [Nc, Vb]
  const [n, vb] = z.shape;
  const kb = Math.min(ctx.k, vb);
  const top = tf.topk(z, kb);
  const mb = tf.slice(top.values, [0, 0], [n, 1]); // [Nc, 1] the block's max
  const p = tf.softmax(z); // [Nc, Vb], Σ_b p = 1
  const sb = tf.reciprocal(tf.max(p, 1, true)); // Σ e^(z − m_b): p at the max is 1/s_b
  const m2 = tf.maximum(st.m, mb);
  const scale = tf.exp(tf.sub(st.m, m2)); // rescales the running sums to m2
  const w = tf.mul(sb, tf.exp(tf.sub(mb, m2))); // the block's weight at m2: Σ_b e^(z − m2)
  const zn = tf.sub(ctx.zhat, z); // ẑ − z
  const pz = tf.sub(ctx.zhat, tf.sum(tf.mul(p, zn), 1, true)); // Σ_b p·z
  const s = tf.add(tf.mul(st.s, scale), w);
  const a = tf.add(tf.mul(scale, tf.add(st.a, tf.mul(tf.sub(st.m, m2), st.s))), tf.mul(w, tf.sub(pz, m2)));
  // The output's [Tc, Vb] block broadcast over the chunk's rows: [c, Tc, Vb].
  const fin = vb === ctx.fin.shape[1] ? ctx.fin : tf.slice(ctx.fin, [0, blk.v0], [ctx.positions, vb]);
  const by = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.sum(tf.mul(tf.reshape(t, [ctx.rows, ctx.positions, vb]), fin), 2), [n, 1]);
  const b = ctx.dir === 'final||row' ? tf.add(st.b, by(z)) : st.b;
  const c = ctx.dir === 'final||row' ? st.c : tf.add(tf.mul(st.c, scale), tf.mul(w, by(p)));
  const [topV, topI] = mergeTop(st.topV, st.topI, top.values as tf.Tensor2D, tf.add(top.indices, tf.scalar(blk.v0, 'int32')) as tf.Tensor2D, ctx.k);
  // z at the target where it falls in this block (exact, from the matmul); 0 elsewhere.
  const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vb, 'int32')), ctx.tLocal);
  const zOwn = tf.mul(tf.reshape(tf.gather(tf.reshape(z, [-1]), flat), [n, 1]), ctx.inBlock);
  const zt = tf.add(st.zt, zOwn);
  // #{z ≥ ẑ} = Vb − #{ẑ − z > 0}; the target's own column comes out when it is in this block and counted.
  const below = tf.sum(tf.step(zn), 1, true);
  const ownCounted = tf.mul(ctx.inBlock, tf.sub(1, tf.step(tf.sub(ctx.zhat, zOwn))));
  const ge = tf.add(st.ge, tf.sub(tf.sub(vb, below), ownCounted));
  return { m: m2, s, a, b, c, topV, topI, ge, zt } as Running;
}

/** Chunks of the stacked rows: whole rows when `fit` positions hold a row or more, else runs of one row's positions. */
export function lensChunks(R: number, T: number, fit: number): { r0: number; rows: number; t0: number; positions: number }[] {
  const out: { r0: number; rows: number; t0: number; positions: number }[] = [];
  if (fit >= T) {
    const c = Math.floor(fit / T);
    for (let r0 = 0; r0 < R; r0 += c) out.push({ r0, rows: Math.min(c, R - r0), t0: 0, positions: T });
  } else {
    const tc = Math.max(1, fit);
    for (let r0 = 0; r0 < R; r0++) for (let t0 = 0; t0 < T; t0 += tc) out.push({ r0, rows: 1, t0, positions: Math.min(tc, T - t0) });
  }
  return out;
}

/**
 * Lens statistics of `rows` residuals ([T, d] each, already cut to the positions shown and
 * through any translator) against the output's log-probabilities `finalLp` [T, V].
 */
export async function fusedLensRows(
  model: LoadedModel,
  rows: tf.Tensor2D[],
  finalLp: tf.Tensor2D,
  target: Int32Array,
  k: number,
  dir: KlDirection,
  signal?: AbortSignal,
  /** Budget for one chunk's [Nc, V_block] logits, bytes (tests make it tiny to force many chunks). */
  chunkBytes = CHUNK_BYTES,
): Promise<FusedRowStats> {
  if (dir === 'final||row-clipped') fail('fusedLensRows: the clipped KL needs each row\'s probabilities; use the per-row lens');
  const T = finalLp.shape[0];
  const R = rows.length;
  const N = R * T;
  const blocks = model.weights.unembed;
  const cap = model.arch.finalSoftcap;
  const vMax = Math.max(...blocks.map(blockSize));
  const chunks = lensChunks(R, T, Math.max(1, Math.floor(chunkBytes / (4 * vMax))));
  const out: FusedRowStats = {
    topIds: new Int32Array(N * k), topLp: new Float32Array(N * k), entropy: new Float32Array(N), kl: new Float32Array(N),
    targetLp: new Float32Array(N), rank: new Int32Array(N),
  };
  // Σ p_f·log p_f per position (−H of the output), for KL(final‖row).
  const negHf = dir === 'final||row' ? tf.tidy(() => tf.sum(tf.mul(tf.exp(finalLp), finalLp), 1)) : undefined;
  // What each block multiplies by the chunk's [c, Tc, V_b] layout: p_f for B, log p_f for C.
  const fin = dir === 'final||row' ? tf.exp(finalLp) as tf.Tensor2D : finalLp;
  const X = tf.tidy(() => applyNorm(tf.concat(rows, 0), model.weights.lnFinal)) as tf.Tensor2D; // [N, d]
  try {
    for (const ch of chunks) {
      if (signal?.aborted) fail('the logit lens was cancelled');
      const n0 = ch.r0 * T + ch.t0;
      const nc = ch.rows * ch.positions;
      const pos = Array.from({ length: nc }, (_, j) => ch.t0 + (j % ch.positions)); // position of each stacked row
      const tg = pos.map((t) => target[t] as number);
      const res = tf.tidy(() => {
        const x = tf.slice(X, [n0, 0], [nc, -1]);
        const posT = tf.tensor1d(pos, 'int32');
        const finC = ch.positions === T ? fin : (tf.slice(fin, [ch.t0, 0], [ch.positions, -1]) as tf.Tensor2D);
        // ẑ_t = x·W_U[:, t] (+ soft-cap), before any block is seen.
        const wt = embedTokens(tg, blocks); // [nc, d]
        const dot = tf.sum(tf.mul(x, wt), 1, true) as tf.Tensor2D;
        const zhat = cap ? softcap(dot, cap) : dot;
        let st: Running = {
          m: tf.fill([nc, 1], -1e30) as tf.Tensor2D, s: tf.zeros([nc, 1]) as tf.Tensor2D, a: tf.zeros([nc, 1]) as tf.Tensor2D,
          b: tf.zeros([nc, 1]) as tf.Tensor2D, c: tf.zeros([nc, 1]) as tf.Tensor2D,
          topV: tf.fill([nc, k], -Infinity) as tf.Tensor2D, topI: tf.zeros([nc, k], 'int32') as tf.Tensor2D,
          ge: tf.zeros([nc, 1]) as tf.Tensor2D, zt: tf.zeros([nc, 1]) as tf.Tensor2D,
        };
        for (const blk of blocks) {
          const vb = blockSize(blk);
          const local = tg.map((t) => (t >= blk.v0 && t < blk.v0 + vb ? t - blk.v0 : -1));
          const inBlock = tf.tensor2d(local.map((l) => (l >= 0 ? 1 : 0)), [nc, 1]);
          const tLocal = tf.tensor1d(local.map((l) => Math.max(0, l)), 'int32');
          const prev = st;
          // The block's logits and intermediates go as soon as it is folded in.
          st = tf.tidy(() => update(prev, x, blk, cap, { fin: finC, rows: ch.rows, positions: ch.positions, zhat, tLocal, inBlock, dir, k }) as unknown as tf.TensorContainer) as unknown as Running;
          const kept = new Set<tf.Tensor>(Object.values(st) as tf.Tensor[]);
          tf.dispose((Object.values(prev) as tf.Tensor[]).filter((t) => !kept.has(t)));
        }
        const lse = tf.add(st.m, tf.log(st.s));
        const entropy = tf.sub(tf.log(st.s), tf.div(st.a, st.s));
        let kl: tf.Tensor;
        if (dir === 'final||row') kl = tf.add(tf.sub(tf.reshape(tf.gather(negHf as tf.Tensor1D, posT), [nc, 1]), st.b), lse);
        else kl = tf.sub(tf.neg(entropy), tf.div(st.c, st.s));
        return [st.topI, tf.sub(st.topV, lse), entropy, tf.relu(kl), tf.sub(st.zt, lse), tf.add(st.ge, 1)];
      });
      try {
        const [ti, tv, en, kv, tl, rk] = await Promise.all(res.map((t) => t.data()));
        out.topIds.set(ti as Int32Array, n0 * k);
        out.topLp.set(tv as Float32Array, n0 * k);
        out.entropy.set(en as Float32Array, n0);
        out.kl.set(kv as Float32Array, n0);
        out.targetLp.set(tl as Float32Array, n0);
        out.rank.set(Int32Array.from(rk as Float32Array, Math.round), n0);
      } finally {
        tf.dispose(res);
      }
    }
  } finally {
    X.dispose();
    negHf?.dispose();
    if (fin !== finalLp) fin.dispose();
  }
  return out;
}
