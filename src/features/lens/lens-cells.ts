import * as d3 from 'd3';
import type { LensResult } from '../../contracts/lens';
import type { LensCell } from '../../charts/lens-heatmap';
import type { LensMetric } from '../../state/store';

export interface MetricSpec {
  label: string;
  domain: (V: number, lens: LensResult) => [number, number];
  color: (domain: [number, number]) => (v: number) => string;
  log?: boolean;
  value: (lens: LensResult, row: number, t: number) => number;
}

const prob = (d: [number, number]) => d3.scaleSequential(d3.interpolateViridis).domain(d);

export const METRICS: Record<LensMetric, MetricSpec> = {
  top1Prob: { label: 'top-1 probability', domain: () => [0, 1], color: prob, value: (l, r, t) => l.rows[r]?.topProbs[t * l.k] ?? NaN },
  targetProb: { label: 'target probability', domain: () => [0, 1], color: prob, value: (l, r, t) => l.rows[r]?.targetProb[t] ?? NaN },
  targetRank: {
    label: 'target rank (1 = top)', log: true,
    domain: (V) => [1, Math.max(2, V)],
    color: (d) => d3.scaleSequentialLog(d3.interpolateViridis).domain([d[1], d[0]]),
    value: (l, r, t) => l.rows[r]?.targetRank[t] ?? NaN,
  },
  entropy: {
    label: 'entropy (nats)', domain: (V) => [0, Math.log(V)],
    color: (d) => d3.scaleSequential(d3.interpolateMagma).domain([d[1], d[0]]),
    value: (l, r, t) => l.rows[r]?.entropy[t] ?? NaN,
  },
  kl: {
    label: 'KL to final (nats)',
    domain: (_V, l) => [0, Math.max(1e-3, ...l.rows.flatMap((row) => Array.from(row.klToFinal)))],
    color: (d) => d3.scaleSequential(d3.interpolateMagma).domain([d[1], d[0]]),
    value: (l, r, t) => l.rows[r]?.klToFinal[t] ?? NaN,
  },
};

/** Cells of the lens heatmap for the positions the result covers; marks top-1 = actual next token. */
export function lensCells(lens: LensResult, tokens: number[], metric: LensMetric): LensCell[][] {
  const spec = METRICS[metric];
  return lens.rows.map((row, r) =>
    Array.from({ length: lens.positions }, (_, i) => {
      const id = row.topIds[i * lens.k] as number;
      const next = tokens[lens.start + i + 1];
      return { text: lens.pieces?.[id] ?? String(id), value: spec.value(lens, r, i), hit: next !== undefined && id === next };
    }),
  );
}
