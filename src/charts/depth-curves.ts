/**
 * Concept-depth curves: a probe metric (accuracy, F1, ROC-AUC) per hook over relative depth,
 * one line per curve with its 95% bootstrap band (lo…hi), the chance line, and each curve's
 * jumping (J) and converging (C) points as marks on its line. y is 0..1 (never clamped: a
 * band that leaves [0, 1] widens the axis). Data in, SVG out.
 */
import * as d3 from 'd3';
import { lineHeight, textWidth, wrap } from './text-metrics';

export interface DepthCurve {
  /** Legend text. */
  name: string;
  /** Relative depth per point (0..1). */
  x: number[];
  y: number[];
  lo?: number[];
  hi?: number[];
  /** Hook names per point (for the hover text). */
  labels?: string[];
  color?: string;
  dashed?: boolean;
  /** Points to mark, by index into x/y. */
  marks?: { index: number; letter: string; title: string }[];
}

export interface DepthCurvesOptions {
  yLabel: string;
  title?: string;
  width?: number;
  height?: number;
  /** A horizontal reference line (the majority-class rate), with its legend text. */
  chance?: { value: number; label: string };
}

const FONT = 11;
const LH = lineHeight(FONT);
const COLORS = d3.schemeTableau10;

export function depthCurvesChart(curves: DepthCurve[], o: DepthCurvesOptions): SVGSVGElement {
  const W = o.width ?? 680;
  const legendW = Math.min(300, Math.max(140, ...curves.map((c) => textWidth(c.name, FONT) + 34)));
  const names = curves.map((c) => wrap(c.name, legendW - 30, FONT));
  const legendH = names.reduce((h, l) => h + l.length * LH + 4, 0) + 6 * LH;
  const titleLines = o.title ? wrap(o.title, W - 16, FONT, true) : [];
  const m = { top: 12 + titleLines.length * LH, right: legendW + 16, bottom: 42, left: 52 };
  const H = Math.max(o.height ?? 300, m.top + m.bottom + legendH);
  const all = curves.flatMap((c) => [...c.y, ...(c.lo ?? []), ...(c.hi ?? [])]).filter(Number.isFinite);
  const y = d3.scaleLinear().domain([Math.min(0, ...all), Math.max(1, ...all)]).range([H - m.bottom, m.top]);
  const x = d3.scaleLinear().domain([0, 1]).range([m.left, W - m.right]);
  const svg = d3.create('svg').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('data-chart', 'depth-curves').attr('role', 'img').attr('aria-label', o.title ?? o.yLabel).style('font', `${FONT}px system-ui, sans-serif`);
  svg.append('rect').attr('width', W).attr('height', H).attr('fill', '#fff');
  titleLines.forEach((l, j) => svg.append('text').attr('class', 'title').attr('x', 6).attr('y', 12 + j * LH).attr('font-weight', 600).text(l));
  svg.append('g').attr('transform', `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(5));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  svg.append('text').attr('class', 'x-title').attr('x', (m.left + W - m.right) / 2).attr('y', H - 8).attr('text-anchor', 'middle').text('relative depth: step / (S − 1)');
  svg.append('text').attr('class', 'y-title').attr('transform', `translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(o.yLabel);
  if (o.chance && Number.isFinite(o.chance.value)) {
    svg.append('line').attr('class', 'chance').attr('x1', m.left).attr('x2', W - m.right).attr('y1', y(o.chance.value)).attr('y2', y(o.chance.value))
      .attr('stroke', '#888').attr('stroke-dasharray', '2 3').attr('data-v', o.chance.value);
  }
  curves.forEach((c, k) => {
    const color = c.color ?? COLORS[k % COLORS.length] ?? '#333';
    const pts = c.x.map((xv, i) => ({ i, xv, v: c.y[i] as number, lo: c.lo?.[i] ?? NaN, hi: c.hi?.[i] ?? NaN }));
    const g = svg.append('g').attr('class', 'curve').attr('data-curve', c.name);
    if (c.lo && c.hi) {
      const area = d3.area<(typeof pts)[number]>().defined((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi)).x((p) => x(p.xv)).y0((p) => y(p.lo)).y1((p) => y(p.hi));
      g.append('path').datum(pts).attr('class', 'band').attr('d', area).attr('fill', color).attr('opacity', 0.16);
    }
    const line = d3.line<(typeof pts)[number]>().defined((p) => Number.isFinite(p.v)).x((p) => x(p.xv)).y((p) => y(p.v));
    g.append('path').datum(pts).attr('d', line).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2).attr('stroke-dasharray', c.dashed ? '6 3' : null);
    g.selectAll('circle').data(pts.filter((p) => Number.isFinite(p.v))).join('circle').attr('class', 'point')
      .attr('data-series', c.name).attr('data-i', (p) => p.i).attr('data-x', (p) => p.xv).attr('data-v', (p) => p.v)
      .attr('cx', (p) => x(p.xv)).attr('cy', (p) => y(p.v)).attr('r', 3).attr('fill', color)
      .append('title').text((p) => `${c.name}\n${c.labels?.[p.i] ?? `point ${p.i}`} · relative depth ${p.xv.toFixed(3)}\n${o.yLabel} ${p.v.toFixed(3)}${Number.isFinite(p.lo) ? ` (95% ${p.lo.toFixed(3)} … ${p.hi.toFixed(3)})` : ''}`);
    for (const mk of c.marks ?? []) {
      const p = pts[mk.index];
      if (!p || !Number.isFinite(p.v)) continue;
      const cx = x(p.xv);
      const cy = y(p.v);
      const mg = g.append('g').attr('class', `mark mark-${mk.letter}`).attr('data-series', c.name).attr('data-x', p.xv);
      mg.append('line').attr('x1', cx).attr('x2', cx).attr('y1', cy - 6).attr('y2', H - m.bottom).attr('stroke', color).attr('stroke-dasharray', '1 3');
      mg.append('circle').attr('cx', cx).attr('cy', cy).attr('r', 7).attr('fill', '#fff').attr('stroke', color).attr('stroke-width', 1.5);
      mg.append('text').attr('x', cx).attr('y', cy + 3.5).attr('text-anchor', 'middle').attr('font-size', 9).attr('font-weight', 700).attr('fill', color).text(mk.letter);
      mg.append('title').text(mk.title);
    }
  });
  const lg = svg.append('g').attr('class', 'legend').attr('transform', `translate(${W - m.right + 12},${m.top + 4})`);
  let ly = 0;
  curves.forEach((c, k) => {
    const color = c.color ?? COLORS[k % COLORS.length] ?? '#333';
    const g = lg.append('g').attr('class', 'legend-item').attr('data-name', c.name).attr('transform', `translate(0,${ly})`);
    g.append('line').attr('x1', 0).attr('x2', 22).attr('y1', 0).attr('y2', 0).attr('stroke', color).attr('stroke-width', 2).attr('stroke-dasharray', c.dashed ? '6 3' : null);
    const t = g.append('text').attr('x', 28).attr('y', 4);
    (names[k] ?? []).forEach((l, j) => t.append('tspan').attr('x', 28).attr('dy', j ? LH : 0).text(l));
    ly += (names[k]?.length ?? 1) * LH + 4;
  });
  const notes = [...(o.chance ? [`··· ${o.chance.label}`] : []), 'bands: 95% bootstrap over the test rows', 'J jumping point, C converging point']
    .flatMap((n) => wrap(n, legendW - 4, FONT));
  notes.forEach((n, j) => lg.append('text').attr('class', 'legend-note').attr('y', ly + 4 + j * LH).attr('fill', '#555').text(n));
  return svg.node() as SVGSVGElement;
}
