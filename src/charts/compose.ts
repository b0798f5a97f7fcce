/**
 * One picture from several: a title line, then the charts stacked top to bottom (the
 * heatmap, its colour legend). Exports use it so a PNG or SVG file carries its legend and
 * says what its colours mean. Data in (SVG elements), SVG out; the inputs are cloned.
 */
import * as d3 from 'd3';

const TITLE_H = 22;
const GAP = 8;

export function stackSvgs(title: string, parts: (SVGSVGElement | null)[]): SVGSVGElement {
  const items = parts.filter((p): p is SVGSVGElement => p !== null);
  const size = (p: SVGSVGElement): [number, number] => [Number(p.getAttribute('width')) || 0, Number(p.getAttribute('height')) || 0];
  const W = Math.max(320, ...items.map((p) => size(p)[0]));
  const H = TITLE_H + items.reduce((h, p) => h + size(p)[1] + GAP, 0);
  const svg = d3.create('svg').attr('xmlns', 'http://www.w3.org/2000/svg').attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`)
    .style('font', '11px system-ui, sans-serif');
  svg.append('rect').attr('width', W).attr('height', H).attr('fill', '#fff');
  svg.append('text').attr('x', 4).attr('y', 15).attr('font-weight', 600).attr('font-size', 13).text(title);
  let y = TITLE_H;
  for (const p of items) {
    const clone = p.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('x', '0');
    clone.setAttribute('y', String(y));
    svg.node()?.append(clone);
    y += size(p)[1] + GAP;
  }
  return svg.node() as SVGSVGElement;
}
