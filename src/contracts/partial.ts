/**
 * A cancelled long analysis (skip sweep, chain search, tuned-lens training) returns what
 * it finished instead of failing: its result carries this marker. A cancel before the
 * first unit finished still fails ("… was cancelled"): there is nothing to keep.
 */
export interface PartialInfo {
  /** Units finished and held in the result. */
  done: number;
  /** Units the whole run would have had. */
  total: number;
  /** What a unit is ("layers", "chains", "steps"). */
  unit: string;
}

/** "k of n units" for a partial result. */
export function partialText(p: PartialInfo): string {
  return `${p.done} of ${p.total} ${p.unit}`;
}
