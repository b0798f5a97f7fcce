/**
 * Lines over a shared x axis (usually the step of the layer path), with optional
 * shaded bands (e.g. mean…max) and a legend. Data in, SVG out.
 */
import * as d3 from 'd3';

export interface LineSeries {
  name: string;
  values: ArrayLike<number>;
  /** Upper edge of a band drawn under the line (same length as values). */
  upper?: ArrayLike<number>;
  dashed?: boolean;
  /** x positions (with LineChartOptions.numericX); default 0..n−1. */
  x?: ArrayLike<number>;
}

export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  /** Tick labels for x = 0..n−1 (defaults to the index). */
  xTicks?: string[];
  width?: number;
  height?: number;
  yDomain?: [number, number];
  /** Bars instead of lines (one series). */
  bars?: boolean;
  /** Logarithmic y axis (values ≤ 0 are clamped to the smallest positive value). */
  logY?: boolean;
  /** Plot series at their own numeric `x` on this domain (e.g. relative depth 0..1). */
  numericX?: [number, number];
}

const COLORS = d3.schemeTableau10;

export function lineChart(series: LineSeries[], o: LineChartOptions): SVGSVGElement {
  const W = o.width ?? 580;
  const H = o.height ?? 240;
  const m = { top: 14, right: 190, bottom: 42, left: 56 };
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => [...Array.from(s.values), ...(s.upper ? Array.from(s.upper) : [])]).filter(Number.isFinite);
  const yDomain = o.yDomain ?? [Math.min(0, ...all), Math.max(1e-9, ...all)];
  const x = o.bars ? d3.scaleBand<number>().domain(d3.range(n)).range([m.left, W - m.right]).padding(0.15) : null;
  const xl = d3.scaleLinear().domain(o.numericX ?? [0, Math.max(1, n - 1)]).range([m.left, W - m.right]);
  const xAt = (i: number): number => (x ? (x(i) ?? 0) + x.bandwidth() / 2 : xl(i));
  const positive = all.filter((v) => v > 0);
  const y = o.logY
    ? d3.scaleLog().domain([Math.max(1e-6, Math.min(...positive, 1)), Math.max(1e-5, ...positive)]).nice().clamp(true).range([H - m.bottom, m.top])
    : d3.scaleLinear().domain(yDomain).nice().range([H - m.bottom, m.top]);
  const svg = d3.create('svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`).style('font', '11px system-ui, sans-serif');
  const every = Math.ceil(n / 16);
  const ticks = o.numericX ? xl.ticks(6) : d3.range(0, n, every);
  svg.append('g').attr('transform', `translate(0,${H - m.bottom})`)
    .call(d3.axisBottom(d3.scaleLinear().domain([0, 1]).range([0, 1])).tickValues([]).tickSize(0))
    .call((g) => g.selectAll('text.t').data(ticks).join('text').attr('class', 't').attr('x', (i) => xAt(i)).attr('y', 14).attr('text-anchor', 'middle').attr('fill', '#333').text((i) => o.xTicks?.[i] ?? String(i)));
  svg.append('line').attr('x1', m.left).attr('x2', W - m.right).attr('y1', H - m.bottom).attr('y2', H - m.bottom).attr('stroke', '#999');
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5, o.logY ? '~g' : undefined));
  svg.append('text').attr('x', (m.left + W - m.right) / 2).attr('y', H - 6).attr('text-anchor', 'middle').text(o.xLabel);
  svg.append('text').attr('transform', `translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(o.yLabel);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length] ?? '#333';
    const xs = s.x;
    const pts = Array.from(s.values, (v, i) => [o.numericX && xs ? (xs[i] as number) : i, v] as const);
    if (o.bars && x) {
      const bw = x.bandwidth() / series.length;
      svg.append('g').selectAll('rect').data(pts).join('rect')
        .attr('x', ([i]) => (x(i) ?? 0) + k * bw).attr('width', bw).attr('y', ([, v]) => y(Math.max(y.domain()[0] ?? 0, v))).attr('height', ([, v]) => Math.abs(y(v) - y(y.domain()[0] ?? 0)))
        .attr('fill', color).append('title').text(([i, v]) => `${s.name} at ${o.xTicks?.[i] ?? i}: ${v.toPrecision(4)}`);
    } else {
      if (s.upper) {
        const up = s.upper;
        const band = pts.map(([xv, v], i) => [xv, v, up[i] as number] as const);
        const area = d3.area<readonly [number, number, number]>().x(([xv]) => xAt(xv)).y0(([, v]) => y(v)).y1(([, , u]) => y(u));
        svg.append('path').datum(band).attr('d', area).attr('fill', color).attr('opacity', 0.15);
      }
      const line = d3.line<readonly [number, number]>().defined(([, v]) => Number.isFinite(v)).x(([i]) => xAt(i)).y(([, v]) => y(v));
      svg.append('path').datum(pts).attr('d', line).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '5 3' : null);
      svg.append('g').selectAll('circle').data(pts).join('circle').attr('cx', ([i]) => xAt(i)).attr('cy', ([, v]) => y(v)).attr('r', 2.5).attr('fill', color)
        .append('title').text(([i, v]) => `${s.name} at ${o.numericX ? i.toFixed(2) : o.xTicks?.[i] ?? i}: ${v.toPrecision(4)}`);
    }
    const lg = svg.append('g').attr('transform', `translate(${W - m.right + 10},${m.top + 6 + k * 16})`);
    lg.append('line').attr('x2', 16).attr('stroke', color).attr('stroke-width', o.bars ? 8 : 2).attr('stroke-dasharray', s.dashed ? '5 3' : null);
    lg.append('text').attr('x', 20).attr('y', 4).text(s.name + (s.upper ? ' (band: max)' : ''));
  });
  return svg.node() as SVGSVGElement;
}
