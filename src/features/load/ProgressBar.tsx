import { cancelLoad } from '../../state/load';
import { useStore } from '../../state/store';

/** Load progress in bytes and tensors, with cancel. */
export function ProgressBar() {
  const loading = useStore((s) => s.jobs.load);
  const starting = useStore((s) => s.engineStarting);
  if (!loading) return null;
  const p = loading.progress;
  const frac = p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
  return (
    <div className="progress" data-testid="load-progress">
      <div>Loading {loading.label}{p ? `: ${(p.bytesDone / 2 ** 20).toFixed(1)} / ${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB, ${p.tensorsDone} / ${p.tensorsTotal} tensors` : starting ? ': waiting for the engine to start…' : ': reading headers…'}</div>
      <progress max={1} value={frac} aria-label="load progress" />
      <button type="button" data-testid="cancel-load" onClick={cancelLoad}>Cancel</button>
    </div>
  );
}
