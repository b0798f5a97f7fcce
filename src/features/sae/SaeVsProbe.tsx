import { useEffect, useMemo, useRef, useState } from 'react';
import { saeProbeChart, type SaeProbeSeries } from '../../charts/sae-probe-chart';
import type { SaeProbeResult } from '../../contracts/sae-probe';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { useSae } from '../../state/sae';
import { cancelSaeProbe, runSaeProbe, saeProbeBlocker, saeProbeStale, setEitherSign, setSaeProbeSettings, showSaeFeature, useSaeProbe } from '../../state/sae-probe';
import { useStore } from '../../state/store';

const f3 = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(3) : '—');

/** Per class: one point per SAE (x = relative depth), probe AUROC and the plotted feature AUROC. */
function seriesOf(r: SaeProbeResult, eitherSign: boolean): SaeProbeSeries[] {
  return r.scored.map((name, k) => ({
    name,
    points: r.entries.map((e) => {
      const c = e.classes[k];
      return { x: e.relDepth, probe: c?.probeAuc ?? NaN, feature: (eitherSign ? c?.either.auc : c?.best.auc) ?? NaN };
    }),
  }));
}

/**
 * SAE vs probe (METHODS §9.5): every feature of each SAE loaded for the model as a one-feature
 * classifier of the open dataset's label (test-split ROC-AUC of its raw activation), beside the
 * linear probe at the same hook on the same split; per layer the best feature's AUROC and the
 * probe's, the top features (click one to select it above), cosines with a random control.
 */
export function SaeVsProbe() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  const loaded = useSae((s) => s.loaded);
  const saeModel = useSae((s) => s.model);
  const sp = useSaeProbe();
  // Re-render on the inputs the stamp reads (path, interventions).
  useStore((s) => s.path);
  useStore((s) => s.interventions);
  const stale = saeProbeStale();
  const blocker = saeProbeBlocker();
  const [cls, setCls] = useState(0);
  const host = useRef<HTMLDivElement>(null);
  const r = sp.result;
  const series = useMemo(() => (r ? seriesOf(r, sp.eitherSign) : []), [r, sp.eitherSign]);
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.replaceChildren();
    if (series.length && series[0]?.points.length) el.append(saeProbeChart(series, { eitherSign: sp.eitherSign }));
  }, [series, sp.eitherSign]);
  if (!model) return null;
  const mine = saeModel === model.modelId ? loaded : [];
  const busy = sp.jobId !== null;
  const q = sp.progress;
  const k = Math.min(cls, (r?.scored.length ?? 1) - 1);
  return (
    <section className="sae-probe" data-testid="sae-probe" aria-label="SAE features vs linear probe">
      <h3>SAE features vs linear probe</h3>
      <p className="hint">
        Each feature&apos;s raw activation z_i is scored as a classifier of the label on the probe&apos;s test rows (ROC-AUC; F1 with z_i &gt; 0 as the
        prediction), one class vs the rest (binary: the positive class). The best feature is the max over features of AUROC (lowest id on ties);
        &quot;either sign&quot; also counts a feature that fires for the other classes (max of AUROC and 1 − AUROC). Beside it: the Concept-depth
        logistic probe (C 1, random split 0.4) at the same hook, AUROC of its P(class).
      </p>
      <div className="controls">
        <span data-testid="sae-probe-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows; ${dataset.labels.slice(0, 6).join(' / ')})` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="sae-probe-builtin" value="" disabled={!index || !!busyDataset} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((d) => <option key={d.name} value={d.name}>{d.title} ({d.rows})</option>)}
          </select>
        </label>
        <label>position{' '}
          <select data-testid="sae-probe-position" value={String(sp.settings.position)} onChange={(e) => setSaeProbeSettings({ position: e.target.value === 'mean' ? 'mean' : 'last' })}>
            <option value="last">last token</option><option value="mean">mean over tokens</option>
          </select>
        </label>
        <label>rows (0 = all) <input type="number" min={0} data-testid="sae-probe-limit" style={{ width: '6em' }} value={sp.settings.limit} onChange={(e) => setSaeProbeSettings({ limit: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })} /></label>
        <label>split seed <input type="number" min={0} data-testid="sae-probe-seed" style={{ width: '5em' }} value={sp.settings.seed} onChange={(e) => setSaeProbeSettings({ seed: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })} /></label>
        <span data-testid="sae-probe-saes">{mine.length} SAE{mine.length === 1 ? '' : 's'}: {mine.map((i) => i.hook).join(', ') || 'none loaded'}</span>
        {busy
          ? <button type="button" data-testid="sae-probe-cancel" disabled={sp.cancelling} onClick={cancelSaeProbe}>{sp.cancelling ? 'cancelling…' : 'cancel'}</button>
          : <button type="button" data-testid="sae-probe-run" disabled={blocker !== null} title={blocker ?? ''} onClick={() => void runSaeProbe()}>score features vs probe</button>}
      </div>
      {blocker && !busy && <p className="hint" data-testid="sae-probe-blocker">{blocker}</p>}
      {busy && <p data-testid="sae-probe-progress">{q ? `${q.phase}: ${q.done} / ${q.total} ${q.unit}` : 'starting…'}</p>}
      {sp.error && <p className="error" data-testid="sae-probe-error">{sp.error}</p>}
      {r && stale && (
        <div className="stale" role="status" data-testid="stale-sae-probe">
          <strong>stale</strong> — computed before {stale} changed.{' '}
          {!busy && <button type="button" data-testid="stale-rerun-sae-probe" onClick={() => void runSaeProbe()}>re-run</button>}
        </div>
      )}
      {r && (
        <>
          <p data-testid="sae-probe-caption">{sp.caption} · {r.n} rows, {r.test} tested · labels {r.labels.join(' / ')}{r.scored.length === 1 ? ` (scored: "${r.scored[0]}" vs rest)` : ''}</p>
          <div className="controls">
            <label><input type="checkbox" data-testid="sae-probe-either" checked={sp.eitherSign} onChange={(e) => setEitherSign(e.target.checked)} /> plot either sign (max(AUROC, 1 − AUROC))</label>
            {r.scored.length > 1 && (
              <label>class{' '}
                <select data-testid="sae-probe-class" value={k} onChange={(e) => setCls(Number(e.target.value))}>
                  {r.scored.map((n, j) => <option key={n} value={j}>{n}</option>)}
                </select>
              </label>
            )}
          </div>
          <div className="sae-probe-chart" data-testid="sae-probe-chart" ref={host} />
          <table className="sae-top" data-testid="sae-probe-table">
            <thead>
              <tr><th>layer</th><th>hook</th><th>probe AUROC</th><th>probe acc</th><th>best feature (AUROC, F1)</th><th>either sign</th><th>cos(probe, best) · max|cos| · random</th><th>top features by AUROC (click: select)</th></tr>
            </thead>
            <tbody>
              {[...r.entries].sort((a, b) => a.relDepth - b.relDepth).map((e) => {
                const c = e.classes[k];
                if (!c) return null;
                return (
                  <tr key={e.sae} data-testid={`sae-probe-row-${e.sae}`}>
                    <td>{e.layer ?? '—'}</td>
                    <td>{e.hook}{e.constant ? <small> ({e.constant} constant)</small> : null}</td>
                    <td data-testid={`sae-probe-probe-auc-${e.sae}`}>{f3(c.probeAuc)}</td>
                    <td>{f3(e.probeAcc)}</td>
                    <td data-testid={`sae-probe-best-${e.sae}`}>#{c.best.feature} ({f3(c.best.auc)}, {f3(c.best.f1)})</td>
                    <td>#{c.either.feature} ({f3(c.either.auc)})</td>
                    <td>{f3(c.cosBest)} · {f3(c.cosMax)} · {e.control ? `${f3(e.control.mean)} (p95 ${f3(e.control.p95)})` : '—'}</td>
                    <td>
                      {c.top.map((t) => (
                        <button type="button" key={t.feature} data-testid={`sae-probe-feat-${e.sae}-${t.feature}`} title={`feature ${t.feature}: AUROC ${f3(t.auc)}, F1 ${f3(t.f1)}`}
                          onClick={() => void showSaeFeature(e.sae, t.feature)}>{t.feature}: {f3(t.auc)}</button>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="hint">cos: the probe&apos;s direction for the class against the unit decoder rows W_dec[i]; random = max |cos| of {r.entries[0]?.control?.n ?? 0} random Gaussian directions (mean, 95th percentile). Per-feature AUROC and the probe share the test rows.</p>
        </>
      )}
    </section>
  );
}
