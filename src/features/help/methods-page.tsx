/**
 * Entry of methods.html, the method notes as a page of their own (a "?" opened in a new
 * tab lands here at its #anchor). The fragment here is only an anchor: no permalink.
 */
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { Markdown } from './Markdown';
import { METHOD_NOTES } from './notes-source';
import '../../app/styles.css';
import './help.css';

function MethodsPage() {
  // The browser looks for the #anchor before React has rendered the headings (and :target
  // does not follow): look again, and mark the section, on load and on every anchor change.
  useEffect(() => {
    let marked: Element | null = null;
    const go = (): void => {
      marked?.classList.remove('md-target');
      const id = decodeURIComponent(location.hash.slice(1));
      marked = id ? document.getElementById(id) : null;
      marked?.classList.add('md-target');
      marked?.scrollIntoView({ block: 'start' });
    };
    go();
    window.addEventListener('hashchange', go);
    return () => window.removeEventListener('hashchange', go);
  }, []);
  return (
    <article className="md md-page" data-testid="methods-page">
      <p><a href={import.meta.env.BASE_URL}>← Strata</a></p>
      <Markdown source={METHOD_NOTES} />
    </article>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><MethodsPage /></StrictMode>);
