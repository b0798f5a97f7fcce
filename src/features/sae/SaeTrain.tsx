import { useEffect, useRef } from 'react';
import { lineChart } from '../../charts/line-chart';
import type { SaeTrainArch, SaeTrainPoint } from '../../contracts/sae-train';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { cancelSaeTrain, SAE_TRAIN_SITES, saeTrainBlocker, setSaeTrainSettings, startSaeTrain, trainedSaeFiles, useSaeTrain, type SaeTrainSite } from '../../state/sae-train';
import { useStore } from '../../state/store';
import { download } from '../export/download';

const num = (text: string, dflt: number): number => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : dflt);
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '—');

function NumberBox({ id, value, onChange, step = 1, min, width = '5em' }: { id: string; value: number; onChange: (v: number) => void; step?: number; min?: number; width?: string }) {
  return <input type="number" data-testid={id} value={value} step={step} min={min} style={{ width }} onChange={(e) => onChange(num(e.target.value, value))} />;
}

/** Three small curves over the steps: loss, L0, FVE (one point per progress tick). */
function Curves({ points, steps }: { points: SaeTrainPoint[]; steps: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.replaceChildren();
    if (points.length === 0) return;
    const x = points.map((p) => p.step);
    const chart = (name: string, values: number[], yDomain?: [number, number]) => lineChart([{ name, values, x }], { xLabel: 'step', yLabel: name, numericX: [0, steps], width: 300, height: 170, ...(yDomain ? { yDomain } : {}) });
    el.append(
      chart('loss', points.map((p) => p.loss)),
      chart('L0', points.map((p) => p.l0)),
      chart('FVE', points.map((p) => p.fve), [Math.min(0, ...points.map((p) => p.fve)), 1]),
    );
  }, [points, steps]);
  return <div className="sae-train-curves" data-testid="sae-train-curves" ref={host} />;
}

/**
 * Train an SAE (METHODS §9.2) on every token of the open dataset at one hook of model A (all
 * layers, no interventions): ReLU with an L1 penalty on z·‖W_dec‖ (SAELens standard) or TopK
 * with AuxK, Adam, seeded; live loss / L0 / FVE per batch; Cancel keeps the SAE of the steps
 * taken. The trained SAE becomes the view's SAE; Export downloads its SAELens folder.
 */
export function SaeTrain() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  const t = useSaeTrain();
  const blocker = useStore((s) => saeTrainBlocker(s));
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  if (!model) return null;
  const o = t.settings;
  const set = setSaeTrainSettings;
  const running = t.jobId !== null;
  const q = t.progress;
  const last = t.live[t.live.length - 1];
  const r = t.result;
  const exportFiles = async (): Promise<void> => {
    for (const f of await trainedSaeFiles()) download(f.name, new Blob([f.bytes as BlobPart], { type: f.name.endsWith('.json') ? 'application/json' : 'application/octet-stream' }));
  };
  return (
    <details className="sae-train" data-testid="sae-train" open={running || r !== null ? true : undefined}>
      <summary>Train an SAE on a dataset</summary>
      <div className="controls">
        <span data-testid="sae-train-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows)` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="sae-train-builtin" value="" disabled={!index || !!busyDataset || running} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((d) => <option key={d.name} value={d.name}>{d.title} ({d.rows})</option>)}
          </select>
        </label>
        <label>rows (0 = all) <NumberBox id="sae-train-limit" value={o.limit} min={0} width="6em" onChange={(v) => set({ limit: Math.max(0, Math.trunc(v)) })} /></label>
      </div>
      <div className="controls">
        <label>layer{' '}
          <select data-testid="sae-train-layer" value={o.layer} onChange={(e) => set({ layer: Number(e.target.value) })}>
            {Array.from({ length: model.info.layers }, (_, l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
        <label>site{' '}
          <select data-testid="sae-train-site" value={o.site} onChange={(e) => set({ site: e.target.value as SaeTrainSite })}>
            {SAE_TRAIN_SITES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>architecture{' '}
          <select data-testid="sae-train-arch" value={o.architecture} onChange={(e) => set({ architecture: e.target.value as SaeTrainArch })}>
            <option value="topk">TopK (+ AuxK)</option>
            <option value="relu">ReLU (+ L1)</option>
          </select>
        </label>
        <label>width <NumberBox id="sae-train-width" value={o.width} min={1} width="6em" onChange={(v) => set({ width: Math.max(1, Math.trunc(v)) })} /></label>
        {o.architecture === 'topk'
          ? <label>k <NumberBox id="sae-train-k" value={o.k} min={1} onChange={(v) => set({ k: Math.max(1, Math.trunc(v)) })} /></label>
          : <label>λ (L1) <NumberBox id="sae-train-l1" value={o.l1} step={0.1} min={0} onChange={(v) => set({ l1: Math.max(0, v) })} /></label>}
      </div>
      <div className="controls">
        <label>lr <NumberBox id="sae-train-lr" value={o.lr} step={0.0001} min={0} width="6em" onChange={(v) => set({ lr: v })} /></label>
        <label>steps <NumberBox id="sae-train-steps" value={o.steps} min={1} width="6em" onChange={(v) => set({ steps: Math.max(1, Math.trunc(v)) })} /></label>
        <label>tokens per step <NumberBox id="sae-train-batch" value={o.batch} min={1} width="6em" onChange={(v) => set({ batch: Math.max(1, Math.trunc(v)) })} /></label>
        <label>seed <NumberBox id="sae-train-seed" value={o.seed} min={0} onChange={(v) => set({ seed: Math.max(0, Math.trunc(v)) })} /></label>
        <button type="button" data-testid="sae-train-start" disabled={running || blocker !== null} title={blocker ?? undefined} onClick={() => void startSaeTrain()}>Start</button>
        {running && <button type="button" data-testid="sae-train-cancel" disabled={t.cancelling} onClick={cancelSaeTrain}>{t.cancelling ? 'cancelling…' : 'Cancel'}</button>}
      </div>
      {blocker && !running && <p className="hint" data-testid="sae-train-blocker">{blocker}</p>}
      {running && (
        <p data-testid="sae-train-progress">
          <progress max={q?.total || 1} value={q?.done ?? 0} />{' '}
          <span data-testid="sae-train-progress-text">{q ? `${q.phase}: ${q.done}/${q.total} ${q.unit}` : 'starting…'}</span>
          {last && <span data-testid="sae-train-live"> · loss {f3(last.loss)} · L0 {f3(last.l0)} · FVE {f3(last.fve)} · dead {f3(last.dead)}</span>}
        </p>
      )}
      {t.error && <p className="sae-note" data-testid="sae-train-error">{t.error}</p>}
      {t.live.length > 0 && <Curves points={t.live} steps={r && !running ? r.partial?.total ?? o.steps : q?.total ?? o.steps} />}
      {r && !running && (
        <p data-testid="sae-train-result">
          trained {r.sae.architecture} {r.sae.dIn}→{r.sae.dSae}{r.sae.k !== undefined ? ` k=${r.sae.k}` : ''} at {r.sae.hook} on {r.tokens} tokens in {r.seconds.toFixed(1)} s; last batch FVE {f3(r.final.fve)}, L0 {f3(r.final.l0)}{r.note ? ` (${r.note})` : ''}{' '}
          <button type="button" data-testid="sae-train-export" onClick={() => void exportFiles()}>Export (SAELens folder)</button>
        </p>
      )}
    </details>
  );
}
