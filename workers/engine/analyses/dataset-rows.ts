/**
 * A dataset's rows through a run spec, batch by batch: the row iteration shared by
 * `extract` and the SAE dataset scans (sae-dataset, sae-feature, sae-search).
 *
 * Batching puts rows of similar length side by side on a batch axis (forward's `rows`),
 * right-padded: with the causal mask a real token never attends to padding, so each
 * row's activations are exactly those of running it alone. Runs with interventions go
 * one row at a time: an intervention's positions and its `mean` refer to one row.
 * Batch b's token (k, j) — row slot k, position j — is flat index k·len + j of the
 * [slots·len, d] captures.
 */
import type { Intervention } from '../../../src/contracts/run';
import type { Progress } from '../../../src/contracts/run-ref';
import type { Dataset } from '../datasets';
import { saeSplicer } from '../artifacts/sae-splice';
import { fail } from '../errors';
import { disposeForward, forward, type ForwardOutput } from '../forward/forward';
import type { ModelEntry, Registry } from '../registry';

/** Token ids of one row (text through the tokenizer), checked against the model. */
export function rowIds(m: ModelEntry, row: { text?: string; ids?: number[] }, i: number): number[] {
  let ids: number[];
  if (row.ids) ids = row.ids;
  else {
    if (!m.tokenizer) fail(`row ${i} is text but this model has no tokenizer.json: give the dataset an ids column`);
    if (!row.text) fail(`row ${i} has empty text`);
    ids = m.tokenizer.encode(row.text);
  }
  const { vocab, maxPositions } = m.model.arch;
  if (ids.length === 0) fail(`row ${i} has no tokens`);
  for (const t of ids) if (!(Number.isInteger(t) && t >= 0 && t < vocab)) fail(`row ${i}: token id ${t} is outside the vocabulary (0..${vocab - 1})`);
  if (maxPositions > 0 && ids.length > maxPositions) fail(`row ${i} has ${ids.length} tokens, more than the model's ${maxPositions} positions`);
  return ids;
}

/** The rows a dataset analysis reads: the first `limit` (0 = all), tokenised, and the run spec's path and interventions. */
export interface DatasetRows {
  dataset: Dataset;
  rows: Dataset['rows'];
  /** Token ids per row (same order as `rows`). */
  ids: number[][];
  path: number[];
  interventions: Intervention[];
}

/** Only the run spec's path and interventions matter here; its tokens are the dataset's. */
export function datasetRows(registry: Registry, m: ModelEntry, ref: { path?: number[]; interventions?: Intervention[] } | undefined, dataset: string, limit: number, what: string): DatasetRows {
  if (!dataset) fail(`${what}: give the dataset artifact id (load a dataset first)`);
  const ds = registry.artifact('dataset', dataset).dataset;
  if (!(Number.isInteger(limit) && limit >= 0)) fail(`${what}: limit must be a non-negative integer, got ${limit}`);
  const rows = limit > 0 ? ds.rows.slice(0, limit) : ds.rows;
  if (rows.length === 0) fail(`dataset ${ds.info.name} has no rows`);
  const path = ref?.path ?? Array.from({ length: m.model.arch.layers }, (_, i) => i);
  return { dataset: ds, rows, ids: rows.map((r, i) => rowIds(m, r, i)), path, interventions: ref?.interventions ?? [] };
}

/** One batch: which rows (indices into `ids`), padded length, slots (rows of the batch axis, padding rows included). */
export interface RowBatch {
  rows: number[];
  len: number;
  slots: number;
}

/**
 * Batches: rows sorted by length, right-padded to a common length rounded up to 8 (few
 * distinct shapes, so WebGPU compiles few programs) and filled with padding rows, up to
 * batchTokens tokens; a row longer than that goes alone. `batched` false: one row each.
 */
export function planBatches(ids: number[][], batched: boolean, batchTokens: number, maxPositions: number): RowBatch[] {
  const order = ids.map((_, i) => i).sort((x, y) => (ids[x] as number[]).length - (ids[y] as number[]).length);
  const maxPos = maxPositions || Infinity;
  const groups: RowBatch[] = [];
  for (const i of order) {
    const len = (ids[i] as number[]).length;
    const padded = Math.min(Math.ceil(len / 8) * 8, Math.max(len, maxPos));
    const g = groups[groups.length - 1];
    if (batched && g && g.len === padded && (g.rows.length + 1) * padded <= batchTokens) g.rows.push(i);
    else groups.push({ rows: [i], len: batched ? padded : len, slots: batched ? Math.max(1, Math.floor(batchTokens / padded)) : 1 });
  }
  return groups;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

export interface BatchRunOptions {
  path: number[];
  interventions: Intervention[];
  capture: string[];
  /** Tokens per batch; 0 = one row at a time (as with interventions). */
  batchTokens: number;
  signal: AbortSignal;
  /** Called after each batch with rows done so far. */
  progress?: (p: Progress) => void;
  /** "the extraction": the cancel message says what was cancelled. */
  what: string;
  /** Also the [slots·len, V] logits (fw.logits); default: none computed. */
  logits?: boolean;
}

/**
 * Runs every row of `ids` (in batches), calls `each` with the batch and its forward (the
 * captures are disposed after `each` resolves). Returns whether rows were batched.
 */
export async function runRowBatches(registry: Registry, m: ModelEntry, ids: number[][], o: BatchRunOptions, each: (g: RowBatch, fw: ForwardOutput) => Promise<void>): Promise<boolean> {
  const t0 = Date.now();
  const batched = o.batchTokens > 0 && o.interventions.length === 0;
  const groups = planBatches(ids, batched, o.batchTokens, m.model.arch.maxPositions);
  const splice = saeSplicer(registry, m.id);
  let done = 0;
  for (const g of groups) {
    await tick();
    if (o.signal.aborted) fail(`${o.what} was cancelled`);
    const Tr = g.len;
    const B = g.slots;
    const tokens = new Array<number>(B * Tr).fill(0);
    g.rows.forEach((i, k) => (ids[i] as number[]).forEach((t, j) => (tokens[k * Tr + j] = t)));
    const fw = forward(m.model, tokens, { path: o.path, interventions: o.interventions, capture: o.capture, logits: o.logits ?? false, splice, ...(B > 1 ? { rows: B } : {}) });
    try {
      await each(g, fw);
    } finally {
      disposeForward(fw);
    }
    done += g.rows.length;
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : undefined;
    o.progress?.({ done, total: ids.length, unit: 'rows', ...(rate ? { rate, etaSeconds: (ids.length - done) / rate } : {}) });
  }
  return batched;
}
