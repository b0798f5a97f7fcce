import { confirmPendingHub } from '../../state/permalink/sync';
import { dismissPendingModel } from '../../state/hub';
import { useStore } from '../../state/store';

/** A model named by the opened link that waits for the user: confirm a large download. */
export function PendingModel() {
  const p = useStore((s) => s.pendingModel);
  if (!p || p.ref.kind !== 'hub') return null;
  return (
    <div className="notice" data-testid="pending-model">
      This link loads <b>{p.ref.repo}</b> at {p.ref.revision.slice(0, 12)}: {((p.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB to download.
      {' '}<button type="button" data-testid="confirm-download" onClick={() => void confirmPendingHub()}>Download and load</button>
      {' '}<button type="button" onClick={dismissPendingModel}>Not now</button>
    </div>
  );
}
