/**
 * A trained probe: one hook's linear read-out, kept on the host in the worker. Exported as
 * safetensors for Python: `weight` F32 [d] (binary: the weight of class 1, scikit-learn's
 * coef_[0]) or [K, d], `bias` F32 [1] or [K] (intercept_), and string metadata: format,
 * model, hook, position, dataset, method, C, classes (JSON), positive, split, splitSeed,
 * testFraction, path (JSON), metrics (JSON {acc, f1, auc, accCI, …}).
 */
import type { ProbeInfo, ProbeMethod } from '../../../src/contracts/probe';
import { fail } from '../errors';
import { readSafetensorsHeader, readTensorF32 } from '../io/safetensors';
import { writeSafetensors } from '../io/safetensors-write';
import { bufferSource } from '../io/source';

export const PROBE_FORMAT = 'strata-probe/1';

export interface Probe {
  hook: string;
  position: string;
  method: ProbeMethod;
  classes: string[];
  d: number;
  /** [K', d] with K' = 1 for two classes. */
  weight: Float32Array;
  /** [K']. */
  bias: Float32Array;
  metadata: Record<string, string>;
}

export function probeInfo(id: string, p: Probe): ProbeInfo {
  return {
    id, hook: p.hook, position: p.position, method: p.method, classes: p.classes, d: p.d,
    dataset: p.metadata['dataset'] ?? '', model: p.metadata['model'] ?? '',
    ...(p.metadata['metrics'] ? { metrics: p.metadata['metrics'] } : {}),
  };
}

export function exportProbe(p: Probe): Uint8Array {
  const K = p.bias.length;
  return writeSafetensors([
    { name: 'weight', dtype: 'F32', shape: K === 1 ? [p.d] : [K, p.d], data: p.weight },
    { name: 'bias', dtype: 'F32', shape: [K], data: p.bias },
  ], { ...p.metadata, format: PROBE_FORMAT, hook: p.hook, position: p.position, method: p.method, classes: JSON.stringify(p.classes) });
}

/** A probe from safetensors bytes (as exported, or written by Python with the same names and metadata). */
export async function importProbe(bytes: Uint8Array, name: string): Promise<Probe> {
  const st = await readSafetensorsHeader(bufferSource(bytes, name));
  const w = st.tensors.get('weight');
  const b = st.tensors.get('bias');
  if (!w || !b) fail(`${name}: a probe file needs tensors "weight" ([d] or [classes, d]) and "bias" ([1] or [classes]); it has ${[...st.tensors.keys()].join(', ') || 'none'}`);
  const md = st.metadata;
  const hook = md['hook'];
  if (!hook) fail(`${name}: the metadata names no "hook" (e.g. blocks.3.hook_resid_post): a probe must say which activation it reads`);
  if (w.shape.length !== 1 && w.shape.length !== 2) fail(`${name}: weight has shape [${w.shape.join(', ')}], expected [d] or [classes, d]`);
  const K = w.shape.length === 1 ? 1 : (w.shape[0] as number);
  const d = w.shape[w.shape.length - 1] as number;
  if (b.shape.reduce((x, y) => x * y, 1) !== K) fail(`${name}: bias has shape [${b.shape.join(', ')}] but weight has ${K} row${K > 1 ? 's' : ''}`);
  if (K === 2) fail(`${name}: a two-class probe is stored as weight [d] (the weight of class 1), not [2, d]`);
  let classes: string[];
  try {
    classes = md['classes'] ? (JSON.parse(md['classes']) as string[]) : [];
  } catch {
    return fail(`${name}: metadata "classes" is not a JSON list of names`);
  }
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) fail(`${name}: metadata "classes" must be a JSON list of strings`);
  if (classes.length === 0) classes = K === 1 ? ['0', '1'] : Array.from({ length: K }, (_, k) => String(k));
  if (classes.length !== (K === 1 ? 2 : K)) fail(`${name}: metadata names ${classes.length} classes but weight has ${K === 1 ? 'one row (two classes)' : `${K} rows`}`);
  const weight = await readTensorF32(w);
  const bias = await readTensorF32(b);
  if (![...weight, ...bias].every(Number.isFinite)) fail(`${name}: weight or bias holds a non-finite value`);
  const method = md['method'] === 'mean-diff' ? 'mean-diff' : 'logistic';
  return { hook, position: md['position'] ?? 'last', method, classes, d, weight, bias, metadata: md };
}
