/** The shape of tests/golden/*.json, written by scripts/reference/make_golden.py. */
export interface GoldenCase {
  ids: number[];
  path: number[] | null;
  logitsLast: number[];
  residNorms: number[][];
  lens: { top1: number[]; top1Prob: number[]; entropy: number[]; klToFinal: number[] }[];
  attention: number[][][][];
}
