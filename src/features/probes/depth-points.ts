/**
 * Jumping and converging points of a concept-depth curve. Jin et al. describe them only in
 * prose ("the layer where accuracy jumps", "where it converges") and their code computes
 * neither, so both are rules with visible thresholds (METHODS §3):
 * - jumping point: the first step whose value is at least `jump` above the step before it;
 * - converging point: the first step from which every later value stays within `converge`
 *   of the curve's maximum.
 * Both are reported as relative depth; null when no step qualifies (or values are missing).
 */
export interface DepthPoints {
  jump: { step: number; depth: number } | null;
  converge: { step: number; depth: number } | null;
}

/** Slack for the comparisons: metrics are ratios of counts, so 0.88 − 0.86 must count as 0.02. */
const EPS = 1e-9;

export function depthPoints(values: number[], depth: number[], thresholds: { jump: number; converge: number }): DepthPoints {
  const ok = values.length > 0 && values.every(Number.isFinite);
  if (!ok) return { jump: null, converge: null };
  let jump: DepthPoints['jump'] = null;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] as number) - (values[i - 1] as number) >= thresholds.jump - EPS) {
      jump = { step: i, depth: depth[i] as number };
      break;
    }
  }
  const max = Math.max(...values);
  let from = values.length - 1;
  while (from > 0 && max - (values[from - 1] as number) <= thresholds.converge + EPS) from--;
  // `from` is the first of the closing run of near-maximal values (the last value may itself be below).
  const converge = max - (values[values.length - 1] as number) <= thresholds.converge + EPS ? { step: from, depth: depth[from] as number } : null;
  return { jump, converge };
}
