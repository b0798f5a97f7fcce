import type { BackendName } from '../../contracts/engine-api';
import { switchBackend } from '../../state/engine';
import { useStore } from '../../state/store';

const NAMES: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Which backend runs the model (and the WebGPU adapter), with an override. */
export function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const starting = useStore((s) => s.engineStarting);
  const a = backend?.adapter;
  return (
    <div className="backend">
      <span data-testid="backend" title={backend?.skipped.join('\n') || undefined}>
        {starting || !backend ? 'starting engine…' : `backend: ${backend.name}`}
        {a ? ` · ${[a.vendor, a.architecture].filter(Boolean).join(' ')} · max buffer ${mib(Math.min(a.maxBufferSize, a.maxStorageBufferBindingSize))}` : ''}
      </span>
      <select aria-label="backend" data-testid="backend-select" value={backend?.name ?? ''} onChange={(e) => void switchBackend(e.target.value as BackendName)} disabled={starting}>
        {!backend && <option value="">…</option>}
        {NAMES.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
    </div>
  );
}
