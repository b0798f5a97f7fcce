/** Starting the engine, switching its backend, restarting after a crash, and what it holds. */
import type { BackendName } from '../contracts/engine-api';
import { engine } from '../services/engine';
import { clearJobs, message } from './job';
import { modelChange } from './model-change';
import { get, set, type State } from './store';

/** The start-up in progress (or done): loads wait for it, so a click during start-up is never lost. */
let starting: Promise<void> | null = null;
/** Which start-up is the newest (a backend switch starts another). */
let generation = 0;

/** What the state becomes when the engine (and every model in it) is gone. */
function noModel(): Partial<State> {
  return { ...modelChange(get(), null).patch, compareModel: null, memory: null };
}

engine.onCrash = (msg) => {
  clearJobs();
  set({ ...noModel(), error: `The engine stopped (${msg}). It was restarted; load the model again.` });
  void initEngine();
};

export function initEngine(prefer?: BackendName): Promise<void> {
  // A new start-up (a switch, a restart after a crash) has no backend until it reports one.
  set({ engineStarting: true, backend: null });
  const gen = ++generation;
  const p = (async () => {
    try {
      const backend = await engine.call((e) => e.init(prefer));
      if (gen === generation) set({ backend, engineStarting: false });
    } catch (e) {
      if (gen === generation) set({ engineStarting: false, backend: null, error: `No compute backend could start: ${message(e)}` });
    }
  })();
  starting = p;
  return p;
}

/** Resolves once the engine has started (or failed to; the load then reports why); starts it if nothing did. */
export async function engineReady(): Promise<void> {
  starting ??= initEngine();
  // A backend switch meanwhile replaces the start-up: wait for the newest one.
  for (let p = starting; ; p = starting) {
    await p;
    if (p === starting) return;
  }
}

/** Switching backends restarts the worker; the model must be loaded again on the new one. */
export async function switchBackend(name: BackendName): Promise<void> {
  const model = get().model;
  engine.terminate();
  clearJobs();
  set({ ...noModel(), backend: null, notice: model ? 'Backend changed: load the model again.' : null });
  await initEngine(name);
}

/** Reads what the engine holds for the model card (errors leave the last report). */
export async function refreshMemory(): Promise<void> {
  try {
    set({ memory: await engine.call((e) => e.memory()) });
  } catch {
    // The card keeps its last report; the failing call reports its own error.
  }
}

export function dismissError(): void {
  set({ error: null });
}
