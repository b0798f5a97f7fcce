/**
 * Legends: a colour bar with a title (units included) and ticks, with an entry for values beyond
 * the scale ("> 1: 5 cells, max 3.2") so nothing is clipped without notice; and a categorical
 * legend (one swatch per category, e.g. void / active). Every legend sizes itself to its text.
 * Data in, SVG out; the draw* functions place a legend inside another chart's SVG.
 */
import * as d3 from 'd3';
import { nextId } from './ids';
import { fmt3, lineHeight, textWidth, wrap } from './text-metrics';

type Sel<E extends Element> = d3.Selection<E, undefined, null, undefined>;

/** Fill of values above a scale's top / below its bottom: colours no sequential scale here uses, hatched. */
export const OVER_COLOR = '#7b3294';
export const UNDER_COLOR = '#008837';

/** How many marks lie beyond one end of a scale and the most extreme value among them. */
export interface RangeNote {
  count: number;
  /** The largest value above the top (or smallest below the bottom). */
  extreme: number;
}

/** Values above top (or below bottom), by a relative tolerance of 1e-6 (a value equal to the top is in range). */
export const isOver = (v: number, top: number): boolean => v > top + 1e-6 * Math.abs(top);
export const isUnder = (v: number, bottom: number): boolean => v < bottom - 1e-6 * Math.abs(bottom);

/** Defines hatched fills for over/under marks in svg's <defs>; returns their url(#…) references. */
export function rangePatterns(svg: Sel<SVGSVGElement>): { over: string; under: string } {
  const defs = svg.select<SVGDefsElement>('defs').empty() ? svg.append('defs') : svg.select<SVGDefsElement>('defs');
  const make = (color: string, angle: number): string => {
    const id = nextId('hatch');
    const p = defs.append('pattern').attr('id', id).attr('patternUnits', 'userSpaceOnUse').attr('width', 5).attr('height', 5)
      .attr('patternTransform', `rotate(${angle})`);
    p.append('rect').attr('width', 5).attr('height', 5).attr('fill', color);
    p.append('line').attr('x1', 0).attr('y1', 0).attr('x2', 0).attr('y2', 5).attr('stroke', '#fff').attr('stroke-width', 2);
    return `url(#${id})`;
  };
  return { over: make(OVER_COLOR, 45), under: make(UNDER_COLOR, -45) };
}

const FONT = 11;
const LH = lineHeight(FONT);

/** "1 cell", "5 cells" (unit given in the plural). */
const count_ = (n: number, unit: string): string => `${n} ${n === 1 ? unit.replace(/s$/, '') : unit}`;

export interface ScaleLegendSpec {
  title: string;
  domain: [number, number];
  color: (v: number) => string;
  log?: boolean;
  /** Width of the colour bar in px. */
  width?: number;
  /** The title wraps at this width (px). */
  maxWidth?: number;
  over?: RangeNote;
  under?: RangeNote;
  /** What a mark is called in the over/under entries ("cells", "points"). */
  unit?: string;
}

/** Draws a colour-bar legend into g (origin top-left); returns the size it takes. */
export function drawScaleLegend(svg: Sel<SVGSVGElement>, g: Sel<SVGGElement>, s: ScaleLegendSpec): { width: number; height: number } {
  const bar = s.width ?? 260;
  const lines = wrap(s.title, Math.max(bar, s.maxWidth ?? bar), FONT);
  lines.forEach((l, i) => g.append('text').attr('class', 'legend-title').attr('x', 0).attr('y', FONT + i * LH).text(l));
  let y = lines.length * LH + 4;
  const id = nextId('legend');
  const grad = svg.select<SVGDefsElement>('defs').empty() ? svg.append('defs') : svg.select<SVGDefsElement>('defs');
  const lg = grad.append('linearGradient').attr('id', id);
  const scale = (s.log ? d3.scaleLog() : d3.scaleLinear()).domain(s.domain).range([0, bar]);
  for (let i = 0; i <= 20; i++) lg.append('stop').attr('offset', `${i * 5}%`).attr('stop-color', s.color(scale.invert((i / 20) * bar)));
  // Ticks no closer than their widest label (at most one per ~60 px); the end labels, centred on
  // the bar's ends, may stick out: the bar moves right by the left overhang and the width grows.
  const count = Math.max(2, Math.min(5, Math.floor(bar / 60)));
  const fmt = scale.tickFormat(count, s.log ? '~g' : '~r');
  const ticks = scale.ticks(count).map((t) => ({ x: scale(t), w: textWidth(fmt(t), 10) }));
  const left = Math.max(0, ...ticks.map((t) => t.w / 2 - t.x));
  const right = Math.max(0, ...ticks.map((t) => t.x + t.w / 2 - bar));
  g.append('rect').attr('x', left).attr('y', y).attr('width', bar).attr('height', 10).attr('fill', `url(#${id})`);
  g.append('g').attr('transform', `translate(${left},${y + 10})`).call(d3.axisBottom(scale).ticks(count, s.log ? '~g' : '~r').tickSize(3));
  y += 10 + 16;
  let width = Math.max(left + bar + right, ...lines.map((l) => textWidth(l, FONT)));
  const entries: { cls: string; text: string }[] = [];
  const unit = s.unit ?? 'cells';
  if (s.over && s.over.count > 0) entries.push({ cls: 'over', text: `> ${fmt3(s.domain[1])}: ${count_(s.over.count, unit)}, max ${fmt3(s.over.extreme)}` });
  if (s.under && s.under.count > 0) entries.push({ cls: 'under', text: `< ${fmt3(s.domain[0])}: ${count_(s.under.count, unit)}, min ${fmt3(s.under.extreme)}` });
  if (entries.length) {
    const fills = rangePatterns(svg);
    for (const e of entries) {
      const item = g.append('g').attr('class', `legend-item ${e.cls}`).attr('transform', `translate(0,${y})`);
      item.append('rect').attr('width', 14).attr('height', 10).attr('y', 1).attr('fill', e.cls === 'over' ? fills.over : fills.under).attr('stroke', '#333').attr('stroke-width', 0.5);
      item.append('text').attr('x', 20).attr('y', 10).text(e.text);
      width = Math.max(width, 20 + textWidth(e.text, FONT));
      y += LH + 2;
    }
  }
  return { width, height: y };
}

export interface Category {
  label: string;
  color: string;
  /** Shown after the label as "(n cells)". */
  count?: number;
}

/** Draws one swatch per category into g, wrapping onto new rows past maxWidth; returns the size it takes. */
export function drawCategoryLegend(g: Sel<SVGGElement>, title: string, cats: Category[], maxWidth: number, unit = 'cells'): { width: number; height: number } {
  const lines = wrap(title, maxWidth, FONT);
  lines.forEach((l, i) => g.append('text').attr('class', 'legend-title').attr('x', 0).attr('y', FONT + i * LH).text(l));
  let y = lines.length * LH + 4;
  let x = 0;
  let width = Math.max(0, ...lines.map((l) => textWidth(l, FONT)));
  for (const c of cats) {
    const text = c.count === undefined ? c.label : `${c.label} (${count_(c.count, unit)})`;
    const w = 18 + textWidth(text, FONT) + 14;
    if (x > 0 && x + w > maxWidth) { x = 0; y += LH + 4; }
    const item = g.append('g').attr('class', 'legend-item').attr('data-name', c.label).attr('transform', `translate(${x},${y})`);
    item.append('rect').attr('width', 12).attr('height', 12).attr('fill', c.color).attr('stroke', '#333').attr('stroke-width', 0.5);
    item.append('text').attr('x', 17).attr('y', 10).text(text);
    width = Math.max(width, x + w - 14);
    x += w;
  }
  return { width, height: y + LH + 4 };
}

/** A standalone colour-bar legend (e.g. above a heatmap the caller draws). */
export function colorLegend(title: string, domain: [number, number], color: (v: number) => string, opts: { log?: boolean; width?: number; over?: RangeNote; under?: RangeNote; unit?: string } = {}): SVGSVGElement {
  const svg = d3.create('svg').style('font', `${FONT}px system-ui, sans-serif`);
  const g = svg.append('g').attr('transform', 'translate(4,2)');
  const size = drawScaleLegend(svg, g, { title, domain, color, maxWidth: 360, ...opts });
  return svg.attr('width', Math.ceil(size.width + 8)).attr('height', Math.ceil(size.height + 4)).node() as SVGSVGElement;
}

/** A standalone categorical legend. */
export function categoryLegend(title: string, cats: Category[], maxWidth = 360): SVGSVGElement {
  const svg = d3.create('svg').style('font', `${FONT}px system-ui, sans-serif`);
  const g = svg.append('g').attr('transform', 'translate(4,2)');
  const size = drawCategoryLegend(g, title, cats, maxWidth);
  return svg.attr('width', Math.ceil(size.width + 8)).attr('height', Math.ceil(size.height + 4)).node() as SVGSVGElement;
}
