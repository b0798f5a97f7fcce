// @vitest-environment jsdom
/**
 * The concept-depth view's pure parts: jumping / converging points by their stated rules on
 * hand-made curves, and the curves chart (one point per hook at its relative depth, bands,
 * marks, the chance line).
 */
import { describe, expect, it } from 'vitest';
import { depthCurvesChart } from '../src/charts/depth-curves';
import { depthPoints } from '../src/features/probes/depth-points';

const DEPTH = [0, 0.2, 0.4, 0.6, 0.8, 1];

describe('jumping and converging points', () => {
  it('jump: the first step at least Δ above the step before; converge: the first step staying within ε of the maximum', () => {
    const y = [0.5, 0.52, 0.7, 0.86, 0.88, 0.87];
    expect(depthPoints(y, DEPTH, { jump: 0.1, converge: 0.02 })).toEqual({ jump: { step: 2, depth: 0.4 }, converge: { step: 3, depth: 0.6 } });
    // A larger jump threshold: no step rises by 0.2.
    expect(depthPoints(y, DEPTH, { jump: 0.2, converge: 0.02 }).jump).toBeNull();
    // A tighter ε: only the last two steps are within 0.01 of 0.88.
    expect(depthPoints(y, DEPTH, { jump: 0.1, converge: 0.01 }).converge).toEqual({ step: 4, depth: 0.8 });
    // The curve falls away at the end: it never stays near its maximum.
    expect(depthPoints([0.5, 0.9, 0.6], [0, 0.5, 1], { jump: 0.1, converge: 0.02 }).converge).toBeNull();
    expect(depthPoints([0.5, Number.NaN], [0, 1], { jump: 0.1, converge: 0.02 })).toEqual({ jump: null, converge: null });
    // A flat curve converges at the first step.
    expect(depthPoints([0.6, 0.6, 0.6], [0, 0.5, 1], { jump: 0.1, converge: 0 }).converge).toEqual({ step: 0, depth: 0 });
  });
});

describe('depth curves chart', () => {
  it('points at relative depth, bands, J/C marks, chance line, legend', () => {
    const svg = depthCurvesChart([
      { name: 'A: demo', x: DEPTH, y: [0.5, 0.52, 0.7, 0.86, 0.88, 0.87], lo: DEPTH.map(() => 0.4), hi: DEPTH.map(() => 0.95), marks: [{ index: 2, letter: 'J', title: 'jump' }, { index: 3, letter: 'C', title: 'converge' }] },
      { name: 'A: demo 4-bit', x: [0, 0.5, 1], y: [0.5, 0.6, 0.7], dashed: true },
    ], { yLabel: 'accuracy', chance: { value: 0.52, label: 'majority class 0.520' } });
    const pts = svg.querySelectorAll('circle.point[data-series="A: demo"]');
    expect(pts).toHaveLength(6);
    expect(Array.from(pts, (c) => Number(c.getAttribute('data-x')))).toEqual(DEPTH);
    expect(Array.from(pts, (c) => Number(c.getAttribute('data-v')))).toEqual([0.5, 0.52, 0.7, 0.86, 0.88, 0.87]);
    // x positions grow with depth; a higher value is drawn higher (smaller y).
    const cx = Array.from(pts, (c) => Number(c.getAttribute('cx')));
    expect(cx.every((v, i) => i === 0 || v > (cx[i - 1] as number))).toBe(true);
    const cy = Array.from(pts, (c) => Number(c.getAttribute('cy')));
    expect(cy[4] as number).toBeLessThan(cy[0] as number);
    expect(svg.querySelectorAll('path.band')).toHaveLength(1);
    expect(svg.querySelectorAll('g.mark-J')).toHaveLength(1);
    expect(Number(svg.querySelector('g.mark-C')?.getAttribute('data-x'))).toBe(0.6);
    expect(Number(svg.querySelector('line.chance')?.getAttribute('data-v'))).toBe(0.52);
    expect(svg.querySelectorAll('g.legend-item')).toHaveLength(2);
    expect(svg.querySelectorAll('circle.point[data-series="A: demo 4-bit"]')).toHaveLength(3);
  });
});

describe('the report carries the curves with what they were computed for', () => {
  it('conceptDepth: settings, curves, stamp and stale flag', async () => {
    const { reportBundle } = await import('../src/features/export/report');
    const { initialState } = await import('../src/state/store');
    const result = { hooks: ['blocks.0.hook_resid_post'], relDepth: [0], acc: [0.5] } as unknown as import('../src/contracts/probe').ProbeResult;
    const curve = { id: 'c1', label: 'A demo · all 6 layers', model: 'm1', datasetName: 'x.csv', path: null, perturbation: 'clean', result, visible: true };
    const stamp = { model: 'none', prompt: '|', path: 'p', settings: 's' };
    const r = reportBundle({ ...initialState, probeCurves: [curve], stamps: { probes: stamp } }) as { conceptDepth: { stale: string[] | null; computedFor: unknown; data: { curves: { id: string; result: unknown }[] } } };
    expect(r.conceptDepth.data.curves).toEqual([{ id: 'c1', label: 'A demo · all 6 layers', model: 'm1', datasetName: 'x.csv', path: null, perturbation: 'clean', result }]);
    expect(r.conceptDepth.computedFor).toEqual(stamp);
    expect(r.conceptDepth.stale).toContain('the settings');
    expect((reportBundle(initialState) as { conceptDepth: unknown }).conceptDepth).toBeNull();
  });
});
