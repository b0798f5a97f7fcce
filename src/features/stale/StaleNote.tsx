import type { JobSlot } from '../../state/store';
import { useStore } from '../../state/store';
import { staleness, type ResultName } from '../../state/stamps';

export interface StaleNoteProps {
  name: ResultName;
  /** The job slot that recomputes this result (its busy state replaces the button). */
  slot?: JobSlot;
  /** Recomputes the result under the current model, prompt, path and settings. */
  rerun?: () => void;
}

/**
 * The marker every view shows above a result computed for inputs that are no longer
 * current (src/state/stamps.ts): which inputs changed, and a re-run button. Renders
 * nothing while the result is current.
 */
export function StaleNote({ name, slot, rerun }: StaleNoteProps) {
  // A string (not an array) so the selector's value is stable between renders.
  const why = useStore((s) => staleness(name, s)?.join(', ') ?? null);
  const busy = useStore((s) => (slot ? !!s.jobs[slot] || !!s.jobs.run : !!s.jobs.run));
  if (!why) return null;
  return (
    <div className="stale" role="status" data-testid={`stale-${name}`}>
      <strong>stale</strong> — computed before {why} changed.{' '}
      {busy ? <span>updating…</span> : rerun && <button type="button" data-testid={`stale-rerun-${name}`} onClick={rerun}>re-run</button>}
    </div>
  );
}
