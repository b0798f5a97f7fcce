// @vitest-environment jsdom
/**
 * Charts that do not mislead: attention labels thinned so none overlap at any T (full label on
 * hover), values beyond a colour scale marked and counted instead of clipped, a broken axis for
 * far outliers, a categorical legend for 0/1 data, legends sized to their text. Expected
 * numbers are worked out by hand in the comments, not read back from the chart code.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { attentionMap } from '../../src/charts/attention-map';
import { resetIds } from '../../src/charts/ids';
import { colorLegend, OVER_COLOR } from '../../src/charts/legend';
import { breakTop, lineChart } from '../../src/charts/line-chart';
import { matrixHeatmap } from '../../src/charts/matrix-heatmap';
import { textWidth, truncate, wrap } from '../../src/charts/text-metrics';

beforeEach(() => resetIds());

/** A glyph box of DejaVu Sans is 1.17 em: two 10 px labels need ≥ 11.7 px between baselines. */
const MIN_GAP_10PX = 11.7;

function translate(t: Element): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(t.getAttribute('transform') ?? '');
  if (!m) throw new Error(`no translate in ${t.outerHTML}`);
  return [Number(m[1]), Number(m[2])];
}

/** The attention detail exactly as AttentionView builds it: the last 64 positions, 18 px cells up to 520 px. */
function detail(T: number, labels = Array.from({ length: T }, (_, i) => `t${i}`)): SVGSVGElement {
  return attentionMap({ pattern: new Float32Array(T * T), head: 0, T, from: Math.max(0, T - 64), size: Math.min(520, 18 * Math.min(T, 64)), labels });
}

describe('attention map labels', () => {
  it('8 positions: 18 px cells, every position labelled with its token alone', () => {
    const svg = detail(8);
    const rows = [...svg.querySelectorAll('text.row-label')];
    expect(rows.map((t) => t.childNodes[0]?.textContent)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    expect(svg.querySelectorAll('text.col-label').length).toBe(8);
  });

  for (const T of [64, 65, 300, 400, 1000]) {
    it(`${T} positions: labels thinned so neighbours never overlap, each keeps its full label on hover`, () => {
      const svg = detail(T);
      // n = 64 positions in 520 px → 8.125 px cells: rows need k = ⌈11.7/8.125⌉ = 2, rotated
      // columns (8.125 · sin 60° = 7.04 px apart) need ⌈11.7/7.04⌉ = 2 — every 2nd position.
      const rows = [...svg.querySelectorAll('text.row-label')];
      const ys = rows.map((t) => Number(t.getAttribute('y')));
      for (let i = 1; i < ys.length; i++) expect((ys[i] as number) - (ys[i - 1] as number)).toBeGreaterThanOrEqual(MIN_GAP_10PX);
      const cols = [...svg.querySelectorAll('text.col-label')].map(translate);
      for (let i = 1; i < cols.length; i++) expect(((cols[i] as [number, number])[0] - (cols[i - 1] as [number, number])[0]) * Math.sin(Math.PI / 3)).toBeGreaterThanOrEqual(MIN_GAP_10PX);
      expect(rows.length).toBe(32);
      expect(cols.length).toBe(32);
      // Thinned labels carry their position; the hover has the full token.
      const first = rows[0] as Element;
      const p = T - 64 + ((T - 64) % 2); // first even position of the window
      expect(first.childNodes[0]?.textContent).toBe(`${p} t${p}`);
      expect(first.querySelector('title')?.textContent).toBe(`query position ${p}: t${p}`);
      // Every cell's hover names its query and key tokens, labelled or not.
      expect(svg.querySelector('rect.c title')?.textContent).toBe(`query ${T - 64} t${T - 64} → key ${T - 64} t${T - 64}: 0.000`);
    });
  }

  it('a long token ends in "…" within the margin; the hover has it in full', () => {
    const long = 'antidisestablishmentarianism-and-more';
    const svg = detail(8, ['a', long, 'b', 'c', 'd', 'e', 'f', 'g']);
    const t = svg.querySelectorAll('text.row-label')[1] as Element;
    expect(t.childNodes[0]?.textContent?.endsWith('…')).toBe(true);
    expect(textWidth(t.childNodes[0]?.textContent ?? '', 10)).toBeLessThanOrEqual(80);
    expect(t.querySelector('title')?.textContent).toBe(`query position 1: ${long}`);
  });
});

describe('matrix heatmap: values beyond the scale', () => {
  const data = { rowLabels: ['L0', 'L1', 'L2'], colLabels: ['L0', 'L1'], rowTitle: 'skipped layer', colTitle: 'later layer', valueTitle: 'relative change (ratio)', domain: [0, 1] as [number, number] };

  it('cells above the top are hatched in the over colour, keep their true value, and the legend counts them', () => {
    // 3.2 and 1.5 are above 1; exactly 1 is in range; −0.2 is below 0.
    const svg = matrixHeatmap({ ...data, values: [[0.5, 3.2], [1, 1.5], [-0.2, NaN]] });
    const over = [...svg.querySelectorAll('rect.cell.over')];
    expect(over.map((r) => Number(r.getAttribute('data-v')))).toEqual([3.2, 1.5]);
    expect(svg.querySelectorAll('rect.cell.under').length).toBe(1);
    const fill = over[0]?.getAttribute('fill') ?? '';
    expect(fill).toMatch(/^url\(#hatch-\d+\)$/);
    const pattern = svg.querySelector(fill.slice(4, -1));
    expect(pattern?.querySelector('rect')?.getAttribute('fill')).toBe(OVER_COLOR);
    expect(over[0]?.querySelector('title')?.textContent).toBe("skipped layer L0, later layer L1: 3.2 (above the scale's top, 1)");
    expect(svg.querySelector('.legend-item.over')?.textContent).toBe('> 1: 2 cells, max 3.2');
    expect(svg.querySelector('.legend-item.under')?.textContent).toBe('< 0: 1 cell, min -0.2');
    expect(svg.getAttribute('data-top')).toBe('1');
  });

  it('no over entry and no hatch when every value is in range', () => {
    const svg = matrixHeatmap({ ...data, values: [[0, 1], [0.5, 0.25], [1, 0]] });
    expect(svg.querySelectorAll('.over, .under').length).toBe(0);
    expect(svg.querySelectorAll('pattern').length).toBe(0);
  });

  it('0/1 data with categories: swatches with counts, no gradient', () => {
    const svg = matrixHeatmap({ ...data, values: [[0, 1], [1, 1], [0, 1]], categories: [{ value: 0, label: 'active', color: '#eee' }, { value: 1, label: 'void', color: '#333' }] });
    expect(svg.querySelectorAll('linearGradient').length).toBe(0);
    expect([...svg.querySelectorAll('.legend-item')].map((g) => g.textContent)).toEqual(['active (2 cells)', 'void (4 cells)']);
    expect(svg.querySelector('rect.cell title')?.textContent).toBe('skipped layer L0, later layer L0: active');
    expect(svg.hasAttribute('data-top')).toBe(false);
  });

  it('400 token rows at 18 px: every row labelled; at 6 px cells every 2nd', () => {
    const rows = Array.from({ length: 400 }, (_, i) => [i % 2, 0]);
    const labels = rows.map((_, i) => `${i} tok`);
    const big = matrixHeatmap({ ...data, values: rows, rowLabels: labels, cell: 18 });
    expect(big.querySelectorAll('text.row-label').length).toBe(400);
    // 6 px cells: ⌈11.7 / 6⌉ = 2.
    const small = matrixHeatmap({ ...data, values: rows, rowLabels: labels, cell: 6 });
    const ys = [...small.querySelectorAll('text.row-label')].map((t) => Number(t.getAttribute('y')));
    expect(ys.length).toBe(200);
    expect((ys[1] as number) - (ys[0] as number)).toBe(12);
  });
});

describe('line chart: outliers and legends', () => {
  it('breakTop: the biggest ≥ 5× gap among the top fifth, else no break', () => {
    expect(breakTop([73, 0.35, 0.6, 0.29, 0.46, 0.2])).toBe(0.6);
    expect(breakTop([1, 2, 3, 4])).toBeNull();
    expect(breakTop([100, 90, 1, 1, 1, 1, 1, 1, 1, 1])).toBe(1); // two of ten off the scale
    expect(breakTop([100, 90, 80, 1, 1, 1, 1, 1, 1, 1])).toBeNull(); // three of ten is not "a few"
  });

  it("step 0's update (73) goes off a broken axis with its value written; the other steps spread over the plot", () => {
    const svg = lineChart([{ name: 'layer ‖Δh‖/‖h‖', values: [73.34, 0.35, 0.6, 0.29, 0.46, 0.2] }], { xLabel: 'step', yLabel: 'ratio' });
    const cs = [...svg.querySelectorAll('circle')];
    expect(cs.map((c) => c.getAttribute('class'))).toEqual(['over', null, null, null, null, null]);
    expect(Number(cs[0]?.getAttribute('data-v'))).toBe(73.34);
    expect(svg.querySelector('text.over-label')?.textContent).toBe('73.3');
    expect(svg.querySelectorAll('line.axis-break').length).toBe(2);
    // Domain 0..0.6 over the 184 px plot: 0.2 → 0.6 spans (0.4/0.6) · 184 = 122.7 px.
    const cy = cs.slice(1).map((c) => Number(c.getAttribute('cy')));
    expect(Math.max(...cy) - Math.min(...cy)).toBeCloseTo(122.67, 1);
    expect(svg.getAttribute('data-top')).toBe('0.6');
  });

  it('a fixed yDomain marks values outside it (▲ above, ▼ below) instead of clamping silently', () => {
    const svg = lineChart([{ name: 'cos', values: [0.5, 1.5, -1.2] }], { xLabel: 'step', yLabel: 'cosine', yDomain: [-1, 1] });
    expect([...svg.querySelectorAll('circle')].map((c) => c.getAttribute('class'))).toEqual([null, 'over', 'under']);
    expect(svg.querySelector('text.over-label')?.textContent).toBe('1.5');
    expect(svg.querySelector('text.under-label')?.textContent).toBe('-1.2');
  });

  it('long series names wrap inside the SVG, in full', () => {
    const name = 'attention · A: llama, path 0-2 · skip 3 · 4-5 (6 steps of a very long chain)';
    const svg = lineChart([{ name, values: [1, 2, 3] }, { name: 'MLP · A', values: [2, 1, 0] }], { xLabel: 'relative depth', yLabel: 'ratio', width: 640 });
    const item = svg.querySelector('.legend-item') as Element;
    const lines = [...item.querySelectorAll('tspan')].map((t) => t.textContent ?? '');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toBe(name); // wrapped lines keep their trailing space
    expect(item.textContent).toBe(name);
    const [lx] = translate(item);
    for (const l of lines) expect(lx + 22 + textWidth(l.trim(), 11)).toBeLessThanOrEqual(640);
  });

  it('series with the same name get a visible warning', () => {
    const svg = lineChart([{ name: 'A', values: [1, 2] }, { name: 'A', values: [2, 1] }, { name: 'B', values: [0, 0] }], { xLabel: 'x', yLabel: 'y' });
    expect(svg.querySelector('text.legend-note')?.textContent).toBe('⚠ several series are named “A”');
    const ok = lineChart([{ name: 'A', values: [1, 2] }, { name: 'B', values: [2, 1] }], { xLabel: 'x', yLabel: 'y' });
    expect(ok.querySelector('text.legend-note')).toBeNull();
  });

  it('x tick labels are thinned so the widest fits between neighbours', () => {
    const ticks = Array.from({ length: 40 }, (_, s) => `${s}:L${s}`);
    const svg = lineChart([{ name: 'x', values: ticks.map((_, i) => i) }], { xLabel: 'step', yLabel: 'v', xTicks: ticks });
    const xs = [...svg.querySelectorAll('.x-ticks text')].map((t) => Number(t.getAttribute('x')));
    const widest = textWidth('39:L39', 11);
    expect(xs.length).toBeGreaterThanOrEqual(5); // thinned, not dropped
    expect(xs.length).toBeLessThan(40);
    for (let i = 1; i < xs.length; i++) expect((xs[i] as number) - (xs[i - 1] as number)).toBeGreaterThanOrEqual(widest + 8);
  });
});

describe('legend and text metrics', () => {
  it('colour legend: an over entry, and an SVG as wide as its title', () => {
    const title = 'relative change of Δ_l, ‖Δ_l − Δ′_l‖/‖Δ_l‖ (ratio), a long title';
    const svg = colorLegend(title, [0, 1], () => '#000', { width: 120, over: { count: 3, extreme: 3.21 } });
    expect(svg.querySelector('.legend-item.over')?.textContent).toBe('> 1: 3 cells, max 3.21');
    for (const t of svg.querySelectorAll('text.legend-title')) expect(4 + textWidth(t.textContent ?? '', 11)).toBeLessThanOrEqual(Number(svg.getAttribute('width')));
  });

  it('widths from the DejaVu Sans table; truncate and wrap', () => {
    expect(textWidth('Hi', 10)).toBeCloseTo((75 + 28) / 10, 9); // H 0.75 em + i 0.28 em
    expect(truncate('abcdef', 1000, 10)).toBe('abcdef');
    expect(truncate('abcdef', textWidth('ab…', 10), 10)).toBe('ab…');
    expect(wrap('one two three', textWidth('one two', 10), 10)).toEqual(['one two', 'three']);
  });
});
