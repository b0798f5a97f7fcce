/**
 * Logit-lens heatmap: rows = embed, each step, final; columns = a window of positions.
 * Data in, SVG out (no store access). Only the cells passed in are drawn, so the
 * caller renders just the visible window of a long prompt.
 */
import * as d3 from 'd3';

export interface LensCell {
  /** Display text of the top-1 token. */
  text: string;
  /** Metric value; NaN = not computed. */
  value: number;
  /** The cell's top-1 equals the actual next token. */
  hit: boolean;
}

export interface LensHeatmapData {
  rowLabels: string[];
  /** Absolute position of each column and its input token's text. */
  columns: { pos: number; token: string }[];
  /** [rows][columns]. */
  cells: LensCell[][];
  color: (v: number) => string;
}

export const CELL_W = 64;
export const CELL_H = 22;
export const LABEL_W = 150;
const HEADER_H = 38;

export interface LensHeatmapHandlers {
  onHover?: (row: number, col: number) => void;
  onClick?: (row: number, col: number) => void;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function lensHeatmap(data: LensHeatmapData, on: LensHeatmapHandlers = {}): SVGSVGElement {
  const W = LABEL_W + data.columns.length * CELL_W;
  const H = HEADER_H + data.rowLabels.length * CELL_H;
  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('role', 'img').attr('aria-label', 'logit lens heatmap').style('font', '11px system-ui, sans-serif');
  svg.append('text').attr('x', 4).attr('y', 14).attr('font-weight', 600).text('layer ↓ / position →');
  svg.append('g').selectAll('text').data(data.columns).join('text')
    .attr('x', (_, i) => LABEL_W + i * CELL_W + CELL_W / 2).attr('y', 14).attr('text-anchor', 'middle').attr('fill', '#666')
    .text((c) => String(c.pos));
  svg.append('g').selectAll('text').data(data.columns).join('text')
    .attr('x', (_, i) => LABEL_W + i * CELL_W + CELL_W / 2).attr('y', 30).attr('text-anchor', 'middle').attr('font-weight', 600)
    .text((c) => clip(c.token, 9)).append('title').text((c) => `input token at ${c.pos}: ${c.token}`);
  svg.append('g').selectAll('text').data(data.rowLabels).join('text')
    .attr('x', LABEL_W - 6).attr('y', (_, r) => HEADER_H + r * CELL_H + CELL_H / 2 + 4).attr('text-anchor', 'end')
    .text((l) => l);
  const flat = data.cells.flatMap((row, r) => row.map((cell, c) => ({ ...cell, r, c })));
  const g = svg.append('g').selectAll('g').data(flat).join('g')
    .attr('transform', (d) => `translate(${LABEL_W + d.c * CELL_W},${HEADER_H + d.r * CELL_H})`)
    .attr('data-testid', (d) => `lens-cell-${d.r}-${data.columns[d.c]?.pos ?? d.c}`)
    .style('cursor', 'pointer')
    .on('mouseenter', (_e, d) => on.onHover?.(d.r, d.c))
    .on('click', (_e, d) => on.onClick?.(d.r, d.c));
  g.append('rect').attr('width', CELL_W - 1).attr('height', CELL_H - 1)
    .attr('fill', (d) => (Number.isNaN(d.value) ? '#eee' : data.color(d.value)))
    .attr('stroke', (d) => (d.hit ? '#d62728' : 'none'))
    .attr('stroke-width', 1.5);
  g.append('text').attr('x', CELL_W / 2).attr('y', CELL_H / 2 + 4).attr('text-anchor', 'middle')
    .attr('fill', (d) => (Number.isNaN(d.value) ? '#999' : d3.hsl(data.color(d.value)).l > 0.55 ? '#111' : '#fff'))
    .text((d) => clip(d.text, 9));
  g.append('title').text((d) => `${data.rowLabels[d.r]}, position ${data.columns[d.c]?.pos}: ${d.text} (${Number.isNaN(d.value) ? '—' : d.value.toPrecision(3)})${d.hit ? ' · red outline: top-1 = the actual next token' : ''}`);
  // The hovered / pinned cell's outline: one element moved by lensMarker, never a redraw,
  // so the cells under the pointer stay the same DOM nodes and a click lands on them.
  svg.append('rect').attr('class', 'lens-marker').attr('data-testid', 'lens-marker').attr('width', CELL_W - 1).attr('height', CELL_H - 1)
    .attr('fill', 'none').attr('pointer-events', 'none').attr('display', 'none');
  return svg.node() as SVGSVGElement;
}

/** Moves the heatmap's outline to a cell (row, column index in the window), or hides it. */
export function lensMarker(svg: SVGSVGElement, cell: { row: number; col: number } | null, pinned: boolean): void {
  const m = d3.select(svg).select<SVGRectElement>('rect.lens-marker');
  if (!cell) {
    m.attr('display', 'none');
    return;
  }
  m.attr('display', null).attr('x', LABEL_W + cell.col * CELL_W).attr('y', HEADER_H + cell.row * CELL_H)
    .attr('stroke', pinned ? '#000' : '#555').attr('stroke-width', pinned ? 2.5 : 1).attr('stroke-dasharray', pinned ? null : '3 2')
    .attr('data-pinned', pinned ? 'true' : 'false');
}

/** The row labels alone (the view keeps them in sight while positions scroll). */
export function lensRowLabels(rowLabels: string[]): SVGSVGElement {
  const H = HEADER_H + rowLabels.length * CELL_H;
  const svg = d3.create('svg').attr('width', LABEL_W).attr('height', H).attr('aria-hidden', 'true').style('font', '11px system-ui, sans-serif');
  svg.append('rect').attr('width', LABEL_W).attr('height', H).attr('fill', '#fff');
  svg.append('text').attr('x', 4).attr('y', 14).attr('font-weight', 600).text('layer ↓ / position →');
  svg.append('g').selectAll('text').data(rowLabels).join('text')
    .attr('x', LABEL_W - 6).attr('y', (_, r) => HEADER_H + r * CELL_H + CELL_H / 2 + 4).attr('text-anchor', 'end')
    .text((l) => l);
  return svg.node() as SVGSVGElement;
}
