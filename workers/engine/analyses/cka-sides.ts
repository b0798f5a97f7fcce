/**
 * The two sides of a CKA request: each one's activation set over the dataset (extracted by
 * the `extract` analysis, or an earlier cka run's set reused when it was made for exactly
 * the same inputs), the token check for pooled positions, and where each hook sits in depth.
 */
import type { CkaOptions, CkaPhase, CkaProgress } from '../../../src/contracts/cka';
import type { DatasetRow } from '../../../src/contracts/dataset';
import { EXTRACT_DEFAULTS } from '../../../src/contracts/extract';
import type { Intervention } from '../../../src/contracts/run';
import type { ActivationSet } from '../artifacts/activation-set';
import { fail } from '../errors';
import type { ModelEntry } from '../registry';
import type { AnalysisContext } from './analysis';
import { extractAnalysis } from './extract';

export interface Side {
  model: ModelEntry;
  path: number[];
  interventions: Intervention[];
  /** Hook names or patterns over this side's steps. */
  hooks: string[];
}

/** What each activation set was extracted for (sets the cka analysis made; a WeakMap: it goes with the set). */
const madeFor = new WeakMap<ActivationSet, string>();

function interventionsKey(ivs: Intervention[]): unknown {
  return ivs.map((iv) => ({ ...iv, value: iv.value ? { shape: iv.value.shape, data: Array.from(iv.value.data) } : undefined }));
}

function sideKey(s: Side, o: CkaOptions): string {
  return JSON.stringify([s.model.id, o.dataset, o.limit, o.position, s.path, interventionsKey(s.interventions), s.hooks]);
}

export const fullPath = (m: ModelEntry): number[] => Array.from({ length: m.model.arch.layers }, (_, i) => i);

/**
 * The side's activation set: one from `reuse` made for the same model, dataset, rows,
 * position, path, interventions and hooks, else a new extraction (`created`).
 */
export async function sideActivations(ctx: AnalysisContext<'cka'>, side: Side, o: CkaOptions, phase: CkaPhase, reuse: string[]): Promise<{ artifact: string; set: ActivationSet; created: boolean }> {
  const key = sideKey(side, o);
  for (const id of reuse) {
    let a;
    try {
      a = ctx.registry.anyArtifact(id);
    } catch {
      continue; // dropped since (its model was unloaded): extract again
    }
    if (a.kind === 'activations' && madeFor.get(a.set) === key) return { artifact: id, set: a.set, created: false };
  }
  const ref = { model: side.model.id, tokens: [], path: side.path, interventions: side.interventions };
  const sub: AnalysisContext<'extract'> = {
    registry: ctx.registry,
    model: side.model,
    ref,
    runRef: () => ref,
    run: () => fail('cka: extraction reads no run cache'),
    runOf: () => fail('cka: extraction reads no run cache'),
    signal: ctx.signal,
    progress: (p) => ctx.progress({ ...p, phase } satisfies CkaProgress),
    pieces: (ids) => ids.map((i) => `<${i}>`),
  };
  const r = await extractAnalysis.run(sub, {
    ...EXTRACT_DEFAULTS, dataset: o.dataset, hooks: side.hooks, position: o.position, limit: o.limit, batchTokens: o.batchTokens, maxBytes: o.maxBytes,
  });
  const set = ctx.registry.artifact('activations', r.artifact).set;
  madeFor.set(set, key);
  return { artifact: r.artifact, set, created: true };
}

/** A row's token ids as the side's model reads it (text through its tokenizer). */
export function rowIds(m: ModelEntry, row: DatasetRow, i: number, which: string): number[] {
  if (row.ids) return row.ids;
  if (!m.tokenizer) fail(`row ${i} is text but model ${which} has no tokenizer.json: give the dataset an ids column`);
  return m.tokenizer.encode(row.text ?? '');
}

/**
 * Position `all` pools tokens, so token t of A must be token t of B: both models must read
 * every row as the same ids (the same tokenizer). Returns the ids (for the BOS rule).
 */
export function sameTokens(a: ModelEntry, b: ModelEntry, rows: DatasetRow[]): number[][] {
  const ids = rows.map((r, i) => rowIds(a, r, i, 'A'));
  if (a === b) return ids;
  rows.forEach((r, i) => {
    const other = rowIds(b, r, i, 'B');
    const mine = ids[i] as number[];
    if (other.length !== mine.length || other.some((t, k) => t !== mine[k])) {
      fail(`cka: position all pools every token, so both models must read the same tokens, but row ${i} is ${mine.length} tokens for model A and ${other.length}${other.length === mine.length ? ' different ones' : ''} for model B (different tokenizers): use last or mean, which read each model's own tokens of the same text`);
    }
  });
  return ids;
}

/**
 * Relative depth of a hook in a path of S steps (contracts/cka.ts, depthRows) and the layer
 * its step runs (null outside the blocks).
 */
export function hookDepth(hook: string, path: number[]): { depth: number; layer: number | null } {
  const S = Math.max(1, path.length);
  if (hook.startsWith('ln_final')) return { depth: 1, layer: null };
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hook);
  if (!m) return { depth: 0, layer: null };
  const s = Number(m[1]);
  const rest = m[2] as string;
  const layer = path[s] ?? null;
  if (rest === 'hook_resid_pre') return { depth: s / S, layer };
  const attnSide = rest.startsWith('ln1') || rest.startsWith('attn.') || rest === 'hook_attn_out' || rest === 'hook_resid_mid';
  return { depth: (s + (attnSide ? 0.5 : 1)) / S, layer };
}
