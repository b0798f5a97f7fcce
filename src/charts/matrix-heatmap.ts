/**
 * A labelled matrix heatmap (rows × columns) with a legend. Data in, SVG out.
 * Used for skip-sweep effects (layer × layer) and void maps (token × step).
 *
 * Nothing is clipped silently: a value above the scale's top (below its bottom) is drawn
 * hatched in a colour the scale does not use, keeps its true value in the hover, and the
 * legend counts such cells ("> 1: 5 cells, max 3.2"). Labels are thinned to every k-th row
 * or column when cells are smaller than a line of text, and shortened to their margin, with
 * the full label on hover; margins and legend grow to fit their text.
 */
import * as d3 from 'd3';
import { drawCategoryLegend, drawScaleLegend, isOver, isUnder, rangePatterns, type Category, type RangeNote } from './legend';
import { fmt3, lineHeight, textWidth, thinEvery, truncate } from './text-metrics';

export interface MatrixCategory extends Category {
  /** The cell value this category stands for. */
  value: number;
}

export interface MatrixData {
  values: ArrayLike<number>[];
  rowLabels: string[];
  colLabels: string[];
  rowTitle: string;
  colTitle: string;
  /** Legend title with units. */
  valueTitle: string;
  /** The colour scale's range; values outside it are marked, never clamped. */
  domain: [number, number];
  interpolator?: (t: number) => string;
  /** Cell size in px (default fits ~520 px). */
  cell?: number;
  format?: (v: number) => string;
  /** Categorical data (e.g. 0 = active, 1 = void): one colour per value and a swatch legend instead of a colour bar. */
  categories?: MatrixCategory[];
}

const FONT = 10;
const LH = lineHeight(FONT);
/** Longest label drawn in full (px); longer ones end in "…" with the full text on hover. */
const MAX_ROW_LABEL = 150;
const MAX_COL_LABEL = 90;
const SIN60 = Math.sin(Math.PI / 3);

export function matrixHeatmap(d: MatrixData): SVGSVGElement {
  const R = d.values.length;
  const C = d.colLabels.length;
  const cell = d.cell ?? Math.max(6, Math.min(36, Math.floor(520 / Math.max(R, C, 1))));
  const fmt = d.format ?? fmt3;
  const [lo, hi] = d.domain;
  const rowTitle = `${d.rowTitle} ↓`;
  const colTitle = `${d.colTitle} →`;
  const rowText = d.rowLabels.map((l) => truncate(l, MAX_ROW_LABEL, FONT));
  const colText = d.colLabels.map((l) => truncate(l, MAX_COL_LABEL, FONT));
  const colW = Math.max(0, ...colText.map((l) => textWidth(l, FONT)));
  const m = {
    // Rotated column labels rise colW·sin 60° above the matrix; the column title sits above them.
    top: LH + 8 + Math.ceil(colW * SIN60 + LH / 2) + 4,
    left: Math.ceil(Math.max(...rowText.map((l) => textWidth(l, FONT)), textWidth(rowTitle, FONT, true) - 4, 30)) + 10,
    // …and lean right by colW·cos 60°: the last one needs that much room.
    right: Math.ceil(Math.max(12, colW / 2 + LH)),
  };
  const color = d3.scaleSequential(d.interpolator ?? d3.interpolateYlOrRd).domain(d.domain);
  const catOf = new Map((d.categories ?? []).map((c) => [c.value, c]));
  const cells = d.values.flatMap((row, r) => Array.from({ length: C }, (_, c) => {
    const v = row[c] as number;
    const kind = d.categories || !Number.isFinite(v) ? '' : isOver(v, hi) ? 'over' : isUnder(v, lo) ? 'under' : '';
    return { r, c, v, kind };
  }));
  const note = (kind: string, pick: (a: number, b: number) => number): RangeNote | undefined => {
    const vs = cells.filter((e) => e.kind === kind).map((e) => e.v);
    return vs.length ? { count: vs.length, extreme: vs.reduce((a, b) => pick(a, b)) } : undefined;
  };
  const over = note('over', Math.max);
  const under = note('under', Math.min);

  const svg = d3.create('svg').style('font', `${FONT}px system-ui, sans-serif`).attr('role', 'img').attr('aria-label', `${d.rowTitle} × ${d.colTitle}: ${d.valueTitle}`);
  if (!d.categories) svg.attr('data-top', hi).attr('data-bottom', lo);
  const fills = over || under ? rangePatterns(svg) : null;
  const fill = (e: (typeof cells)[number]): string => {
    if (d.categories) return catOf.get(e.v)?.color ?? '#eee';
    if (!Number.isFinite(e.v)) return '#eee';
    if (e.kind === 'over' && fills) return fills.over;
    if (e.kind === 'under' && fills) return fills.under;
    return color(e.v);
  };
  const hover = (e: (typeof cells)[number]): string => {
    const value = !Number.isFinite(e.v) ? '—' : d.categories ? (catOf.get(e.v)?.label ?? fmt(e.v)) : fmt(e.v);
    const beyond = e.kind === 'over' ? ` (above the scale's top, ${fmt3(hi)})` : e.kind === 'under' ? ` (below the scale's bottom, ${fmt3(lo)})` : '';
    return `${d.rowTitle} ${d.rowLabels[e.r]}, ${d.colTitle} ${d.colLabels[e.c]}: ${value}${beyond}`;
  };
  svg.append('g').selectAll('rect').data(cells).join('rect')
    .attr('class', (e) => (e.kind ? `cell ${e.kind}` : 'cell')).attr('data-v', (e) => e.v)
    .attr('x', (e) => m.left + e.c * cell).attr('y', (e) => m.top + e.r * cell).attr('width', cell - 1).attr('height', cell - 1)
    .attr('fill', fill)
    .append('title').text(hover);

  // Every k-th label so neighbours keep a line of text between baselines (rotated columns: cell · sin 60°).
  const kr = thinEvery(cell, LH);
  const kc = thinEvery(cell * SIN60, LH);
  const rows = d3.range(0, R, kr);
  const cols = d3.range(0, C, kc);
  svg.append('g').selectAll('text').data(rows).join('text').attr('class', 'row-label')
    .attr('x', m.left - 4).attr('y', (r) => m.top + r * cell + cell / 2 + FONT * 0.35).attr('text-anchor', 'end').text((r) => rowText[r] ?? '')
    .append('title').text((r) => `${d.rowTitle} ${d.rowLabels[r]}`);
  svg.append('g').selectAll('text').data(cols).join('text').attr('class', 'col-label')
    .attr('transform', (c) => `translate(${m.left + c * cell + cell / 2 + FONT * 0.3},${m.top - 4}) rotate(-60)`).text((c) => colText[c] ?? '')
    .append('title').text((c) => `${d.colTitle} ${d.colLabels[c]}`);
  svg.append('text').attr('x', 4).attr('y', m.top - 8).attr('font-weight', 600).text(rowTitle);
  svg.append('text').attr('x', m.left).attr('y', LH).attr('font-weight', 600).text(colTitle);

  // Legend under the matrix: categories as swatches, a value scale as a colour bar.
  const gridW = C * cell;
  const legendMax = Math.max(260, gridW);
  const g = svg.append('g').attr('class', 'legend').attr('transform', `translate(${m.left},${m.top + R * cell + 10})`);
  const size = d.categories
    ? drawCategoryLegend(g, d.valueTitle, d.categories.map((c) => ({ ...c, count: cells.filter((e) => e.v === c.value).length })), legendMax)
    : drawScaleLegend(svg, g, { title: d.valueTitle, domain: d.domain, color, width: Math.min(240, Math.max(120, gridW)), maxWidth: legendMax, ...(over ? { over } : {}), ...(under ? { under } : {}) });
  const W = Math.ceil(Math.max(m.left + gridW + m.right, m.left + size.width + 8, m.left + textWidth(colTitle, FONT, true) + 8));
  const H = Math.ceil(m.top + R * cell + 10 + size.height + 6);
  return svg.attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`).node() as SVGSVGElement;
}
