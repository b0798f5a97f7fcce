/**
 * A labelled matrix heatmap (rows × columns) with a colour legend. Data in, SVG out.
 * Used for skip-sweep effects (layer × layer) and void maps (token × step).
 */
import * as d3 from 'd3';
import { nextId } from './ids';

export interface MatrixData {
  values: ArrayLike<number>[];
  rowLabels: string[];
  colLabels: string[];
  rowTitle: string;
  colTitle: string;
  /** Legend title with units. */
  valueTitle: string;
  domain: [number, number];
  interpolator?: (t: number) => string;
  /** Cell size in px (default fits ~520 px). */
  cell?: number;
  format?: (v: number) => string;
}

export function matrixHeatmap(d: MatrixData): SVGSVGElement {
  const R = d.values.length;
  const C = d.colLabels.length;
  const cell = d.cell ?? Math.max(6, Math.min(36, Math.floor(520 / Math.max(R, C, 1))));
  const m = { top: 70, left: 110, right: 20, bottom: 54 };
  const W = m.left + C * cell + m.right;
  const H = m.top + R * cell + m.bottom;
  const color = d3.scaleSequential(d.interpolator ?? d3.interpolateYlOrRd).domain(d.domain);
  const fmt = d.format ?? ((v: number) => v.toPrecision(3));
  const svg = d3.create('svg').attr('width', Math.max(W, 300)).attr('height', H).style('font', '10px system-ui, sans-serif');
  const cells = d.values.flatMap((row, r) => Array.from({ length: C }, (_, c) => ({ r, c, v: row[c] as number })));
  svg.append('g').selectAll('rect').data(cells).join('rect')
    .attr('x', (e) => m.left + e.c * cell).attr('y', (e) => m.top + e.r * cell).attr('width', cell - 1).attr('height', cell - 1)
    .attr('fill', (e) => (Number.isFinite(e.v) ? color(e.v) : '#eee'))
    .append('title').text((e) => `${d.rowTitle} ${d.rowLabels[e.r]}, ${d.colTitle} ${d.colLabels[e.c]}: ${Number.isFinite(e.v) ? fmt(e.v) : '—'}`);
  const every = (n: number): number => Math.ceil((n * 11) / Math.max(1, n * cell));
  svg.append('g').selectAll('text').data(d.rowLabels).join('text').filter((_, i) => i % every(R) === 0)
    .attr('x', m.left - 4).attr('y', (_, i) => m.top + i * every(R) * cell + cell / 2 + 3).attr('text-anchor', 'end').text((l) => l);
  svg.append('g').selectAll('text').data(d.colLabels).join('text').filter((_, i) => i % every(C) === 0)
    .attr('transform', (_, i) => `translate(${m.left + i * every(C) * cell + cell / 2 + 3},${m.top - 4}) rotate(-60)`).text((l) => l);
  svg.append('text').attr('x', 4).attr('y', m.top - 8).attr('font-weight', 600).text(`${d.rowTitle} ↓`);
  svg.append('text').attr('x', m.left).attr('y', 12).attr('font-weight', 600).text(`${d.colTitle} →`);
  // Legend under the matrix.
  const lw = Math.min(240, Math.max(120, C * cell));
  const lx = d3.scaleLinear().domain(d.domain).range([0, lw]);
  const g = svg.append('g').attr('transform', `translate(${m.left},${m.top + R * cell + 12})`);
  const id = nextId('matrix');
  const grad = svg.append('defs').append('linearGradient').attr('id', id);
  d3.range(0, 1.0001, 0.1).forEach((t) => grad.append('stop').attr('offset', `${t * 100}%`).attr('stop-color', color(d.domain[0] + t * (d.domain[1] - d.domain[0]))));
  g.append('rect').attr('width', lw).attr('height', 8).attr('fill', `url(#${id})`);
  g.append('g').attr('transform', 'translate(0,8)').call(d3.axisBottom(lx).ticks(4).tickSize(3));
  g.append('text').attr('x', lw + 8).attr('y', 8).text(d.valueTitle);
  return svg.node() as SVGSVGElement;
}
