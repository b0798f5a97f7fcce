/**
 * The quantization study's actions (contracts/quant-study.ts): settings, run with progress
 * and cancel (a cancel keeps the finished points, marked partial), and the result with the
 * dataset and model it was computed for (stamped as `quant`, src/state/stamps.ts). The
 * quantised weights live and die inside the engine's analysis; the store holds the curves.
 */
import type { QuantStudyOptions, QuantStudyProgress, QuantStudyResult } from '../contracts/quant-study';
import { engine } from '../services/engine';
import { cancelJob, runJob } from './job';
import type { QuantSettings } from './quant-slice';
import { get, set } from './store';

export type { QuantRecord, QuantSettings, QuantSlice } from './quant-slice';

export function setQuantSettings(patch: Partial<QuantSettings>): void {
  set({ quantSettings: { ...get().quantSettings, ...patch } });
}

/** The fractions typed ("0, 0.25, 1"), or null when one is not a number in [0, 1]. */
export function parseFractions(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const out = parts.map(Number);
  return out.every((f) => Number.isFinite(f) && f >= 0 && f <= 1) ? out : null;
}

/** Why the current page cannot run the study (null = it can). */
export function quantBlocker(s = get()): string | null {
  if (!s.model) return 'Load a model first.';
  if (!s.dataset) return 'Open a dataset: pick a built-in set here or in the Datasets tab.';
  const q = s.quantSettings;
  if (q.orders.length === 0) return 'Pick at least one order.';
  if (!parseFractions(q.fractions)) return 'Fractions must be numbers from 0 to 1, e.g. 0, 0.25, 0.5, 1.';
  if (q.highBits !== 0 && q.highBits < q.lowBits) return 'The high bit width is below the low one.';
  return null;
}

export async function runQuant(): Promise<void> {
  const s = get();
  const why = quantBlocker(s);
  if (why) {
    set({ error: why });
    return;
  }
  const model = s.model;
  const dataset = s.dataset;
  if (!model || !dataset) return;
  const q = s.quantSettings;
  const options: Partial<QuantStudyOptions> = {
    dataset: dataset.id, lowBits: q.lowBits, highBits: q.highBits, group: q.group, scheme: q.scheme, orders: q.orders,
    fractions: parseFractions(q.fractions) ?? [], seeds: q.seeds, seed: q.seed, context: q.context, limit: q.limit, limKind: q.limKind,
  };
  set({ error: null, notice: null });
  await runJob({
    slot: 'quant', mode: 'replace', stamp: 'quant', label: 'quantization study', errorPrefix: 'Quantization: ', keepOnCancel: true,
    scope: () => [get().model, get().dataset],
    work: ({ jobId, progress }) => engine.analyze(jobId, 'quant-study', { model: model.modelId, options }, (p: QuantStudyProgress) => progress(p)),
    done: (result: QuantStudyResult) => set({ quant: { result, datasetName: dataset.name, modelLabel: `${model.source} (${model.info.arch}, ${model.info.layers} layers)` } }),
  });
}

export function cancelQuant(): void {
  cancelJob('quant');
}

/** The curves as CSV rows: one line per (order, fraction). */
export function quantCsv(r: QuantStudyResult): (string | number)[][] {
  const out: (string | number)[][] = [['order', 'fraction', 'lowCount', 'avgBits', 'perplexity', 'sd', 'lowLayers']];
  for (const c of r.curves) for (const p of c.points) out.push([c.order, p.fraction, p.lowCount, p.avgBits, p.perplexity, p.sd, p.lowLayers.join(' ')]);
  return out;
}
