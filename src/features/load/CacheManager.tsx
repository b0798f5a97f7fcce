import { useEffect } from 'react';
import { evictCache, refreshCache } from '../../state/hub';
import { useStore } from '../../state/store';

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** Hub downloads kept in this browser (Origin Private File System): sizes, evict one revision or all. */
export function CacheManager() {
  const entries = useStore((s) => s.cacheEntries);
  const backend = useStore((s) => s.backend);
  useEffect(() => { if (backend) void refreshCache(); }, [backend]);
  const revisions = new Map<string, number>();
  for (const e of entries) {
    const rev = e.key.split('/').slice(0, -1).join('/');
    revisions.set(rev, (revisions.get(rev) ?? 0) + e.size);
  }
  const total = entries.reduce((s, e) => s + e.size, 0);
  return (
    <details className="cache" data-testid="cache-manager">
      <summary>Download cache: {mib(total)}</summary>
      {revisions.size === 0 ? <p className="hint">Nothing cached yet.</p> : (
        <ul>
          {[...revisions].map(([rev, size]) => (
            <li key={rev} data-testid="cache-entry">
              {rev.replace(/^hub\//, '').replace(/\/([0-9a-f]{12})[0-9a-f]*$/, '@$1')} — {mib(size)}
              {' '}<button type="button" onClick={() => void evictCache(`${rev}/`)}>evict</button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" data-testid="cache-evict-all" disabled={entries.length === 0} onClick={() => void evictCache()}>Evict all</button>
    </details>
  );
}
