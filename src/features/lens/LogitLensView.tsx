import { useEffect, useMemo, useRef, useState } from 'react';
import { CELL_W, LABEL_W, lensHeatmap, lensMarker, lensRowLabels } from '../../charts/lens-heatmap';
import { stackSvgs } from '../../charts/compose';
import { colorLegend } from '../../charts/legend';
import type { KlDirection } from '../../contracts/lens';
import { SvgMount } from '../../app/SvgMount';
import { refreshLens, setLensKind, setLensKl, setLensTopk, setMetric, setTarget } from '../../state/lens';
import { get, useStore, type LensMetric } from '../../state/store';
import { ExportBar } from '../export/ExportBar';
import { lensCsv, lensExport } from '../export/report';
import { lensCells, METRICS } from './lens-cells';
import { StaleNote } from '../stale/StaleNote';
import { Term } from '../help/Term';
import { fmtInfo, fmtProb } from '../format';

/** The "?" beside the colour-by select: the definition of the metric chosen. */
const METRIC_HELP: Record<LensMetric, React.ReactNode> = {
  top1Prob: <Term id="top1-prob" compact />,
  targetProb: <Term id="target-prob" compact />,
  targetRank: <Term id="target-rank" compact />,
  entropy: <Term id="entropy" compact />,
  kl: <Term id="kl" compact />,
};

/**
 * Logit lens: rows = embedding, each step of the path, final; columns = positions.
 * Only the window of positions in view is decoded and drawn; scrolling asks for more.
 */
export function LogitLensView() {
  const run = useStore((s) => s.run);
  const lens = useStore((s) => s.lens);
  const busy = useStore((s) => !!s.jobs.lens);
  const settings = useStore((s) => s.lensSettings);
  const vocab = useStore((s) => s.model?.info.vocab ?? 2);
  const tunedReady = useStore((s) => s.tunedArtifact !== null);
  // The hovered or pinned cell by absolute position (the decoded window moves on scroll).
  const [sel, setSel] = useState<{ row: number; pos: number } | null>(null);
  const [pinned, setPinned] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const T = run?.tokens.length ?? 0;

  // Decode the positions scrolled into view (debounced).
  useEffect(() => {
    const el = scroller.current;
    if (!el || !run) return;
    let timer = 0;
    const onScroll = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const first = Math.max(0, Math.floor((el.scrollLeft - LABEL_W) / CELL_W));
        const count = Math.ceil(el.clientWidth / CELL_W) + 1;
        const cur = useStore.getState().lens;
        const want: [number, number] = [first, Math.min(T, first + count)];
        if (!cur || want[0] < cur.start || want[1] > cur.start + cur.positions) void refreshLens([Math.max(0, want[0] - 8), Math.min(T, want[1] + 8)]);
      }, 120);
    };
    el.addEventListener('scroll', onScroll);
    return () => { el.removeEventListener('scroll', onScroll); window.clearTimeout(timer); };
  }, [run, T]);

  // Start each run scrolled to the end, where the first lens window is: the last positions
  // are what users read first. Done once the heatmap is in the DOM (after layout).
  const scrolledFor = useRef<number | null>(null);
  useEffect(() => {
    const el = scroller.current;
    if (!el || !run || !lens || scrolledFor.current === run.runId) return;
    scrolledFor.current = run.runId;
    requestAnimationFrame(() => { el.scrollLeft = el.scrollWidth; });
  }, [run, lens]);

  // The chart's handlers read these through refs: the heatmap is built once per result
  // and metric, never per hover (a rebuild under a resting pointer swallowed clicks).
  const pinnedRef = useRef(pinned);
  pinnedRef.current = pinned;
  const spec = METRICS[settings.metric];
  const svg = useMemo(() => {
    if (!lens || !run) return null;
    const domain = spec.domain(vocab, lens);
    const color = spec.color(domain);
    const ids = run.tokens.map((t) => t.id);
    return lensHeatmap({
      rowLabels: lens.rows.map((r) => r.label),
      columns: Array.from({ length: lens.positions }, (_, i) => ({ pos: lens.start + i, token: run.tokens[lens.start + i]?.text ?? '' })),
      cells: lensCells(lens, ids, settings.metric),
      color,
    }, {
      onHover: (row, col) => {
        const pos = lens.start + col;
        if (!pinnedRef.current) setSel((old) => (old && old.row === row && old.pos === pos ? old : { row, pos }));
      },
      onClick: (row, col) => { setSel({ row, pos: lens.start + col }); setPinned(true); },
    });
  }, [lens, run, settings.metric, spec, vocab]);
  const labels = useMemo(() => (lens ? lensRowLabels(lens.rows.map((r) => r.label)) : null), [lens]);
  // A new result may have fewer rows or another window: drop a selection it does not contain.
  useEffect(() => {
    if (sel && lens && (sel.row >= lens.rows.length || sel.pos >= T)) {
      setSel(null);
      setPinned(false);
    }
  }, [lens, sel, T]);
  useEffect(() => {
    if (!svg || !lens) return;
    const col = sel ? sel.pos - lens.start : -1;
    lensMarker(svg, sel && col >= 0 && col < lens.positions ? { row: sel.row, col } : null, pinned);
  }, [svg, lens, sel, pinned]);
  const legend = useMemo(() => (lens ? colorLegend(spec.label, spec.domain(vocab, lens), spec.color(spec.domain(vocab, lens)), { log: spec.log ?? false }) : null), [lens, spec, vocab]);

  if (!run) return <p className="hint">Run a prompt to see what each layer predicts.</p>;
  const detailRow = sel && lens ? lens.rows[sel.row] : undefined;
  // Column of the selected cell in the decoded window (outside it: no detail until decoded).
  const c = sel && lens ? sel.pos - lens.start : -1;
  return (
    <section className="lens" data-testid="logit-lens" aria-label="logit lens">
      <div className="controls">
        <label>colour by <select data-testid="lens-metric" value={settings.metric} onChange={(e) => setMetric(e.target.value as LensMetric)}>
          {Object.entries(METRICS).map(([k, m]) => <option key={k} value={k}>{m.label}</option>)}
        </select>{METRIC_HELP[settings.metric]}</label>
        <label><Term id="topk-list">top-k</Term> <select data-testid="lens-k" title="tokens listed in the cell detail and the next-token strip" value={settings.topk} onChange={(e) => void setLensTopk(Number(e.target.value))}>
          {[1, 3, 5, 10].map((k) => <option key={k} value={k}>{k}</option>)}
        </select></label>
        <label><Term id="kl-direction">KL</Term> <select data-testid="lens-kl" value={settings.kl} onChange={(e) => void setLensKl(e.target.value as KlDirection)}>
          <option value="final||row">KL(P_final ‖ P_layer)</option>
          <option value="row||final">KL(P_layer ‖ P_final)</option>
          <option value="final||row-clipped">KL(P_final ‖ P_layer), clipped at 1/(10V)</option>
        </select></label>
        <label><Term id="lens-kind">decode with</Term> <select data-testid="lens-kind" value={settings.kind ?? 'logit'} onChange={(e) => void setLensKind(e.target.value === 'tuned' ? 'tuned' : 'logit')}>
          <option value="logit">logit lens</option>
          <option value="tuned" disabled={!tunedReady}>tuned lens{tunedReady ? '' : ' (load or train one first)'}</option>
        </select></label>
        <span data-testid="lens-target"><Term id="lens-target">target</Term>: {settings.targetId === null ? 'final top-1 at each position' : `${lens?.pieces?.[settings.targetId] ?? ''} (id ${settings.targetId})`}</span>
        {settings.targetId !== null && <button type="button" data-testid="lens-clear-target" onClick={() => void setTarget(null)}>clear target</button>}
        {busy && <span className="busy">decoding…</span>}
        <ExportBar name="logit-lens" json={() => lensExport(get())} csv={() => lensCsv(get())} svg={() => (svg ? stackSvgs(`${settings.kind === 'tuned' ? 'tuned' : 'logit'} lens · colour: ${spec.label} · path ${run.notation} · positions ${lens?.start ?? 0}–${(lens?.start ?? 0) + (lens?.positions ?? 0) - 1} · red outline: top-1 = next token`, [svg, legend]) : null)} />
        <SvgMount svg={legend} className="legend" />
        <span className="hint"><Term id="next-token-hit">red outline</Term>: top-1 = the actual next token</span>
      </div>
      <StaleNote name="lens" slot="lens" rerun={() => void refreshLens()} />
      <div className="scroller" ref={scroller}>
        <div style={{ width: LABEL_W + T * CELL_W, position: 'relative' }}>
          {/* Row labels stay in sight while the positions scroll (sticky, zero-height anchor). */}
          <div className="lens-labels" style={{ position: 'sticky', left: 0, width: LABEL_W, height: 0, zIndex: 2 }}>
            <SvgMount svg={labels} testId="lens-row-labels" />
          </div>
          <div style={{ marginLeft: lens ? lens.start * CELL_W : 0 }}>
            <SvgMount svg={svg} testId="lens-heatmap" />
          </div>
        </div>
      </div>
      {sel && detailRow && lens && c >= 0 && c < lens.positions && (
        <div className="detail" data-testid="lens-detail">
          <strong>{detailRow.label}, position {sel.pos}</strong> {pinned ? <button type="button" data-testid="lens-unpin" onClick={() => setPinned(false)}>unpin</button> : <span className="hint">(click a cell to pin it)</span>}
          <ol>
            {Array.from({ length: lens.k }, (_, j) => {
              const id = detailRow.topIds[c * lens.k + j] as number;
              return (
                <li key={j}>
                  <button type="button" data-testid={`lens-topk-${j}`} title="make this token the target" onClick={() => void setTarget(id)}>{lens.pieces?.[id] ?? id}</button>
                  {' '}{fmtProb(detailRow.topProbs[c * lens.k + j])}
                </li>
              );
            })}
          </ol>
          <div><Term id="entropy" /> {fmtInfo(detailRow.entropy[c])} · <Term id="kl" /> {fmtInfo(detailRow.klToFinal[c])} · <Term id="target-prob">target p</Term> {fmtProb(detailRow.targetProb[c])}, <Term id="target-rank">rank</Term> {detailRow.targetRank[c]}</div>
        </div>
      )}
    </section>
  );
}
