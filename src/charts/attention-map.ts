/**
 * One head's attention pattern [T(query), T(key)] as a heatmap (white → dark blue,
 * 0..1). Thumbnails omit labels; the detail map labels rows and columns with tokens.
 */
import * as d3 from 'd3';

export interface AttentionMapData {
  /** [H, T, T] pattern of one step, row-major. */
  pattern: Float32Array;
  head: number;
  T: number;
  /** Positions [from, T) are drawn (long prompts show their tail in thumbnails). */
  from: number;
  labels?: string[];
  size: number;
}

export const attentionColor = d3.scaleSequential(d3.interpolateBlues).domain([0, 1]);

export function attentionMap(d: AttentionMapData): SVGSVGElement {
  const n = d.T - d.from;
  const pad = d.labels ? 70 : 0;
  const cell = d.size / n;
  const svg = d3.create('svg').attr('width', d.size + pad).attr('height', d.size + pad)
    .style('font', '10px system-ui, sans-serif').attr('role', 'img').attr('aria-label', `attention head ${d.head}`);
  const base = d.head * d.T * d.T;
  const cells: { q: number; k: number; v: number }[] = [];
  for (let q = d.from; q < d.T; q++) for (let k = d.from; k <= q; k++) cells.push({ q, k, v: d.pattern[base + q * d.T + k] as number });
  const g = svg.append('g').attr('transform', `translate(${pad},${pad})`);
  g.append('rect').attr('width', d.size).attr('height', d.size).attr('fill', '#fafafa').attr('stroke', '#ddd');
  g.selectAll('rect.c').data(cells).join('rect').attr('class', 'c')
    .attr('x', (c) => (c.k - d.from) * cell).attr('y', (c) => (c.q - d.from) * cell)
    .attr('width', Math.max(cell, 0.5)).attr('height', Math.max(cell, 0.5)).attr('fill', (c) => attentionColor(c.v))
    .append('title').text((c) => `query ${c.q} → key ${c.k}: ${c.v.toFixed(3)}`);
  if (d.labels) {
    const labels = d.labels;
    svg.append('g').selectAll('text').data(d3.range(d.from, d.T)).join('text')
      .attr('x', pad - 4).attr('y', (q) => pad + (q - d.from + 0.5) * cell + 3).attr('text-anchor', 'end').text((q) => labels[q] ?? '');
    svg.append('g').selectAll('text').data(d3.range(d.from, d.T)).join('text')
      .attr('transform', (k) => `translate(${pad + (k - d.from + 0.5) * cell + 3},${pad - 4}) rotate(-60)`).text((k) => labels[k] ?? '');
    svg.append('text').attr('x', 2).attr('y', 10).attr('fill', '#666').text('query ↓ key →');
  }
  return svg.node() as SVGSVGElement;
}
