/**
 * The quantization study's charts (contracts/quant-study.ts). Data in, SVG out:
 * - perplexity (y; log scale when it spans more than 10×) against the fraction of layers at
 *   low bits (x, 0–100 %; a linear y axis spans the values, not from 0), one line per order (random: the mean over seeds, its band up to
 *   mean + 1 sd), the all-high-bits and full-precision perplexities as dashed lines;
 * - LIM (mean and flatten) and ZD per layer as bars.
 */
import type { QuantStudyResult } from '../contracts/quant-study';
import { lineChart, type LineSeries } from './line-chart';

const ORDER_NAMES: Record<string, string> = { lim: 'LIM order', zd: 'ZD order', random: 'random order (mean over seeds)', reverse: 'reverse LIM order' };

export function quantCurvesChart(r: QuantStudyResult, o: { width?: number; title?: string } = {}): SVGSVGElement {
  const series: LineSeries[] = r.curves.map((c) => ({
    name: ORDER_NAMES[c.order] ?? c.order,
    x: c.points.map((p) => p.fraction * 100),
    values: c.points.map((p) => p.perplexity),
    ...(c.order === 'random' ? { upper: c.points.map((p) => p.perplexity + p.sd) } : {}),
  }));
  const xs = [0, 100];
  const hb = r.highBits === 0 ? 'full precision' : `${r.highBits} bits`;
  series.push({ name: `all layers at ${hb}`, x: xs, values: [r.high, r.high], dashed: true, color: '#555' });
  if (r.highBits !== 0) series.push({ name: 'full precision', x: xs, values: [r.fp, r.fp], dashed: true, color: '#999' });
  const all = series.flatMap((s) => [...Array.from(s.values), ...(s.upper ? Array.from(s.upper) : [])]).filter((v) => Number.isFinite(v) && v > 0);
  const logY = all.length > 0 && Math.max(...all) / Math.min(...all) > 10;
  // A linear axis spans the values (not from 0): differences of a few percent stay visible.
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.01 || 1;
  return lineChart(series, {
    ...(logY || all.length === 0 ? {} : { yDomain: [lo - pad, hi + pad] as [number, number] }),
    xLabel: `% of layers at ${r.lowBits} bits (least important first)`, yLabel: `perplexity${logY ? ' (log)' : ''}`,
    numericX: [0, 100], logY, width: o.width ?? 640, height: 300, bandLabel: 'band: to mean + 1 sd', breakOutliers: false,
    title: o.title ?? `Perplexity as layers move from ${hb} to ${r.lowBits} bits`,
  });
}

export function quantScoresChart(r: QuantStudyResult, which: 'lim' | 'zd', o: { width?: number } = {}): SVGSVGElement {
  const xTicks = r.limMean.map((_, l) => `L${l}`);
  const series: LineSeries[] = which === 'lim'
    ? [{ name: 'LIM (per-token mean)', values: r.limMean }, { name: 'LIM (flatten)', values: r.limFlat }]
    : [{ name: 'ZD (share of |z| > 1)', values: r.zd, color: '#59a14f' }];
  return lineChart(series, {
    xLabel: 'layer', yLabel: which === 'lim' ? '−cos(in, out)' : 'fraction', xTicks, bars: true, width: o.width ?? 320, height: 200, breakOutliers: false,
    title: which === 'lim' ? 'LIM per layer (higher = more important)' : 'ZD per layer',
  });
}
