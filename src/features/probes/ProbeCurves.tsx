import { useEffect, useMemo, useRef } from 'react';
import { depthCurvesChart, type DepthCurve } from '../../charts/depth-curves';
import { openCurve, probesCsv, removeCurve, setProbeSettings, toggleCurve, type ProbeCurve, type ProbeMetric } from '../../state/probes';
import { useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { depthPoints } from './depth-points';

const METRICS: { metric: ProbeMetric; label: string }[] = [
  { metric: 'acc', label: 'accuracy' },
  { metric: 'f1', label: 'F1' },
  { metric: 'auc', label: 'ROC-AUC' },
];

const num = (v: string, dflt: number): number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : dflt);

/** A curve's values, band and points for the chosen metric. */
export function curveSeries(c: ProbeCurve, metric: ProbeMetric, thresholds: { jump: number; converge: number }): DepthCurve & { points: ReturnType<typeof depthPoints> } {
  const r = c.result;
  const y = r[metric];
  const ci = metric === 'acc' ? r.accCI : metric === 'f1' ? r.f1CI : r.aucCI;
  const points = depthPoints(y, r.relDepth, thresholds);
  const marks = [
    ...(points.jump ? [{ index: points.jump.step, letter: 'J', title: `jumping point: ${r.hooks[points.jump.step]} (relative depth ${points.jump.depth.toFixed(2)}), +${thresholds.jump} or more over the step before` }] : []),
    ...(points.converge ? [{ index: points.converge.step, letter: 'C', title: `converging point: ${r.hooks[points.converge.step]} (relative depth ${points.converge.depth.toFixed(2)}), within ${thresholds.converge} of the maximum from here on` }] : []),
  ];
  return { name: `${c.id}: ${c.label}`, x: r.relDepth, y, lo: ci.map((v) => v[0]), hi: ci.map((v) => v[1]), labels: r.hooks, dashed: c.perturbation !== 'clean', marks, points };
}

/** The metric curves of every visible curve over relative depth, the jumping/converging points and their thresholds, the list of curves. */
export function ProbeCurves() {
  const curves = useStore((s) => s.probeCurves);
  const p = useStore((s) => s.probeSettings);
  const open = useStore((s) => s.probeCurveOpen);
  const thresholds = useMemo(() => ({ jump: p.jump, converge: p.converge }), [p.jump, p.converge]);
  const host = useRef<HTMLDivElement>(null);
  const shown = curves.filter((c) => c.visible);
  const series = useMemo(() => shown.map((c) => curveSeries(c, p.metric, thresholds)), [shown, p.metric, thresholds]);
  const label = METRICS.find((m) => m.metric === p.metric)?.label ?? p.metric;
  const chance = shown.length === 1 && p.metric === 'acc' ? shown[0]?.result.chance : undefined;
  const build = (): SVGSVGElement | null => (series.length ? depthCurvesChart(series, { yLabel: label, title: `Concept depth: probe ${label} per hook`, ...(chance !== undefined ? { chance: { value: chance, label: `majority class ${chance.toFixed(3)}` } } : {}) }) : null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.replaceChildren();
    const svg = build();
    if (svg) el.append(svg);
  });
  if (curves.length === 0) return <p className="hint" data-testid="probes-none">No curves yet: train probes on a labelled dataset.</p>;
  return (
    <section className="probe-curves" data-testid="probes-result" aria-label="concept-depth curves">
      <div className="controls">
        {METRICS.map((m) => (
          <label key={m.metric}><input type="radio" name="probe-metric" data-testid={`probes-metric-${m.metric}`} checked={p.metric === m.metric} onChange={() => setProbeSettings({ metric: m.metric })} /> {m.label}</label>
        ))}
        <label>jump ≥ <input type="number" step={0.01} min={0} data-testid="probes-jump" value={p.jump} style={{ width: '4.5em' }} onChange={(e) => setProbeSettings({ jump: Math.max(0, num(e.target.value, p.jump)) })} /></label>
        <label>converged within <input type="number" step={0.01} min={0} data-testid="probes-converge" value={p.converge} style={{ width: '4.5em' }} onChange={(e) => setProbeSettings({ converge: Math.max(0, num(e.target.value, p.converge)) })} /></label>
        <ExportBar name="concept-depth" json={() => curves.map((c) => ({ id: c.id, label: c.label, model: c.model, dataset: c.datasetName, path: c.path, perturbation: c.perturbation, result: c.result }))} csv={() => probesCsv(curves)} svg={build} />
      </div>
      <p className="hint" data-testid="probes-points-rule">
        Jin et al. name a <b>jumping point</b> and a <b>converging point</b> but give no formula for either (their code computes neither).
        Here J marks the first hook whose {label} is at least {p.jump} above the hook before it, and C the first hook from which the {label} stays within {p.converge} of the curve&apos;s maximum; change the thresholds and the marks move.
      </p>
      <div className="probe-chart" data-testid="probes-chart" ref={host} />
      <table className="probe-list" data-testid="probes-curves">
        <thead><tr><th>show</th><th>curve</th><th>rows (test)</th><th>chance</th><th>best {label}</th><th>J</th><th>C</th><th /></tr></thead>
        <tbody>
          {curves.map((c) => {
            const s = curveSeries(c, p.metric, thresholds);
            const best = s.y.reduce((m, v, j) => (v > (s.y[m] ?? -Infinity) ? j : m), 0);
            return (
              <tr key={c.id} data-testid={`probes-curve-${c.id}`} className={open === c.id ? 'sel' : ''}>
                <td><input type="checkbox" aria-label={`show ${c.id}`} data-testid={`probes-show-${c.id}`} checked={c.visible} onChange={() => toggleCurve(c.id)} /></td>
                <td className="probe-label">{c.id}: {c.label}{c.result.converged.every(Boolean) ? '' : ' — some fits did not converge'}</td>
                <td className="num">{c.result.n} ({c.result.split.test.length})</td>
                <td className="num">{c.result.chance.toFixed(3)}</td>
                <td className="num" data-testid={`probes-best-${c.id}`}>{(s.y[best] ?? NaN).toFixed(3)} at {(c.result.relDepth[best] ?? NaN).toFixed(2)}</td>
                <td className="num" data-testid={`probes-jump-${c.id}`}>{s.points.jump ? s.points.jump.depth.toFixed(2) : '—'}</td>
                <td className="num" data-testid={`probes-converge-${c.id}`}>{s.points.converge ? s.points.converge.depth.toFixed(2) : '—'}</td>
                <td>
                  <button type="button" data-testid={`probes-open-${c.id}`} onClick={() => openCurve(open === c.id ? null : c.id)}>{open === c.id ? 'close' : 'per hook'}</button>{' '}
                  <button type="button" data-testid={`probes-remove-${c.id}`} onClick={() => removeCurve(c.id)}>remove</button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
