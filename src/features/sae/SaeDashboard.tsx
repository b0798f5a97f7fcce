import { useEffect, useRef, useState } from 'react';
import { histogramChart } from '../../charts/histogram';
import type { SaeContext } from '../../contracts/sae-dataset';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { selectSaeFeature, useSae } from '../../state/sae';
import { cancelScan, loadDashFeature, saeDashBlocker, saeDashStale, scanDataset, searchToken, setSaeDashCe, setSaeDashLimit, setSaeDashWindow, useSaeDash } from '../../state/sae-dataset';
import { useStore } from '../../state/store';
import './sae-dashboard.css';

const fmt = (x: number): string => (!Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** A chart element mounted into a div (data in → SVG out). */
function Chart({ make, testid }: { make: () => SVGSVGElement | null; testid: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.replaceChildren();
    const svg = make();
    if (svg) el.append(svg);
  });
  return <div data-testid={testid} ref={host} />;
}

/** One context: tokens coloured by the feature's activation (∝ act / feature max), the activating token outlined. */
function Context({ c, max, testid }: { c: SaeContext; max: number; testid: string }) {
  return (
    <div className="sae-ctx" data-testid={testid}>
      <span className="sae-ctx-act">{fmt(c.act)}</span>
      <span className="sae-ctx-where">row {c.row} · pos {c.position}</span>
      <span className="sae-ctx-tokens">
        {c.tokens.map((t, i) => {
          const a = c.acts[i] ?? 0;
          const here = c.from + i === c.position;
          return (
            <span key={i} title={`${t}: ${fmt(a)}`} data-act={a} className={here ? 'sae-ctx-max' : undefined}
              style={{ background: a > 0 ? `rgba(230, 120, 20, ${Math.min(1, a / Math.max(max, 1e-9)).toFixed(3)})` : undefined }}>{t}</span>
          );
        })}
      </span>
    </div>
  );
}

/**
 * The selected SAE over a dataset (METHODS §9.3, §9.4): scan the open dataset under the page's
 * path and interventions for the set's FVE, L0, dead share and feature densities; then the
 * selected feature's top-activating contexts, quantile groups, activation histogram and decoder
 * logits; and a search for the features that fire most on one token.
 */
export function SaeDashboard() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  // Re-render on the inputs the stamp reads.
  useStore((s) => s.path);
  useStore((s) => s.interventions);
  const sae = useSae();
  const d = useSaeDash();
  const [query, setQuery] = useState(' ');
  const stale = saeDashStale();
  const blocker = saeDashBlocker();
  const r = d.result;
  const f = d.feature;
  const feature = sae.feature;
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  // Once per (scan, feature): a failed read is not retried in a loop.
  const asked = useRef('');
  useEffect(() => {
    const key = `${r?.artifact}:${feature}`;
    if (r && feature !== null && f?.feature !== feature && asked.current !== key) {
      asked.current = key;
      void loadDashFeature(feature);
    }
  }, [r, feature, f?.feature]);
  if (!model || !sae.info || sae.model !== model.modelId) return null;
  const busy = d.jobId !== null;
  const p = d.progress;
  return (
    <section className="sae-dash" data-testid="sae-dash" aria-label="SAE features over a dataset">
      <h3>Features over a dataset</h3>
      <p className="hint">
        Every token of each row is encoded (position 0 left out when it is the BOS token). FVE = 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² with the sums and x̄ over the
        whole set; L0 = mean active features per token; dead = features that never fired on these tokens. Histograms come from a second exact pass.
      </p>
      <div className="controls">
        <span data-testid="sae-dash-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows)` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="sae-dash-builtin" value="" disabled={!index || !!busyDataset} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((x) => <option key={x.name} value={x.name}>{x.title} ({x.rows})</option>)}
          </select>
        </label>
        <label>rows (0 = all) <input type="number" min={0} data-testid="sae-dash-limit" style={{ width: '6em' }} value={d.limit} onChange={(e) => setSaeDashLimit(Number(e.target.value))} /></label>
        <label title="Three runs of every row: clean, the SAE's reconstruction spliced in at its hook (no error term), the hook zeroed. Recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean): 1 = the reconstruction loses nothing, 0 = as bad as zeroing the hook.">
          <input type="checkbox" data-testid="sae-dash-ce" checked={d.ce} onChange={(e) => setSaeDashCe(e.target.checked)} /> CE loss recovered (3 runs per row)
        </label>
        {busy
          ? <button type="button" data-testid="sae-dash-cancel" onClick={cancelScan}>cancel</button>
          : <button type="button" data-testid="sae-dash-scan" disabled={blocker !== null} title={blocker ?? ''} onClick={() => void scanDataset()}>Scan dataset</button>}
      </div>
      {blocker && !busy && <p className="hint" data-testid="sae-dash-blocker">{blocker}</p>}
      {busy && <p data-testid="sae-dash-progress">{p ? `${'stage' in p ? `CE loss (${p.stage} run)` : `pass ${p.pass} of 2`}: ${p.done} / ${p.total} ${p.unit}${p.etaSeconds !== undefined ? ` · ${Math.ceil(p.etaSeconds)} s left` : ''}` : 'starting…'}</p>}
      {d.error && <p className="error" data-testid="sae-dash-error">{d.error}</p>}
      {r && stale && (
        <div className="stale" role="status" data-testid="stale-sae-dash">
          <strong>stale</strong> — computed before {stale} changed.{' '}
          {!busy && <button type="button" data-testid="stale-rerun-sae-dash" onClick={() => void scanDataset()}>re-run</button>}
        </div>
      )}
      {r && (
        <>
          <p data-testid="sae-dash-caption">{d.caption} · read at {r.hook} · {r.rows} rows, {r.tokens} tokens ({r.bosSkipped} BOS positions left out) · {r.seconds.toFixed(1)} s</p>
          <p data-testid="sae-dash-metrics" className="sae-dash-metrics">
            <span>FVE <b>{fmt(r.fve)}</b></span> <span>L0 <b>{fmt(r.l0)}</b></span> <span>cos <b>{fmt(r.cos)}</b></span>{' '}
            <span>dead <b>{(100 * r.deadFraction).toFixed(1)} %</b> ({r.dead} of {r.dSae})</span> <span>tokens <b>{r.tokens}</b></span>
            {d.ceResult && (
              <span data-testid="sae-dash-ce-result" title={`mean next-token CE over ${d.ceResult.predictions} predictions, nats`}>
                {' '}CE loss recovered <b>{fmt(d.ceResult.recovered)}</b> (clean {fmt(d.ceResult.clean)}, SAE spliced {fmt(d.ceResult.sae)}, hook zeroed {fmt(d.ceResult.zero)} nats)
              </span>
            )}
          </p>
          <div className="sae-dash-row">
            <Chart testid="sae-dash-density" make={() => histogramChart(r.density.edges, r.density.counts, { xLabel: 'log10 density (fires / tokens)', yLabel: 'features', title: 'Feature density (live features)', color: '#4e79a7' })} />
            <div>
              <b>densest features</b> (click: select)
              <div className="sae-dash-feats" data-testid="sae-dash-top">
                {r.topByDensity.slice(0, 24).map((x) => (
                  <button type="button" key={x.id} data-testid={`sae-dash-feat-${x.id}`} className={x.id === feature ? 'on' : ''} title={`max ${fmt(x.max)} · mean when active ${fmt(x.meanActive)}`} onClick={() => void selectSaeFeature(x.id)}>
                    {x.id} <small>{(100 * x.density).toFixed(1)}%</small>
                  </button>
                ))}
              </div>
            </div>
          </div>
        </>
      )}
      {r && feature === null && <p className="hint">Select a feature (above, or in the table of the prompt) to see its dashboard.</p>}
      {r && f && f.feature === feature && (
        <div className="sae-dash-feature" data-testid="sae-dash-feature">
          <h4>Feature {f.feature} over the dataset</h4>
          <p data-testid="sae-dash-feature-stat">fires on {f.stat.fires} of {f.tokens} tokens ({(100 * f.stat.density).toFixed(3)} %) · max {fmt(f.stat.max)} · mean when active {fmt(f.stat.meanActive)}</p>
          <label>context{' '}
            <select data-testid="sae-dash-window" value={d.window} onChange={(e) => void setSaeDashWindow(Number(e.target.value))}>
              <option value={0}>whole row</option><option value={5}>±5 tokens</option><option value={10}>±10 tokens</option>
            </select>
          </label>
          <div className="sae-dash-row">
            <div className="sae-dash-contexts" data-testid="sae-dash-contexts">
              <b>top activations</b>
              {f.contexts.length === 0 && <p>It never fired on these tokens.</p>}
              {f.contexts.map((c, i) => <Context key={`${c.row}:${c.position}`} c={c} max={f.stat.max} testid={`sae-dash-ctx-${i}`} />)}
            </div>
            <div>
              <Chart testid="sae-dash-hist" make={() => histogramChart(f.histogram.edges, f.histogram.percent, { xLabel: 'activation (SAE units, z > 0)', yLabel: '% of tokens', title: `Activations of feature ${f.feature}`, tip: (i) => `[${fmt(f.histogram.edges[i] ?? 0)}, ${fmt(f.histogram.edges[i + 1] ?? 0)}): ${f.histogram.counts[i]} tokens (${(f.histogram.percent[i] ?? 0).toFixed(3)} %)` })} />
              {f.logits && (
                <p className="hint" data-testid="sae-dash-logits">top logits (W_dec·W_U, final-norm gain not applied): {f.logits.top.slice(0, 6).map((l) => `${l.text} ${fmt(l.logit)}`).join(', ')}</p>
              )}
            </div>
          </div>
          <div className="sae-dash-quantiles" data-testid="sae-dash-quantiles">
            <b>quantile groups</b> (equal-width intervals of [0, max]; share of all tokens; the largest examples of each)
            {f.quantiles.map((q, j) => (
              <div key={j} data-testid={`sae-dash-q-${j}`}>
                <p>[{fmt(q.min)}, {fmt(q.max)}{j === 0 ? ']' : ')'} · {(100 * q.contains).toFixed(3)} % of tokens</p>
                {q.examples.map((c, i) => <Context key={i} c={c} max={f.stat.max} testid={`sae-dash-q-${j}-${i}`} />)}
              </div>
            ))}
          </div>
        </div>
      )}
      {d.featureBusy && <p data-testid="sae-dash-feature-busy">reading the feature…</p>}
      <form className="controls" onSubmit={(e) => { e.preventDefault(); void searchToken(query); }}>
        <label>features firing on token… <input data-testid="sae-dash-search" size={14} value={query} onChange={(e) => setQuery(e.target.value)} placeholder='" Paris" or an id' /></label>
        <button type="submit" data-testid="sae-dash-search-go" disabled={d.searchBusy}>search</button>
        <span className="hint">{r ? 'over the scanned dataset' : 'over the current prompt (scan a dataset for more)'}</span>
      </form>
      {d.searchError && <p className="error" data-testid="sae-dash-search-error">{d.searchError}</p>}
      {d.search && (
        <table className="sae-top" data-testid="sae-dash-search-results">
          <caption>token {JSON.stringify(d.search.token.text)} (id {d.search.token.id}): {d.search.occurrences} occurrences in the {d.search.over}</caption>
          <thead><tr><th>feature</th><th>mean act on it</th><th>fires on it</th>{d.search.over === 'dataset' && <><th>mean act overall</th><th>fires overall</th></>}</tr></thead>
          <tbody>
            {d.search.features.map((h) => (
              <tr key={h.id}>
                <td><button type="button" data-testid={`sae-dash-hit-${h.id}`} onClick={() => void selectSaeFeature(h.id)}>{h.id}</button></td>
                <td>{fmt(h.meanAct)}</td><td>{(100 * h.fireRate).toFixed(1)} %</td>
                {d.search?.over === 'dataset' && <><td>{fmt(h.overallMean ?? NaN)}</td><td>{(100 * (h.overallRate ?? 0)).toFixed(1)} %</td></>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
