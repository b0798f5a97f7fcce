/**
 * A small Markdown parser for the method notes (docs/methods.md): enough for notes, not
 * CommonMark. The output is a plain tree that Markdown.tsx turns into React elements, so
 * nothing is ever inserted as HTML (raw HTML in the source stays literal text).
 *
 * Blocks: ATX headings (`## Title {#id}`: an explicit id, else a slug of the text), fenced
 * code (```lang … ```), lists (`- `/`* ` or `1. `, one level; indented lines continue the
 * item), pipe tables (header, `|---|:--:|` row, body), paragraphs (consecutive lines).
 * Inline: `code`, **strong**, *emphasis* (only with `*`: `_` stays literal, so P_final and
 * h_out survive), [text](href) with href `#anchor`, `http(s)://…`, `mailto:` or a relative
 * path (anything else becomes text), and backslash escapes of `\ * _ [ ] ( ) # | ` ! -`.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; id: string; children: Inline[] }
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] };

/** GitHub-style slug: lower case, punctuation dropped (letters of any script kept), spaces → "-". */
export function slugify(text: string): string {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The plain text of inline content (for slugs and titles). */
export function plainText(xs: readonly Inline[]): string {
  return xs.map((x) => (x.type === 'text' || x.type === 'code' ? x.text : plainText(x.children))).join('');
}

const ESCAPABLE = '\\`*_[]()#|!-';

/** Which link targets are kept: in-page anchors, web and mail links, relative paths. */
export function safeHref(href: string): boolean {
  if (href.startsWith('#')) return /^#[\w.:-]*$/.test(href);
  if (/^(https?:\/\/|mailto:)/i.test(href)) return true;
  // A relative path has no scheme (no ":" before the first "/", "?" or "#").
  return !/^[^/?#]*:/.test(href);
}

/** Parses inline Markdown. */
export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = (): void => {
    if (text) out.push({ type: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\\' && i + 1 < src.length && ESCAPABLE.includes(src[i + 1] as string)) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      // A run of n backticks closes at the next run of exactly n.
      let n = 1;
      while (src[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const end = src.indexOf(fence, i + n);
      if (end >= 0) {
        flush();
        const raw = src.slice(i + n, end);
        out.push({ type: 'code', text: raw.length > 2 && raw.startsWith(' ') && raw.endsWith(' ') ? raw.slice(1, -1) : raw });
        i = end + n;
        continue;
      }
      text += fence;
      i += n;
      continue;
    }
    if (c === '*') {
      const strong = src.startsWith('**', i);
      const mark = strong ? '**' : '*';
      const end = findClose(src, i + mark.length, mark);
      // Flanking as in CommonMark: no space just inside the marks ("a * b * c" stays text).
      if (end > i + mark.length && !/\s/.test(src[i + mark.length] as string) && !/\s/.test(src[end - 1] as string)) {
        flush();
        const children = parseInline(src.slice(i + mark.length, end));
        out.push(strong ? { type: 'strong', children } : { type: 'em', children });
        i = end + mark.length;
        continue;
      }
    }
    if (c === '[') {
      const close = findClose(src, i + 1, ']');
      if (close > i && src[close + 1] === '(') {
        const paren = closingParen(src, close + 2);
        if (paren > close) {
          const href = src.slice(close + 2, paren).trim();
          const children = parseInline(src.slice(i + 1, close));
          flush();
          if (safeHref(href)) out.push({ type: 'link', href, children });
          else out.push(...children);
          i = paren + 1;
          continue;
        }
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

/** Index of the ")" that closes a link target starting at `from` (balanced parentheses inside); −1 if none. */
function closingParen(src: string, from: number): number {
  let depth = 0;
  for (let j = from; j < src.length; j++) {
    if (src[j] === '(') depth++;
    else if (src[j] === ')' && depth-- === 0) return j;
  }
  return -1;
}

/** Index of the next unescaped `mark` at or after `from`, outside code spans; −1 if none. */
function findClose(src: string, from: number, mark: string): number {
  for (let j = from; j < src.length; j++) {
    if (src[j] === '\\') {
      j++;
      continue;
    }
    if (src[j] === '`') {
      const end = src.indexOf('`', j + 1);
      if (end < 0) return -1;
      j = end;
      continue;
    }
    // `**` is never the close of a single `*` (it opens or closes strong text).
    if (src.startsWith(mark, j) && !(mark === '*' && (src[j + 1] === '*' || src[j - 1] === '*'))) return j;
  }
  return -1;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*(?:\{#([\w.:-]+)\})?\s*#*\s*$/;
const FENCE = /^(`{3,})\s*([\w+-]*)\s*$/;
const BULLET = /^[-*]\s+(.*)$/;
const NUMBERED = /^(\d+)[.)]\s+(.*)$/;
const TABLE_RULE = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Cells of a pipe-table row ("| a | b |"), unescaped pipes only. */
function cells(line: string): string[] {
  const s = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && s[i + 1] === '|') {
      cur += '\\|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cur += c;
    } else if (c === '|' && !inCode) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function alignOf(cell: string): Align {
  const l = cell.startsWith(':');
  const r = cell.endsWith(':');
  return l && r ? 'center' : r ? 'right' : l ? 'left' : null;
}

/** Parses a Markdown document into blocks; duplicate heading ids get "-1", "-2", … as on GitHub. */
export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  const seen = new Map<string, number>();
  const uniqueId = (id: string): string => {
    const n = seen.get(id);
    seen.set(id, (n ?? 0) + 1);
    return n === undefined ? id : `${id}-${n}`;
  };
  let i = 0;
  const blank = (l: string | undefined): boolean => l === undefined || l.trim() === '';
  const startsBlock = (l: string): boolean => HEADING.test(l) || FENCE.test(l) || BULLET.test(l) || NUMBERED.test(l);
  while (i < lines.length) {
    const line = lines[i] as string;
    if (blank(line)) {
      i++;
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      const children = parseInline(h[2] as string);
      blocks.push({ type: 'heading', level: (h[1] as string).length as 1 | 2 | 3 | 4 | 5 | 6, id: uniqueId(h[3] ?? slugify(plainText(children))), children });
      i++;
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(f[1] as string)) body.push(lines[i++] as string);
      i++;
      blocks.push({ type: 'code', lang: f[2] ?? '', text: body.join('\n') });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = NUMBERED.exec(line);
    if (bullet || numbered) {
      const ordered = !bullet;
      const marker = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i] as string;
        const m = marker.exec(l);
        if (m) items.push((ordered ? m[2] : m[1]) as string);
        else if (!blank(l) && /^\s+\S/.test(l) && items.length) items[items.length - 1] += ` ${l.trim()}`;
        else break;
        i++;
      }
      blocks.push({ type: 'list', ordered, start: numbered ? Number(numbered[1]) : 1, items: items.map(parseInline) });
      continue;
    }
    if (line.trim().startsWith('|') && TABLE_RULE.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const align = cells(lines[i + 1] as string).map(alignOf);
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && (lines[i] as string).trim().startsWith('|')) {
        const r = cells(lines[i++] as string);
        rows.push(head.map((_, k) => parseInline(r[k] ?? '')));
      }
      blocks.push({ type: 'table', align: head.map((_, k) => align[k] ?? null), head: head.map(parseInline), rows });
      continue;
    }
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !blank(lines[i]) && !startsBlock(lines[i] as string)) para.push((lines[i++] as string).trim());
    blocks.push({ type: 'paragraph', children: parseInline(para.join(' ')) });
  }
  return blocks;
}

/** Every heading id of a document, in order. */
export function headingIds(src: string): string[] {
  return parseMarkdown(src).flatMap((b) => (b.type === 'heading' ? [b.id] : []));
}
