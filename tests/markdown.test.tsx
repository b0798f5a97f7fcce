// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { createRoot } from 'react-dom/client';
import { act } from 'react';
import { Markdown } from '../src/features/help/Markdown';
import { headingIds, parseInline, safeHref, slugify } from '../src/features/help/markdown';

/** A DOM fragment from HTML text (whitespace between tags removed, so only structure and text count). */
function dom(html: string): DocumentFragment {
  const t = document.createElement('template');
  t.innerHTML = html.replace(/>\s+</g, '><').trim();
  return t.content;
}

function expectSameDom(actual: string, expected: string): void {
  const a = dom(actual);
  const e = dom(expected);
  // On failure show both serialisations: isEqualNode alone says only "false".
  if (!a.isEqualNode(e)) expect(actual).toBe(expected.replace(/>\s+</g, '><').trim());
  expect(a.isEqualNode(e)).toBe(true);
}

const SAMPLE = [
  '# Method notes',
  '',
  'Intro with `code`, **bold**, *emphasis* and P_final (underscores stay).',
  'A second line of the same paragraph; a * b * c stays text.',
  '',
  '## Void threshold α {#alpha}',
  '',
  '- first item, see [α](#alpha)',
  '- second item',
  '  continued on an indented line',
  '',
  '3. three',
  '4. four with a [web link](https://example.org/x)',
  '',
  '```ts',
  'const x = a * b; // *not* emphasis',
  '```',
  '',
  '| quantity | unit |',
  '|---|--:|',
  '| KL \\| entropy | nats |',
  '| `a|b` | [bad](javascript:alert(1)) |',
  '',
  '## Void threshold α',
  '<b>raw html stays text</b>',
].join('\n');

// Written by hand from the rules in src/features/help/markdown.ts, not produced by the code.
const EXPECTED = `
<h1 id="method-notes">Method notes <a class="md-anchor" href="#method-notes" aria-label="link to this section">#</a></h1>
<p>Intro with <code>code</code>, <strong>bold</strong>, <em>emphasis</em> and P_final (underscores stay). A second line of the same paragraph; a * b * c stays text.</p>
<h2 id="alpha">Void threshold α <a class="md-anchor" href="#alpha" aria-label="link to this section">#</a></h2>
<ul>
  <li>first item, see <a href="#alpha">α</a></li>
  <li>second item continued on an indented line</li>
</ul>
<ol start="3">
  <li>three</li>
  <li>four with a <a href="https://example.org/x" target="_blank" rel="noopener noreferrer">web link</a></li>
</ol>
<pre><code class="language-ts">const x = a * b; // *not* emphasis</code></pre>
<table>
  <thead><tr><th>quantity</th><th style="text-align:right">unit</th></tr></thead>
  <tbody>
    <tr><td>KL | entropy</td><td style="text-align:right">nats</td></tr>
    <tr><td><code>a|b</code></td><td style="text-align:right">bad</td></tr>
  </tbody>
</table>
<h2 id="void-threshold-α">Void threshold α <a class="md-anchor" href="#void-threshold-α" aria-label="link to this section">#</a></h2>
<p>&lt;b&gt;raw html stays text&lt;/b&gt;</p>
`;

describe('Markdown renderer', () => {
  it('renders the sample as the hand-written DOM', () => {
    expectSameDom(renderToStaticMarkup(<Markdown source={SAMPLE} />), EXPECTED);
  });

  it('prefixes ids and in-document links when asked', () => {
    const html = renderToStaticMarkup(<Markdown source={'## A {#alpha}\n\nsee [it](#alpha)'} idPrefix="mn-" />);
    expectSameDom(html, '<h2 id="mn-alpha">A <a class="md-anchor" href="#mn-alpha" aria-label="link to this section">#</a></h2><p>see <a href="#mn-alpha">it</a></p>');
  });

  it('in-document links call onAnchor and leave location.hash alone', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const onAnchor = vi.fn();
    const root = createRoot(host);
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    await act(async () => root.render(<Markdown source={'## A {#alpha}\n\nsee [it](#alpha) or [web](https://example.org)'} idPrefix="mn-" onAnchor={onAnchor} />));
    const before = location.hash;
    host.querySelector<HTMLAnchorElement>('p a[href="#mn-alpha"]')?.click();
    host.querySelector<HTMLAnchorElement>('h2 a.md-anchor')?.click();
    expect(onAnchor.mock.calls).toEqual([['alpha'], ['alpha']]);
    expect(location.hash).toBe(before);
    await act(async () => root.unmount());
    host.remove();
  });
});

describe('markdown helpers', () => {
  it('slugs as GitHub does', () => {
    expect(slugify('Logit lens: KL (direction)')).toBe('logit-lens-kl-direction');
    expect(slugify('Void threshold α')).toBe('void-threshold-α');
  });
  it('numbers duplicate heading ids', () => {
    expect(headingIds('# A\n\n# A\n\n# A {#x}\n\n# B {#x}')).toEqual(['a', 'a-1', 'x', 'x-1']);
  });
  it('keeps only safe link targets', () => {
    expect(['#a', 'https://x.org', 'mailto:a@b.c', 'methods.html#a', './a/b.md'].every(safeHref)).toBe(true);
    expect(['javascript:alert(1)', 'data:text/html,x', 'vbscript:x', '#a b'].some(safeHref)).toBe(false);
  });
  it('escapes and unclosed marks stay literal', () => {
    expect(parseInline('\\*a\\* `b` *c')).toEqual([{ type: 'text', text: '*a* ' }, { type: 'code', text: 'b' }, { type: 'text', text: ' *c' }]);
    expect(parseInline('**x *y* z**')).toEqual([{ type: 'strong', children: [{ type: 'text', text: 'x ' }, { type: 'em', children: [{ type: 'text', text: 'y' }] }, { type: 'text', text: ' z' }] }]);
  });
});
