import { useMemo } from 'react';
import { lineChart, type LineSeries } from '../../charts/line-chart';
import { SvgMount } from '../../app/SvgMount';
import type { DepthProfile } from '../../contracts/depth-profile';
import { loadCompareDemo, loadCompareFiles, runCompare, setCompareMode } from '../../state/compare';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';

/** Relative depth of step s's output, (s+1)/S, and of lens row r, r/S (row 0 = embeddings). */
const stepX = (p: DepthProfile): number[] => p.path.map((_, s) => (s + 1) / Math.max(1, p.path.length));
const rowX = (p: DepthProfile): number[] => Array.from({ length: p.path.length + 1 }, (_, r) => r / Math.max(1, p.path.length));

/**
 * Two runs side by side over relative depth: the current path against the full model,
 * or the current model against a second one (loaded beside it in the same engine).
 */
export function CompareView() {
  const mode = useStore((s) => s.compareMode);
  const other = useStore((s) => s.compareModel);
  const busy = useStore((s) => !!s.jobs.compare || !!s.jobs.compareLoad);
  const prof = useStore((s) => s.compareProfiles);
  const run = useStore((s) => s.run);
  const charts = useMemo(() => {
    if (!prof) return null;
    const { a, b, labelA, labelB } = prof;
    const both = (f: (p: DepthProfile) => ArrayLike<number>, x: (p: DepthProfile) => number[]): LineSeries[] => [
      { name: labelA, values: f(a), x: x(a) },
      { name: labelB, values: f(b), x: x(b), dashed: true },
    ];
    const opts = (y: string) => ({ xLabel: 'relative depth (0 = embeddings, 1 = output)', yLabel: y, numericX: [0, 1] as [number, number], width: 640 });
    return {
      layer: lineChart(both((p) => p.residual.layerRel.mean, stepX), opts('‖Δh‖/‖h‖ per step (mean)')),
      // Sublayer first in the name and one colour per sublayer (B dashed): four distinct, complete names.
      attn: lineChart([
        ...both((p) => p.residual.attnRel.mean, stepX).map((s) => ({ ...s, name: `attention · ${s.name}`, color: '#4e79a7' })),
        ...both((p) => p.residual.mlpRel.mean, stepX).map((s) => ({ ...s, name: `MLP · ${s.name}`, color: '#f28e2b' })),
      ], opts('attention / MLP relative contribution')),
      kl: lineChart(both((p) => p.lensKl, rowX), opts('logit lens: KL to final (nats, mean)')),
      top1: lineChart(both((p) => p.lensTop1, rowX), { ...opts('logit lens: top-1 probability (mean)'), yDomain: [0, 1] }),
    };
  }, [prof]);
  if (!run) return <p className="hint">Run a prompt to compare.</p>;
  // Path mode against an unedited run would plot the same curve twice.
  const unedited = mode === 'path' && !run.ref.path && (run.ref.interventions ?? []).length === 0;
  return (
    <section className="compare" data-testid="compare-view" aria-label="compare">
      <div className="controls">
        <label><input type="radio" name="cmp" checked={mode === 'path'} data-testid="compare-mode-path" onChange={() => setCompareMode('path')} /> current path vs all layers</label>
        <label><input type="radio" name="cmp" checked={mode === 'model'} data-testid="compare-mode-model" onChange={() => setCompareMode('model')} /> this model vs another model</label>
        {mode === 'model' && (
          <>
            <button type="button" data-testid="compare-load-demo" disabled={busy} onClick={() => void loadCompareDemo()}>B = demo model</button>
            <label>B = files <input type="file" multiple data-testid="compare-files" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadCompareFiles(files); }} /></label>
            <span data-testid="compare-model">{other ? `B: ${other.info.arch}, ${other.info.layers} layers, ${other.source}` : 'no model B yet'}</span>
          </>
        )}
        <button type="button" className="primary" data-testid="compare-run" disabled={busy || unedited || (mode === 'model' && !other)} onClick={() => void runCompare()}>{busy ? 'Working…' : 'Compare'}</button>
        {prof && <ExportBar name="compare" json={() => ({ kind: 'compare', permalink: location.href, ...get().compareProfiles })} svg={() => charts?.kl ?? null} />}
      </div>
      {unedited && <p className="hint" data-testid="compare-unedited">The current run uses every layer in order with no interventions, so “current path vs all layers” would draw the same curves twice. Skip or repeat a layer in the path editor above, or compare with another model.</p>}
      <StaleNote name="compare" slot="compare" rerun={() => void runCompare()} />
      {charts && <p className="hint">x = <Term id="relative-depth" /> · A solid, B dashed · <Term id="compare-series" /></p>}
      {charts && (
        <div className="chart-grid">
          <figure><figcaption>Logit lens: distance to the output</figcaption><SvgMount svg={charts.kl} testId="compare-kl" /></figure>
          <figure><figcaption>Logit lens: confidence</figcaption><SvgMount svg={charts.top1} testId="compare-top1" /></figure>
          <figure><figcaption>Layer update size</figcaption><SvgMount svg={charts.layer} testId="compare-layer" /></figure>
          <figure><figcaption>Attention and MLP contributions</figcaption><SvgMount svg={charts.attn} testId="compare-attn" /></figure>
        </div>
      )}
    </section>
  );
}
