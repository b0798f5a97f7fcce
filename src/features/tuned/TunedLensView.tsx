import { useMemo } from 'react';
import { lineChart } from '../../charts/line-chart';
import { SvgMount } from '../../app/SvgMount';
import { partialText } from '../../contracts/partial';
import { cancelTunedTraining, compareTunedLens, exportTunedLens, loadTunedLensFile, setTunedSettings, setTunedTexts, showTunedInLens, trainTunedLens } from '../../state/tuned';
import { TunedProgress, TunedEstimate } from './TunedProgress';
import { get, useStore } from '../../state/store';
import { download, jsonBlob } from '../export/download';
import { ExportBar } from '../export/ExportBar';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';

/**
 * Tuned lens (METHODS §1): load per-layer translators from safetensors or train them here
 * (SGD with Nesterov momentum on KL(P_final ‖ P_lens), progress, cancel, loss curve), then
 * compare it with the logit lens layer by layer.
 */
export function TunedLensView() {
  const model = useStore((s) => s.model);
  const info = useStore((s) => s.tunedInfo);
  const st = useStore((s) => s.tunedSettings);
  const texts = useStore((s) => s.tunedTexts);
  const losses = useStore((s) => s.tunedLosses);
  const job = useStore((s) => s.jobs.tuned);
  const cmp = useStore((s) => s.tunedComparison);
  const training = useStore((s) => s.tunedTraining);
  const lossChart = useMemo(() => (losses && losses.length > 1 ? lineChart([{ name: 'training loss', values: losses }], { xLabel: 'step', yLabel: 'KL(P_final ‖ P_lens), nats' }) : null), [losses]);
  const cmpChart = useMemo(() => (cmp ? lineChart([
    { name: 'logit lens', values: cmp.logit },
    { name: 'tuned lens', values: cmp.tuned },
  ], { xLabel: 'layer (residual entering it)', yLabel: 'mean KL to final (nats)' }) : null), [cmp]);
  if (!model) return <p className="hint">Load a model to load or train a tuned lens.</p>;
  const upd = setTunedSettings;
  // The last training's outcome, for this model only.
  const outcome = training && training.model === model.modelId ? training : null;
  const worse = cmp ? cmp.tuned.filter((v, i) => !(v < (cmp.logit[i] ?? NaN))).length : 0;
  return (
    <section className="tuned" data-testid="tuned-view" aria-label="tuned lens">
      <div className="controls">
        <label>Load a <Term id="tuned-translators">lens</Term> (.safetensors with keys {'{i}'}.weight, {'{i}'}.bias) <input type="file" accept=".safetensors" data-testid="tuned-file" onChange={(e) => { const f = e.target.files?.[0]; if (f) void loadTunedLensFile(f); }} /></label>
        {info && <span data-testid="tuned-info">lens: {info.source}, {info.layers} translators, width {info.dModel}{info.missingBias.length ? `, no bias for layers ${info.missingBias.join(', ')}` : ''}</span>}
      </div>
      <label className="prompt-set"><Term id="tuned-training">training texts</Term> (one per line; empty = <span data-testid="tuned-default-texts">the built-in texts: documents of the demo model's own training text</span>)
        <textarea rows={4} data-testid="tuned-texts" value={texts} onChange={(e) => setTunedTexts(e.target.value)} />
      </label>
      <div className="controls">
        <label><Term id="tuned-steps">steps</Term> <input type="number" min={1} max={5000} data-testid="tuned-steps" value={st.steps} onChange={(e) => upd({ steps: Math.max(1, Number(e.target.value) || 1) })} /></label>
        <label><Term id="tuned-lr">learning rate</Term> <input type="number" min={0} step={0.01} value={st.lr} onChange={(e) => upd({ lr: Math.max(0, Number(e.target.value)) })} /></label>
        <label><Term id="tuned-batch-tokens">tokens per step</Term> <input type="number" min={8} value={st.batchTokens} onChange={(e) => upd({ batchTokens: Math.max(8, Number(e.target.value) || 8) })} /></label>
        <button type="button" className="primary" data-testid="tuned-train" disabled={!!job} onClick={() => void trainTunedLens()}>Train tuned lens</button>
        {job ? <TunedProgress job={job} cancel={cancelTunedTraining} /> : <TunedEstimate settings={st} last={training} model={model.modelId} />}
        {info && !job && (
          <>
            <button type="button" data-testid="tuned-compare" onClick={() => void compareTunedLens()}>Compare with the logit lens</button>
            <button type="button" data-testid="tuned-show" onClick={() => void showTunedInLens()}>Show in the lens view</button>
            <button type="button" data-testid="tuned-download" onClick={() => void exportTunedLens().then((b) => { if (b) download('tuned-lens.safetensors', new Blob([b as Uint8Array<ArrayBuffer>])); })}>Download lens (.safetensors)</button>
          </>
        )}
      </div>
      {outcome?.partial && <p className="partial" role="status" data-testid="tuned-partial">cancelled — partial result ({partialText(outcome.partial)}): the lens after those steps is in use</p>}
      {outcome?.warning && <p className="partial" role="alert" data-testid="tuned-warning">{outcome.warning.kind === 'diverged' ? 'training diverged' : 'training did not converge'} — {outcome.warning.message}</p>}
      {cmp && worse > cmp.tuned.length / 2 && <p className="partial" role="status" data-testid="tuned-worse">the tuned lens is no closer to the output than the logit lens at {worse} of {cmp.tuned.length} layers on these texts: train longer, on more text, or with another learning rate</p>}
      <div className="chart-grid">
        {lossChart && <figure><figcaption><Term id="tuned-loss">Training loss</Term></figcaption><SvgMount svg={lossChart} testId="tuned-loss" /></figure>}
        <StaleNote name="tunedComparison" slot="tunedCompare" rerun={() => void compareTunedLens()} />
        {cmpChart && (
          <figure>
            <figcaption><Term id="tuned-compare">Logit lens vs tuned lens</Term> <ExportBar name="tuned-vs-logit" json={() => ({ kind: 'tuned-lens-comparison', permalink: location.href, lens: get().tunedInfo, losses: get().tunedLosses, klPerLayer: get().tunedComparison })} csv={() => { const c = get().tunedComparison; return c ? [['layer', 'logit_lens_kl_nats', 'tuned_lens_kl_nats'], ...c.logit.map((v, i) => [i, v, c.tuned[i] ?? NaN])] : []; }} svg={() => cmpChart} /></figcaption>
            <SvgMount svg={cmpChart} testId="tuned-compare-chart" />
          </figure>
        )}
      </div>
      {losses && !job && losses.length > 0 && <button type="button" onClick={() => download('tuned-lens-training.json', jsonBlob({ settings: st, losses, training: get().tunedTraining }))}>Export training log</button>}
    </section>
  );
}
