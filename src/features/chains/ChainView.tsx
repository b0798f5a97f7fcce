import { partialText } from '../../contracts/partial';
import { cancelChainSearch, runChainSearch, setChainSettings, setChainTarget } from '../../state/chains';
import { setPath } from '../../state/run';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import { ChainTargetTokens } from './ChainTargetTokens';
import { Term } from '../help/Term';
import { fmtNum, fmtProb } from '../format';

/**
 * Chain search (CoLa, METHODS §8): Monte Carlo tree search over skip / keep / repeat
 * of 1–4-layer segments; reward = the target's log-probability (or exact match) minus
 * a length penalty. Each chain found is one click from being the current path.
 */
export function ChainView() {
  const run = useStore((s) => s.run);
  const st = useStore((s) => s.chainSettings);
  const target = useStore((s) => s.chainTarget);
  const res = useStore((s) => s.chains);
  const job = useStore((s) => s.jobs.chains);
  // A search explains the current run: started while a new run is on its way, its result would be for the old prompt (and dropped).
  const running = useStore((s) => !!s.jobs.run);
  if (!run) return <p className="hint">Run a prompt first: the search looks for the shortest chain of layers that still gives the answer.</p>;
  const upd = setChainSettings;
  const done = job?.progress?.done ?? 0;
  const best = job?.progress?.best;
  const rows = res ? [res.full, ...res.best.filter((b) => b.notation !== res.full.notation)] : [];
  return (
    <section className="chains" data-testid="chain-view" aria-label="chain search">
      <div className="controls">
        <label><Term id="chain-target">target continuation</Term> <input data-testid="chain-target" placeholder={`full model's next token: ${run.next[0]?.text ?? ''}`} value={target} onChange={(e) => setChainTarget(e.target.value)} /> <ChainTargetTokens /></label>
        <label><Term id="chain-reward">reward</Term> <select data-testid="chain-mode" value={st.mode} onChange={(e) => upd({ mode: e.target.value === 'exact' ? 'exact' : 'logprob' })}>
          <option value="logprob">mean log-prob of the target (nats)</option>
          <option value="exact">exact match of the greedy answer</option>
        </select></label>
        <label><Term id="chain-budget">budget</Term> (chains) <input type="number" min={1} max={5000} data-testid="chain-budget" value={st.budget} onChange={(e) => upd({ budget: Math.max(1, Number(e.target.value) || 1) })} /></label>
        <label><Term id="chain-exploration">exploration c</Term> <input type="number" min={0} step={0.1} value={st.exploration} onChange={(e) => upd({ exploration: Math.max(0, Number(e.target.value)) })} /></label>
        <label><Term id="chain-length-penalty">length penalty</Term> <input type="number" min={0} step={0.05} value={st.lengthPenalty} onChange={(e) => upd({ lengthPenalty: Math.max(0, Number(e.target.value)) })} /></label>
        <label><Term id="chain-seed">seed</Term> <input type="number" min={0} value={st.seed} onChange={(e) => upd({ seed: Math.max(0, Math.floor(Number(e.target.value))) })} /></label>
        <button type="button" className="primary" data-testid="chain-run" disabled={!!job || running} onClick={() => void runChainSearch()}>{running ? 'Waiting for the run…' : 'Search chains'}</button>
        {job && (
          <span data-testid="chain-progress">
            <progress max={st.budget} value={done} /> {done}/{job.progress?.total ?? st.budget} chains{best ? `, best ${best.notation} (${fmtNum(best.reward)})` : ''}
            {' '}{job.cancelling ? <span data-testid="chain-cancelling">cancelling… keeping the chains already evaluated</span> : <button type="button" data-testid="chain-cancel" onClick={cancelChainSearch}>Cancel</button>}
          </span>
        )}
        {res && <ExportBar name="chain-search" json={() => ({ kind: 'chain-search', permalink: location.href, settings: get().chainSettings, target: get().chainTarget, ...get().chains })} csv={() => [['notation', 'chain', 'length', 'reward', 'logprob', 'exact'], ...rows.map((r) => [r.notation, r.chain.join(' '), r.length, r.reward, r.logprob, r.exact])]} />}
      </div>
      <StaleNote name="chains" slot="chains" rerun={() => void runChainSearch()} />
      {res?.partial && <p className="partial" role="status" data-testid="chain-partial">cancelled — partial result ({partialText(res.partial)} evaluated): the best chains among those</p>}
      {res && (
        <table className="summaries chains-table" data-testid="chain-results">
          <caption><Term id="chain-mcts" compact /> {res.evaluations} chains evaluated{res.exhausted ? ' (every chain)' : ''}; reward = {st.mode === 'logprob' ? 'mean log p(target)' : 'exact-match share'} − {st.lengthPenalty} × length / layers</caption>
          <thead><tr><th><Term id="cola-notation">chain</Term></th><th>length</th><th><Term id="chain-reward">reward</Term></th><th><Term id="chain-logprob">log p</Term> (nats)</th><th><Term id="chain-exact">exact</Term></th><th /></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.notation} className={i === 0 ? 'sel' : ''}>
                <td className="mono">{i === 0 ? `${r.notation} (full model)` : r.notation}</td><td>{r.length}</td><td>{fmtNum(r.reward)}</td><td>{fmtNum(r.logprob)}</td><td>{fmtProb(r.exact)}</td>
                <td><button type="button" data-testid={`chain-use-${i}`} onClick={() => void setPath(r.chain)}>use as path</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
