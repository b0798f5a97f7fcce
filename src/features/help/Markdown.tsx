import { Fragment, useMemo, type MouseEvent, type ReactNode } from 'react';
import { parseMarkdown, type Align, type Block, type Inline } from './markdown';

export interface MarkdownProps {
  source: string;
  /** Prefix of every heading id (an overlay inside the app keeps its ids apart from the page's). */
  idPrefix?: string;
  /**
   * When given, in-document links (`#anchor`, heading self-links) call it instead of
   * navigating, so a notes panel inside the app never touches location.hash (the permalink).
   */
  onAnchor?: (id: string) => void;
}

/** Renders Markdown (see markdown.ts for the subset) as React elements: never as HTML. */
export function Markdown({ source, idPrefix = '', onAnchor }: MarkdownProps) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  return <>{blocks.map((b, i) => <BlockView key={i} block={b} idPrefix={idPrefix} onAnchor={onAnchor} />)}</>;
}

interface Ctx {
  idPrefix: string;
  onAnchor: ((id: string) => void) | undefined;
}

function anchorClick(ctx: Ctx, href: string) {
  if (!ctx.onAnchor || !href.startsWith('#')) return undefined;
  const onAnchor = ctx.onAnchor;
  return (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    onAnchor(href.slice(1));
  };
}

function inlines(xs: readonly Inline[], ctx: Ctx): ReactNode {
  return xs.map((x, i) => {
    switch (x.type) {
      case 'text': return <Fragment key={i}>{x.text}</Fragment>;
      case 'code': return <code key={i}>{x.text}</code>;
      case 'strong': return <strong key={i}>{inlines(x.children, ctx)}</strong>;
      case 'em': return <em key={i}>{inlines(x.children, ctx)}</em>;
      case 'link': {
        const local = x.href.startsWith('#');
        const href = local ? `#${ctx.idPrefix}${x.href.slice(1)}` : x.href;
        const external = /^https?:/i.test(x.href);
        return (
          <a key={i} href={href} onClick={anchorClick(ctx, x.href)} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
            {inlines(x.children, ctx)}
          </a>
        );
      }
    }
  });
}

const alignStyle = (a: Align) => (a ? { textAlign: a } : undefined);

function BlockView({ block: b, idPrefix, onAnchor }: { block: Block } & Ctx) {
  const ctx: Ctx = { idPrefix, onAnchor };
  switch (b.type) {
    case 'heading': {
      const H = `h${b.level}` as const;
      return (
        <H id={`${idPrefix}${b.id}`}>
          {inlines(b.children, ctx)}
          {' '}<a className="md-anchor" href={`#${idPrefix}${b.id}`} aria-label="link to this section" onClick={anchorClick(ctx, `#${b.id}`)}>#</a>
        </H>
      );
    }
    case 'paragraph': return <p>{inlines(b.children, ctx)}</p>;
    case 'code': return <pre><code {...(b.lang ? { className: `language-${b.lang}` } : {})}>{b.text}</code></pre>;
    case 'list': {
      const items = b.items.map((it, i) => <li key={i}>{inlines(it, ctx)}</li>);
      return b.ordered ? <ol {...(b.start !== 1 ? { start: b.start } : {})}>{items}</ol> : <ul>{items}</ul>;
    }
    case 'table':
      return (
        <table>
          <thead><tr>{b.head.map((c, k) => <th key={k} style={alignStyle(b.align[k] ?? null)}>{inlines(c, ctx)}</th>)}</tr></thead>
          <tbody>
            {b.rows.map((r, j) => <tr key={j}>{r.map((c, k) => <td key={k} style={alignStyle(b.align[k] ?? null)}>{inlines(c, ctx)}</td>)}</tr>)}
          </tbody>
        </table>
      );
  }
}
