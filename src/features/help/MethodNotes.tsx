import { useEffect, useRef } from 'react';
import { Markdown } from './Markdown';
import { METHOD_NOTES } from './notes-source';
import { closeNotes, notesHref, openNotes, useNotes } from './notes-state';
import './help.css';

/** Heading ids inside the panel carry this prefix, apart from the page's own ids. */
export const NOTES_ID_PREFIX = 'mn-';

/**
 * The method notes (docs/methods.md) in a panel over the page, scrolled to the section a
 * Term's "?" asked for. Links inside scroll the panel; Escape, the backdrop or Close shut
 * it and give focus back. The page's URL fragment (the permalink) is never touched.
 */
export function MethodNotes() {
  const notes = useNotes();
  const body = useRef<HTMLDivElement>(null);
  const opener = useRef<Element | null>(null);
  const open = notes !== null;

  useEffect(() => {
    if (!open) return;
    opener.current = document.activeElement;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') closeNotes();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      if (opener.current instanceof HTMLElement) opener.current.focus();
    };
  }, [open]);

  useEffect(() => {
    if (!notes) return;
    const el = document.getElementById(`${NOTES_ID_PREFIX}${notes.anchor}`);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.classList.add('md-target');
    el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
    return () => el.classList.remove('md-target');
  }, [notes]);

  if (!notes) return null;
  return (
    <div className="notes-backdrop" onClick={closeNotes}>
      <aside className="notes-panel" role="dialog" aria-label="method notes" data-testid="method-notes" data-anchor={notes.anchor} onClick={(e) => e.stopPropagation()}>
        <div className="notes-bar">
          <strong>Method notes</strong>
          <a href={notesHref(notes.anchor)} target="_blank" rel="noopener" data-testid="method-notes-page">open as a page</a>
          <button type="button" data-testid="method-notes-close" onClick={closeNotes}>Close</button>
        </div>
        <div className="notes-body md" ref={body} data-testid="method-notes-body">
          <Markdown source={METHOD_NOTES} idPrefix={NOTES_ID_PREFIX} onAnchor={openNotes} />
        </div>
      </aside>
    </div>
  );
}

/** A header link that opens the notes at their start. */
export function NotesLink() {
  return (
    <a className="notes-link" href={notesHref('top')} data-testid="method-notes-link" onClick={(e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      openNotes('top');
    }}>Method notes</a>
  );
}
