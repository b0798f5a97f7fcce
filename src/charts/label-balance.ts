/**
 * Label balance of a dataset: one horizontal bar per label with its count and share.
 * Data in, SVG out (never reads the store).
 */
import * as d3 from 'd3';

export interface LabelBalanceOptions {
  width?: number;
  /** Height of one bar row in pixels. */
  rowHeight?: number;
  /** At most this many labels are drawn (largest first when there are more); the rest are summed into "… n more". */
  maxLabels?: number;
  title?: string;
}

const COLORS = d3.schemeTableau10;

/** Bars in the labels' sorted order (as the engine reports them); an empty balance gives a one-line "no labels" chart. */
export function labelBalanceChart(balance: Record<string, number>, o: LabelBalanceOptions = {}): SVGSVGElement {
  const W = o.width ?? 420;
  const rowH = o.rowHeight ?? 20;
  const maxLabels = o.maxLabels ?? 12;
  let entries = Object.entries(balance).filter(([, n]) => Number.isFinite(n) && n >= 0);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = entries.reduce((s, [, n]) => s + n, 0);
  let rest: { labels: number; count: number } | null = null;
  if (entries.length > maxLabels) {
    const keep = new Set([...entries].sort(([, a], [, b]) => b - a).slice(0, maxLabels - 1).map(([k]) => k));
    const dropped = entries.filter(([k]) => !keep.has(k));
    rest = { labels: dropped.length, count: dropped.reduce((s, [, n]) => s + n, 0) };
    entries = entries.filter(([k]) => keep.has(k));
  }
  const rows = [...entries.map(([label, count], i) => ({ label, count, color: COLORS[i % COLORS.length] ?? '#4e79a7', key: `label-${label}` })),
    ...(rest ? [{ label: `… ${rest.labels} more`, count: rest.count, color: '#bbb', key: 'label-rest' }] : [])];
  const m = { top: o.title ? 22 : 6, right: 110, bottom: 6, left: 110 };
  const H = m.top + m.bottom + Math.max(1, rows.length) * rowH;
  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('role', 'img').attr('aria-label', o.title ?? 'label balance')
    .style('font', '11px system-ui, sans-serif');
  if (o.title) svg.append('text').attr('class', 'title').attr('x', m.left).attr('y', 14).attr('font-weight', 600).text(o.title);
  if (rows.length === 0) {
    svg.append('text').attr('class', 'empty').attr('x', m.left).attr('y', m.top + rowH * 0.7).attr('fill', '#6e6e73').text('no labels');
    return svg.node() as SVGSVGElement;
  }
  const max = Math.max(1, ...rows.map((r) => r.count));
  const x = d3.scaleLinear().domain([0, max]).range([0, W - m.left - m.right]);
  const g = svg.append('g').selectAll('g').data(rows).join('g')
    .attr('class', 'bar').attr('data-label', (r) => r.label).attr('data-testid', (r) => r.key)
    .attr('transform', (_r, i) => `translate(0,${m.top + i * rowH})`);
  g.append('text').attr('class', 'name').attr('x', m.left - 6).attr('y', rowH * 0.68).attr('text-anchor', 'end').attr('fill', '#333')
    .text((r) => (r.label.length > 16 ? `${r.label.slice(0, 15)}…` : r.label || '(empty)'));
  g.append('rect').attr('x', m.left).attr('y', 2).attr('height', rowH - 4).attr('width', (r) => Math.max(r.count > 0 ? 1 : 0, x(r.count))).attr('fill', (r) => r.color)
    .append('title').text((r) => `${r.label}: ${r.count} rows (${total ? ((100 * r.count) / total).toFixed(1) : '0'}%)`);
  g.append('text').attr('class', 'count').attr('x', (r) => m.left + x(r.count) + 4).attr('y', rowH * 0.68).attr('fill', '#333')
    .text((r) => `${r.count} (${total ? ((100 * r.count) / total).toFixed(1) : '0'}%)`);
  return svg.node() as SVGSVGElement;
}
