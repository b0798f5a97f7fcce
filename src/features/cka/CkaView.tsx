import { useEffect } from 'react';
import type { CkaKind, CkaPosition } from '../../contracts/cka';
import { cancelCka, ckaBlocker, runCka, setCkaSettings, type CkaMode } from '../../state/cka';
import { loadCompareDemo, loadCompareFiles } from '../../state/compare';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { useStore } from '../../state/store';
import { Term } from '../help/Term';
import { StaleNote } from '../stale/StaleNote';
import { CkaMaps } from './CkaMaps';
import './cka.css';

const MODES: { mode: CkaMode; label: string }[] = [
  { mode: 'layers', label: 'layers of this model' },
  { mode: 'model', label: 'this model × model B (by relative depth)' },
  { mode: 'path', label: 'current path × all layers' },
];

const num = (v: string, dflt: number): number => (Number.isFinite(Number(v)) && v.trim() !== '' ? Number(v) : dflt);

/**
 * CKA (METHODS §2): how similar two sets of representations of the same dataset rows are,
 * layer by layer — within one model, between two models (model B loaded beside A in the
 * same engine) or between the current path and all layers; with the linear-map variant
 * (METHODS §5) beside it. The activations stay in the engine.
 */
export function CkaView() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  const c = useStore((s) => s.ckaSettings);
  const other = useStore((s) => s.compareModel);
  const loadingB = useStore((s) => !!s.jobs.compareLoad);
  const job = useStore((s) => s.jobs.cka);
  const blocker = useStore((s) => ckaBlocker(s));
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  if (!model) return <p className="hint">Load a model to compare its layers.</p>;
  const p = job?.progress;
  return (
    <section className="cka" data-testid="cka-view" aria-label="CKA">
      <div className="controls">
        <Term id="cka" compact />
        {MODES.map((m) => (
          <label key={m.mode}><input type="radio" name="cka-mode" data-testid={`cka-mode-${m.mode}`} checked={c.mode === m.mode} onChange={() => setCkaSettings({ mode: m.mode })} /> {m.label}</label>
        ))}
      </div>
      {c.mode === 'model' && (
        <div className="controls">
          <button type="button" data-testid="cka-load-demo" disabled={loadingB} onClick={() => void loadCompareDemo()}>B = demo model</button>
          <label>B = files <input type="file" multiple data-testid="cka-b-files" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadCompareFiles(files); }} /></label>
          <span data-testid="cka-model-b">{loadingB ? 'loading model B…' : other ? `B: ${other.source} (${other.info.arch}, ${other.info.layers} layers)` : 'no model B yet'}</span>
        </div>
      )}
      <div className="controls">
        <span data-testid="cka-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows)` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="cka-builtin" value="" disabled={!index || !!busyDataset} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((d) => <option key={d.name} value={d.name}>{d.title} ({d.rows})</option>)}
          </select>
        </label>
        <label>rows (0 = all){' '}
          <input type="number" min={0} step={1} data-testid="cka-limit" value={c.limit} style={{ width: '6em' }} onChange={(e) => setCkaSettings({ limit: Math.max(0, Math.trunc(num(e.target.value, 0))) })} />
        </label>
      </div>
      <div className="controls">
        <label>hooks <input data-testid="cka-hooks" value={c.hooks} spellCheck={false} style={{ width: '22em' }} onChange={(e) => setCkaSettings({ hooks: e.target.value })} /></label>
        <label><Term id="cka-position">position</Term>{' '}
          <select data-testid="cka-position" value={c.position} onChange={(e) => setCkaSettings({ position: e.target.value as CkaPosition })}>
            <option value="last">last token</option>
            <option value="mean">mean over tokens</option>
            <option value="all">all tokens pooled</option>
          </select>
        </label>
        <label><Term id="cka-kind">estimator</Term>{' '}
          <select data-testid="cka-kind" value={c.kind} onChange={(e) => setCkaSettings({ kind: e.target.value as CkaKind })}>
            <option value="linear">linear CKA</option>
            <option value="debiased">debiased (unbiased HSIC)</option>
          </select>
        </label>
        <label><Term id="cka-minibatch">minibatch</Term> (0 = full){' '}
          <input type="number" min={0} step={16} data-testid="cka-minibatch" value={c.minibatch} style={{ width: '5em' }} onChange={(e) => setCkaSettings({ minibatch: Math.max(0, Math.trunc(num(e.target.value, 0))) })} />
        </label>
        {c.minibatch > 0 && (
          <>
            <label>passes <input type="number" min={1} step={1} data-testid="cka-passes" value={c.passes} style={{ width: '4em' }} onChange={(e) => setCkaSettings({ passes: Math.max(1, Math.trunc(num(e.target.value, 1))) })} /></label>
            <label>seed <input type="number" min={0} step={1} data-testid="cka-seed" value={c.seed} style={{ width: '4em' }} onChange={(e) => setCkaSettings({ seed: Math.max(0, Math.trunc(num(e.target.value, 0))) })} /></label>
          </>
        )}
      </div>
      <div className="controls">
        <label><input type="checkbox" data-testid="cka-linear-map" checked={c.linearMap} onChange={(e) => setCkaSettings({ linearMap: e.target.checked })} /> <Term id="cka-linear-map">linear maps</Term> A → B</label>
        {c.linearMap && (
          <>
            <label>ridge <input type="number" min={0} step={0.01} data-testid="cka-ridge" value={c.ridge} style={{ width: '5em' }} onChange={(e) => setCkaSettings({ ridge: Math.max(0, num(e.target.value, 0)) })} /></label>
            <label>held out <input type="number" min={0.05} max={0.9} step={0.05} data-testid="cka-holdout" value={c.holdout} style={{ width: '4em' }} onChange={(e) => setCkaSettings({ holdout: num(e.target.value, 0.25) })} /></label>
          </>
        )}
        <button type="button" className="primary" data-testid="cka-run" disabled={!!job || blocker !== null} title={blocker ?? ''} onClick={() => void runCka()}>Compute CKA</button>
        {job && (
          <span data-testid="cka-progress">
            <progress max={p?.total || 1} value={p?.done ?? 0} />{' '}
            <span data-testid="cka-progress-text">{p ? `${p.phase}: ${p.done}/${p.total} ${p.unit}` : 'starting…'}</span>{' '}
            <button type="button" data-testid="cka-cancel" onClick={cancelCka}>Cancel</button>
          </span>
        )}
      </div>
      {blocker && !job && <p className="hint" data-testid="cka-blocker">{blocker}</p>}
      {c.position === 'all' && c.mode === 'model' && <p className="hint">All tokens pooled needs both models to read the same tokens (one tokenizer); with two tokenizers use last or mean, which read each model's own tokens of the same texts.</p>}
      <StaleNote name="cka" slot="cka" rerun={() => void runCka()} />
      <CkaMaps />
    </section>
  );
}
