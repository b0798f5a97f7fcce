/**
 * Lines (or bars) over a shared x axis (usually the step of the layer path), with optional
 * shaded bands (e.g. mean…max) and a legend. Data in, SVG out.
 *
 * Every step stays readable and nothing is clipped silently: on a linear axis a few values far
 * above the rest (step 0's update, ~50–80 against < 1) break the axis — the scale covers the
 * others and each outlier is drawn at the top edge with a ▲ and its value written above it; a
 * value outside a given yDomain (or ≤ 0 on a log axis) is marked the same way. Margins, legend
 * and axis titles grow or wrap to fit their text; x tick labels are thinned so none overlap.
 */
import * as d3 from 'd3';
import { isOver, isUnder } from './legend';
import { fmt3, lineHeight, textWidth, thinEvery, wrap } from './text-metrics';

export interface LineSeries {
  /** Shown in full in the legend (wrapped); names in one chart should be distinct. */
  name: string;
  values: ArrayLike<number>;
  /** Upper edge of a band drawn under the line (same length as values). */
  upper?: ArrayLike<number>;
  dashed?: boolean;
  /** x positions (with LineChartOptions.numericX); default 0..n−1. */
  x?: ArrayLike<number>;
  /** Default: the k-th Tableau colour. */
  color?: string;
}

export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  /** Tick labels for x = 0..n−1 (defaults to the index). */
  xTicks?: string[];
  width?: number;
  /** Nominal height; the plot area keeps height − 56 px and the SVG grows for labels above it. */
  height?: number;
  /** A fixed y range; values outside it are marked (▲/▼ with their value), never clamped silently. */
  yDomain?: [number, number];
  /** Bars instead of lines. */
  bars?: boolean;
  /** Logarithmic y axis (values ≤ 0 are drawn at the bottom edge, marked ▼). */
  logY?: boolean;
  /** Plot series at their own numeric `x` on this domain (e.g. relative depth 0..1). */
  numericX?: [number, number];
  /** Bold title above the plot. */
  title?: string;
  /** What a band shows, appended to the names of series with one (default "band: max"). */
  bandLabel?: string;
  /** Break a linear axis above a few far outliers (default true; ignored with yDomain or logY). */
  breakOutliers?: boolean;
}

const COLORS = d3.schemeTableau10;
const FONT = 11;
const TICK_FONT = 10; // d3 axes draw their labels at 10 px
const LH = lineHeight(FONT);

/**
 * The largest value to keep on a broken axis, or null for no break: the biggest gap (≥ 5×)
 * among the top fifth of the positive values, so at most a fifth of them go off the scale.
 */
export function breakTop(values: number[]): number | null {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => b - a);
  if (pos.length < 3) return null;
  const maxOut = Math.max(1, Math.floor(pos.length / 5));
  let best: number | null = null;
  let bestRatio = 5;
  for (let j = 0; j < Math.min(maxOut, pos.length - 1); j++) {
    const ratio = (pos[j] as number) / (pos[j + 1] as number);
    if (ratio > bestRatio) { bestRatio = ratio; best = pos[j + 1] as number; }
  }
  return best;
}

interface OffLabel { x: number; text: string; color: string; dir: 'over' | 'under'; row: number }

/** Rows for labels centred at x: each takes the lowest row where it keeps 4 px from its neighbours. */
function stack(labels: OffLabel[]): number {
  const rows: [number, number][][] = [];
  for (const l of [...labels].sort((a, b) => a.x - b.x)) {
    const w = textWidth(l.text, FONT) / 2 + 4;
    let r = rows.findIndex((row) => row.every(([a, b]) => l.x + w <= a || l.x - w >= b));
    if (r < 0) { r = rows.length; rows.push([]); }
    rows[r]?.push([l.x - w, l.x + w]);
    l.row = r;
  }
  return rows.length;
}

export function lineChart(series: LineSeries[], o: LineChartOptions): SVGSVGElement {
  const W = o.width ?? 580;
  const plotH = Math.max(80, (o.height ?? 240) - 56);
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => [...Array.from(s.values), ...(s.upper ? Array.from(s.upper) : [])]).filter(Number.isFinite);
  const positive = all.filter((v) => v > 0);
  const broken = !o.yDomain && !o.logY && (o.breakOutliers ?? true) ? breakTop(all) : null;
  const y = o.logY
    ? d3.scaleLog().domain([Math.max(1e-6, Math.min(...positive, 1)), Math.max(1e-5, ...positive)]).nice().clamp(true)
    : d3.scaleLinear().domain(o.yDomain ?? [Math.min(0, ...all), broken ?? Math.max(1e-9, ...all)]).nice().clamp(true);
  const [bottom, top] = y.domain() as [number, number];
  const yFmt = y.tickFormat(5, o.logY ? '~g' : undefined);
  const tickW = Math.max(0, ...y.ticks(5).map((t) => textWidth(yFmt(t), TICK_FONT)));

  // Legend column: as wide as its longest name up to 40% of the width, longer names wrap.
  const band = o.bandLabel ?? 'band: max';
  const names = series.map((s) => s.name + (s.upper ? ` (${band})` : ''));
  const legendW = Math.min(Math.max(...names.map((t) => textWidth(t, FONT)), 60), 0.4 * W);
  const legendLines = names.map((t) => wrap(t, legendW, FONT));
  const yLines = wrap(o.yLabel, plotH, FONT);
  const left = Math.ceil(6 + yLines.length * LH + 4 + tickW + 9);
  const xTickText = (i: number): string => (o.numericX ? String(i) : o.xTicks?.[i] ?? String(i));
  const ticks0 = o.numericX ? d3.scaleLinear().domain(o.numericX).ticks(6) : d3.range(n);
  const lastHalf = Math.max(0, ...ticks0.map((t) => textWidth(xTickText(t), FONT) / 2));
  const legendGap = Math.max(12, lastHalf + 4);
  const right = Math.ceil(legendGap + 22 + legendW + 6);
  const x = o.bars ? d3.scaleBand<number>().domain(d3.range(n)).range([left, W - right]).padding(0.15) : null;
  const xl = d3.scaleLinear().domain(o.numericX ?? [0, Math.max(1, n - 1)]).range([left, W - right]);
  const xAt = (i: number): number => (x ? (x(i) ?? 0) + x.bandwidth() / 2 : xl(i));
  const colorOf = (s: LineSeries, k: number): string => s.color ?? COLORS[k % COLORS.length] ?? '#333';
  const pointsOf = (s: LineSeries) => Array.from(s.values, (v, i) => ({ i, xv: o.numericX && s.x ? (s.x[i] as number) : i, v, up: s.upper ? (s.upper[i] as number) : NaN }));
  const kindOf = (v: number): '' | 'over' | 'under' => (!Number.isFinite(v) ? '' : isOver(v, top) ? 'over' : isUnder(v, bottom) || (o.logY && v <= 0) ? 'under' : '');
  const barX = (k: number, i: number): number => (x ? (x(i) ?? 0) + (k + 0.5) * (x.bandwidth() / series.length) : 0);

  // Values beyond the scale, one label per series and x: "73.3 (max 237)", "max 2.9", "−1.2".
  const off: OffLabel[] = [];
  series.forEach((s, k) => {
    for (const p of pointsOf(s)) {
      const kv = kindOf(p.v);
      const ku = kindOf(p.up);
      const cx = o.bars ? barX(k, p.i) : xAt(p.xv);
      if (kv === 'over') off.push({ x: cx, text: ku === 'over' ? `${fmt3(p.v)} (max ${fmt3(p.up)})` : fmt3(p.v), color: colorOf(s, k), dir: 'over', row: 0 });
      else if (ku === 'over') off.push({ x: cx, text: `max ${fmt3(p.up)}`, color: colorOf(s, k), dir: 'over', row: 0 });
      else if (kv === 'under') off.push({ x: cx, text: fmt3(p.v), color: colorOf(s, k), dir: 'under', row: 0 });
    }
  });
  const overRows = stack(off.filter((l) => l.dir === 'over'));
  const underRows = stack(off.filter((l) => l.dir === 'under'));
  const titleLines = o.title ? wrap(o.title, W - 8, FONT, true) : [];
  // Over-labels sit 10 px above the plot so they clear the top y tick label (centred on plotTop).
  const plotTop = 10 + titleLines.length * LH + (overRows ? overRows * LH + 8 : 0);
  const plotBottom = plotTop + plotH;
  y.range([plotBottom, plotTop]);
  const xLines = wrap(o.xLabel, W - left - right, FONT);
  const belowUnder = underRows ? underRows * LH + 8 : 0;
  const axisBottom = plotBottom + belowUnder;
  const legendTop = plotTop;
  // Two series with one name cannot be told apart in the legend: say so in the chart.
  const dup = [...new Set(series.map((s) => s.name).filter((nm, i, all) => all.indexOf(nm) !== i))];
  const notes = [
    ...dup.map((nm) => `⚠ several series are named “${nm}”`),
    ...(off.some((l) => l.dir === 'over') ? ['▲ above the axis: value written over the plot'] : []),
    ...(off.some((l) => l.dir === 'under') ? ['▼ below the axis: value written under it'] : []),
  ];
  const noteLines = notes.flatMap((t) => wrap(t, legendW + 22, FONT));
  const legendH = legendLines.reduce((h, ls) => h + ls.length * LH + 4, 0) + noteLines.length * LH + 4;
  const H = Math.ceil(Math.max(axisBottom + 20 + xLines.length * LH + 6, legendTop + legendH + 8));

  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .attr('data-top', top).attr('data-bottom', o.logY ? 0 : bottom).style('font', `${FONT}px system-ui, sans-serif`)
    .attr('role', 'img').attr('aria-label', o.title ?? o.yLabel);
  titleLines.forEach((l, j) => svg.append('text').attr('class', 'title').attr('x', 4).attr('y', 12 + j * LH).attr('font-weight', 600).text(l));

  // x ticks: every k-th so the widest label plus 8 px fits between neighbours.
  const spacing = o.numericX ? Infinity : n > 1 ? (x ? x.step() : (W - right - left) / (n - 1)) : Infinity;
  const every = o.numericX ? 1 : thinEvery(spacing, Math.max(...ticks0.map((t) => textWidth(xTickText(t), FONT))) + 8);
  const ticks = o.numericX ? ticks0 : d3.range(0, n, every);
  const tickX = (t: number): number => (o.numericX ? xl(t) : xAt(t));
  svg.append('g').attr('class', 'x-ticks').selectAll('text').data(ticks).join('text').attr('x', tickX).attr('y', axisBottom + 17).attr('text-anchor', 'middle').attr('fill', '#333').text(xTickText);
  svg.append('line').attr('x1', left).attr('x2', W - right).attr('y1', axisBottom).attr('y2', axisBottom).attr('stroke', '#999');
  svg.append('g').attr('transform', `translate(${left},0)`).call(d3.axisLeft(y).ticks(5, o.logY ? '~g' : undefined));
  xLines.forEach((l, j) => svg.append('text').attr('class', 'x-title').attr('x', (left + W - right) / 2).attr('y', axisBottom + 20 + (j + 1) * LH).attr('text-anchor', 'middle').text(l));
  yLines.forEach((l, j) => svg.append('text').attr('class', 'y-title').attr('transform', `translate(${6 + (j + 1) * LH - 3},${(plotTop + plotBottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(l));
  if (broken !== null && off.some((l) => l.dir === 'over')) {
    // Axis break: two slanted strokes across the y axis just under the top.
    for (const dy of [2, 6]) svg.append('line').attr('class', 'axis-break').attr('x1', left - 6).attr('x2', left + 6).attr('y1', plotTop + dy + 3).attr('y2', plotTop + dy - 3).attr('stroke', '#333').attr('stroke-width', 1.5);
  }

  series.forEach((s, k) => {
    const color = colorOf(s, k);
    const pts = pointsOf(s);
    const tip = (p: { i: number; xv: number; v: number; up: number }): string =>
      `${s.name} at ${o.numericX ? p.xv.toFixed(2) : o.xTicks?.[p.i] ?? p.i}: ${p.v.toPrecision(4)}${Number.isFinite(p.up) ? ` (max ${p.up.toPrecision(4)})` : ''}${kindOf(p.v) ? ' — off the scale' : ''}`;
    if (o.bars && x) {
      const bw = x.bandwidth() / series.length;
      const base = y(Math.max(bottom, Math.min(top, 0)));
      svg.append('g').selectAll('rect').data(pts).join('rect')
        .attr('class', (p) => kindOf(p.v) || null).attr('data-series', s.name).attr('data-i', (p) => p.i).attr('data-v', (p) => p.v)
        .attr('x', (p) => (x(p.i) ?? 0) + k * bw).attr('width', bw)
        .attr('y', (p) => Math.min(y(p.v), base)).attr('height', (p) => (Number.isFinite(p.v) ? Math.abs(y(p.v) - base) : 0))
        .attr('fill', color).append('title').text(tip);
    } else {
      if (s.upper) {
        const area = d3.area<(typeof pts)[number]>().defined((p) => Number.isFinite(p.v) && Number.isFinite(p.up)).x((p) => xAt(p.xv)).y0((p) => y(p.v)).y1((p) => y(p.up));
        svg.append('path').datum(pts).attr('d', area).attr('fill', color).attr('opacity', 0.15);
      }
      const line = d3.line<(typeof pts)[number]>().defined((p) => Number.isFinite(p.v)).x((p) => xAt(p.xv)).y((p) => y(p.v));
      svg.append('path').datum(pts).attr('d', line).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '5 3' : null);
      svg.append('g').selectAll('circle').data(pts.filter((p) => Number.isFinite(p.v))).join('circle')
        .attr('class', (p) => kindOf(p.v) || null).attr('data-series', s.name).attr('data-i', (p) => p.i).attr('data-v', (p) => p.v)
        .attr('cx', (p) => xAt(p.xv)).attr('cy', (p) => y(p.v)).attr('r', 2.5).attr('fill', color)
        .append('title').text(tip);
    }
  });

  // Off-scale marks: ▲ at the top edge (▼ at the bottom) and the value above (below) the plot.
  for (const l of off) {
    const yEdge = l.dir === 'over' ? plotTop : plotBottom;
    const d = l.dir === 'over' ? `M${l.x},${yEdge - 1}l-4,7h8z` : `M${l.x},${yEdge + 1}l-4,-7h8z`;
    svg.append('path').attr('class', `off-marker ${l.dir}`).attr('d', d).attr('fill', l.color);
    const w = textWidth(l.text, FONT) / 2;
    const cx = Math.max(w + 2, Math.min(W - w - 2, l.x));
    const yText = l.dir === 'over' ? plotTop - 10 - l.row * LH : plotBottom + LH + 2 + l.row * LH;
    svg.append('text').attr('class', `${l.dir}-label`).attr('x', cx).attr('y', yText).attr('text-anchor', 'middle').attr('fill', l.color).text(l.text);
  }

  // Legend: one item per series (names wrapped, never cut), then a note on off-scale marks.
  const lx = W - right + legendGap;
  let ly = legendTop + 2;
  series.forEach((s, k) => {
    const color = colorOf(s, k);
    const lines = legendLines[k] ?? [];
    const g = svg.append('g').attr('class', 'legend-item').attr('data-name', names[k] ?? s.name).attr('transform', `translate(${lx},${ly})`);
    g.append('line').attr('y1', 6).attr('y2', 6).attr('x2', 16).attr('stroke', color).attr('stroke-width', o.bars ? 8 : 2).attr('stroke-dasharray', s.dashed ? '5 3' : null);
    const t = g.append('text').attr('x', 22).attr('y', 10);
    // A wrapped line keeps its trailing space, so the item's textContent is the whole name.
    lines.forEach((l, j) => t.append('tspan').attr('x', 22).attr('dy', j ? LH : 0).text(j < lines.length - 1 ? `${l} ` : l));
    ly += lines.length * LH + 4;
  });
  if (noteLines.length) {
    const note = svg.append('text').attr('class', 'legend-note').attr('x', lx).attr('y', ly + 10).attr('fill', '#555');
    noteLines.forEach((l, j) => note.append('tspan').attr('x', lx).attr('dy', j ? LH : 0).text(j < noteLines.length - 1 ? `${l} ` : l));
  }
  return svg.node() as SVGSVGElement;
}
