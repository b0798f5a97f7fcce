import { useEffect, useState, type DragEvent } from 'react';
import { dismissPendingDataset, fetchDatasetIndex, openBuiltin, openFile, openUrl } from '../../state/datasets';
import { useStore } from '../../state/store';
import { balanceText } from './format';

const ACCEPT = '.csv,.tsv,.json,.jsonl,.ndjson,.txt';

/** Where a dataset comes from: a built-in set, a dropped or picked file, or a URL. */
export function DatasetSource() {
  const index = useStore((s) => s.datasetIndex);
  const ref = useStore((s) => s.datasetRef);
  const busy = useStore((s) => s.datasetBusy);
  const pending = useStore((s) => s.datasetPending);
  const [over, setOver] = useState(false);
  const [url, setUrl] = useState('');
  useEffect(() => {
    void fetchDatasetIndex();
  }, []);
  const current = ref && 'builtin' in ref ? ref.builtin : null;
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) void openFile(f);
  };
  return (
    <div className="ds-source">
      {pending && (
        <div className="notice ds-pending" data-testid="dataset-pending">
          This link was made with the local dataset <b>{pending.name}</b> (SHA-256 {pending.fingerprint.slice(0, 12)}…). Drop the same file below to continue.
          {' '}<button type="button" data-testid="dataset-pending-dismiss" onClick={dismissPendingDataset}>Not now</button>
        </div>
      )}
      <div className="ds-pick">
        <div
          className={`drop ${over ? 'over' : ''}`}
          data-testid="dataset-drop"
          onDragOver={(e) => { e.preventDefault(); setOver(true); }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          Drop a dataset file here (CSV, TSV, JSON, JSONL, TXT)
          <div className="pickers">
            <label>File <input type="file" accept={ACCEPT} data-testid="dataset-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void openFile(f); e.target.value = ''; }} /></label>
          </div>
        </div>
        <form className="ds-url" onSubmit={(e) => { e.preventDefault(); if (url.trim()) void openUrl(url); }}>
          <label>URL <input data-testid="dataset-url" placeholder="https://…/data.csv" value={url} onChange={(e) => setUrl(e.target.value)} /></label>
          <button type="submit" data-testid="dataset-url-load" disabled={!url.trim() || !!busy}>Open</button>
        </form>
        {busy && <span className="busy" data-testid="dataset-busy">reading {busy}…</span>}
      </div>
      <div className="ds-builtins" data-testid="dataset-builtins">
        <h4>Built-in datasets{index ? ` (${index.length})` : ''}</h4>
        {!index && <p className="hint">reading the list…</p>}
        {index && (
          <div className="scroller ds-builtin-scroll">
            <table className="ds-table" data-testid="builtin-table">
              <thead><tr><th /><th>name</th><th>title</th><th>rows</th><th>labels</th><th>source</th><th>licence</th></tr></thead>
              <tbody>
                {index.map((d) => (
                  <tr key={d.name} className={current === d.name ? 'sel' : ''} data-testid={`builtin-row-${d.name}`} title={d.description}>
                    <td><button type="button" data-testid={`builtin-${d.name}`} disabled={!!busy} onClick={() => void openBuiltin(d.name)}>{current === d.name ? 'open' : 'Use'}</button></td>
                    <td><code>{d.name}</code></td>
                    <td>{d.title}</td>
                    <td className="num">{d.rows}</td>
                    <td>{balanceText(d.labels)}</td>
                    <td className="ds-src">{d.source}</td>
                    <td>{d.licence}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
