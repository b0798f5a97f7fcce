import { useMemo, useState } from 'react';
import * as d3 from 'd3';
import { lineChart } from '../../charts/line-chart';
import { matrixHeatmap } from '../../charts/matrix-heatmap';
import { SvgMount } from '../../app/SvgMount';
import { refreshResidual } from '../../state/depth';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';
import { fmtNum, fmtProb } from '../format';

/**
 * Residual-stream analytics per step (METHODS §5–7): relative contributions of attention,
 * MLP and the whole layer (mean, band up to the max), cosines, LIM, norms, the void map
 * per token (§6, α adjustable) and the largest activations.
 */
export function ResidualView() {
  const r = useStore((s) => s.residual);
  const run = useStore((s) => s.run);
  const alpha = useStore((s) => s.residualAlpha);
  // Layer 0 often dwarfs the rest (the embedding's norm is small): log scale by default.
  const [logY, setLogY] = useState(true);
  const charts = useMemo(() => {
    if (!r || !run) return null;
    const ticks = r.path.map((l, s) => `${s}:L${l}`);
    const rel = lineChart([
      { name: 'attention ‖a‖/‖h‖', values: r.attnRel.mean, upper: r.attnRel.max },
      { name: 'MLP ‖m‖/‖h+a‖', values: r.mlpRel.mean, upper: r.mlpRel.max },
      { name: 'layer ‖Δh‖/‖h‖', values: r.layerRel.mean, upper: r.layerRel.max },
    ], { xLabel: 'step:layer of the path', yLabel: `relative contribution (ratio${logY ? ', log scale' : ''})`, xTicks: ticks, logY });
    const cos = lineChart([
      { name: 'cos(a, h)', values: r.cosAttn.mean },
      { name: 'cos(m, h+a)', values: r.cosMlp.mean },
      { name: 'cos(h_out, h)', values: r.cosLayer.mean },
      { name: 'LIM = −cos(h, h_out)', values: r.lim, dashed: true },
    ], { xLabel: 'step:layer of the path', yLabel: 'cosine (mean over positions)', xTicks: ticks, yDomain: [-1, 1] });
    const meanNorm = r.residNorms.map((row) => d3.mean(Array.from(row)) ?? NaN);
    const maxNorm = r.residNorms.map((row) => d3.max(Array.from(row)) ?? NaN);
    const norms = lineChart([{ name: 'mean ‖h‖ over tokens', values: meanNorm, upper: maxNorm }], { xLabel: 'residual entering step (last = final)', yLabel: `L2 norm${logY ? ' (log scale)' : ''}`, xTicks: [...ticks, 'final'], logY });
    const voids = matrixHeatmap({
      values: r.voids.map((row) => Array.from(row, (v) => v)),
      rowLabels: run.tokens.map((t, i) => `${i} ${t.text}`),
      colLabels: ticks,
      rowTitle: 'token', colTitle: 'step', valueTitle: 'step used by the token, or a void (skipped by L2 adaptive computation)',
      domain: [0, 1], cell: 18,
      categories: [{ value: 0, label: 'active', color: '#f2f2f2' }, { value: 1, label: 'void', color: '#4a4a4a' }],
    });
    // Share of the T tokens for which each step is not a void: one bar per step, legible at any T.
    const T = Math.max(1, r.voids.length);
    const usedPct = r.path.map((_, s) => (100 * r.voids.filter((row) => row[s] === 0).length) / T);
    const used = lineChart([{ name: 'tokens using the step', values: usedPct }], { xLabel: 'step:layer of the path', yLabel: `tokens (% of ${r.voids.length})`, xTicks: ticks, bars: true, yDomain: [0, 100], height: 180, width: 460 });
    return { rel, cos, norms, voids, used };
  }, [r, run, logY]);
  if (!run) return <p className="hint">Run a prompt to see the residual stream.</p>;
  if (!r || !charts) return <p className="hint">Computing residual-stream statistics…</p>;
  // Layers used per token (METHODS: share of steps that are not voids), summarised: mean, min, max.
  const usedShare = r.voids.map((row) => 1 - row.reduce((a, b) => a + b, 0) / Math.max(1, row.length));
  const usedMean = usedShare.reduce((a, b) => a + b, 0) / Math.max(1, usedShare.length);
  return (
    <section className="residual" data-testid="residual-view" aria-label="residual stream">
      <div className="controls">
        <label><input type="checkbox" checked={logY} data-testid="residual-log" onChange={(e) => setLogY(e.target.checked)} /> log scale</label>
        <label><Term id="alpha">void threshold α</Term> <input type="range" min={0} max={1} step={0.05} value={alpha} data-testid="void-alpha" onChange={(e) => void refreshResidual(Number(e.target.value))} /> {alpha.toFixed(2)}</label>
        <ExportBar name="residual" json={() => ({ kind: 'residual', permalink: location.href, tokens: get().run?.tokens, ...get().residual })} csv={() => {
          const x = get().residual;
          if (!x) return [];
          return [['step', 'layer', 'attnRel', 'attnRelMax', 'mlpRel', 'mlpRelMax', 'layerRel', 'layerRelMax', 'cosAttn', 'cosMlp', 'cosLayer', 'lim', 'limFlat'],
            ...x.path.map((l, s) => [s, l, x.attnRel.mean[s] ?? NaN, x.attnRel.max[s] ?? NaN, x.mlpRel.mean[s] ?? NaN, x.mlpRel.max[s] ?? NaN, x.layerRel.mean[s] ?? NaN, x.layerRel.max[s] ?? NaN, x.cosAttn.mean[s] ?? NaN, x.cosMlp.mean[s] ?? NaN, x.cosLayer.mean[s] ?? NaN, x.lim[s] ?? NaN, x.limFlat[s] ?? NaN])];
        }} svg={() => charts.rel} />
      </div>
      <StaleNote name="residual" slot="residual" rerun={() => void refreshResidual()} />
      <div className="chart-grid">
        <figure><figcaption><Term id="relative-contribution">Relative contribution</Term> per step</figcaption><SvgMount svg={charts.rel} testId="residual-rel" /></figure>
        <figure><figcaption><Term id="cosines">Cosines</Term> and layer importance (<Term id="lim">LIM</Term>)</figcaption><SvgMount svg={charts.cos} /></figure>
        <figure><figcaption><Term id="residual-norm">Residual norm</Term></figcaption><SvgMount svg={charts.norms} /></figure>
        <figure><figcaption><Term id="layers-used">Layers used</Term>: share of tokens that use each step</figcaption><SvgMount svg={charts.used} testId="residual-used" />
          <p className="hint" data-testid="residual-used-summary">layers used per token: mean {fmtProb(usedMean)}, min {fmtProb(Math.min(...usedShare))}, max {fmtProb(Math.max(...usedShare))}</p></figure>
        <figure><figcaption><Term id="voids">Voids</Term> per token</figcaption><SvgMount svg={charts.voids} testId="residual-voids" /></figure>
      </div>
      <table className="summaries" data-testid="massive">
        <caption><Term id="massive">Largest activations</Term> per step (|h_out|)</caption>
        <thead><tr><th>step</th><th>layer</th><th>value</th><th>token position</th><th>dimension</th></tr></thead>
        <tbody>
          {r.massive.map((list, s) => list.slice(0, 3).map((m, j) => (
            <tr key={`${s}-${j}`}><td>{j === 0 ? s : ''}</td><td>{j === 0 ? r.path[s] : ''}</td><td>{fmtNum(m.value)}</td><td>{m.position} {run.tokens[m.position]?.text}</td><td>{m.dim}</td></tr>
          )))}
        </tbody>
      </table>
    </section>
  );
}
