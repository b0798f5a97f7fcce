import { useMemo } from 'react';
import type { LatentResult, WordLists } from '../../contracts/latent';
import { selectLatentSample } from '../../state/latent';
import type { LatentCurve } from '../../state/latent-slice';
import { useStore } from '../../state/store';
import { langColor, langIndex, pieceLanguage } from './lang-id';

/**
 * One prompt's lens at the last position, layer by layer: the top tokens with their
 * probabilities, each coloured by its language (lang-id.ts), beside P(target) and P(latent)
 * of that prompt — "English, then German" as it happens for one word.
 */
export function LatentSample({ curves, lists }: { curves: LatentCurve[]; lists: WordLists | null }) {
  const sel = useStore((s) => s.latentSample);
  const curve = curves[sel.curve] ?? curves[0];
  const r: LatentResult | undefined = curve?.result;
  const idx = useMemo(() => (r ? langIndex(lists ?? {}, [r.target, r.source, ...r.latent]) : null), [r, lists]);
  if (!r || !idx || r.n === 0) return null;
  const i = Math.min(sel.sample, r.n - 1);
  const s = r.samples[i];
  const c = r.perSample[i];
  if (!s || !c) return null;
  return (
    <section className="latent-sample" data-testid="latent-sample" aria-label="one sample">
      <div className="controls">
        <label>model{' '}
          <select data-testid="latent-sample-model" value={sel.curve} onChange={(e) => selectLatentSample(Number(e.target.value), 0)}>
            {curves.map((k, j) => <option key={k.label} value={j}>{k.label}</option>)}
          </select>
        </label>
        <label>sample{' '}
          <select data-testid="latent-sample-pick" value={i} onChange={(e) => selectLatentSample(sel.curve, Number(e.target.value))}>
            {r.samples.map((x, j) => <option key={`${x.word}-${j}`} value={j}>{x.word} → {x.answer}</option>)}
          </select>
        </label>
        <span className="hint">colours: {[...new Set([r.target, r.source, ...r.latent])].map((l) => <span key={l} style={{ color: langColor(l), marginRight: '0.6em' }}>■ {l}</span>)}<span style={{ color: langColor('?') }}>■ other</span></span>
      </div>
      <pre className="latent-prompt" data-testid="latent-sample-prompt">{s.prompt}</pre>
      <table className="latent-top" data-testid="latent-sample-table">
        <thead><tr><th>layer</th><th>P(target {r.target})</th>{r.latent.map((l) => <th key={l}>P({l})</th>)}<th>entropy (bits)</th><th>top tokens at the last position</th></tr></thead>
        <tbody>
          {r.layers.map((l, k) => (
            <tr key={l}>
              <td>{l}{k === r.layers.length - 1 ? ' (output)' : ''}</td>
              <td>{(c.pTarget[k] as number).toFixed(3)}</td>
              {r.latent.map((x) => <td key={x}>{(c.pLatent[x]?.[k] as number).toFixed(3)}</td>)}
              <td>{(c.entropyBits[k] as number).toFixed(2)}</td>
              <td>
                {(c.topIds[k] ?? []).map((id, j) => {
                  const piece = r.pieces[id] ?? String(id);
                  const lang = pieceLanguage(piece, idx);
                  return <span key={id} className="latent-tok" data-lang={lang} title={`${lang} · id ${id}`} style={{ borderColor: langColor(lang), color: langColor(lang) }}>{piece} {((c.topProbs[k]?.[j] ?? 0) * 100).toFixed(1)}%</span>;
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
