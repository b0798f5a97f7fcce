import { refreshEffect } from '../../state/depth';
import { useStore } from '../../state/store';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';
import { fmtInfo, fmtNum, fmtProb } from '../format';

/** The current path against the full model at the last position: top-k, KL, L2, the target's probability and rank. */
export function PathEffectPanel() {
  const e = useStore((s) => s.effect);
  if (!e) return <div className="effect hint">Run a prompt to see the path's effect.</div>;
  const pct = fmtProb;
  return (
    <div className="effect" data-testid="path-effect">
      <StaleNote name="effect" slot="effect" rerun={() => void refreshEffect()} />
      <span><Term id="path-kl">KL(full ‖ path)</Term> <b data-testid="effect-kl">{fmtInfo(e.kl, { unit: false })}</b> nats</span>
      <span><Term id="path-l2">L2 of probabilities</Term> <b>{fmtNum(e.l2)}</b></span>
      <span><Term id="path-rank">target</Term> <b>{e.target.text}</b>: {pct(e.target.probFull)} (rank {e.target.rankFull}) → {pct(e.target.probPath)} (rank {e.target.rankPath})</span>
      <span>full: {e.full.map((t) => `${t.text} ${pct(t.prob)}`).join(' · ')}</span>
      <span>path: {e.edited.map((t) => `${t.text} ${pct(t.prob)}`).join(' · ')}</span>
    </div>
  );
}
