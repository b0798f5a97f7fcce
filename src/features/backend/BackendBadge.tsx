import type { BackendInfo, BackendName, WasmInfo } from '../../contracts/engine-api';
import { switchBackend } from '../../state/engine';
import { useStore } from '../../state/store';

const NAMES: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const BUILDS: Record<WasmInfo['build'], string> = { 'threaded-simd': 'threaded SIMD', simd: 'SIMD', plain: 'no SIMD' };
/** Longest reason shown in the badge itself (characters); the tooltip has the whole text. */
const REASON_CHARS = 120;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** What runs, with what: the WebGPU adapter and its buffer limit, or wasm's thread count. */
export function backendLabel(b: BackendInfo): string {
  const a = b.adapter;
  if (a) return `backend: ${b.name} · ${[a.vendor, a.architecture].filter(Boolean).join(' ')} · max buffer ${mib(Math.min(a.maxBufferSize, a.maxStorageBufferBindingSize))}`;
  const w = b.wasm;
  if (w) return `backend: ${b.name} · ${BUILDS[w.build]} · ${w.threads} thread${w.threads === 1 ? '' : 's'}`;
  return `backend: ${b.name}`;
}

function short(reason: string): string {
  return reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS - 1)}…` : reason;
}

/** Which backend runs the model (and why any preferred one did not), with an override. */
export function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const starting = useStore((s) => s.engineStarting);
  // A start-up in progress or one that failed claims no backend.
  const shown = starting ? null : backend;
  const skipped = shown?.skipped ?? [];
  return (
    <div className="backend">
      <span data-testid="backend">
        {starting ? 'starting engine…' : shown ? backendLabel(shown) : 'no backend running'}
      </span>
      {skipped.length > 0 && (
        <span className="skipped" data-testid="backend-skipped" title={skipped.join('\n')}>
          {' '}(not used: {skipped.map(short).join('; ')})
        </span>
      )}
      <select aria-label="backend" data-testid="backend-select" value={shown?.name ?? ''} onChange={(e) => void switchBackend(e.target.value as BackendName)} disabled={starting}>
        {!shown && <option value="">{starting ? '…' : 'none'}</option>}
        {NAMES.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
    </div>
  );
}
