/**
 * A histogram: one bar per bin [edges[i], edges[i+1]) with height values[i], an x axis
 * (the binned quantity, with its unit) and a y axis (what a bar counts, with its unit).
 * Data in, SVG out (never reads the store). Used for SAE feature densities (log10) and a
 * feature's activation histogram (percent of tokens).
 */
import * as d3 from 'd3';

export interface HistogramOptions {
  /** x axis label, with its unit ("log10 density (fires / tokens)"). */
  xLabel: string;
  /** y axis label, with its unit ("features", "% of tokens"). */
  yLabel: string;
  width?: number;
  height?: number;
  color?: string;
  title?: string;
  /** Tooltip text of bar i. */
  tip?: (i: number) => string;
}

export function histogramChart(edges: number[], values: number[], o: HistogramOptions): SVGSVGElement {
  const W = o.width ?? 420;
  const H = o.height ?? 180;
  const m = { top: o.title ? 22 : 8, right: 12, bottom: 38, left: 50 };
  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('role', 'img').attr('aria-label', o.title ?? `${o.yLabel} by ${o.xLabel}`)
    .style('font', '11px system-ui, sans-serif');
  if (o.title) svg.append('text').attr('class', 'title').attr('x', m.left).attr('y', 14).attr('font-weight', 600).text(o.title);
  const n = Math.min(values.length, edges.length - 1);
  const lo = edges[0] ?? 0;
  const hi = edges[n] ?? 1;
  const x = d3.scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).range([m.left, W - m.right]);
  const top = Math.max(0, ...values.slice(0, n).filter(Number.isFinite));
  const y = d3.scaleLinear().domain([0, top > 0 ? top : 1]).nice().range([H - m.bottom, m.top]);
  const bars = Array.from({ length: n }, (_, i) => ({ i, a: edges[i] as number, b: edges[i + 1] as number, v: Number.isFinite(values[i]) ? (values[i] as number) : 0 }));
  svg.append('g').attr('class', 'bars').selectAll('rect').data(bars).join('rect')
    .attr('data-testid', (d) => `hist-bar-${d.i}`)
    .attr('x', (d) => x(d.a) + 0.5).attr('width', (d) => Math.max(0.5, x(d.b) - x(d.a) - 1))
    .attr('y', (d) => y(d.v)).attr('height', (d) => Math.max(0, y(0) - y(d.v)))
    .attr('fill', o.color ?? '#e67814')
    .append('title').text((d) => (o.tip ? o.tip(d.i) : `[${d.a.toPrecision(3)}, ${d.b.toPrecision(3)}): ${d.v}`));
  svg.append('g').attr('transform', `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(Math.max(2, Math.floor((W - m.left) / 60))));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg.append('text').attr('class', 'x-label').attr('x', (m.left + W - m.right) / 2).attr('y', H - 6).attr('text-anchor', 'middle').attr('fill', '#333').text(o.xLabel);
  svg.append('text').attr('class', 'y-label').attr('transform', `translate(12,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('fill', '#333').text(o.yLabel);
  return svg.node() as SVGSVGElement;
}
