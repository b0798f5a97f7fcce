import type { Engine } from '../engine/engine';
import type { TraceResult } from '../engine/analyses/trace';

/** Splits a flat row-major array into rows of `n`. */
function rows<T extends ArrayLike<number>>(a: T, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(Array.from({ length: n }, (_, j) => a[i + j] as number));
  return out;
}

/** The CLI `trace` JSON contract (issue 2, item 9). */
export function traceJson(engine: Engine, tokens: number[], r: TraceResult, topk: number): Record<string, unknown> {
  const info = engine.info;
  if (!info) throw new Error('no model');
  const T = tokens.length;
  const out: Record<string, unknown> = {
    model: { arch: info.arch, layers: info.layers, dModel: info.dModel, heads: info.heads, kvHeads: info.kvHeads, vocab: info.vocab },
    tokens: engine.tokens(tokens),
    path: r.path,
    logitsLast: Array.from(r.logitsLast),
    residNorms: r.residNorms.map((n) => Array.from(n)),
    lens: r.lens.rows.map((row) => {
      const top = rows(row.topIds, r.lens.k);
      const probs = rows(row.topProbs, r.lens.k);
      const base = {
        label: row.label,
        top1: top.map((t) => t[0]),
        top1Prob: probs.map((p) => p[0]),
        entropy: Array.from(row.entropy),
        klToFinal: Array.from(row.klToFinal),
      };
      return topk > 1 ? { ...base, topIds: top, topProbs: probs } : base;
    }),
  };
  if (r.attention) {
    const H = info.heads;
    out['attention'] = r.attention.map((a) => Array.from({ length: H }, (_, h) => rows(a.subarray(h * T * T, (h + 1) * T * T), T)));
  }
  return out;
}
