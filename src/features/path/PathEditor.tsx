import { useState } from 'react';
import { setPath } from '../../state/run';
import { useStore } from '../../state/store';
import { itemsFromPath, moveItem, pathFromItems, type PathItem } from './path-items';
import { PathEffectPanel } from './PathEffectPanel';
import { Term } from '../help/Term';

/**
 * The layer path as chips: click to skip or restore, a repeat count per layer, drag to
 * reorder, reset. Every view runs under this path.
 */
export function PathEditor() {
  const layers = useStore((s) => s.model?.info.layers ?? 0);
  const path = useStore((s) => s.path);
  const runNotation = useStore((s) => s.run?.notation);
  const [drag, setDrag] = useState<number | null>(null);
  if (!layers) return null;
  const items = itemsFromPath(path, layers);
  const apply = (next: PathItem[]) => void setPath(pathFromItems(next));
  const notation = path === null ? `all ${layers} layers in order` : `[${path.join(', ')}]${runNotation ? `  =  ${runNotation}` : ''}`;
  return (
    <section className="path-editor" data-testid="path-editor" aria-label="layer path">
      <div className="chips">
        <span className="label"><Term id="path">path</Term></span>
        {items.map((it, i) => (
          <span
            key={`${it.layer}-${i}`}
            className={`chip ${it.skipped ? 'skipped' : ''}`}
            data-testid={`path-chip-${it.layer}`}
            draggable
            onDragStart={() => setDrag(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={() => { if (drag !== null && drag !== i) apply(moveItem(items, drag, i)); setDrag(null); }}
          >
            <button type="button" title={it.skipped ? 'run this layer again' : 'skip this layer'} onClick={() => apply(items.map((x, j) => (j === i ? { ...x, skipped: !x.skipped } : x)))}>L{it.layer}</button>
            <select aria-label={`repeat layer ${it.layer}`} data-testid={`path-repeat-${it.layer}`} value={it.repeat} disabled={it.skipped} onChange={(e) => apply(items.map((x, j) => (j === i ? { ...x, repeat: Number(e.target.value) } : x)))}>
              {[1, 2, 3, 4].map((n) => <option key={n} value={n}>×{n}</option>)}
            </select>
          </span>
        ))}
        <button type="button" data-testid="path-reset" disabled={path === null} onClick={() => void setPath(null)}>reset</button>
      </div>
      <div style={{ display: 'flex', gap: '.4rem', alignItems: 'baseline' }}>
        <div className="notation" data-testid="path-notation">{notation}</div>
        {runNotation && path !== null && <Term id="cola-notation" compact />}
      </div>
      {path !== null && <PathEffectPanel />}
    </section>
  );
}
