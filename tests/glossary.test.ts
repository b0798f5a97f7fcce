import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLOSSARY } from '../src/features/help/glossary';
import { headingIds } from '../src/features/help/markdown';
import { METHOD_NOTES } from '../src/features/help/notes-source';

const NOTES_FILE = readFileSync(join(__dirname, '..', 'docs', 'methods.md'), 'utf8');
const entries = Object.entries(GLOSSARY);

/** Every .tsx file under src/features (the views). */
function views(dir = join(__dirname, '..', 'src', 'features')): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? views(p) : p.endsWith('.tsx') ? [p] : [];
  });
}

describe('glossary ↔ method notes', () => {
  it('the page bundles docs/methods.md as it is on disk', () => {
    expect(METHOD_NOTES).toBe(NOTES_FILE);
  });

  it('every glossary anchor is a heading of docs/methods.md', () => {
    // Two readings that do not share code: the explicit {#id} marks in the raw text, and
    // the ids the page's parser gives the headings.
    const explicit = new Set([...NOTES_FILE.matchAll(/^#{1,6} .*\{#([\w.:-]+)\}\s*$/gm)].map((m) => m[1]));
    const parsed = new Set(headingIds(NOTES_FILE));
    const missing = entries.filter(([, e]) => !explicit.has(e.anchor) || !parsed.has(e.anchor)).map(([id, e]) => `${id} → #${e.anchor}`);
    expect(missing).toEqual([]);
  });

  it('heading ids are unique (an anchor names one place)', () => {
    const ids = headingIds(NOTES_FILE);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const explicit = [...NOTES_FILE.matchAll(/\{#([\w.:-]+)\}/g)].map((m) => m[1]);
    expect(explicit.filter((id, i) => explicit.indexOf(id) !== i)).toEqual([]);
  });

  it('every in-notes link points at a heading', () => {
    const ids = new Set(headingIds(NOTES_FILE));
    const links = [...NOTES_FILE.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !ids.has(l))).toEqual([]);
  });

  it('definitions are one line, end with a full stop, and say nats, never bits', () => {
    for (const [id, e] of entries) {
      expect(e.definition, id).not.toMatch(/\n/);
      expect(e.definition.length, id).toBeLessThanOrEqual(200);
      expect(e.definition.endsWith('.'), id).toBe(true);
      expect(e.definition, id).not.toMatch(/\bbits?\b(?! = )/);
    }
  });
});

describe('terms used in the views', () => {
  const files = views();
  const uses = files.flatMap((f) => {
    const src = readFileSync(f, 'utf8');
    return [...src.matchAll(/<Term\b([^>]*)>/g)].map((m) => ({ file: f, attrs: m[1] as string }));
  });

  it('the views use terms', () => {
    // A scan that finds nothing would make the next test pass vacuously.
    expect(uses.length).toBeGreaterThanOrEqual(30);
  });

  it('every <Term id> is a string literal defined in the glossary', () => {
    const bad = uses.flatMap(({ file, attrs }) => {
      const m = /\bid="([^"]+)"/.exec(attrs);
      if (!m) return [`${file}: <Term${attrs}> has no literal id`];
      return m[1] as string in GLOSSARY ? [] : [`${file}: unknown term "${m[1]}"`];
    });
    expect(bad).toEqual([]);
  });
});
