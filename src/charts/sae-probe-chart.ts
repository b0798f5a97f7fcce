/**
 * SAE vs probe (METHODS §9.5): per SAE (one point per layer, x = relative depth step/(S − 1)),
 * the test AUROC of the best single SAE feature beside the linear probe's test AUROC, one pair
 * of lines per class scored. "best feature" = max_i AUROC(z_i) (the raw activation as the
 * score), or with `eitherSign` max_i max(AUROC, 1 − AUROC). Data in, SVG out (line-chart.ts).
 */
import { lineChart } from './line-chart';

export interface SaeProbePoint {
  /** Relative depth of the SAE's hook (0..1). */
  x: number;
  probe: number;
  feature: number;
}

export interface SaeProbeSeries {
  /** Class name (one-vs-rest). */
  name: string;
  points: SaeProbePoint[];
}

export function saeProbeChart(series: SaeProbeSeries[], o: { eitherSign: boolean; width?: number }): SVGSVGElement {
  const what = o.eitherSign ? 'best feature, either sign: max_i max(AUROC, 1 − AUROC)' : 'best feature: max_i AUROC of z_i';
  const one = series.length === 1;
  // Every series its own colour (a single SAE is one point per series: a dash alone would not tell them apart).
  const lines = series.flatMap((s) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const x = pts.map((p) => p.x);
    const tag = one ? '' : ` — class ${s.name}`;
    return [
      { name: `linear probe: AUROC of P(${s.name})${tag}`, values: pts.map((p) => p.probe), x },
      { name: `${what}${tag}`, values: pts.map((p) => p.feature), x, dashed: true },
    ];
  });
  return lineChart(lines, {
    xLabel: 'relative depth of the SAE\'s hook: step / (S − 1)', yLabel: 'test ROC-AUC', numericX: [0, 1], yDomain: [0, 1], breakOutliers: false,
    title: `SAE features vs linear probe${one ? ` (class ${series[0]?.name ?? ''} vs rest)` : ' (one-vs-rest per class)'}: test-split ROC-AUC per layer; 0.5 = chance`,
    ...(o.width ? { width: o.width } : {}),
  });
}
