/** What each view exports, built from the store (plain data, no DOM). */
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

/** Everything the page currently shows, with the link that reproduces it. */
export function reportBundle(s: State): unknown {
  return {
    kind: 'strata-report',
    createdAt: new Date().toISOString(),
    permalink: location.href,
    backend: s.backend,
    model: s.model,
    run: s.run,
    lens: lensExport(s),
    attention: s.attention ? { ...(attentionExport(s) as object), patterns: undefined } : null,
  };
}
