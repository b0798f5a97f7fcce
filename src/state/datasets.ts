/**
 * The Datasets slice: which dataset is open (built-in or local, and its column mapping),
 * the extraction settings, the extraction job and its result. The dataset's rows and
 * the activations stay in the engine as artifacts; the store holds their ids and
 * summaries. A result remembers the model, dataset, path and interventions it was
 * computed for, so the view can mark it stale when any of them changes.
 */
import type { BuiltinDataset, ColumnMapping, DatasetInfo } from '../contracts/dataset';
import type { DatasetSource } from '../contracts/engine-api';
import type { ExtractOptions, ExtractPosition, ExtractProgress, ExtractResult } from '../contracts/extract';
import type { RunRef } from '../contracts/run-ref';
import type { Intervention } from '../contracts/run';
import { engine, proxy } from '../services/engine';
import { engineReady, refreshMemory } from './engine';
import type { PermalinkState } from './permalink/schema';
import { useStore, type State } from './store';

const set = useStore.setState;
const get = useStore.getState;

/** How a permalink names a dataset: a built-in set by name, a local file by its SHA-256. */
export type DatasetRef = { builtin: string } | { fingerprint: string; name: string };

export type PositionChoice = 'last' | 'mean' | 'all' | 'index';

export interface ExtractSettings {
  /** Hook names or `blocks.*.x` patterns, comma- or space-separated. */
  hooks: string;
  position: PositionChoice;
  /** The token position when `position` is 'index' (negative counts from the end). */
  index: number;
  /** Rows used (0 = all). */
  limit: number;
  /** Tokens per batch of rows side by side (0 = one row at a time). */
  batchTokens: number;
  /** The engine refuses extractions needing more host memory than this, MiB. */
  maxMiB: number;
}

export interface ExtractRecord {
  result: ExtractResult;
  /** What it was computed for. */
  model: string;
  dataset: string;
  datasetName: string;
  path: number[] | null;
  interventions: Intervention[];
}

export interface DatasetsSlice {
  /** public/datasets/index.json, once fetched. */
  datasetIndex: BuiltinDataset[] | null;
  /** The open dataset (its rows are the engine's artifact `dataset.id`). */
  dataset: DatasetInfo | null;
  /** How the link names the open dataset. */
  datasetRef: DatasetRef | null;
  /** What is being read (label), while a dataset loads. */
  datasetBusy: string | null;
  /** A local dataset the opened link names: the user is asked to drop the same file. */
  datasetPending: { fingerprint: string; name: string; mapping?: ColumnMapping } | null;
  extractSettings: ExtractSettings;
  extractJob: { jobId: number; progress: ExtractProgress | null } | null;
  extractResult: ExtractRecord | null;
}

export const DEFAULT_HOOKS = 'blocks.*.hook_resid_post';


/** The one line the page shows for an engine error. */
function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '');
}

/** Where the open dataset's bytes came from, kept to re-read it with another mapping (never in the store). */
let lastSource: DatasetSource | null = null;
let loadSeq = 0;

function siteUrl(path: string): string {
  return new URL(path, document.baseURI).href;
}

export async function fetchDatasetIndex(): Promise<BuiltinDataset[]> {
  const have = get().datasetIndex;
  if (have) return have;
  try {
    const res = await fetch(siteUrl('datasets/index.json'));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const index = (await res.json()) as BuiltinDataset[];
    set({ datasetIndex: index });
    return index;
  } catch (e) {
    set({ error: `The list of built-in datasets could not be read (${message(e)})` });
    return [];
  }
}

/** Reads a dataset in the engine, replacing the open one when it succeeds (a failure leaves it open). */
async function open(source: DatasetSource, ref: (info: DatasetInfo) => DatasetRef, mapping?: ColumnMapping, label = source.name): Promise<DatasetInfo | null> {
  const seq = ++loadSeq;
  set({ datasetBusy: label, error: null });
  try {
    const info = await engine.call((r) => r.datasetLoad(source, mapping));
    if (seq !== loadSeq) {
      void engine.call((r) => r.artifactDrop(info.id)).catch(() => undefined);
      return null;
    }
    const old = get().dataset;
    if (old && old.id !== info.id) void engine.call((r) => r.artifactDrop(old.id)).catch(() => undefined);
    lastSource = source;
    set({ dataset: info, datasetRef: ref(info), datasetBusy: null });
    void refreshMemory();
    return info;
  } catch (e) {
    if (seq === loadSeq) set({ datasetBusy: null, error: message(e) });
    return null;
  }
}

/** A built-in set by name (public/datasets/), with its index entry's mapping unless one is given. */
export async function openBuiltin(name: string, mapping?: ColumnMapping): Promise<void> {
  const index = await fetchDatasetIndex();
  const entry = index.find((d) => d.name === name);
  if (!entry) {
    if (index.length) set({ error: `There is no built-in dataset named "${name}".` });
    return;
  }
  await open({ kind: 'url', url: siteUrl(`datasets/${entry.file}`), name: entry.file, builtin: entry }, () => ({ builtin: entry.name }), mapping ?? entry.mapping, entry.title);
}

/** A dropped or picked file (CSV, TSV, JSON, JSONL, TXT). When a link waits for a local dataset, its mapping is used if the file matches. */
export async function openFile(file: File): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    set({ error: `${file.name} could not be read (${message(e)})` });
    return;
  }
  const pending = get().datasetPending;
  const info = await open({ kind: 'bytes', bytes, name: file.name }, (i) => ({ fingerprint: i.fingerprint ?? '', name: i.name }));
  if (!info || !pending) return;
  set({ datasetPending: null });
  if (info.fingerprint !== pending.fingerprint) {
    set({ notice: `${file.name} is not the dataset the link was made with (${pending.name}, SHA-256 ${pending.fingerprint.slice(0, 12)}…): its contents differ, so results will too.` });
    return;
  }
  const m = pending.mapping;
  if (m && !sameMapping(m, info.mapping) && [m.text, m.ids, m.label].every((c) => c === undefined || info.columns.includes(c))) await setMapping(m);
}

/** A dataset file at a URL (the format comes from the name's extension). */
export async function openUrl(url: string): Promise<void> {
  let u: URL;
  try {
    u = new URL(url.trim(), document.baseURI);
  } catch {
    set({ error: `"${url}" is not a URL` });
    return;
  }
  const name = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? u.hostname);
  await open({ kind: 'url', url: u.href, name }, (i) => ({ fingerprint: i.fingerprint ?? '', name: i.name }), undefined, name);
}

export function sameMapping(a: ColumnMapping, b: ColumnMapping): boolean {
  return a.text === b.text && a.ids === b.ids && a.label === b.label;
}

/** Re-reads the open dataset with other columns. */
export async function setMapping(mapping: ColumnMapping): Promise<void> {
  const ds = get().dataset;
  const ref = get().datasetRef;
  if (!ds || !lastSource || !ref) return;
  if (!mapping.text && !mapping.ids) {
    set({ error: 'Choose the column that holds the text (or the token ids).' });
    return;
  }
  await open(lastSource, () => ref, mapping, ds.name);
}

/** The user declines the dataset a link asked for. */
export function dismissPendingDataset(): void {
  set({ datasetPending: null });
}

export function closeDataset(): void {
  const ds = get().dataset;
  if (ds) void engine.call((r) => r.artifactDrop(ds.id)).catch(() => undefined);
  lastSource = null;
  loadSeq++;
  set({ dataset: null, datasetRef: null, datasetBusy: null });
}

export function setExtractSettings(patch: Partial<ExtractSettings>): void {
  set({ extractSettings: { ...get().extractSettings, ...patch } });
}

export function parseHooks(text: string): string[] {
  return text.split(/[\s,]+/).map((h) => h.trim()).filter(Boolean);
}

export function positionOf(s: ExtractSettings): ExtractPosition {
  return s.position === 'index' ? Math.trunc(s.index) : s.position;
}

/** Concrete hooks the patterns name over `steps` steps (as the engine expands them). */
export function expandHooks(patterns: string[], steps: number): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    const names = p.startsWith('blocks.*.') ? Array.from({ length: steps }, (_, s) => `blocks.${s}.${p.slice('blocks.*.'.length)}`) : [p];
    for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return out;
}

export interface MemoryEstimate {
  rows: number;
  hooks: number;
  d: number;
  /** rows × hooks × d × 4 (per token of each row for `all`). */
  bytes: number;
  /** The bytes are per token of a row (position `all`): multiply by the tokens per row. */
  perToken: boolean;
  limit: number;
}

/** The host memory an extraction needs, before starting it (null without a model or dataset). */
export function memoryEstimate(s: State = get()): MemoryEstimate | null {
  const { model, dataset, extractSettings: x } = s;
  if (!model || !dataset) return null;
  const rows = x.limit > 0 ? Math.min(x.limit, dataset.rows) : dataset.rows;
  const hooks = expandHooks(parseHooks(x.hooks), s.path?.length ?? model.info.layers).length;
  const d = model.info.dModel;
  return { rows, hooks, d, bytes: rows * hooks * d * 4, perToken: x.position === 'all', limit: x.maxMiB * 2 ** 20 };
}

function interventionsKey(ivs: Intervention[]): string {
  return JSON.stringify(ivs.map((iv) => ({ ...iv, value: iv.value ? { shape: iv.value.shape, data: Array.from(iv.value.data) } : undefined })));
}

/** Why the result no longer matches the page (null = it is current). */
export function extractStale(s: State = get()): string | null {
  const r = s.extractResult;
  if (!r) return null;
  if (!s.model || s.model.modelId !== r.model) return 'the model changed';
  if (!s.dataset || s.dataset.id !== r.dataset) return 'the dataset or its mapping changed';
  if (JSON.stringify(s.path) !== JSON.stringify(r.path)) return 'the layer path changed';
  if (s.interventions !== r.interventions && interventionsKey(s.interventions) !== interventionsKey(r.interventions)) return 'the interventions changed';
  return null;
}

/** Streams the dataset through the current run's path and interventions (extract analysis). */
export async function startExtract(reread = true): Promise<void> {
  const s = get();
  if (s.extractJob) return;
  if (!s.model) {
    set({ error: 'Load a model first: extraction runs the dataset through it.' });
    return;
  }
  if (!s.dataset) {
    set({ error: 'Open a dataset first.' });
    return;
  }
  const hooks = parseHooks(s.extractSettings.hooks);
  if (hooks.length === 0) {
    set({ error: `Name at least one hook, e.g. ${DEFAULT_HOOKS}.` });
    return;
  }
  const model = s.model.modelId;
  const { path, interventions, dataset } = s;
  const x = s.extractSettings;
  const options: Partial<ExtractOptions> = {
    dataset: dataset.id, hooks, position: positionOf(x), limit: Math.max(0, Math.trunc(x.limit)),
    batchTokens: Math.max(0, Math.trunc(x.batchTokens)), maxBytes: Math.max(0, x.maxMiB) * 2 ** 20,
  };
  const run: RunRef = { model, tokens: [], ...(path ? { path } : {}), interventions };
  const jobId = engine.newJob();
  set({ extractJob: { jobId, progress: null }, error: null, notice: null });
  const onProgress = proxy((p: ExtractProgress) => {
    const j = get().extractJob;
    if (j && j.jobId === jobId) set({ extractJob: { jobId, progress: p } });
  });
  try {
    // Comlink's Remote drops the kind's generic, so the result type is named here.
    const result = await engine.call((r) => r.analyze(jobId, 'extract', { model, run, options }, onProgress) as Promise<ExtractResult>);
    const old = get().extractResult;
    if (old) void engine.call((r) => r.artifactDrop(old.result.artifact)).catch(() => undefined);
    set({ extractJob: null, extractResult: { result, model, dataset: dataset.id, datasetName: dataset.name, path, interventions } });
    void refreshMemory();
  } catch (e) {
    const m = message(e);
    const done = get().extractJob?.progress;
    const ref = get().datasetRef;
    if (/cancelled/.test(m)) set({ extractJob: null, notice: `Extraction cancelled${done ? ` after ${done.done} of ${done.total} rows` : ''}.` });
    else if (reread && lastSource && ref && m.includes(`artifact ${dataset.id} does not exist`)) {
      // The engine restarted since the dataset was read (its artifacts are gone): read it again and retry once.
      set({ extractJob: null });
      if (await open(lastSource, () => ref, dataset.mapping, dataset.name)) await startExtract(false);
    } else set({ extractJob: null, error: m });
  }
}

export function cancelExtract(): void {
  const j = get().extractJob;
  if (j) engine.cancel(j.jobId);
}

/** File name for a result: dataset name (no extension) + position. */
export function resultFileName(r: ExtractRecord): string {
  const base = r.datasetName.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'dataset';
  return `${base}-${String(r.result.position)}.safetensors`;
}

/** The result as safetensors bytes (the view saves them as a file). */
export async function exportExtract(): Promise<{ name: string; bytes: Uint8Array } | null> {
  const r = get().extractResult;
  if (!r) return null;
  try {
    const bytes = await engine.call((e) => e.artifactExport(r.result.artifact));
    return { name: resultFileName(r), bytes };
  } catch (e) {
    set({ error: message(e) });
    return null;
  }
}

// ---- permalink ----

export type LinkDataset = NonNullable<PermalinkState['dataset']>;

function linkExtract(x: ExtractSettings): LinkDataset['extract'] {
  return { hooks: x.hooks.slice(0, 400), position: x.position, index: Math.trunc(x.index), limit: Math.max(0, Math.trunc(x.limit)) };
}

/** The link's `dataset` field (absent when no dataset is open or awaited), to spread into the permalink state. */
export function datasetLinkFields(s: State): { dataset?: LinkDataset } {
  const dataset = datasetLinkState(s);
  return dataset ? { dataset } : {};
}

/** What the link carries for the Datasets view (undefined when no dataset is open or awaited). */
export function datasetLinkState(s: State): LinkDataset | undefined {
  const extract = linkExtract(s.extractSettings);
  const ref = s.datasetRef;
  if (ref && s.dataset) {
    const mapping = s.dataset.mapping;
    if ('builtin' in ref) return { builtin: ref.builtin, mapping, extract };
    if (ref.fingerprint) return { fingerprint: ref.fingerprint, name: ref.name.slice(0, 200), mapping, extract };
  }
  const p = s.datasetPending;
  if (p) return { fingerprint: p.fingerprint, name: p.name, ...(p.mapping ? { mapping: p.mapping } : {}), extract };
  return undefined;
}

/** The store fields whose change rewrites the link. */
export function datasetLinkChanged(s: State, prev: State): boolean {
  return s.datasetRef !== prev.datasetRef || s.dataset !== prev.dataset || s.datasetPending !== prev.datasetPending || s.extractSettings !== prev.extractSettings;
}

/** Applies a link's dataset: a built-in set loads; a local one waits for the user to drop the file. */
export function applyLinkDataset(d: LinkDataset): Promise<void> {
  if (d.extract) setExtractSettings({ hooks: d.extract.hooks, position: d.extract.position, index: d.extract.index, limit: d.extract.limit });
  // Reading waits for the engine's start-up (a link is applied while the engine starts).
  if ('builtin' in d) return engineReady().then(() => openBuiltin(d.builtin, d.mapping));
  set({
    datasetPending: { fingerprint: d.fingerprint, name: d.name, ...(d.mapping ? { mapping: d.mapping } : {}) },
    notice: `This link uses a local dataset (${d.name}). Open the Datasets tab and drop the same file to continue.`,
  });
  return Promise.resolve();
}
