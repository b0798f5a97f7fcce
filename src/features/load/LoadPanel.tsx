import { useState, type DragEvent } from 'react';
import { listHub } from '../../state/hub';
import { loadDemo, loadFiles, loadHub } from '../../state/load';
import { HubListing } from './HubListing';
import { useStore } from '../../state/store';
import { CacheManager } from './CacheManager';
import { ModelCard } from './ModelCard';
import { ProgressBar } from './ProgressBar';

/** Drop zone, file and folder pickers, Hugging Face repo id, and the demo. */
export function LoadPanel() {
  const loading = useStore((s) => s.jobs.load);
  const starting = useStore((s) => s.engineStarting);
  const [over, setOver] = useState(false);
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('main');
  const [endpoint, setEndpoint] = useState('https://huggingface.co');
  const [token, setToken] = useState('');
  // "Halve memory": F32 checkpoints are kept as F16 on WebGPU (16-bit files stay 16-bit anyway).
  const [halve, setHalve] = useState(false);

  const req = () => ({ endpoint: endpoint.replace(/\/$/, ''), repo: repo.trim(), revision: revision.trim() || 'main', ...(token ? { token } : {}) });
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void loadFiles(Array.from(e.dataTransfer.files), halve);
  };

  return (
    <aside className="load">
      <button type="button" className="primary" data-testid="load-demo" disabled={!!loading} onClick={() => void loadDemo()}>Load the demo model</button>
      {/* Loads asked for now wait for the engine (never lost); the progress line says so. */}
      {starting && <p className="hint" data-testid="engine-starting">starting the engine…</p>}
      <div
        className={`drop ${over ? 'over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop config.json + *.safetensors (+ tokenizer.json), or one .gguf file, here
        <div className="pickers">
          <label>Files <input type="file" multiple data-testid="file-input" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadFiles(files, halve); }} /></label>
          <label>Folder <input type="file" data-testid="folder-input" ref={(el) => { if (el) el.setAttribute('webkitdirectory', ''); }} onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadFiles(files, halve); }} /></label>
        </div>
      </div>
      <label className="hint" title="On WebGPU, F32 weights are rounded to F16 and kept two to a 32-bit word on the device (about 2 bytes per parameter instead of 4); F16/BF16 checkpoints stay 16-bit without it. Other backends ignore it.">
        <input type="checkbox" data-testid="load-halve" checked={halve} onChange={(e) => setHalve(e.target.checked)} /> halve memory (F16 weights on WebGPU)
      </label>
      <form className="hub" onSubmit={(e) => { e.preventDefault(); void loadHub(req(), {}, halve); }}>
        <label>Hugging Face repo <input data-testid="hub-repo" placeholder="owner/name" value={repo} onChange={(e) => setRepo(e.target.value)} /></label>
        <label>revision <input data-testid="hub-revision" value={revision} onChange={(e) => setRevision(e.target.value)} /></label>
        <details>
          <summary>access token, endpoint</summary>
          <label>token (kept in memory only) <input type="password" data-testid="hub-token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" /></label>
          <label>endpoint <input data-testid="hub-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} /></label>
        </details>
        <button type="submit" data-testid="hub-load" disabled={!!loading || !repo.trim()}>Load from the hub</button>
        {' '}<button type="button" data-testid="hub-list" disabled={!repo.trim()} onClick={() => void listHub(req())}>List files</button>
        <HubListing />
      </form>
      <ProgressBar />
      <ModelCard />
      <CacheManager />
    </aside>
  );
}
