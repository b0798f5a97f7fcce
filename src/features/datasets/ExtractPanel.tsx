import { cancelExtract, DEFAULT_HOOKS, exportExtract, extractStale, memoryEstimate, setExtractSettings, startExtract, type PositionChoice } from '../../state/datasets';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../../state/store';
import { download } from '../export/download';
import { bytesText, secondsText } from './format';
import { Term } from '../help/Term';

const QUICK_HOOKS: { label: string; hooks: string }[] = [
  { label: 'resid post', hooks: DEFAULT_HOOKS },
  { label: 'resid pre', hooks: 'blocks.*.hook_resid_pre' },
  { label: 'resid mid', hooks: 'blocks.*.hook_resid_mid' },
  { label: 'attn out', hooks: 'blocks.*.hook_attn_out' },
  { label: 'mlp out', hooks: 'blocks.*.hook_mlp_out' },
  { label: 'final norm', hooks: 'ln_final.hook_normalized' },
];

/** Extraction: hooks, position, rows, a memory estimate, Start/Cancel with progress, the result and its download. */
export function ExtractPanel() {
  const x = useStore((s) => s.extractSettings);
  const job = useStore((s) => s.extractJob);
  const record = useStore((s) => s.extractResult);
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const est = useStore(useShallow((s) => memoryEstimate(s)));
  const stale = useStore(extractStale);
  const path = useStore((s) => s.path);
  const interventions = useStore((s) => s.interventions);
  const over = est ? !est.perToken && est.bytes > est.limit : false;
  const p = job?.progress;
  const r = record?.result;
  const onDownload = async () => {
    const f = await exportExtract();
    if (f) download(f.name, new Blob([f.bytes as BlobPart], { type: 'application/octet-stream' }));
  };
  return (
    <section className="ds-extract" data-testid="extract-panel" aria-label="extract activations">
      <h3>Extract activations</h3>
      {!model && <p className="hint" data-testid="extract-need-model">Load a model to extract activations.</p>}
      <div className="controls">
        <label className="ds-hooks"><Term id="extract-hooks">hooks</Term>{' '}
          <input data-testid="extract-hooks" value={x.hooks} spellCheck={false} onChange={(e) => setExtractSettings({ hooks: e.target.value })} />
        </label>
        <span className="ds-quick">
          {QUICK_HOOKS.map((q) => (
            <button type="button" key={q.hooks} data-testid={`extract-quick-${q.hooks.replace(/[^\w]+/g, '-')}`} className={x.hooks === q.hooks ? 'on' : ''} onClick={() => setExtractSettings({ hooks: q.hooks })}>{q.label}</button>
          ))}
        </span>
      </div>
      <div className="controls">
        <label><Term id="extract-position">position</Term>{' '}
          <select data-testid="extract-position" value={x.position} onChange={(e) => setExtractSettings({ position: e.target.value as PositionChoice })}>
            <option value="last">last token</option>
            <option value="mean">mean over tokens</option>
            <option value="all">all tokens</option>
            <option value="index">token index…</option>
          </select>
        </label>
        {x.position === 'index' && (
          <label>index (−1 = last){' '}
            <input type="number" step={1} data-testid="extract-index" value={x.index} onChange={(e) => setExtractSettings({ index: Math.trunc(Number(e.target.value) || 0) })} style={{ width: '5em' }} />
          </label>
        )}
        <label><Term id="extract-rows">rows</Term> (0 = all{dataset ? ` ${dataset.rows}` : ''}){' '}
          <input type="number" min={0} step={1} data-testid="extract-limit" value={x.limit} onChange={(e) => setExtractSettings({ limit: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })} style={{ width: '6em' }} />
        </label>
        <details className="ds-advanced">
          <summary data-testid="extract-advanced">batching, memory limit</summary>
          <label><Term id="extract-batch-tokens">tokens per batch</Term> (0 = one row at a time){' '}
            <input type="number" min={0} step={64} data-testid="extract-batch" value={x.batchTokens} onChange={(e) => setExtractSettings({ batchTokens: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })} style={{ width: '6em' }} />
          </label>
          {' '}<label><Term id="extract-memory">memory limit</Term> (MiB){' '}
            <input type="number" min={1} step={1} data-testid="extract-max-mib" value={x.maxMiB} onChange={(e) => setExtractSettings({ maxMiB: Math.max(0, Number(e.target.value) || 0) })} style={{ width: '6em' }} />
          </label>
        </details>
      </div>
      {est && (
        <p className={`ds-estimate ${over ? 'over' : ''}`} data-testid="extract-estimate">
          <Term id="extract-memory">memory</Term>: {est.rows} rows × {est.hooks} hooks × d {est.d} × 4 B = <b>{bytesText(est.bytes)}</b>{est.perToken ? ' per token of each row' : ''}
          {' '}(limit {bytesText(est.limit)}{over ? ': over the limit, the engine will refuse — lower the rows or hooks' : ''})
          {path && <> · path of {path.length} steps</>}
          {interventions.length > 0 && <> · {interventions.length} intervention{interventions.length > 1 ? 's' : ''} (rows run one at a time)</>}
        </p>
      )}
      <div className="controls">
        <button type="button" className="primary" data-testid="extract-start" disabled={!!job || !model || !dataset} onClick={() => void startExtract()}>Start extraction</button>
        {job && (
          <span className="ds-progress" data-testid="extract-progress">
            <progress max={p?.total || 1} value={p?.done ?? 0} />
            {' '}<span data-testid="extract-progress-text">{p ? `${p.done}/${p.total} ${p.unit}` : 'starting…'}{p?.rate ? ` · ${p.rate.toFixed(1)} ${p.unit}/s` : ''}{p?.etaSeconds !== undefined ? ` · ETA ${secondsText(p.etaSeconds)}` : ''}</span>
            {' '}<button type="button" data-testid="extract-cancel" onClick={cancelExtract}>Cancel</button>
          </span>
        )}
      </div>
      {record && r && (
        <div className={`detail ds-result ${stale ? 'stale' : ''}`} data-testid="extract-result">
          {stale && <p className="busy" data-testid="extract-stale">stale — re-run ({stale})</p>}
          <dl>
            <div><dt>dataset</dt><dd>{record.datasetName}</dd></div>
            <div><dt>rows</dt><dd data-testid="extract-result-rows">{r.rows}</dd></div>
            <div><dt>hooks</dt><dd data-testid="extract-result-hooks">{r.hooks.length}: {r.hooks.length > 3 ? `${r.hooks[0]} … ${r.hooks[r.hooks.length - 1]}` : r.hooks.join(', ')}</dd></div>
            <div><dt>d</dt><dd data-testid="extract-result-d">{r.d}</dd></div>
            <div><dt>position</dt><dd>{String(r.position)}{r.position === 'all' ? ` (${r.vectors} token vectors)` : ''}</dd></div>
            <div><dt>size</dt><dd>{bytesText(r.bytes)}</dd></div>
            <div><dt>time</dt><dd data-testid="extract-result-seconds">{secondsText(r.seconds)}</dd></div>
            <div><dt>batched</dt><dd data-testid="extract-result-batched">{r.batched ? 'yes (rows side by side, right-padded)' : 'no'}{r.note ? ` — ${r.note}` : ''}</dd></div>
          </dl>
          <button type="button" data-testid="extract-download" onClick={() => void onDownload()}>Download .safetensors</button>
        </div>
      )}
    </section>
  );
}
