/** The depth goldens (scripts/reference/depth.py) and the tolerance used against them. */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface MeanMaxG { mean: number; max: number }
export interface ResidualG {
  path: number[];
  alpha: number;
  attnRel: MeanMaxG[]; mlpRel: MeanMaxG[]; layerRel: MeanMaxG[];
  cosAttn: MeanMaxG[]; cosMlp: MeanMaxG[]; cosLayer: MeanMaxG[];
  lim: number[]; limFlat: number[];
  voids: number[][]; voidMargin: number[][];
  residNorms: number[][];
  massive: { value: number; position: number; dim: number }[][];
}
export interface SkipModeG { outputL2: number[]; kl: number[]; top1Agree: number[]; top1MinGap: number[]; effect: number[][]; depthScore: number }
export interface DepthGolden {
  model: string;
  modelType: string;
  ids: number[];
  ids2: number[];
  residual: ResidualG;
  residualPath: ResidualG;
  skip: Record<'layer' | 'attn' | 'mlp', SkipModeG>;
  skipSet: Record<'layer' | 'attn' | 'mlp', SkipModeG>;
}

export const DEPTH_DIR = 'tests/golden/depth';
export const depthFiles = readdirSync(DEPTH_DIR).filter((f) => f.endsWith('.json')).sort();
export const readDepth = (file: string): DepthGolden => JSON.parse(readFileSync(`${DEPTH_DIR}/${file}`, 'utf8')) as DepthGolden;

/** Decisions this close to their threshold (or top-1 logit gaps this small) are not compared: fp32 may fall either side. */
export const TIE = 1e-4;

/** Two-sided: |actual − expected| ≤ 1e-3 · max(1, |expected|), elementwise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-3): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) expect.fail(`${what}[${i}]: ${a} vs reference ${e}`);
  }
}

/** Voids agree exactly except where the reference margin is within TIE of the threshold; returns how many were skipped. */
export function expectVoids(actual: ArrayLike<number>[], g: ResidualG, what: string): number {
  let skipped = 0;
  expect(actual.length).toBe(g.voids.length);
  g.voids.forEach((row, t) => row.forEach((v, s) => {
    if (Math.abs(g.voidMargin[t]?.[s] as number) < TIE) {
      skipped++;
      return;
    }
    if (actual[t]?.[s] !== v) expect.fail(`${what}: void[${t}][${s}] = ${actual[t]?.[s]} vs reference ${v} (margin ${g.voidMargin[t]?.[s]})`);
  }));
  return skipped;
}

/** top1Agree compared only where the reference's top-2 logit gap is not a near-tie. */
export function expectAgree(actual: ArrayLike<number>, g: SkipModeG, what: string): void {
  g.top1Agree.forEach((e, s) => {
    if ((g.top1MinGap[s] as number) < TIE) return;
    if (Math.abs((actual[s] as number) - e) > 1e-6) expect.fail(`${what}: top1Agree[${s}] = ${actual[s]} vs reference ${e}`);
  });
}
