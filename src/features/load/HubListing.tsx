import { useStore } from '../../state/store';

function size(n: number): string {
  return n < 0 ? '?' : n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** A hub repo's files: which ones a load downloads (✓) and how much that is. */
export function HubListing() {
  const l = useStore((s) => s.hubListing);
  if (!l) return null;
  const total = l.files.filter((f) => f.picked).reduce((s, f) => s + Math.max(0, f.size), 0);
  return (
    <div className="hub-listing" data-testid="hub-listing">
      <div>{l.repo} @ {l.sha.slice(0, 12)}: {size(total)} to download</div>
      <ul>
        {l.files.map((f) => (
          <li key={f.name} className={f.picked ? 'picked' : 'skipped'} title={f.picked ? 'downloaded' : 'not needed'}>{f.picked ? '✓' : '·'} {f.name} <span className="size">{size(f.size)}</span></li>
        ))}
      </ul>
    </div>
  );
}
