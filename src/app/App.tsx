import { useEffect } from 'react';
import { AttentionView } from '../features/attention/AttentionView';
import { BackendBadge } from '../features/backend/BackendBadge';
import { LogitLensView } from '../features/lens/LogitLensView';
import { LoadPanel } from '../features/load/LoadPanel';
import { PromptBar } from '../features/prompt/PromptBar';
import { dismissError, initEngine, setView } from '../state/actions';
import { useStore } from '../state/store';

export function App() {
  const error = useStore((s) => s.error);
  const notice = useStore((s) => s.notice);
  const view = useStore((s) => s.view);
  useEffect(() => { void initEngine(); }, []);
  return (
    <div className="app">
      <header>
        <h1>Strata</h1>
        <span className="tagline">look inside language models, layer by layer</span>
        <BackendBadge />
      </header>
      {error && (
        <div className="error" role="alert" data-testid="error">
          {error} <button type="button" onClick={dismissError} aria-label="dismiss">×</button>
        </div>
      )}
      {notice && <div className="notice">{notice}</div>}
      <div className="body">
        <LoadPanel />
        <main>
          <PromptBar />
          <nav className="tabs">
            <button type="button" data-testid="tab-lens" className={view === 'lens' ? 'on' : ''} onClick={() => setView('lens')}>Logit lens</button>
            <button type="button" data-testid="tab-attention" className={view === 'attention' ? 'on' : ''} onClick={() => setView('attention')}>Attention</button>
          </nav>
          {view === 'lens' ? <LogitLensView /> : <AttentionView />}
        </main>
      </div>
    </div>
  );
}
