import { useMemo } from 'react';
import { lineChart } from '../../charts/line-chart';
import { matrixHeatmap } from '../../charts/matrix-heatmap';
import { SvgMount } from '../../app/SvgMount';
import { partialText } from '../../contracts/partial';
import type { SkipMode } from '../../contracts/skip-sweep';
import { cancelSweep, runSweep, setSweepPrompts, toggleSweepMode } from '../../state/sweep';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';
import { fmtNum } from '../format';

const MODE_LABEL: Record<SkipMode, string> = { layer: 'whole layer', attn: 'attention only', mlp: 'MLP only' };

/**
 * Skip sweep (METHODS §5): each layer skipped at positions ≥ 1; its effect on the output
 * (L2 of probabilities, KL, top-1 agreement) and on every later layer (L×L heatmap).
 */
export function SweepView() {
  const sweep = useStore((s) => s.sweep);
  const job = useStore((s) => s.jobs.sweep);
  const modes = useStore((s) => s.sweepModes);
  const prompts = useStore((s) => s.sweepPrompts);
  const model = useStore((s) => s.model);
  const charts = useMemo(() => {
    if (!sweep) return null;
    const entries = Object.entries(sweep.modes) as [SkipMode, NonNullable<(typeof sweep.modes)[SkipMode]>][];
    const ticks = sweep.path.map((l) => `L${l}`);
    // A partial (cancelled) sweep holds the first `done` skipped layers only.
    const skipped = ticks.slice(0, sweep.partial?.done ?? ticks.length);
    const out = lineChart(entries.map(([m, r]) => ({ name: MODE_LABEL[m], values: r.outputL2 })), { xLabel: 'skipped layer', yLabel: 'max ‖Δ softmax‖₂ at the output', xTicks: ticks, bars: true });
    const whole = sweep.modes.layer ?? entries[0]?.[1];
    const effect = whole ? matrixHeatmap({
      // True values: effects above 1 (up to ~3) are drawn hatched and counted in the legend, not clipped.
      values: whole.effect.map((row) => Array.from(row)),
      rowLabels: skipped, colLabels: ticks, rowTitle: 'skipped layer', colTitle: 'later layer', valueTitle: 'relative change of Δ_l, ‖Δ_l − Δ′_l‖/‖Δ_l‖ (ratio)',
      domain: [0, 1],
    }) : null;
    return { out, effect, entries };
  }, [sweep]);
  if (!model) return <p className="hint">Load a model to run a skip sweep.</p>;
  const p = job?.progress;
  return (
    <section className="sweep" data-testid="sweep-view" aria-label="skip sweep">
      <div className="controls">
        {(['layer', 'attn', 'mlp'] as SkipMode[]).map((m) => (
          <label key={m}><input type="checkbox" checked={modes.includes(m)} data-testid={`sweep-mode-${m}`} onChange={() => toggleSweepMode(m)} /> {MODE_LABEL[m]}</label>
        ))}
        <Term id="skip-modes" compact />
        <button type="button" className="primary" data-testid="sweep-run" disabled={!!job || modes.length === 0} onClick={() => void runSweep()}>Run skip sweep</button>
        {job && (
          <span data-testid="sweep-progress">
            <progress max={p?.total || 1} value={p?.done ?? 0} /> {p?.done ?? 0}/{p?.total || '…'} runs
            {' '}{job.cancelling ? <span data-testid="sweep-cancelling">cancelling… keeping the layers already swept</span> : <button type="button" data-testid="sweep-cancel" onClick={cancelSweep}>Cancel</button>}
          </span>
        )}
        {sweep && <ExportBar name="skip-sweep" json={() => ({ kind: 'skip-sweep', permalink: location.href, ...get().sweep })} svg={() => charts?.effect ?? charts?.out ?? null} csv={() => {
          const sw = get().sweep;
          if (!sw) return [];
          const rows: (string | number)[][] = [['mode', 'layer', 'outputL2', 'kl', 'top1Agree']];
          for (const [m, r] of Object.entries(sw.modes)) sw.path.forEach((l, s) => rows.push([m, l, r.outputL2[s] ?? NaN, r.kl[s] ?? NaN, r.top1Agree[s] ?? NaN]));
          return rows;
        }} />}
      </div>
      <label className="prompt-set"><Term id="sweep-prompts">prompt set</Term> (one per line; empty = the current prompt)
        <textarea rows={3} data-testid="sweep-prompts" value={prompts} onChange={(e) => setSweepPrompts(e.target.value)} />
      </label>
      <StaleNote name="sweep" slot="sweep" rerun={() => void runSweep()} />
      {sweep && charts && (
        <>
          {sweep.partial && <p className="partial" role="status" data-testid="sweep-partial">cancelled — partial result ({partialText(sweep.partial)} skipped; the rest were not run)</p>}
          <p data-testid="sweep-depth">
            <Term id="depth-score" compact />{' '}
            {sweep.partial
              ? `depth score: needs every layer (${partialText(sweep.partial)} swept)`
              : charts.entries.map(([m, r]) => `${MODE_LABEL[m]}: depth score ${fmtNum(r.depthScore)} of ${sweep.path.length - 1}`).join(' · ')} · {sweep.prompts} prompt{sweep.prompts > 1 ? 's' : ''}
          </p>
          <div className="chart-grid">
            <figure><figcaption><Term id="skip-output">Effect of skipping each layer on the output</Term></figcaption><SvgMount svg={charts.out} testId="sweep-output" /></figure>
            {charts.effect && <figure><figcaption><Term id="skip-effect">Effect of skipping a layer on later layers</Term> (whole layer)</figcaption><SvgMount svg={charts.effect} testId="sweep-effect" /></figure>}
          </div>
        </>
      )}
    </section>
  );
}
