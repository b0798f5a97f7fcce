/**
 * One head's attention pattern [T(query), T(key)] as a heatmap (white → dark blue,
 * 0..1). Thumbnails omit labels; the detail map labels rows and columns with tokens.
 *
 * Labels never overlap at any T: when a cell is smaller than a line of text only every k-th
 * position is labelled (those with position % k = 0, prefixed with the position so the reader
 * knows which row it is), and a long token ends in "…"; the full label is on hover, and every
 * cell's hover names its query and key tokens.
 */
import * as d3 from 'd3';
import { lineHeight, textWidth, thinEvery, truncate } from './text-metrics';

export interface AttentionMapData {
  /** [H, T, T] pattern of one step, row-major. */
  pattern: Float32Array;
  head: number;
  T: number;
  /** Positions [from, T) are drawn (long prompts show their tail in thumbnails). */
  from: number;
  labels?: string[];
  /** Side of the square map in px (labels are drawn around it). */
  size: number;
}

export const attentionColor = d3.scaleSequential(d3.interpolateBlues).domain([0, 1]);

const FONT = 10;
const LH = lineHeight(FONT);
/** Longest label drawn in full (px). */
const MAX_LABEL = 80;
const SIN60 = Math.sin(Math.PI / 3);
const CORNER = 'query ↓ key →';

/** Which positions of [from, T) get a label when cells are `cell` px apart: every k-th, k from the text height. */
export function labelledPositions(from: number, T: number, cell: number, rotated: boolean): { k: number; positions: number[] } {
  const k = thinEvery(rotated ? cell * SIN60 : cell, LH);
  const positions = d3.range(from, T).filter((p) => k === 1 || p % k === 0);
  return { k, positions };
}

export function attentionMap(d: AttentionMapData): SVGSVGElement {
  const n = Math.max(1, d.T - d.from);
  const cell = d.size / n;
  const labels = d.labels;
  const rows = labels ? labelledPositions(d.from, d.T, cell, false) : { k: 1, positions: [] };
  const cols = labels ? labelledPositions(d.from, d.T, cell, true) : { k: 1, positions: [] };
  const text = (p: number, k: number): string => truncate(k > 1 ? `${p} ${labels?.[p] ?? ''}` : labels?.[p] ?? '', MAX_LABEL, FONT);
  const rowW = Math.max(0, ...rows.positions.map((p) => textWidth(text(p, rows.k), FONT)));
  const colW = Math.max(0, ...cols.positions.map((p) => textWidth(text(p, cols.k), FONT)));
  // Row labels and the corner title share the left margin; rotated column labels rise colW·sin 60°
  // above the map and lean colW·cos 60° to the right of their column.
  const m = labels
    ? { left: Math.ceil(Math.max(rowW, textWidth(CORNER, FONT)) + 8), top: Math.ceil(LH + 6 + colW * SIN60 + LH / 2), right: Math.ceil(colW / 2 + LH) }
    : { left: 0, top: 0, right: 0 };
  const W = m.left + d.size + m.right;
  const H = m.top + d.size + (labels ? 4 : 0);
  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .style('font', `${FONT}px system-ui, sans-serif`).attr('role', 'img').attr('aria-label', `attention head ${d.head}`);
  const base = d.head * d.T * d.T;
  const cells: { q: number; k: number; v: number }[] = [];
  for (let q = d.from; q < d.T; q++) for (let k = d.from; k <= q; k++) cells.push({ q, k, v: d.pattern[base + q * d.T + k] as number });
  const tok = (p: number): string => (labels ? ` ${labels[p] ?? ''}` : '');
  const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  g.append('rect').attr('width', d.size).attr('height', d.size).attr('fill', '#fafafa').attr('stroke', '#ddd');
  g.selectAll('rect.c').data(cells).join('rect').attr('class', 'c')
    .attr('x', (c) => (c.k - d.from) * cell).attr('y', (c) => (c.q - d.from) * cell)
    .attr('width', Math.max(cell, 0.5)).attr('height', Math.max(cell, 0.5)).attr('fill', (c) => attentionColor(c.v))
    .append('title').text((c) => `query ${c.q}${tok(c.q)} → key ${c.k}${tok(c.k)}: ${c.v.toFixed(3)}`);
  if (labels) {
    svg.append('g').selectAll('text').data(rows.positions).join('text').attr('class', 'row-label')
      .attr('x', m.left - 4).attr('y', (q) => m.top + (q - d.from + 0.5) * cell + FONT * 0.35).attr('text-anchor', 'end').text((q) => text(q, rows.k))
      .append('title').text((q) => `query position ${q}: ${labels[q] ?? ''}`);
    svg.append('g').selectAll('text').data(cols.positions).join('text').attr('class', 'col-label')
      .attr('transform', (k) => `translate(${m.left + (k - d.from + 0.5) * cell + FONT * 0.3},${m.top - 4}) rotate(-60)`).text((k) => text(k, cols.k))
      .append('title').text((k) => `key position ${k}: ${labels[k] ?? ''}`);
    svg.append('text').attr('class', 'corner').attr('x', 2).attr('y', LH - 2).attr('fill', '#666').text(CORNER);
  }
  return svg.node() as SVGSVGElement;
}
