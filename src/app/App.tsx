import { useEffect } from 'react';
import { AttentionView } from '../features/attention/AttentionView';
import { BackendBadge } from '../features/backend/BackendBadge';
import { LogitLensView } from '../features/lens/LogitLensView';
import { LoadPanel } from '../features/load/LoadPanel';
import { ChainView } from '../features/chains/ChainView';
import { CompareView } from '../features/compare/CompareView';
import { DatasetsView } from '../features/datasets/DatasetsView';
import { CkaView } from '../features/cka/CkaView';
import { LatentView } from '../features/latent/LatentView';
import { ProbesView } from '../features/probes/ProbesView';
import { QuantView } from '../features/quant/QuantView';
import { SaeView } from '../features/sae/SaeView';
import { MethodNotes, NotesLink } from '../features/help/MethodNotes';
import { LinkBar } from '../features/link/LinkBar';
import { PendingModel } from '../features/link/PendingModel';
import { PathEditor } from '../features/path/PathEditor';
import { PromptBar } from '../features/prompt/PromptBar';
import { ResidualView } from '../features/residual/ResidualView';
import { SweepView } from '../features/sweep/SweepView';
import { TunedLensView } from '../features/tuned/TunedLensView';
import { applyHash, startSync } from '../state/permalink/sync';
import { dismissError, engineReady } from '../state/engine';
import { setView } from '../state/run';
import { useStore } from '../state/store';

export function App() {
  const error = useStore((s) => s.error);
  const notice = useStore((s) => s.notice);
  const view = useStore((s) => s.view);
  useEffect(() => {
    let stop: (() => void) | undefined;
    void (async () => {
      // The link's load (if any) waits for the engine itself: start both at once.
      const ready = engineReady();
      await applyHash(location.hash);
      await ready;
      stop = startSync();
    })();
    return () => stop?.();
  }, []);
  return (
    <div className="app">
      <header>
        <h1>Strata</h1>
        <span className="tagline">look inside language models, layer by layer</span>
        <LinkBar />
        <NotesLink />
        <BackendBadge />
      </header>
      {error && (
        <div className="error" role="alert" data-testid="error">
          {error} <button type="button" onClick={dismissError} aria-label="dismiss">×</button>
        </div>
      )}
      {notice && <div className="notice" data-testid="notice">{notice}</div>}
      <PendingModel />
      <MethodNotes />
      <div className="body">
        <LoadPanel />
        <main>
          <PromptBar />
          <PathEditor />
          <nav className="tabs">
            <button type="button" data-testid="tab-lens" className={view === 'lens' ? 'on' : ''} onClick={() => setView('lens')}>Logit lens</button>
            <button type="button" data-testid="tab-attention" className={view === 'attention' ? 'on' : ''} onClick={() => setView('attention')}>Attention</button>
            <button type="button" data-testid="tab-residual" className={view === 'residual' ? 'on' : ''} onClick={() => setView('residual')}>Residual stream</button>
            <button type="button" data-testid="tab-sweep" className={view === 'sweep' ? 'on' : ''} onClick={() => setView('sweep')}>Skip sweep</button>
            <button type="button" data-testid="tab-chains" className={view === 'chains' ? 'on' : ''} onClick={() => setView('chains')}>Chain search</button>
            <button type="button" data-testid="tab-tuned" className={view === 'tuned' ? 'on' : ''} onClick={() => setView('tuned')}>Tuned lens</button>
            <button type="button" data-testid="tab-compare" className={view === 'compare' ? 'on' : ''} onClick={() => setView('compare')}>Compare</button>
            <button type="button" data-testid="tab-datasets" className={view === 'datasets' ? 'on' : ''} onClick={() => setView('datasets')}>Datasets</button>
            <button type="button" data-testid="tab-cka" className={view === 'cka' ? 'on' : ''} onClick={() => setView('cka')}>CKA</button>
            <button type="button" data-testid="tab-latent" className={view === 'latent' ? 'on' : ''} onClick={() => setView('latent')}>Latent language</button>
            <button type="button" data-testid="tab-probes" className={view === 'probes' ? 'on' : ''} onClick={() => setView('probes')}>Concept depth</button>
            <button type="button" data-testid="tab-sae" className={view === 'sae' ? 'on' : ''} onClick={() => setView('sae')}>SAE features</button>
            <button type="button" data-testid="tab-quant" className={view === 'quant' ? 'on' : ''} onClick={() => setView('quant')}>Quantization</button>
          </nav>
          {view === 'lens' && <LogitLensView />}
          {view === 'attention' && <AttentionView />}
          {view === 'residual' && <ResidualView />}
          {view === 'sweep' && <SweepView />}
          {view === 'chains' && <ChainView />}
          {view === 'tuned' && <TunedLensView />}
          {view === 'compare' && <CompareView />}
          {view === 'datasets' && <DatasetsView />}
          {view === 'cka' && <CkaView />}
          {view === 'latent' && <LatentView />}
          {view === 'probes' && <ProbesView />}
          {view === 'sae' && <SaeView />}
          {view === 'quant' && <QuantView />}
        </main>
      </div>
    </div>
  );
}
