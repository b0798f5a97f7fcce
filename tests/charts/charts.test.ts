// @vitest-environment jsdom
/** Charts are data in, SVG out: structure, labels and colours checked on small seeded inputs, plus stable snapshots. */
import * as d3 from 'd3';
import { beforeEach, describe, expect, it } from 'vitest';
import { attentionMap, attentionColor } from '../../src/charts/attention-map';
import { resetIds } from '../../src/charts/ids';
import { lensHeatmap } from '../../src/charts/lens-heatmap';
import { colorLegend } from '../../src/charts/legend';
import { lineChart } from '../../src/charts/line-chart';
import { matrixHeatmap } from '../../src/charts/matrix-heatmap';
import { mulberry32 } from '../../workers/engine/random';

beforeEach(() => resetIds());

describe('charts', () => {
  it('lens heatmap: one cell per row × column, hits outlined, labels from the data', () => {
    const color = d3.scaleSequential(d3.interpolateViridis).domain([0, 1]);
    const svg = lensHeatmap({
      rowLabels: ['embed', 'step 0 (layer 0)', 'final'],
      columns: [{ pos: 4, token: '␣Paris' }, { pos: 5, token: '.' }],
      cells: [[{ text: 'a', value: 0, hit: false }, { text: 'b', value: 1, hit: true }], [{ text: 'c', value: 0.5, hit: false }, { text: 'd', value: NaN, hit: false }], [{ text: 'e', value: 1, hit: false }, { text: 'f', value: 0.25, hit: false }]],
      color,
    });
    expect(svg.querySelectorAll('[data-testid^="lens-cell-"]').length).toBe(6);
    expect(svg.querySelector('[data-testid="lens-cell-0-5"] rect')?.getAttribute('stroke')).toBe('#d62728');
    expect(svg.querySelector('[data-testid="lens-cell-1-5"] rect')?.getAttribute('fill')).toBe('#eee');
    expect(svg.querySelector('[data-testid="lens-cell-2-4"] rect')?.getAttribute('fill')).toBe(color(1));
    expect(svg.textContent).toContain('␣Paris');
    expect(svg.outerHTML).toMatchSnapshot();
  });

  it('attention map: lower triangle only, weights as colour', () => {
    const T = 4;
    const p = new Float32Array(2 * T * T);
    for (let q = 0; q < T; q++) p[T * T + q * T] = 1; // head 1: everything on position 0
    const svg = attentionMap({ pattern: p, head: 1, T, from: 0, size: 40, labels: ['a', 'b', 'c', 'd'] });
    const cells = svg.querySelectorAll('rect.c');
    expect(cells.length).toBe((T * (T + 1)) / 2);
    expect(cells[0]?.getAttribute('fill')).toBe(attentionColor(1));
    expect(cells[1]?.getAttribute('fill')).toBe(attentionColor(1)); // (query 1, key 0)
    expect(cells[2]?.getAttribute('fill')).toBe(attentionColor(0)); // (query 1, key 1)
    expect(svg.outerHTML).toMatchSnapshot();
  });

  it('line chart and matrix heatmap: axis titles, legend, one mark per value', () => {
    const r = mulberry32(5);
    const v = Array.from({ length: 6 }, () => r());
    const line = lineChart([{ name: 'attention', values: v, upper: v.map((x) => x + 0.1) }, { name: 'mlp', values: v.map((x) => 1 - x), dashed: true }], { xLabel: 'step', yLabel: 'ratio' });
    expect(line.querySelectorAll('circle').length).toBe(12);
    expect(line.textContent).toContain('ratio');
    expect(line.textContent).toContain('attention (band: max)');
    const m = matrixHeatmap({ values: [[0, 1], [0.5, NaN]], rowLabels: ['L0', 'L1'], colLabels: ['L0', 'L1'], rowTitle: 'skipped', colTitle: 'later', valueTitle: 'effect (0..1)', domain: [0, 1] });
    expect(m.querySelectorAll('rect').length).toBeGreaterThanOrEqual(5); // 4 cells + legend bar
    expect(m.textContent).toContain('effect (0..1)');
    expect(line.outerHTML + m.outerHTML).toMatchSnapshot();
  });

  it('legend: title with units and ticks over the domain', () => {
    const svg = colorLegend('entropy (nats)', [0, 8], (x) => (x > 4 ? '#000' : '#fff'));
    expect(svg.textContent).toContain('entropy (nats)');
    expect(svg.querySelectorAll('stop').length).toBe(21);
    expect(svg.querySelector('#legend-1')).not.toBeNull();
  });
});
