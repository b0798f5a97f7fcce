/**
 * Latent-language figures (METHODS §4): probability of the target and latent languages'
 * token sets per layer, several models on one relative-depth axis, each mean with its 95%
 * band (lo…hi); and the entropy strip (bits, plasma, 0–14 as in the paper's figure), one
 * row per model. Data in, SVG out.
 */
import * as d3 from 'd3';
import { lineHeight, textWidth } from './text-metrics';

export interface LatentBandSeries {
  /** Legend text, e.g. "A · target de". */
  name: string;
  /** x per point (relative depth, 0..1). */
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  color: string;
  dashed?: boolean;
}

const FONT = 11;
const LH = lineHeight(FONT);

/** Lines with shaded 95% bands over relative depth; y is a probability (0..1, never clamped: bands may dip below 0 and are drawn so). */
export function latentCurvesChart(series: LatentBandSeries[], o: { width?: number; height?: number; title?: string } = {}): SVGSVGElement {
  const W = o.width ?? 640;
  const legendW = Math.min(260, Math.max(120, ...series.map((s) => textWidth(s.name, FONT) + 34)));
  const m = { top: o.title ? 26 : 10, right: legendW + 16, bottom: 40, left: 52 };
  const H = Math.max(o.height ?? 300, m.top + m.bottom + series.length * LH + 20);
  const lows = series.flatMap((s) => s.lo).filter(Number.isFinite);
  const highs = series.flatMap((s) => s.hi).filter(Number.isFinite);
  const y = d3.scaleLinear().domain([Math.min(0, ...lows), Math.max(1, ...highs)]).range([H - m.bottom, m.top]);
  const x = d3.scaleLinear().domain([0, 1]).range([m.left, W - m.right]);
  const svg = d3.create('svg').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('data-chart', 'latent-curves').style('font', `${FONT}px system-ui, sans-serif`);
  svg.append('rect').attr('width', W).attr('height', H).attr('fill', '#fff');
  if (o.title) svg.append('text').attr('x', m.left).attr('y', 16).attr('font-weight', 600).text(o.title);
  svg.append('g').attr('transform', `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(5));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  svg.append('text').attr('x', (m.left + W - m.right) / 2).attr('y', H - 6).attr('text-anchor', 'middle').text('relative depth (layer + 1) / L');
  svg.append('text').attr('transform', `translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text('probability of the token set');
  for (const s of series) {
    const pts = s.x.map((xv, i) => ({ xv, v: s.mean[i] as number, lo: s.lo[i] as number, hi: s.hi[i] as number }));
    const area = d3.area<(typeof pts)[number]>().defined((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi)).x((p) => x(p.xv)).y0((p) => y(p.lo)).y1((p) => y(p.hi));
    svg.append('path').datum(pts).attr('d', area).attr('fill', s.color).attr('opacity', 0.18).attr('data-band', s.name);
    const line = d3.line<(typeof pts)[number]>().defined((p) => Number.isFinite(p.v)).x((p) => x(p.xv)).y((p) => y(p.v));
    svg.append('path').datum(pts).attr('d', line).attr('fill', 'none').attr('stroke', s.color).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '6 3' : null);
    svg.append('g').selectAll('circle').data(pts).join('circle').attr('data-series', s.name).attr('data-v', (p) => p.v)
      .attr('cx', (p) => x(p.xv)).attr('cy', (p) => y(p.v)).attr('r', 2.5).attr('fill', s.color)
      .append('title').text((p) => `${s.name}\nrelative depth ${p.xv.toFixed(3)}\nmean ${p.v.toPrecision(3)} (95% ${p.lo.toPrecision(3)} … ${p.hi.toPrecision(3)})`);
  }
  const lg = svg.append('g').attr('transform', `translate(${W - m.right + 12},${m.top + 4})`);
  series.forEach((s, i) => {
    const g = lg.append('g').attr('transform', `translate(0,${i * LH})`);
    g.append('line').attr('x1', 0).attr('x2', 22).attr('y1', 0).attr('y2', 0).attr('stroke', s.color).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '6 3' : null);
    g.append('text').attr('x', 28).attr('y', 4).text(s.name);
  });
  lg.append('text').attr('y', series.length * LH + 4).attr('fill', '#555').text('bands: mean ± 1.96·sd/√n');
  return svg.node() as SVGSVGElement;
}

/** One row of mean entropy (bits) per model over relative depth, plasma on 0–14 bits (values above are marked ▲). */
export function entropyStrip(rows: { name: string; x: number[]; bits: number[] }[], o: { width?: number } = {}): SVGSVGElement {
  const W = o.width ?? 640;
  const nameW = Math.min(220, Math.max(40, ...rows.map((r) => textWidth(r.name, FONT) + 8)));
  const rowH = 18;
  const top = 18;
  const H = top + rows.length * rowH + 34;
  const x0 = nameW;
  const x1 = W - 80;
  const color = (b: number): string => d3.interpolatePlasma(Math.min(1, Math.max(0, b / 14)));
  const svg = d3.create('svg').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('data-chart', 'entropy-strip').style('font', `${FONT}px system-ui, sans-serif`);
  svg.append('rect').attr('width', W).attr('height', H).attr('fill', '#fff');
  svg.append('text').attr('x', 4).attr('y', 12).attr('fill', '#333').text('mean entropy at the last position (bits; plasma 0–14)');
  rows.forEach((r, k) => {
    const yy = top + k * rowH;
    svg.append('text').attr('x', nameW - 6).attr('y', yy + 13).attr('text-anchor', 'end').text(r.name);
    const n = r.x.length;
    r.bits.forEach((b, i) => {
      const a = x0 + ((x1 - x0) * i) / n;
      const w = (x1 - x0) / n;
      const cell = svg.append('rect').attr('x', a).attr('y', yy).attr('width', Math.max(1, w - 1)).attr('height', rowH - 2).attr('fill', color(b)).attr('data-bits', b);
      cell.append('title').text(`${r.name}\nrelative depth ${(r.x[i] as number).toFixed(3)}: ${b.toFixed(2)} bits`);
      if (w > 34) svg.append('text').attr('x', a + w / 2).attr('y', yy + 12).attr('text-anchor', 'middle').attr('font-size', 9).attr('fill', b > 9 ? '#000' : '#fff').text(`${b.toFixed(1)}${b > 14 ? '▲' : ''}`);
    });
  });
  // Colour key: 0 … 14 bits.
  const ky = top + rows.length * rowH + 8;
  for (let i = 0; i < 56; i++) svg.append('rect').attr('x', x0 + i * 3).attr('y', ky).attr('width', 3).attr('height', 8).attr('fill', color((i / 55) * 14));
  svg.append('text').attr('x', x0).attr('y', ky + 20).text('0');
  svg.append('text').attr('x', x0 + 168).attr('y', ky + 20).attr('text-anchor', 'end').text('14 bits');
  return svg.node() as SVGSVGElement;
}
