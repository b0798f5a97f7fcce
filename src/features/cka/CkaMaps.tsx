import { useMemo, useState } from 'react';
import { stackSvgs } from '../../charts/compose';
import { markCells } from '../../charts/matrix-marks';
import { matrixHeatmap } from '../../charts/matrix-heatmap';
import { SvgMount } from '../../app/SvgMount';
import type { CkaResult } from '../../contracts/cka';
import { ckaCsv } from '../../state/cka';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { fmtNum } from '../format';
import { Term } from '../help/Term';

/**
 * A hook as a short label: "L3 resid_post" (the step runs layer 3), "step 3 (L4) resid_post"
 * when the path is not all layers in order, "embed", "final norm". Hovers carry the full name.
 */
function labels(hooks: string[], layers: (number | null)[], path: number[]): string[] {
  const identity = path.every((l, i) => l === i);
  return hooks.map((h, i) => {
    const m = /^blocks\.(\d+)\.(.+)$/.exec(h);
    if (!m) return h === 'hook_embed' ? 'embed' : h.startsWith('ln_final') ? 'final norm' : h;
    const name = (m[2] as string).replace(/^hook_/, '').replace('.hook_', ' ');
    return identity ? `L${m[1]} ${name}` : `step ${m[1]} (L${layers[i]}) ${name}`;
  });
}

/** The top of a 0-based scale: the largest value rounded up to two significant digits (every cell on the scale). */
function niceTop(x: number): number {
  if (!(x > 0)) return 1;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.max(x, Math.ceil(x / step - 1e-9) * step);
}

const KIND_TITLE: Record<CkaResult['kind'], string> = {
  linear: 'linear CKA (0 = unrelated, 1 = the same up to rotation and scale)',
  debiased: 'debiased CKA (unbiased HSIC; near 0 = unrelated, can be < 0)',
};

type MapMetric = 'error' | 'fvu';
const METRIC_TITLE: Record<MapMetric, string> = {
  error: 'linear-map error, mean ‖ŷ − y‖ / ‖y‖ over held-out rows (ratio)',
  fvu: 'linear-map unexplained variance ‖Y − Ŷ‖²_F / ‖Y − Ȳ‖²_F, held-out rows (ratio)',
};

/** The CKA map with the best match of each row marked, the linear-map error map beside it, and the best matches by relative depth. */
export function CkaMaps() {
  const rec = useStore((s) => s.cka);
  const [metric, setMetric] = useState<MapMetric>('error');
  const charts = useMemo(() => {
    if (!rec) return null;
    const r = rec.result;
    const rowLabels = labels(r.rows, r.layerRows, r.pathA);
    const colLabels = labels(r.cols, r.layerCols, r.pathB);
    const base = matrixHeatmap({
      values: r.cka, rowLabels, colLabels, rowTitle: 'A', colTitle: 'B', valueTitle: KIND_TITLE[r.kind], domain: [0, 1],
    });
    const hover = (values: number[][], what: string): string[][] => r.rows.map((a, i) => r.cols.map((b, j) => (
      `A ${a} (depth ${fmtNum(r.depthRows[i])}) × B ${b} (depth ${fmtNum(r.depthCols[j])}): ${what} ${fmtNum(values[i]?.[j])}${r.best[i] === j ? ' — the best match in B for this row' : ''}`)));
    const { svg: map, marked } = markCells(base, r.rows.length, r.cols.length, r.best.map((c, i) => ({
      row: i, col: c, title: `best match in B for ${r.rows[i]} (depth ${fmtNum(r.depthRows[i])}): ${r.cols[c]} (depth ${fmtNum(r.depthCols[c])}), CKA ${fmtNum(r.cka[i]?.[c])}`,
    })), { titles: hover(r.cka, 'CKA') });
    const lm = r.linearMap;
    const values = lm ? lm[metric] : null;
    const linear = values ? markCells(matrixHeatmap({
      values, rowLabels, colLabels, rowTitle: 'A (source)', colTitle: 'B (target)', valueTitle: METRIC_TITLE[metric], domain: [0, niceTop(Math.max(...values.flat()))],
    }), r.rows.length, r.cols.length, [], { titles: hover(values, metric === 'error' ? 'map error' : 'unexplained variance') }).svg : null;
    return { map, marked, linear, rowLabels, colLabels };
  }, [rec, metric]);
  if (!rec || !charts) return null;
  const r = rec.result;
  const title = `CKA (${r.kind}, ${r.form}, position ${r.position}, n = ${r.n}) · ${rec.datasetName} · ${rec.labelA} × ${rec.labelB}`;
  return (
    <div className="cka-result" data-testid="cka-result">
      <p className="hint" data-testid="cka-summary">
        {rec.labelA} · {rec.labelB} · {r.kind} CKA, {r.form === 'minibatch' ? `minibatch of ${r.minibatch?.size} (${r.minibatch?.batches} batches, seed ${r.minibatch?.seed})` : `${r.form} form`}, position {r.position}, n = {r.n} vectors of {r.datasetRows} rows of {rec.datasetName} · {r.seconds.toFixed(1)} s
      </p>
      {r.notes.length > 0 && <ul className="cka-notes" data-testid="cka-notes">{r.notes.map((n) => <li key={n}>{n}</li>)}</ul>}
      <div className="controls">
        <ExportBar name={`cka-${rec.mode}`} json={() => ({ analysis: 'cka', permalink: location.href, labelA: rec.labelA, labelB: rec.labelB, dataset: rec.datasetName, settings: get().ckaSettings, ...rec.result })}
          csv={() => ckaCsv(rec.result)} svg={() => stackSvgs(title, [charts.map, charts.linear])} />
      </div>
      <div className="chart-grid">
        <figure>
          <figcaption>CKA between A&apos;s and B&apos;s hooks{charts.marked ? ' (outlined: the best match in B of each row)' : ''}</figcaption>
          <SvgMount svg={charts.map} testId="cka-map" />
        </figure>
        {charts.linear && (
          <figure>
            <figcaption>
              Linear maps A → B ({r.linearMap?.train} train / {r.linearMap?.test} held-out vectors, ridge {r.linearMap?.ridge}){' '}
              <select data-testid="cka-map-metric" value={metric} onChange={(e) => setMetric(e.target.value as MapMetric)}>
                <option value="error">relative error</option>
                <option value="fvu">unexplained variance</option>
              </select>
            </figcaption>
            <SvgMount svg={charts.linear} testId="cka-linear" />
          </figure>
        )}
      </div>
      <table className="cka-best" data-testid="cka-best">
        <caption><Term id="cka-best">Best match</Term> in B for each hook of A, by <Term id="relative-depth">relative depth</Term> (0 = embeddings, 1 = output)</caption>
        <thead><tr><th>A</th><th>depth</th><th>best in B</th><th>depth</th><th>CKA</th>{r.linearMap && <th>map error to it</th>}</tr></thead>
        <tbody>
          {r.rows.map((h, i) => {
            const j = r.best[i] as number;
            return (
              <tr key={h} data-testid={`cka-best-${i}`}>
                <td title={h}>{charts.rowLabels[i]}</td><td className="num">{fmtNum(r.depthRows[i])}</td><td title={r.cols[j]}>{charts.colLabels[j]}</td><td className="num">{fmtNum(r.depthCols[j])}</td>
                <td className="num">{fmtNum(r.cka[i]?.[j])}</td>{r.linearMap && <td className="num">{fmtNum(r.linearMap.error[i]?.[j])}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
