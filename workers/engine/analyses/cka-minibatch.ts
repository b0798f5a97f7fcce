/**
 * Minibatch CKA (Nguyen et al. 2021; google-research do_wide_and_deep_networks_learn_the_same_things,
 * efficient_CKA.py MinibatchCKA), in Float64 where the reference accumulates in float32.
 * Per pass the rows are shuffled (seeded) and cut into batches; per batch and hook the Gram
 * of the batch's rows is centred (debiased: U-centred, as the reference; linear: H·K·H) and
 * flattened; the accumulators gather ⟨G_i^A, G_j^B⟩ and both self terms;
 * CKA_ij = A_ij / √(A_ii · B_jj). See contracts/cka.ts (minibatch, partial).
 */
import type { CkaKind } from '../../../src/contracts/cka';
import { fail } from '../errors';
import { mulberry32 } from '../random';
import { centreGram, checkVectors, frobDot, gramOf, minRows, type Vectors } from './cka-math';

export interface MinibatchPlan {
  size: number;
  passes: number;
  seed: number;
  partial: 'drop' | 'scale';
}

export interface MinibatchOut {
  cka: number[][];
  /** Batches accumulated over all passes. */
  batches: number;
  /** Vectors per pass left out (the partial last batch with `drop`). */
  droppedPerPass: number;
  /** The batch size used (clamped to n). */
  size: number;
}

/** Fisher–Yates with mulberry32: for i = n−1 … 1, j = ⌊u·(i+1)⌋, swap (the reference script does the same). */
export function shuffled(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** The batches of one pass over a permutation: full batches, then the partial one unless dropped (or too small to centre). */
export function batchesOf(perm: Int32Array, size: number, partial: 'drop' | 'scale', kind: CkaKind): { batches: Int32Array[]; dropped: number } {
  const batches: Int32Array[] = [];
  let at = 0;
  for (; at + size <= perm.length; at += size) batches.push(perm.subarray(at, at + size));
  const rest = perm.length - at;
  if (rest > 0 && partial === 'scale' && rest >= minRows(kind)) return { batches: [...batches, perm.subarray(at)], dropped: 0 };
  return { batches, dropped: rest };
}

/** 1/(m(m−3)) for the unbiased HSIC, 1/(m−1)² for the biased one: the per-batch factor `scale` applies. */
function batchScale(m: number, kind: CkaKind): number {
  return kind === 'debiased' ? 1 / (m * (m - 3)) : 1 / ((m - 1) * (m - 1));
}

/**
 * Minibatch CKA of A's hooks against B's (B null: A against itself). `step(done, total)` is
 * awaited after every batch (progress, cancel).
 */
export async function minibatchCka(A: Vectors[], B: Vectors[] | null, kind: CkaKind, plan: MinibatchPlan, step: (done: number, total: number) => Promise<void>): Promise<MinibatchOut> {
  const cols = B ?? A;
  const n = A[0]?.n ?? 0;
  for (const v of [...A, ...cols]) {
    checkVectors(v, kind);
    if (v.n !== n) fail(`cka: ${v.name} has ${v.n} vectors but ${A[0]?.name} has ${n}: both sides must hold the same rows`);
  }
  if (!(Number.isInteger(plan.size) && plan.size >= minRows(kind))) fail(`cka: the minibatch size must be an integer ≥ ${minRows(kind)} for the ${kind} estimator, got ${plan.size}`);
  if (!(Number.isInteger(plan.passes) && plan.passes >= 1)) fail(`cka: passes must be a positive integer, got ${plan.passes}`);
  const size = Math.min(plan.size, n);
  const rand = mulberry32(plan.seed);
  const cross = A.map(() => new Float64Array(cols.length));
  const selfA = new Float64Array(A.length);
  const selfB = new Float64Array(cols.length);
  const perPass = batchesOf(shuffled(n, mulberry32(0)), size, plan.partial, kind);
  const total = plan.passes * perPass.batches.length;
  let done = 0;
  for (let pass = 0; pass < plan.passes; pass++) {
    const { batches } = batchesOf(shuffled(n, rand), size, plan.partial, kind);
    for (const idx of batches) {
      const m = idx.length;
      const w = plan.partial === 'scale' ? batchScale(m, kind) : 1;
      const centred = (v: Vectors): Float64Array => centreGram(gramOf(v, idx), m, kind === 'debiased');
      const ga = A.map(centred);
      const gb = B ? B.map(centred) : ga;
      ga.forEach((g, i) => { selfA[i] = (selfA[i] as number) + w * frobDot(g, g); });
      if (B) gb.forEach((g, j) => { selfB[j] = (selfB[j] as number) + w * frobDot(g, g); });
      ga.forEach((g, i) => {
        const row = cross[i] as Float64Array;
        gb.forEach((h, j) => {
          // A against itself: the upper triangle, mirrored below.
          if (!B && j < i) return;
          row[j] = (row[j] as number) + w * frobDot(g, h);
        });
      });
      await step(++done, total);
    }
  }
  const sb = B ? selfB : selfA;
  [...A.map((v, i) => [v, selfA[i]] as const), ...cols.map((v, j) => [v, sb[j]] as const)].forEach(([v, s]) => {
    if (!((s as number) > 0)) fail(`cka: ${v.name} does not vary within any minibatch (its centred Grams are all zero), so CKA with it is undefined: pick another hook or position`);
  });
  const cka = A.map((_, i) => cols.map((_, j) => {
    const x = !B && j < i ? ((cross[j] as Float64Array)[i] as number) : ((cross[i] as Float64Array)[j] as number);
    const r = x / Math.sqrt((selfA[i] as number) * (sb[j] as number));
    if (!Number.isFinite(r)) fail(`cka: minibatch CKA of ${A[i]?.name} and ${cols[j]?.name} came out ${String(r)} (an overflow in the sums)`);
    return r;
  }));
  return { cka, batches: done, droppedPerPass: perPass.dropped, size };
}
