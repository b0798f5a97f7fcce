import { useId, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { GLOSSARY, type TermId } from './glossary';
import { notesHref, openNotes } from './notes-state';
import './help.css';

/** Tooltip width in px (help.css .term-tip max-width) and its gap below the term. */
const TIP_W = 340;
const GAP = 4;

/**
 * A metric or setting with its one-line definition on hover (or keyboard focus on its "?",
 * one tab stop per term) and a "?" link to its section of the method notes. A plain click on "?" opens the notes in a panel
 * over the page; a middle or modified click opens the notes page in a new tab. Neither
 * changes this page's URL fragment (the permalink).
 */
export function Term({ id, children, compact = false }: {
  id: TermId;
  /** The visible term; default = the glossary label. */
  children?: ReactNode;
  /** Only the "?" (e.g. beside a select whose options name the term). */
  compact?: boolean;
}) {
  const e = GLOSSARY[id];
  const ref = useRef<HTMLSpanElement>(null);
  const tipId = useId();
  const [at, setAt] = useState<{ left: number; top: number } | null>(null);
  const show = (): void => {
    const r = ref.current?.getBoundingClientRect();
    if (!r) return;
    // Fixed position in the viewport, so a scrolling table or chart never clips it.
    setAt({ left: Math.max(4, Math.min(r.left, window.innerWidth - TIP_W - 8)), top: r.bottom + GAP });
  };
  const hide = (): void => setAt(null);
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape') hide();
  };
  const onHelp = (ev: MouseEvent<HTMLAnchorElement>): void => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    // Inside a <label>, a click would otherwise also activate the labelled control.
    ev.stopPropagation();
    hide();
    openNotes(e.anchor);
  };
  return (
    <span className="term" ref={ref} data-term={id} onMouseEnter={show} onMouseLeave={hide} onFocus={show} onBlur={hide} onKeyDown={onKey}>
      {!compact && <span className="term-label">{children ?? e.label}</span>}
      <a className="term-help" href={notesHref(e.anchor)} target="_blank" rel="noopener" onClick={onHelp} aria-label={`method notes: ${e.label}`} aria-describedby={at ? tipId : undefined} data-testid={`term-help-${id}`}>?</a>
      {at && createPortal(
        <span role="tooltip" id={tipId} className="term-tip" data-testid="term-tip" style={{ left: at.left, top: at.top }}>
          <b>{e.label}</b>: {e.definition}
        </span>,
        document.body,
      )}
    </span>
  );
}
