import { useEffect, useMemo, useState } from 'react';
import { stackSvgs } from '../../charts/compose';
import { entropyStrip, latentCurvesChart, type LatentBandSeries } from '../../charts/latent-chart';
import { SvgMount } from '../../app/SvgMount';
import type { LatentTask, WordLists } from '../../contracts/latent';
import { loadCompareDemo, loadCompareFiles } from '../../state/compare';
import { cancelLatent, latentBlocker, latentCsv, latentLists, loadLatentCsv, runLatent, setLatentSettings, WORDS_NOTE, type LatentWords } from '../../state/latent';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { Term } from '../help/Term';
import { StaleNote } from '../stale/StaleNote';
import { langColor } from './lang-id';
import { LatentSample } from './LatentSample';
import './latent.css';

const LANGS = ['en', 'fr', 'de', 'ru', 'zh', 'ja'];
const num = (v: string, dflt: number): number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : dflt);

/**
 * Latent language (METHODS §4; Wendler et al. 2024, Zhong et al. 2024): when a model
 * translates, repeats or fills a cloze, how much probability do its middle layers give the
 * target language's tokens and each latent language's (English, or any other) — per layer,
 * for model A and the compare view's model B on one relative-depth axis.
 */
export function LatentView() {
  const model = useStore((s) => s.model);
  const other = useStore((s) => s.compareModel);
  const st = useStore((s) => s.latentSettings);
  const custom = useStore((s) => s.latentCustom);
  const rec = useStore((s) => s.latent);
  const job = useStore((s) => s.jobs.latent);
  const loadingB = useStore((s) => !!s.jobs.compareLoad);
  const blocker = useStore((s) => latentBlocker(s));
  const [lists, setLists] = useState<WordLists | null>(null);
  useEffect(() => {
    if (!rec) return;
    let live = true;
    void latentLists(get()).then((l) => { if (live) setLists(l); }, () => undefined);
    return () => { live = false; };
  }, [rec]);
  const charts = useMemo(() => {
    if (!rec) return null;
    const series: LatentBandSeries[] = [];
    rec.curves.forEach((c, k) => {
      const r = c.result;
      const tag = c.label.split(':')[0] ?? `model ${k}`;
      series.push({ name: `${tag} · target ${r.target} (n = ${r.n})`, x: r.relDepth, ...r.pTarget, color: langColor(r.target === 'en' ? 'de' : r.target), dashed: k > 0 });
      for (const l of r.latent) {
        const b = r.pLatent[l];
        if (b && l !== r.target) series.push({ name: `${tag} · latent ${l}`, x: r.relDepth, ...b, color: langColor(l), dashed: k > 0 });
      }
    });
    const curves = latentCurvesChart(series, { title: `${rec.settings.task} ${rec.settings.task === 'translation' ? `${rec.settings.source} → ` : ''}${rec.settings.target}` });
    const strip = entropyStrip(rec.curves.map((c) => ({ name: c.label.split(':')[0] ?? '', x: c.result.relDepth, bits: c.result.entropyBits })));
    return { curves, strip };
  }, [rec]);
  if (!model) return <p className="hint">Load a model to see which language its layers think in.</p>;
  const p = job?.progress;
  const title = rec ? `Latent language · ${rec.curves.map((c) => c.label).join(' vs ')}` : '';
  return (
    <section className="latent" data-testid="latent-view" aria-label="Latent language">
      <div className="controls">
        <Term id="latent" compact />
        <label>task{' '}
          <select data-testid="latent-task" value={st.task} onChange={(e) => setLatentSettings({ task: e.target.value as LatentTask })}>
            <option value="translation">translation</option>
            <option value="repetition">repetition</option>
            <option value="cloze">cloze</option>
          </select>
        </label>
        {st.task === 'translation' && (
          <label>from{' '}
            <select data-testid="latent-source" value={st.source} onChange={(e) => setLatentSettings({ source: e.target.value })}>
              {LANGS.map((l) => <option key={l} value={l}>{l}</option>)}
            </select>
          </label>
        )}
        <label>{st.task === 'translation' ? 'to' : 'language'}{' '}
          <select data-testid="latent-target" value={st.target} onChange={(e) => setLatentSettings({ target: e.target.value })}>
            {[...new Set([...LANGS, ...(custom ? [custom.lang] : [])])].map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
        <label>latent languages <input data-testid="latent-latent" value={st.latent} style={{ width: '6em' }} onChange={(e) => setLatentSettings({ latent: e.target.value })} /></label>
        <label>shots <input type="number" min={0} data-testid="latent-shots" value={st.shots} style={{ width: '4em' }} onChange={(e) => setLatentSettings({ shots: Math.max(0, Math.trunc(num(e.target.value, 0))) })} /></label>
        <label>seed <input type="number" min={0} data-testid="latent-seed" value={st.seed} style={{ width: '4em' }} onChange={(e) => setLatentSettings({ seed: Math.max(0, Math.trunc(num(e.target.value, 0))) })} /></label>
        <label>samples (0 = all) <input type="number" min={0} data-testid="latent-limit" value={st.limit} style={{ width: '5em' }} onChange={(e) => setLatentSettings({ limit: Math.max(0, Math.trunc(num(e.target.value, 0))) })} /></label>
      </div>
      <div className="controls">
        <label>words{' '}
          <select data-testid="latent-words" value={st.words} onChange={(e) => setLatentSettings({ words: e.target.value as LatentWords })}>
            <option value="demo">the demo model&apos;s own (en, fr, de, ru)</option>
            <option value="authors">Wendler et al. (de, en, fr, ru, zh; ja)</option>
            <option value="custom">my CSV over the built-ins</option>
          </select>
        </label>
        <label>CSV <input type="file" accept=".csv,text/csv" data-testid="latent-csv" onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void loadLatentCsv(f); }} /></label>
        {custom && <span data-testid="latent-custom">{custom.name}: {custom.lists[custom.lang]?.length ?? 0} words ({custom.lang})</span>}
        <label><input type="checkbox" data-testid="latent-tuned" checked={st.tuned} onChange={(e) => setLatentSettings({ tuned: e.target.checked })} /> tuned lens (model A)</label>
        <label><input type="checkbox" data-testid="latent-with-b" checked={st.withB} onChange={(e) => setLatentSettings({ withB: e.target.checked })} /> also model B</label>
        {st.withB && (
          <span data-testid="latent-model-b">
            {loadingB ? 'loading model B…' : other ? `B: ${other.source} (${other.info.arch}, ${other.info.layers} layers)` : <>no model B <button type="button" data-testid="latent-load-demo" onClick={() => void loadCompareDemo()}>B = demo model</button></>}{' '}
            <label>B = files <input type="file" multiple data-testid="latent-b-files" onChange={(e) => { const files = Array.from(e.target.files ?? []); e.target.value = ''; void loadCompareFiles(files); }} /></label>
          </span>
        )}
      </div>
      <p className="hint" data-testid="latent-source-note">Word lists: {st.words === 'demo' ? WORDS_NOTE.demo : WORDS_NOTE.authors}{st.words === 'custom' && custom ? `, with ${custom.name} for ${custom.lang}` : ''}. The paper&apos;s curves are Llama-2 7B/13B/70B loaded in 8 bits.</p>
      <div className="controls">
        <button type="button" className="primary" data-testid="latent-run" disabled={!!job || blocker !== null} title={blocker ?? ''} onClick={() => void runLatent()}>Run</button>
        {job && (
          <span data-testid="latent-progress">
            <progress max={p?.total || 1} value={p?.done ?? 0} />{' '}
            <span data-testid="latent-progress-text">{p ? `${p.done}/${p.total} ${p.unit}` : 'starting…'}</span>{' '}
            <button type="button" data-testid="latent-cancel" onClick={cancelLatent}>Cancel</button>
          </span>
        )}
        {blocker && !job && <span className="hint" data-testid="latent-blocker">{blocker}</span>}
      </div>
      <StaleNote name="latent" slot="latent" rerun={() => void runLatent()} />
      {rec && charts && (
        <div className="latent-result" data-testid="latent-result">
          <ul className="latent-counts" data-testid="latent-counts">
            {rec.curves.map((c) => (
              <li key={c.label}>
                {c.label}: <strong>{c.result.n}</strong> samples run of {c.result.rows} rows ({c.result.dropped.length} dropped by the filters){c.result.partial ? ` — cancelled: ${c.result.partial.done} of ${c.result.partial.total} prompts` : ''}; {c.result.singleToken.length} of the target words are one token in its tokenizer.{' '}
                {c.result.singleToken.length > 0 && (
                  <details data-testid="latent-single-token"><summary>single-token words (<Term id="latent-sets">token sets</Term>)</summary><p className="hint">{c.result.singleToken.join(', ')}</p></details>
                )}{' '}
                {c.result.dropped.length > 0 && (
                  <details><summary><Term id="latent-filters">dropped</Term> samples</summary><ul>{c.result.dropped.map((d, i) => <li key={`${d.word}-${i}`}>{d.word}: {d.reason}</li>)}</ul></details>
                )}
              </li>
            ))}
          </ul>
          <div className="controls">
            <ExportBar name="latent-language" json={() => ({ analysis: 'latent', permalink: location.href, settings: rec.settings, curves: rec.curves })}
              csv={() => latentCsv(rec.curves)} svg={() => stackSvgs(title, [charts.strip, charts.curves])} />
          </div>
          <figure>
            <figcaption>Mean probability of each <Term id="latent-sets">token set</Term> per layer with its <Term id="latent-bands">95% band</Term>; entropy strip above (bits).</figcaption>
            <SvgMount svg={charts.strip} testId="latent-entropy" />
            <SvgMount svg={charts.curves} testId="latent-curves" />
          </figure>
          <LatentSample curves={rec.curves} lists={lists} />
        </div>
      )}
    </section>
  );
}
