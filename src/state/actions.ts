/** What the page does, as plain functions over the store and the engine service. */
import type { ChainScore } from '../contracts/depth';
import type { BackendName, HubRequest, LoadSummary, ProgressFn } from '../contracts/engine-api';
import { engine, proxy, type Remote } from '../services/engine';
import { get, set, type LensMetric, type ViewName } from './store';

/** An error as the one line the page shows. */
export function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^Error: /, '');
}

engine.onCrash = (msg) => {
  set({ model: null, run: null, lens: null, attention: null, loading: null, running: false, error: `The engine stopped (${msg}). It was restarted; load the model again.` });
  void initEngine();
};

export async function initEngine(prefer?: BackendName): Promise<void> {
  set({ engineStarting: true });
  try {
    const backend = await engine.call((r) => r.init(prefer));
    set({ backend, engineStarting: false });
  } catch (e) {
    set({ engineStarting: false, error: `No compute backend could start: ${message(e)}` });
  }
}

/** Switching backends restarts the worker; the model must be loaded again on the new one. */
export async function switchBackend(name: BackendName): Promise<void> {
  const model = get().model;
  engine.terminate();
  set({ backend: null, model: null, run: null, lens: null, attention: null, notice: model ? 'Backend changed: load the model again.' : null });
  await initEngine(name);
}

export interface LoadOpts {
  /** A link is being applied: keep its view settings (a new model otherwise resets the lens target). */
  fromLink?: boolean;
}

async function load(label: string, f: (r: Remote, jobId: number, cb: ProgressFn) => Promise<LoadSummary>, opts: LoadOpts = {}): Promise<void> {
  if (get().loading) return;
  if (!opts.fromLink) set({ lensSettings: { ...get().lensSettings, targetId: null } });
  const jobId = engine.newJob();
  set({ loading: { jobId, label, progress: null }, error: null, notice: null });
  try {
    const model = await engine.load(jobId, (progress) => {
      const l = get().loading;
      if (l && l.jobId === jobId) set({ loading: { ...l, progress } });
    }, f);
    set({ model, loading: null, run: null, lens: null, attention: null, pendingModel: null, notice: model.fromCache ? `Loaded ${model.fromCache} file${model.fromCache > 1 ? 's' : ''} from the local cache.` : null });
    if (model.sha) void refreshCache();
    if (get().prompt && model.hasTokenizer) await runPrompt(get().prompt);
  } catch (e) {
    set({ loading: null, error: message(e) });
  }
}

export function loadDemo(opts: LoadOpts = {}): Promise<void> {
  const base = new URL('models/demo', document.baseURI).href.replace(/\/$/, '');
  return load('demo model', (r, j, cb) => r.loadUrl(j, base, 'demo', cb), opts);
}

/** Dropped or picked files; when a link is waiting for local files, they must match its fingerprint. */
export function loadFiles(files: File[]): Promise<void> {
  if (files.length === 0) return Promise.resolve();
  const pending = get().pendingModel?.ref;
  const expect = pending?.kind === 'local' ? pending.fingerprint : undefined;
  return load(`${files.length} file${files.length > 1 ? 's' : ''}`, (r, j, cb) => r.loadFiles(j, files, cb, expect), { fromLink: expect !== undefined });
}

export function loadHub(req: HubRequest, opts: LoadOpts = {}): Promise<void> {
  return load(`${req.repo}@${req.revision || 'main'}`, (r, j, cb) => r.loadHub(j, req, cb), opts);
}

export function cancelLoad(): void {
  const l = get().loading;
  if (l) engine.cancel(l.jobId);
}

export async function runPrompt(text: string): Promise<void> {
  set({ prompt: text });
  if (!get().model) {
    set({ error: 'Load a model first (the demo is one click away).' });
    return;
  }
  set({ running: true, error: null });
  const seq = ++runSeq;
  try {
    const tokens = await engine.call((r) => r.encode(text));
    const { path, interventions } = get();
    const res = await engine.call((r) => r.analyze({ tokens: tokens.map((t) => t.id), ...(path ? { path } : {}), interventions }));
    const { logitsLast: _drop, ...run } = res;
    if (seq !== runSeq) return; // a newer run (path edit, new prompt) superseded this one
    set({ run, running: false, lens: null, attention: null, residual: null, effect: null });
    await refreshLens();
    if (get().view === 'attention') await refreshAttention();
    if (get().view === 'residual') await refreshResidual();
    if (get().path) await refreshEffect();
  } catch (e) {
    if (seq === runSeq) set({ running: false, error: message(e) });
  }
}

let runSeq = 0;
let lensJob = 0;

/** Errors of work whose run was superseded meanwhile are not the user's concern. */
function stale(runId: number): boolean {
  return get().run?.runId !== runId;
}
/** Decodes the positions [start, end) the lens view shows (all when omitted). */
export async function refreshLens(range?: [number, number]): Promise<void> {
  const run = get().run;
  if (!run) return;
  const T = run.tokens.length;
  const r: [number, number] = range ?? [Math.max(0, T - 64), T];
  if (lensJob) engine.cancel(lensJob);
  const jobId = (lensJob = engine.newJob());
  const s = get().lensSettings;
  set({ lensBusy: true });
  try {
    const opts = { topk: s.topk, kl: s.kl, range: r, ...(s.targetId !== null ? { target: s.targetId } : {}) };
    const tuned = s.kind === 'tuned' && get().tunedInfo !== null;
    const { interventions } = get();
    const lens = await engine.call((e) => (tuned
      ? e.tunedLens(jobId, { tokens: run.tokens.map((t) => t.id), path: run.path, interventions }, opts)
      : e.lens(jobId, run.runId, opts)));
    if (jobId === lensJob) set({ lens, lensBusy: false });
  } catch (e) {
    if (jobId === lensJob) set({ lensBusy: false, error: /cancelled/.test(message(e)) || stale(run.runId) ? get().error : message(e) });
  }
}

export async function refreshAttention(): Promise<void> {
  const run = get().run;
  if (!run || get().attention) return;
  try {
    const attention = await engine.call((e) => e.attention(run.runId));
    if (!stale(run.runId)) set({ attention });
  } catch (e) {
    if (!stale(run.runId)) set({ error: message(e) });
  }
}

export function setMetric(metric: LensMetric): void {
  set({ lensSettings: { ...get().lensSettings, metric } });
}

export function setTarget(targetId: number | null): Promise<void> {
  set({ lensSettings: { ...get().lensSettings, targetId, metric: targetId === null ? get().lensSettings.metric : 'targetProb' } });
  const l = get().lens;
  return refreshLens(l ? [l.start, l.start + l.positions] : undefined);
}

export function setView(view: ViewName): void {
  set({ view });
  if (view === 'attention') void refreshAttention();
  if (view === 'residual' && !get().residual) void refreshResidual();
}

export function dismissError(): void {
  set({ error: null });
}

export async function refreshCache(): Promise<void> {
  try {
    set({ cacheEntries: await engine.call((r) => r.cacheList()) });
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function evictCache(prefix?: string): Promise<void> {
  await engine.call((r) => r.cacheEvict(prefix));
  await refreshCache();
}

/** Sets the layer path (null = all layers in order) and reruns the prompt under it. */
export async function setPath(path: number[] | null): Promise<void> {
  const layers = get().model?.info.layers ?? 0;
  const full = path !== null && path.length === layers && path.every((l, i) => l === i);
  set({ path: full ? null : path, effect: null });
  if (get().run) await runPrompt(get().prompt);
}

export async function refreshEffect(): Promise<void> {
  const { run, path, interventions, lensSettings } = get();
  if (!run || !path) return;
  try {
    const effect = await engine.call((e) => e.pathEffect({ tokens: run.tokens.map((t) => t.id), path, interventions }, lensSettings.targetId ?? undefined));
    if (!stale(run.runId)) set({ effect });
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function refreshResidual(alpha = get().residualAlpha): Promise<void> {
  const { run, interventions } = get();
  set({ residualAlpha: alpha });
  if (!run) return;
  try {
    const residual = await engine.call((e) => e.residual({ tokens: run.tokens.map((t) => t.id), path: run.path, interventions }, alpha));
    if (!stale(run.runId)) set({ residual });
  } catch (e) {
    set({ error: message(e) });
  }
}

/** Skip sweep over the prompt set (one per line; the current prompt when empty), with progress. */
export async function runSweep(): Promise<void> {
  const s = get();
  if (!s.model || s.sweepJob) return;
  const lines = s.sweepPrompts.split('\n').map((l) => l.trim()).filter(Boolean);
  const texts = lines.length ? lines : s.prompt ? [s.prompt] : [];
  if (texts.length === 0) {
    set({ error: 'Type a prompt (or a prompt set, one per line) for the skip sweep.' });
    return;
  }
  const jobId = engine.newJob();
  set({ sweepJob: { jobId, done: 0, total: 0 }, error: null });
  try {
    const prompts: number[][] = [];
    for (const t of texts) prompts.push((await engine.call((e) => e.encode(t))).map((v) => v.id));
    const cb = proxy((done: number, total: number) => {
      const j = get().sweepJob;
      if (j && j.jobId === jobId) set({ sweepJob: { jobId, done, total } });
    });
    const sweep = await engine.call((e) => e.skipSweep(jobId, prompts, s.sweepModes, cb));
    set({ sweep, sweepJob: null });
  } catch (e) {
    set({ sweepJob: null, error: message(e) });
  }
}

export function cancelSweep(): void {
  const j = get().sweepJob;
  if (j) engine.cancel(j.jobId);
}

/** Target ids for the chain search: the typed continuation as it tokenizes after the prompt, else the full model's next token. */
async function chainTargetIds(prompt: number[]): Promise<number[]> {
  const { chainTarget, run, prompt: text } = get();
  if (!chainTarget) {
    const next = run?.next[0];
    if (!next) throw new Error('Run the prompt first: the default target is the full model\'s next token.');
    return [next.id];
  }
  const full = (await engine.call((e) => e.encode(text + chainTarget))).map((t) => t.id);
  const ok = full.length > prompt.length && prompt.every((id, i) => full[i] === id);
  if (!ok) throw new Error(`"${chainTarget}" does not tokenize as a continuation of the prompt; try starting it with a space`);
  return full.slice(prompt.length);
}

/** Monte Carlo tree search over layer chains for the current prompt, with progress and cancel. */
export async function runChainSearch(): Promise<void> {
  const s = get();
  if (!s.run || s.chainJob) {
    if (!s.run) set({ error: 'Run a prompt first: the chain search explains its answer.' });
    return;
  }
  const jobId = engine.newJob();
  set({ chainJob: { jobId, done: 0, budget: s.chainSettings.budget, best: null }, error: null });
  try {
    const prompt = s.run.tokens.map((t) => t.id);
    const target = await chainTargetIds(prompt);
    const cb = proxy((p: { done: number; budget: number; best: ChainScore }) => {
      if (get().chainJob?.jobId === jobId) set({ chainJob: { jobId, ...p } });
    });
    const chains = await engine.call((e) => e.chainSearch(jobId, [{ prompt, target }], s.chainSettings, cb));
    set({ chains, chainJob: null });
  } catch (e) {
    set({ chainJob: null, error: message(e) });
  }
}

export function cancelChainSearch(): void {
  const j = get().chainJob;
  if (j) engine.cancel(j.jobId);
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Training (or comparison) texts: the lines typed, else the current prompt. */
function tunedCorpus(): string[] {
  const t = lines(get().tunedTexts);
  return t.length ? t : get().prompt ? [get().prompt] : [];
}

export async function loadTunedLensFile(file: File): Promise<void> {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = await engine.call((e) => e.tunedLoad(bytes, file.name));
    set({ tunedInfo: info, tunedLosses: null, error: null });
    await compareTunedLens();
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function trainTunedLens(): Promise<void> {
  const texts = tunedCorpus();
  if (texts.length === 0 || get().tunedJob) {
    if (texts.length === 0) set({ error: 'Give the tuned lens some training text (one line per text).' });
    return;
  }
  const jobId = engine.newJob();
  set({ tunedJob: { jobId, step: 0, loss: NaN }, tunedLosses: [], error: null });
  try {
    const cb = proxy((step: number, loss: number) => {
      if (get().tunedJob?.jobId !== jobId) return;
      set({ tunedJob: { jobId, step, loss }, tunedLosses: [...(get().tunedLosses ?? []), loss] });
    });
    const r = await engine.call((e) => e.tunedTrain(jobId, texts, get().tunedSettings, cb));
    set({ tunedInfo: r.info, tunedLosses: Array.from(r.losses), tunedJob: null });
    await compareTunedLens();
  } catch (e) {
    set({ tunedJob: null, error: message(e) });
  }
}

export function cancelTunedTraining(): void {
  const j = get().tunedJob;
  if (j) engine.cancel(j.jobId);
}

export async function compareTunedLens(): Promise<void> {
  const texts = tunedCorpus();
  if (!get().tunedInfo || texts.length === 0) return;
  try {
    const r = await engine.call((e) => e.tunedCompare(engine.newJob(), texts));
    set({ tunedComparison: { logit: Array.from(r.logit), tuned: Array.from(r.tuned) } });
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function exportTunedLens(): Promise<Uint8Array | null> {
  try {
    return await engine.call((e) => e.tunedExport());
  } catch (e) {
    set({ error: message(e) });
    return null;
  }
}

export async function listHub(req: HubRequest): Promise<void> {
  try {
    const l = await engine.call((e) => e.hubList(req));
    set({ hubListing: { repo: req.repo, ...l }, error: null });
  } catch (e) {
    set({ hubListing: null, error: message(e) });
  }
}
