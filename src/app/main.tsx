import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { engine } from '../services/engine';
import { useStore } from '../state/store';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>);

/**
 * A console handle for power users and the e2e tests: `strata.call((e) => e.run({tokens: [1, 2]}))`
 * runs in the page's own engine worker; `strata.state()` reads the store.
 */
declare global {
  interface Window {
    strata?: { call: typeof engine.call; state: typeof useStore.getState };
  }
}
window.strata = { call: (f) => engine.call(f), state: () => useStore.getState() };
