/** A horizontal colour-bar legend with a title (units included) and ticks. Data in, SVG out. */
import * as d3 from 'd3';
import { nextId } from './ids';

export function colorLegend(title: string, domain: [number, number], color: (v: number) => string, opts: { log?: boolean; width?: number } = {}): SVGSVGElement {
  const width = opts.width ?? 260;
  const svg = d3.create('svg').attr('width', width + 20).attr('height', 44).style('font', '11px system-ui, sans-serif');
  const id = nextId('legend');
  const grad = svg.append('defs').append('linearGradient').attr('id', id);
  const scale = (opts.log ? d3.scaleLog() : d3.scaleLinear()).domain(domain).range([0, width]);
  for (let i = 0; i <= 20; i++) {
    const v = scale.invert((i / 20) * width);
    grad.append('stop').attr('offset', `${i * 5}%`).attr('stop-color', color(v));
  }
  svg.append('text').attr('x', 10).attr('y', 11).text(title);
  svg.append('rect').attr('x', 10).attr('y', 16).attr('width', width).attr('height', 10).attr('fill', `url(#${id})`);
  svg.append('g').attr('transform', 'translate(10,26)').call(d3.axisBottom(scale).ticks(5, opts.log ? '~g' : '~r').tickSize(3));
  return svg.node() as SVGSVGElement;
}
