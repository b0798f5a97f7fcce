import { useEffect, useMemo } from 'react';
import { SvgMount } from '../../app/SvgMount';
import { quantCurvesChart, quantScoresChart } from '../../charts/quant-curves';
import type { QuantOrder, QuantScheme } from '../../contracts/quant-study';
import { partialText } from '../../contracts/partial';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { cancelQuant, quantBlocker, quantCsv, runQuant, setQuantSettings } from '../../state/quant';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import './quant.css';

const ORDERS: { order: QuantOrder; label: string }[] = [
  { order: 'lim', label: 'LIM' }, { order: 'zd', label: 'ZD' }, { order: 'random', label: 'random' }, { order: 'reverse', label: 'reverse LIM' },
];

const int = (v: string, dflt: number, min: number): number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Math.max(min, Math.trunc(Number(v))) : dflt);

/**
 * The layer-wise quantization study (METHODS §7, §11; Dumitru et al.): a growing fraction of
 * the model's blocks, least important first by LIM, ZD, random or reverse order, is moved
 * from the high to the low bit width (RTN fake quantization), and the perplexity over a
 * dataset is plotted against the fraction; the model's LIM and ZD per layer below.
 */
export function QuantView() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  const q = useStore((s) => s.quantSettings);
  const rec = useStore((s) => s.quant);
  const job = useStore((s) => s.jobs.quant);
  const blocker = useStore((s) => quantBlocker(s));
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  const charts = useMemo(() => (rec ? {
    curves: quantCurvesChart(rec.result),
    lim: quantScoresChart(rec.result, 'lim'),
    zd: quantScoresChart(rec.result, 'zd'),
  } : null), [rec]);
  if (!model) return <p className="hint">Load a model to study its quantization.</p>;
  const p = job?.progress;
  const toggle = (o: QuantOrder, on: boolean): void => setQuantSettings({ orders: on ? [...q.orders.filter((x) => x !== o), o] : q.orders.filter((x) => x !== o) });
  const r = rec?.result;
  return (
    <section className="quant" data-testid="quant-view" aria-label="Quantization">
      <div className="controls">
        <span data-testid="quant-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows)` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="quant-builtin" value="" disabled={!index || !!busyDataset} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((d) => <option key={d.name} value={d.name}>{d.title} ({d.rows})</option>)}
          </select>
        </label>
        <label>rows (0 = all) <input type="number" min={0} data-testid="quant-limit" value={q.limit} style={{ width: '5em' }} onChange={(e) => setQuantSettings({ limit: int(e.target.value, 0, 0) })} /></label>
        <label>context <input type="number" min={2} data-testid="quant-context" value={q.context} style={{ width: '5em' }} onChange={(e) => setQuantSettings({ context: int(e.target.value, 128, 2) })} /></label>
      </div>
      <div className="controls">
        <label>low bits <input type="number" min={2} max={16} data-testid="quant-low" value={q.lowBits} style={{ width: '4em' }} onChange={(e) => setQuantSettings({ lowBits: Math.min(16, int(e.target.value, 4, 2)) })} /></label>
        <label>high bits (0 = full) <input type="number" min={0} max={16} data-testid="quant-high" value={q.highBits} style={{ width: '4em' }} onChange={(e) => setQuantSettings({ highBits: Math.min(16, int(e.target.value, 8, 0)) })} /></label>
        <label>group (0 = default) <input type="number" min={0} step={32} data-testid="quant-group" value={q.group} style={{ width: '5em' }} onChange={(e) => setQuantSettings({ group: int(e.target.value, 0, 0) })} /></label>
        <label>scheme{' '}
          <select data-testid="quant-scheme" value={q.scheme} onChange={(e) => setQuantSettings({ scheme: e.target.value as QuantScheme })}>
            <option value="auto">auto (symmetric at 8+ bits)</option>
            <option value="symmetric">symmetric</option>
            <option value="asymmetric">asymmetric</option>
          </select>
        </label>
      </div>
      <div className="controls">
        <span>orders:</span>
        {ORDERS.map((o) => (
          <label key={o.order}><input type="checkbox" data-testid={`quant-order-${o.order}`} checked={q.orders.includes(o.order)} onChange={(e) => toggle(o.order, e.target.checked)} /> {o.label}</label>
        ))}
        <label>seeds <input type="number" min={1} max={100} data-testid="quant-seeds" value={q.seeds} style={{ width: '4em' }} onChange={(e) => setQuantSettings({ seeds: Math.min(100, int(e.target.value, 3, 1)) })} /></label>
        <label>LIM{' '}
          <select data-testid="quant-lim-kind" value={q.limKind} onChange={(e) => setQuantSettings({ limKind: e.target.value as 'mean' | 'flatten' })}>
            <option value="mean">per-token mean</option>
            <option value="flatten">flatten</option>
          </select>
        </label>
        <label>fractions <input data-testid="quant-fractions" value={q.fractions} spellCheck={false} style={{ width: '18em' }} onChange={(e) => setQuantSettings({ fractions: e.target.value })} /></label>
      </div>
      <div className="controls">
        <button type="button" className="primary" data-testid="quant-run" disabled={!!job || blocker !== null} title={blocker ?? ''} onClick={() => void runQuant()}>Run study</button>
        {job && (
          <span data-testid="quant-progress">
            <progress max={p?.total || 1} value={p?.done ?? 0} />{' '}
            <span data-testid="quant-progress-text">{job.cancelling ? 'cancelling…' : p ? `${p.stage}: ${p.done}/${p.total} ${p.unit}` : 'starting…'}</span>{' '}
            <button type="button" data-testid="quant-cancel" disabled={job.cancelling} onClick={cancelQuant}>Cancel</button>
          </span>
        )}
      </div>
      {blocker && !job && <p className="hint" data-testid="quant-blocker">{blocker}</p>}
      <StaleNote name="quant" slot="quant" rerun={() => void runQuant()} />
      {rec && r && charts && (
        <div className="quant-result" data-testid="quant-result">
          <p className="quant-summary" data-testid="quant-summary">
            {rec.modelLabel}, {r.rows} rows ({r.tokens} tokens) of {rec.datasetName}: full precision perplexity {r.fp.toPrecision(5)},
            all layers at {r.highBits === 0 ? 'full precision' : `${r.highBits} bits`} {r.high.toPrecision(5)}; {r.configs} configurations in {r.seconds.toFixed(1)} s
            {r.partial && <strong data-testid="quant-partial"> — partial: {partialText(r.partial)} (cancelled)</strong>}
          </p>
          <SvgMount svg={charts.curves} testId="quant-curves" />
          <div className="quant-scores">
            <SvgMount svg={charts.lim} testId="quant-lim" />
            <SvgMount svg={charts.zd} testId="quant-zd" />
          </div>
          <table className="quant-table" data-testid="quant-table">
            <thead><tr><th>fraction</th>{r.curves.map((c) => <th key={c.order}>{c.order}</th>)}</tr></thead>
            <tbody>
              {(r.curves[0]?.points ?? []).map((pt, i) => (
                <tr key={pt.fraction}>
                  <td>{Math.round(pt.fraction * 100)}%</td>
                  {r.curves.map((c) => {
                    const x = c.points[i];
                    return <td key={c.order} className="num">{x ? `${x.perplexity.toPrecision(5)}${c.order === 'random' ? ` ± ${x.sd.toPrecision(2)}` : ''}` : ''}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <ExportBar name="quant-study" json={() => ({ analysis: 'quant-study', permalink: location.href, model: rec.modelLabel, dataset: rec.datasetName, settings: get().quantSettings, ...r })}
            csv={() => quantCsv(r)} svg={() => quantCurvesChart(r)} />
        </div>
      )}
    </section>
  );
}
