import { useMemo } from 'react';
import { SvgMount } from '../../app/SvgMount';
import { Term } from '../help/Term';
import { labelBalanceChart } from '../../charts/label-balance';
import type { ColumnMapping, DatasetInfo } from '../../contracts/dataset';
import { closeDataset, setMapping } from '../../state/datasets';
import { useStore } from '../../state/store';

/** The open dataset: column mapping, row count, label balance, notes and the first rows. */
export function DatasetSummary({ info }: { info: DatasetInfo }) {
  const index = useStore((s) => s.datasetIndex);
  const ref = useStore((s) => s.datasetRef);
  const busy = useStore((s) => s.datasetBusy);
  const entry = ref && 'builtin' in ref ? index?.find((d) => d.name === ref.builtin) : undefined;
  const chart = useMemo(() => labelBalanceChart(info.labelBalance, { title: 'label balance' }), [info.labelBalance]);
  const source = info.source ?? entry?.source;
  const licence = info.licence ?? entry?.licence;
  return (
    <section className="ds-summary" data-testid="dataset-summary" aria-label="dataset">
      <h3>
        <span data-testid="dataset-name">{entry?.title ?? info.name}</span>
        {' '}<span className="hint">{info.format.toUpperCase()} · <span data-testid="dataset-rows">{info.rows}</span> rows · {info.labels.length} label{info.labels.length === 1 ? '' : 's'}</span>
        {' '}<button type="button" data-testid="dataset-close" onClick={closeDataset}>Close</button>
      </h3>
      {(source || licence) && (
        <p className="ds-meta" data-testid="dataset-source">
          {source && <>source: {source}</>}{source && licence ? ' · ' : ''}{licence && <>licence: <span data-testid="dataset-licence">{licence}</span></>}
        </p>
      )}
      {info.fingerprint && <p className="ds-meta">SHA-256 <code data-testid="dataset-fingerprint">{info.fingerprint.slice(0, 16)}…</code></p>}
      <MappingEditor info={info} disabled={!!busy} />
      {info.notes && info.notes.length > 0 && (
        <ul className="ds-notes" data-testid="dataset-notes">
          {info.notes.map((n, i) => <li key={i}>{n}</li>)}
        </ul>
      )}
      <div className="ds-grid">
        <PreviewTable info={info} />
        <figure className="ds-balance">
          <SvgMount svg={chart} testId="dataset-balance" />
        </figure>
      </div>
    </section>
  );
}

/** Which column is the text (or the token ids) and which the label; a change re-reads the file with that mapping. */
function MappingEditor({ info, disabled }: { info: DatasetInfo; disabled: boolean }) {
  const m = info.mapping;
  const role: 'text' | 'ids' = m.ids ? 'ids' : 'text';
  const column = m.ids ?? m.text ?? '';
  const apply = (next: ColumnMapping) => void setMapping(next);
  const build = (r: 'text' | 'ids', col: string, label: string | undefined): ColumnMapping => ({ ...(r === 'ids' ? { ids: col } : { text: col }), ...(label ? { label } : {}) });
  return (
    <div className="controls ds-mapping" data-testid="dataset-mapping">
      <label><Term id="column-mapping">input column</Term>{' '}
        <select data-testid="map-role" value={role} disabled={disabled} onChange={(e) => apply(build(e.target.value as 'text' | 'ids', column, m.label))}>
          <option value="text">text</option>
          <option value="ids">token ids</option>
        </select>
        {' '}<select data-testid="map-column" value={column} disabled={disabled} onChange={(e) => apply(build(role, e.target.value, m.label))}>
          {!info.columns.includes(column) && <option value={column}>{column || '(choose)'}</option>}
          {info.columns.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <label>label column{' '}
        <select data-testid="map-label" value={m.label ?? ''} disabled={disabled} onChange={(e) => apply(build(role, column, e.target.value || undefined))}>
          <option value="">(none)</option>
          {info.columns.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <span className="hint">columns: {info.columns.join(', ') || '(one text per line)'}</span>
    </div>
  );
}

function PreviewTable({ info }: { info: DatasetInfo }) {
  const ids = info.preview.some((r) => r.ids);
  const labelled = info.preview.some((r) => r.label !== undefined);
  return (
    <table className="ds-table ds-preview" data-testid="dataset-preview">
      <caption>first {info.preview.length} of {info.rows} rows</caption>
      <thead><tr><th>#</th><th>{ids ? 'token ids' : 'text'}</th>{labelled && <th>label</th>}</tr></thead>
      <tbody>
        {info.preview.map((r, i) => (
          <tr key={i} data-testid={`preview-row-${i}`}>
            <td className="num">{i}</td>
            <td className="ds-text">{r.ids ? `[${r.ids.slice(0, 24).join(', ')}${r.ids.length > 24 ? ', …' : ''}]` : r.text}</td>
            {labelled && <td>{r.label ?? ''}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
