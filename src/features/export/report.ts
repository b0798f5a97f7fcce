/** What each view exports, built from the store (plain data, no DOM). */
import { staleness, type ResultName } from '../../state/stamps';
import type { State } from '../../state/store';
import { METRICS } from '../lens/lens-cells';

/** What every export starts with: what it is, the link that reproduces it, the model and the run. */
function header(kind: string, s: State, run: NonNullable<State['run']>) {
  return { kind, permalink: location.href, model: s.model?.source ?? null, tokens: run.tokens, path: run.path };
}

export function lensExport(s: State): unknown {
  const { run, lens } = s;
  if (!run || !lens) return null;
  const piece = (id: number): string => lens.pieces?.[id] ?? String(id);
  return {
    ...header('logit-lens', s, run),
    // The settings the shown rows were computed with (a newer request may still be running).
    settings: { ...s.lensSettings, kl: lens.kl, topk: lens.k, entropyUnit: 'nats', klUnit: 'nats' },
    positions: { start: lens.start, count: lens.positions },
    target: Array.from(lens.target),
    rows: lens.rows.map((row) => ({
      label: row.label,
      cells: Array.from({ length: lens.positions }, (_, t) => ({
        position: lens.start + t,
        topk: Array.from({ length: lens.k }, (_, j) => ({ id: row.topIds[t * lens.k + j], token: piece(row.topIds[t * lens.k + j] as number), prob: row.topProbs[t * lens.k + j] })),
        entropy: row.entropy[t],
        klToFinal: row.klToFinal[t],
        targetProb: row.targetProb[t],
        targetRank: row.targetRank[t],
      })),
    })),
  };
}

/** One row per lens row, one column per position, cells = the chosen metric. */
export function lensCsv(s: State): (string | number)[][] {
  const { run, lens } = s;
  if (!run || !lens) return [];
  const spec = METRICS[s.lensSettings.metric];
  const head = [`layer \\ position (${spec.label})`, ...Array.from({ length: lens.positions }, (_, t) => `${lens.start + t}:${run.tokens[lens.start + t]?.text ?? ''}`)];
  return [head, ...lens.rows.map((row, r) => [row.label, ...Array.from({ length: lens.positions }, (_, t) => spec.value(lens, r, t))])];
}

export function attentionExport(s: State): unknown {
  const { run, attention: a } = s;
  if (!run || !a) return null;
  const { step, head } = s.selectedHead;
  const p = a.patterns[step];
  const T = a.positions;
  return {
    ...header('attention', s, run),
    summaries: a.summaries.map((heads, st) => heads.map((h, hd) => ({ step: st, layer: run.path[st], head: hd, ...h }))),
    selected: { step, head, pattern: p ? Array.from({ length: T }, (_, q) => Array.from(p.subarray(head * T * T + q * T, head * T * T + (q + 1) * T))) : null },
  };
}

export function attentionCsv(s: State): (string | number)[][] {
  const { run, attention: a } = s;
  if (!run || !a) return [];
  // Nats, as every other entropy the page shows (docs/methods.md "Units and formats").
  return [['step', 'layer', 'head', 'entropy_nats', 'share_on_position_0', 'previous_token_score'],
    ...a.summaries.flatMap((heads, st) => heads.map((h, hd) => [st, run.path[st] ?? '', hd, h.entropyBits * Math.LN2, h.firstShare, h.prevToken]))];
}

/** A result with what it was computed for and whether that is still current (stale = which inputs changed). */
function section(s: State, name: ResultName, data: unknown): unknown {
  if (data === null || data === undefined) return null;
  return { stale: staleness(name, s), computedFor: s.stamps[name] ?? null, data };
}

/**
 * Everything the page currently holds, with the link that reproduces it: each result
 * with the inputs it was computed for and a stale flag (a report never passes off an
 * old result as current).
 */
export function reportBundle(s: State): unknown {
  return {
    kind: 'strata-report',
    createdAt: new Date().toISOString(),
    permalink: location.href,
    backend: s.backend,
    model: s.model,
    run: s.run,
    path: s.path,
    interventions: s.interventions.map(({ value, ...iv }) => (value ? { ...iv, value: { shape: value.shape } } : iv)),
    units: { entropy: 'nats', kl: 'nats', probability: '0..1' },
    lens: section(s, 'lens', lensExport(s)),
    attention: section(s, 'attention', s.attention ? { ...(attentionExport(s) as object), patterns: undefined } : null),
    residual: section(s, 'residual', s.residual),
    pathEffect: section(s, 'effect', s.effect),
    skipSweep: section(s, 'sweep', s.sweep ? { modes: s.sweepModes, prompts: s.sweepPrompts, result: s.sweep } : null),
    chainSearch: section(s, 'chains', s.chains ? { settings: s.chainSettings, target: s.chainTarget, result: s.chains } : null),
    tunedLens: s.tunedInfo ? { info: s.tunedInfo, settings: s.tunedSettings, losses: s.tunedLosses, comparison: section(s, 'tunedComparison', s.tunedComparison) } : null,
    compare: section(s, 'compare', s.compareProfiles ? { mode: s.compareMode, modelB: s.compareModel, ...s.compareProfiles } : null),
    extraction: s.extractResult ? { dataset: s.extractResult.datasetName, path: s.extractResult.path, summary: s.extractResult.result } : null,
    cka: section(s, 'cka', s.cka ? { settings: s.ckaSettings, dataset: s.cka.datasetName, labelA: s.cka.labelA, labelB: s.cka.labelB, result: s.cka.result } : null),
    conceptDepth: section(s, 'probes', s.probeCurves.length ? { settings: s.probeSettings, curves: s.probeCurves.map(({ visible: _v, ...c }) => c) } : null),
  };
}
