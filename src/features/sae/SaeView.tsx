import { useEffect, useState } from 'react';
import { editSaeFeature, refreshSae, saeIntervention, selectSaeFeature, useSae } from '../../state/sae';
import { useStore } from '../../state/store';
import { SaeDashboard } from './SaeDashboard';
import { SaeSources } from './SaeSources';
import { SaeTrain } from './SaeTrain';
import { SaeVsProbe } from './SaeVsProbe';
import './sae.css';

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/**
 * SAE features (METHODS §9): load an SAE made for model A (a SAELens or sparsify folder, or
 * a Gemma Scope params.npz), see which features fire at each position of the prompt, colour
 * the tokens by one feature, read its decoder direction's top logits, and ablate, clamp or
 * scale it in every run (the lens and the other views follow).
 */
export function SaeView() {
  const model = useStore((s) => s.model);
  const run = useStore((s) => s.run);
  const ivs = useStore((s) => s.interventions);
  const sae = useSae();
  // SAEs of a model that was replaced were dropped with it in the engine: not shown as if current.
  const mine = sae.model !== null && sae.model === model?.modelId;
  const info = mine ? sae.info : null;
  const result = mine ? sae.result : null;
  const { runId, feature, busy, error } = sae;
  const [value, setValue] = useState('5');
  const runNow = run?.runId;
  useEffect(() => {
    if (info && runNow !== undefined && runNow !== runId) void refreshSae();
  }, [info, runNow, runId]);
  const tokens = run?.tokens ?? [];
  const acts = result?.featureActs;
  const maxAct = acts ? Math.max(1e-9, ...acts) : 1;
  const splice = saeIntervention(ivs, info?.id);
  const stale = result !== null && runId !== runNow;
  const meanL0 = result ? result.l0.reduce((a, b) => a + b, 0) / Math.max(1, result.l0.length) : 0;
  return (
    <section className="sae-view" data-testid="sae-view">
      <h2>SAE features</h2>
      {!model && <p>Load a model first: an SAE belongs to the model it was trained on.</p>}
      {model && <SaeSources />}
      <SaeTrain />
      {model && sae.info && !mine && <p className="sae-note" data-testid="sae-gone">The SAE{sae.loaded.length > 1 ? 's' : ''} loaded before belonged to another model (unloaded with it); load one made for this model ({model.source}).</p>}
      {busy && <p data-testid="sae-busy">working…</p>}
      {error && <p className="error" data-testid="sae-error">{error}</p>}
      {info && (
        <p data-testid="sae-info">
          {info.format} · {info.architecture}{info.k !== undefined ? ` (k ${info.k})` : ''} · {info.dIn} → {info.dSae} features at {info.hook}
          {info.sourceHook !== info.hook ? ` (files: ${info.sourceHook})` : ''}
        </p>
      )}
      {info?.warnings.map((w) => <p className="sae-note" key={w}>{w}</p>)}
      {result && (
        <>
          <p data-testid="sae-metrics" className={stale ? 'sae-stale' : ''}>
            read at {result.hook} · FVE {fmt(result.fve)} · mean L0 {fmt(meanL0)}{stale ? ' · stale (the prompt or spec changed)' : ''}
          </p>
          <div className="sae-strip" data-testid="sae-strip">
            {tokens.map((t, i) => {
              const a = acts?.[i] ?? 0;
              return (
                <span key={i} data-testid={`sae-token-${i}`} data-act={a} title={acts ? `feature ${feature}: ${fmt(a)}` : t.text}
                  style={{ background: acts && a > 0 ? `rgba(230, 120, 20, ${Math.min(1, a / maxAct).toFixed(3)})` : undefined }}>{t.text}</span>
              );
            })}
          </div>
          <table className="sae-top" data-testid="sae-top">
            <thead><tr><th>pos</th><th>token</th><th>L0</th><th>cos</th><th>top features (id: activation)</th></tr></thead>
            <tbody>
              {result.topIds.map((ids, t) => (
                <tr key={t}>
                  <td>{t}</td><td>{tokens[t]?.text}</td><td>{result.l0[t]}</td><td>{fmt(result.cos[t] as number)}</td>
                  <td>
                    {ids.map((id, j) => ((result.topActs[t]?.[j] ?? 0) > 0 ? (
                      <button type="button" key={j} data-testid={`sae-feat-${t}-${j}`} className={id === feature ? 'on' : ''} onClick={() => void selectSaeFeature(id)}>
                        {id}: {fmt(result.topActs[t]?.[j] as number)}
                      </button>
                    ) : null))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {info && feature !== null && (
        <div className="sae-feature" data-testid="sae-feature">
          <h3>Feature {feature}</h3>
          {result?.featureLogits ? (
            <div className="sae-logits">
              <div><b>top logits</b> (W_dec·W_U, final-norm gain not applied)<ol data-testid="sae-top-logits">{result.featureLogits.top.map((l) => <li key={l.id}>{l.text} <small>{fmt(l.logit)}</small></li>)}</ol></div>
              <div><b>bottom logits</b><ol data-testid="sae-bottom-logits">{result.featureLogits.bottom.map((l) => <li key={l.id}>{l.text} <small>{fmt(l.logit)}</small></li>)}</ol></div>
            </div>
          ) : <p>Its decoder direction is not in the residual stream (hook_z), so it has no logits here.</p>}
          <div className="sae-edit">
            <button type="button" data-testid="sae-ablate" onClick={() => void editSaeFeature('ablate')}>ablate in every run</button>
            <label>value <input data-testid="sae-value" size={5} value={value} onChange={(e) => setValue(e.target.value)} /></label>
            <button type="button" data-testid="sae-clamp" onClick={() => void editSaeFeature('clamp', Number(value))}>clamp (steer)</button>
            <button type="button" data-testid="sae-scale" onClick={() => void editSaeFeature('scale', Number(value))}>scale</button>
            {splice && <button type="button" data-testid="sae-clear" onClick={() => void editSaeFeature(null)}>clear edits</button>}
          </div>
          {splice && <p data-testid="sae-splice">in every run: {splice.sae?.features?.map((f) => `${f.op} feature ${f.id}${f.value !== undefined ? ` ${f.value}` : ''}`).join(', ')} at {splice.hook} (error term kept)</p>}
        </div>
      )}
      <SaeVsProbe />
      <SaeDashboard />
    </section>
  );
}
