import { useEffect } from 'react';
import type { ProbeMethod, ProbeSplit } from '../../contracts/probe';
import { loadCompareDemo, loadCompareFiles } from '../../state/compare';
import { fetchDatasetIndex, openBuiltin } from '../../state/datasets';
import { cancelProbes, pathWords, probeBlocker, setProbeSettings, trainProbes, type ProbePerturbation, type ProbeSettings as Settings } from '../../state/probes';
import { useStore } from '../../state/store';

const num = (v: string, dflt: number): number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : dflt);

const HOOKS: { label: string; hooks: string }[] = [
  { label: 'block output (resid_post)', hooks: 'blocks.*.hook_resid_post' },
  { label: 'MLP input (the reference code: post_attention_layernorm)', hooks: 'blocks.*.ln2.hook_normalized' },
  { label: 'attention output', hooks: 'blocks.*.hook_attn_out' },
  { label: 'MLP output', hooks: 'blocks.*.hook_mlp_out' },
];

function NumberBox({ id, value, onChange, step = 1, min, width = '5em' }: { id: string; value: number; onChange: (v: number) => void; step?: number; min?: number; width?: string }) {
  return <input type="number" data-testid={id} value={value} step={step} min={min} style={{ width }} onChange={(e) => onChange(num(e.target.value, value))} />;
}

/** What to probe (dataset, model, hook, position), how (method, C, split) and under which perturbation; Train / Cancel with progress. */
export function ProbeSettings() {
  const p = useStore((s) => s.probeSettings);
  const model = useStore((s) => s.model);
  const path = useStore((s) => s.path);
  const interventions = useStore((s) => s.interventions);
  const dataset = useStore((s) => s.dataset);
  const index = useStore((s) => s.datasetIndex);
  const busyDataset = useStore((s) => s.datasetBusy);
  const B = useStore((s) => s.compareModel);
  const loadingB = useStore((s) => !!s.jobs.compareLoad);
  const job = useStore((s) => s.jobs.probes);
  const blocker = useStore((s) => probeBlocker(s));
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  const set = (patch: Partial<Settings>) => setProbeSettings(patch);
  const q = job?.progress;
  const custom = !HOOKS.some((h) => h.hooks === p.hooks);
  return (
    <section className="probe-settings" aria-label="probe settings">
      <div className="controls">
        <span data-testid="probes-dataset">{dataset ? `dataset: ${dataset.name} (${dataset.rows} rows; label column ${dataset.mapping.label ?? 'none'}: ${dataset.labels.slice(0, 6).join(' / ')}${dataset.labels.length > 6 ? ' …' : ''})` : 'no dataset open'}</span>
        <label>built-in{' '}
          <select data-testid="probes-builtin" value="" disabled={!index || !!busyDataset} onChange={(e) => { if (e.target.value) void openBuiltin(e.target.value); }}>
            <option value="">{busyDataset ? `reading ${busyDataset}…` : 'open…'}</option>
            {(index ?? []).map((d) => <option key={d.name} value={d.name}>{d.title} ({d.rows})</option>)}
          </select>
        </label>
        <label>rows (0 = all) <NumberBox id="probes-limit" value={p.limit} min={0} width="6em" onChange={(v) => set({ limit: Math.max(0, Math.trunc(v)) })} /></label>
      </div>
      <div className="controls">
        <span>train on</span>
        <label><input type="radio" name="probe-target" data-testid="probes-target-A" checked={p.target === 'A'} onChange={() => set({ target: 'A' })} /> model A{model ? ` (${model.info.arch}, ${pathWords(path, model.info.layers)}${interventions.length ? `, ${interventions.length} intervention${interventions.length > 1 ? 's' : ''}` : ''})` : ''}</label>
        <label><input type="radio" name="probe-target" data-testid="probes-target-B" checked={p.target === 'B'} onChange={() => set({ target: 'B' })} /> model B (all its layers)</label>
        {p.target === 'B' && (
          <>
            <button type="button" data-testid="probes-load-demo" disabled={loadingB} onClick={() => void loadCompareDemo()}>B = demo model</button>
            <label>B = files <input type="file" multiple data-testid="probes-b-files" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadCompareFiles(files); }} /></label>
            <span data-testid="probes-model-b">{loadingB ? 'loading model B…' : B ? `B: ${B.source} (${B.info.arch}, ${B.info.layers} layers)` : 'no model B yet'}</span>
          </>
        )}
      </div>
      <div className="controls">
        <label>hooks{' '}
          <select data-testid="probes-hook-choice" value={custom ? '' : p.hooks} onChange={(e) => set({ hooks: e.target.value || p.hooks })}>
            {HOOKS.map((h) => <option key={h.hooks} value={h.hooks}>{h.label}</option>)}
            <option value="">other (type below)</option>
          </select>
        </label>
        <input data-testid="probes-hooks" aria-label="hook patterns" value={p.hooks} spellCheck={false} style={{ width: '20em' }} onChange={(e) => set({ hooks: e.target.value })} />
        <label>position{' '}
          <select data-testid="probes-position" value={p.position} onChange={(e) => set({ position: e.target.value as Settings['position'] })}>
            <option value="last">last token (the reference code)</option>
            <option value="mean">mean over tokens</option>
            <option value="index">token index…</option>
          </select>
        </label>
        {p.position === 'index' && <label>index <NumberBox id="probes-index" value={p.index} onChange={(v) => set({ index: Math.trunc(v) })} /></label>}
      </div>
      <div className="controls">
        <label>method{' '}
          <select data-testid="probes-method" value={p.method} onChange={(e) => set({ method: e.target.value as ProbeMethod })}>
            <option value="logistic">logistic regression (L2)</option>
            <option value="mean-diff">difference of means</option>
          </select>
        </label>
        {p.method === 'logistic' && <label title="inverse L2 strength (scikit-learn's C); the intercept is not penalised, features are not scaled">C <NumberBox id="probes-C" value={p.C} step={0.1} min={0} onChange={(v) => set({ C: v > 0 ? v : p.C })} /></label>}
        <label>split{' '}
          <select data-testid="probes-split" value={p.split} onChange={(e) => set({ split: e.target.value as ProbeSplit })}>
            <option value="random">random (scikit-learn train_test_split)</option>
            <option value="stratified">stratified</option>
            <option value="kfold">k-fold</option>
          </select>
        </label>
        {p.split === 'kfold'
          ? <label>folds <NumberBox id="probes-folds" value={p.folds} min={2} onChange={(v) => set({ folds: Math.max(2, Math.trunc(v)) })} /></label>
          : <label>test share <NumberBox id="probes-test-fraction" value={p.testFraction} step={0.05} onChange={(v) => set({ testFraction: v > 0 && v < 1 ? v : p.testFraction })} /></label>}
        <label>seed <NumberBox id="probes-seed" value={p.seed} min={0} onChange={(v) => set({ seed: Math.max(0, Math.trunc(v)) })} /></label>
        <label>F1 of{' '}
          <select data-testid="probes-positive" value={p.positive} onChange={(e) => set({ positive: e.target.value })}>
            <option value="">default (the reference code's, else the last label)</option>
            {(dataset?.labels ?? []).map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
        <label>bootstrap <NumberBox id="probes-bootstrap" value={p.bootstrap} min={0} step={100} onChange={(v) => set({ bootstrap: Math.max(0, Math.trunc(v)) })} /></label>
      </div>
      <div className="controls">
        <label>perturbation{' '}
          <select data-testid="probes-perturb" value={p.perturb} onChange={(e) => set({ perturb: e.target.value as ProbePerturbation })}>
            <option value="none">none (clean)</option>
            <option value="noise">prefix noise (random letters glued onto the text)</option>
            <option value="quantize">fake-quantised weights (round to nearest)</option>
          </select>
        </label>
        {p.perturb === 'noise' && (
          <>
            <label>letters <input data-testid="probes-noise-letters" value={p.noise.letters} style={{ width: '5em' }} onChange={(e) => set({ noise: { ...p.noise, letters: e.target.value } })} /></label>
            <label>× <NumberBox id="probes-noise-length" value={p.noise.length} min={1} onChange={(v) => set({ noise: { ...p.noise, length: Math.max(1, Math.trunc(v)) } })} /></label>
            <label>seed <NumberBox id="probes-noise-seed" value={p.noise.seed} min={0} onChange={(v) => set({ noise: { ...p.noise, seed: Math.max(0, Math.trunc(v)) } })} /></label>
          </>
        )}
        {p.perturb === 'quantize' && (
          <>
            <label>bits{' '}
              <select data-testid="probes-bits" value={p.bits} onChange={(e) => set({ bits: Number(e.target.value) })}>
                {[8, 6, 4, 3, 2].map((b) => <option key={b} value={b}>{b}</option>)}
              </select>
            </label>
            <label>group (0 = default: 8 bits per row, else 128) <NumberBox id="probes-group" value={p.groupSize} min={0} step={16} onChange={(v) => set({ groupSize: Math.max(0, Math.trunc(v)) })} /></label>
          </>
        )}
      </div>
      <div className="controls">
        <button type="button" className="primary" data-testid="probes-train" disabled={!!job || blocker !== null} title={blocker ?? ''} onClick={() => void trainProbes()}>Train probes at every hook</button>
        {job && (
          <span data-testid="probes-progress">
            <progress max={q?.total || 1} value={q?.done ?? 0} />{' '}
            <span data-testid="probes-progress-text">{q ? `${q.phase === 'extract' ? 'extract' : 'train'}: ${q.done}/${q.total} ${q.unit}` : job.label}</span>{' '}
            <button type="button" data-testid="probes-cancel" onClick={cancelProbes}>Cancel</button>
          </span>
        )}
      </div>
      {blocker && !job && <p className="hint" data-testid="probes-blocker">{blocker}</p>}
    </section>
  );
}
