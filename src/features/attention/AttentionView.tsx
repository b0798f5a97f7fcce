import { useMemo } from 'react';
import { attentionMap } from '../../charts/attention-map';
import { stackSvgs } from '../../charts/compose';
import { colorLegend } from '../../charts/legend';
import { attentionColor } from '../../charts/attention-map';
import { SvgMount } from '../../app/SvgMount';
import { refreshAttention, selectHead } from '../../state/attention';
import { get, useStore } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { attentionCsv, attentionExport } from '../export/report';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';
import { bitsToNats, fmtInfo, fmtProb, INFO_UNIT } from '../format';

/** Thumbnails show at most this many trailing positions; the detail map shows up to 64. */
const THUMB_POS = 32;
const DETAIL_POS = 64;

/** Layers × heads grid of attention maps, a labelled detail map and per-head summaries. */
export function AttentionView() {
  const att = useStore((s) => s.attention);
  const run = useStore((s) => s.run);
  const sel = useStore((s) => s.selectedHead);
  const thumbs = useMemo(() => {
    if (!att) return [];
    const T = att.positions;
    return att.patterns.map((p, step) => Array.from({ length: att.heads }, (_, head) => attentionMap({ pattern: p, head, T, from: Math.max(0, T - THUMB_POS), size: 56 })).map((svg, head) => ({ svg, head, step })));
  }, [att]);
  const detail = useMemo(() => {
    if (!att || !run) return null;
    const p = att.patterns[sel.step];
    if (!p) return null;
    const T = att.positions;
    return attentionMap({ pattern: p, head: sel.head, T, from: Math.max(0, T - DETAIL_POS), size: Math.min(520, 18 * Math.min(T, DETAIL_POS)), labels: run.tokens.map((t) => t.text) });
  }, [att, run, sel]);
  const legend = useMemo(() => colorLegend('attention weight (0–1)', [0, 1], attentionColor), []);
  if (!run) return <p className="hint">Run a prompt to see its attention patterns.</p>;
  if (!att) return <p className="hint">Reading attention patterns…</p>;
  const summary = att.summaries[sel.step] ?? [];
  return (
    <section className="attention" data-testid="attention" aria-label="attention">
      <div className="controls">
        <SvgMount svg={legend} className="legend" /><Term id="attention-weight" compact />
        <ExportBar name={`attention-step${sel.step}-head${sel.head}`} json={() => attentionExport(get())} csv={() => attentionCsv(get())} svg={() => (detail ? stackSvgs(`attention · step ${sel.step}${run.path[sel.step] !== undefined ? ` (layer ${run.path[sel.step]})` : ''}, head ${sel.head} · rows = query, columns = key`, [detail, legend]) : null)} />
      </div>
      <StaleNote name="attention" slot="attention" rerun={() => void refreshAttention()} />
      <div className="att-grid" data-testid="attention-grid">
        <div className="att-row head-labels"><span className="step-label" />{Array.from({ length: att.heads }, (_, h) => <span key={h} className="head-label">head {h}</span>)}</div>
        {thumbs.map((row, step) => (
          <div key={step} className="att-row">
            <span className="step-label">{run.path[step] !== undefined ? `step ${step} (L${run.path[step]})` : `step ${step}`}</span>
            {row.map((t) => (
              <button key={t.head} type="button" className={`thumb ${sel.step === step && sel.head === t.head ? 'sel' : ''}`} data-testid={`att-thumb-${step}-${t.head}`} onClick={() => selectHead(step, t.head)} title={`step ${step}, head ${t.head}`}>
                <SvgMount svg={t.svg} />
              </button>
            ))}
          </div>
        ))}
      </div>
      <div className="att-detail">
        <div>
          <h4>step {sel.step}, head {sel.head}</h4>
          <SvgMount svg={detail} testId="attention-detail" />
        </div>
        <table className="summaries" data-testid="head-summaries">
          <caption>heads of step {sel.step}: means over query positions</caption>
          <thead><tr><th>head</th><th><Term id="attention-entropy">entropy</Term> (<Term id="units">{INFO_UNIT}</Term>)</th><th><Term id="attention-sink">on position 0</Term></th><th><Term id="prev-token">previous token</Term></th></tr></thead>
          <tbody>
            {summary.map((s, h) => (
              <tr key={h} className={h === sel.head ? 'sel' : ''} onClick={() => selectHead(sel.step, h)}>
                <td>{h}</td><td>{fmtInfo(bitsToNats(s.entropyBits), { unit: false })}</td><td>{fmtProb(s.firstShare)}</td><td>{fmtProb(s.prevToken)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
