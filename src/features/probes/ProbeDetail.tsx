import { exportProbe, probeFileName, scoreProbe } from '../../state/probes';
import { useStore } from '../../state/store';
import { download } from '../export/download';

const f3 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));

/** One curve hook by hook: depth, metrics with intervals, iterations; each hook's probe can be downloaded or score the prompt. */
export function ProbeDetail() {
  const c = useStore((s) => s.probeCurves.find((x) => x.id === s.probeCurveOpen) ?? null);
  if (!c) return null;
  const r = c.result;
  const onExport = async (j: number) => {
    const bytes = await exportProbe(r.probes[j] as string);
    if (bytes) download(probeFileName(c, j), new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  };
  return (
    <section className="probe-detail" data-testid="probes-detail" aria-label="probe per hook">
      <h4>{c.id}: {c.label}</h4>
      <p className="hint">
        {r.n} rows, classes {r.classes.join(' / ')}{r.classes.length === 2 ? `; F1 of "${r.positive}", AUC of P(${r.classes[1]})` : '; F1 and AUC are macro averages over the classes'};
        {' '}{r.split.folds ? `${r.split.folds.length}-fold (every row scored once)` : `${r.split.train.length} train / ${r.split.test.length} test rows`}; intervals: 95% bootstrap of the test rows.
      </p>
      <div className="scroller">
        <table className="ds-table" data-testid="probes-hooks">
          <thead><tr><th>hook</th><th>depth</th><th>accuracy [95%]</th><th>F1 [95%]</th><th>AUC [95%]</th><th>Newton its</th><th /></tr></thead>
          <tbody>
            {r.hooks.map((h, j) => (
              <tr key={h} data-testid={`probes-hook-${j}`}>
                <td><code>{h}</code></td>
                <td className="num">{f3(r.relDepth[j])}</td>
                <td className="num" data-testid={`probes-acc-${j}`}>{f3(r.acc[j])} [{f3(r.accCI[j]?.[0])}, {f3(r.accCI[j]?.[1])}]</td>
                <td className="num">{f3(r.f1[j])} [{f3(r.f1CI[j]?.[0])}, {f3(r.f1CI[j]?.[1])}]</td>
                <td className="num">{f3(r.auc[j])} [{f3(r.aucCI[j]?.[0])}, {f3(r.aucCI[j]?.[1])}]</td>
                <td className="num">{r.iterations[j]}{r.converged[j] ? '' : ' (not converged)'}</td>
                <td>
                  <button type="button" data-testid={`probes-export-${j}`} onClick={() => void onExport(j)}>.safetensors</button>{' '}
                  <button type="button" data-testid={`probes-score-${j}`} onClick={() => void scoreProbe(r.probes[j] as string, `${c.id} ${h}`)}>score the prompt</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
