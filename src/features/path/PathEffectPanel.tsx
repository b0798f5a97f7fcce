import { refreshEffect } from '../../state/depth';
import { useStore } from '../../state/store';
import { StaleNote } from '../stale/StaleNote';

/** The current path against the full model at the last position: top-k, KL, L2, the target's probability and rank. */
export function PathEffectPanel() {
  const e = useStore((s) => s.effect);
  if (!e) return <div className="effect hint">Run a prompt to see the path's effect.</div>;
  const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
  return (
    <div className="effect" data-testid="path-effect">
      <StaleNote name="effect" slot="effect" rerun={() => void refreshEffect()} />
      <span>KL(full ‖ path) <b data-testid="effect-kl">{e.kl.toFixed(4)}</b> nats</span>
      <span>L2 of probabilities <b>{e.l2.toFixed(4)}</b></span>
      <span>target <b>{e.target.text}</b>: {pct(e.target.probFull)} (rank {e.target.rankFull}) → {pct(e.target.probPath)} (rank {e.target.rankPath})</span>
      <span>full: {e.full.map((t) => `${t.text} ${pct(t.prob)}`).join(' · ')}</span>
      <span>path: {e.edited.map((t) => `${t.text} ${pct(t.prob)}`).join(' · ')}</span>
    </div>
  );
}
