/**
 * Text widths without a browser: charts are built detached (and in jsdom for tests), where
 * nothing can be measured, yet a label must fit its margin and a legend its SVG. Advance widths
 * are DejaVu Sans's (the widest common sans-serif, and what Debian's system-ui resolves to), so
 * on macOS/Windows system fonts the estimate errs wide — the safe side: labels never clip.
 */

/** ASCII 32..126 advance widths in 1/100 em (DejaVu Sans, measured in Chromium at 100 px). */
const ASCII = [
  32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, // space ! " # $ % & ' ( ) * + , - . /
  64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53, // 0-9 : ; < = > ?
  100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79, // @ A-O
  60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50, // P-Z [ \ ] ^ _
  50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, // ` a-o
  63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84, // p-z { | } ~
];

/** Width of one character in em: ASCII from the table, wide symbols and CJK at 1 em, other letters (Cyrillic, accents) at 0.72 em. */
function charEm(code: number): number {
  if (code >= 32 && code <= 126) return (ASCII[code - 32] as number) / 100;
  if (code >= 0x2e80) return 1; // CJK, emoji
  if (code >= 0x2190 && code <= 0x23ff) return 0.84; // arrows, math operators, ⏎
  if (code >= 0x25a0 && code <= 0x25ff) return 0.84; // ▲ ▼ ■
  if (code >= 0x2600 && code <= 0x27bf) return 1; // ⚠ and other symbols
  if (code === 0x2026) return 1; // …
  return 0.72;
}

/** Estimated rendered width in px of text at fontPx (bold adds 13%, about DejaVu Sans Bold's ratio). */
export function textWidth(text: string, fontPx: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += charEm(ch.codePointAt(0) ?? 32);
  return em * fontPx * (bold ? 1.13 : 1);
}

/** text shortened with "…" to at most maxPx wide (unchanged when it fits). */
export function truncate(text: string, maxPx: number, fontPx: number): string {
  if (textWidth(text, fontPx) <= maxPx) return text;
  const chars = [...text];
  const ell = textWidth('…', fontPx);
  let w = 0;
  let n = 0;
  for (; n < chars.length; n++) {
    const cw = textWidth(chars[n] as string, fontPx);
    if (w + cw + ell > maxPx) break;
    w += cw;
  }
  return `${chars.slice(0, n).join('')}…`;
}

/** text broken at spaces into lines of at most maxPx (a single word wider than that is cut with "…"). */
export function wrap(text: string, maxPx: number, fontPx: number, bold = false): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const next = line ? `${line} ${word}` : word;
    if (textWidth(next, fontPx, bold) <= maxPx) line = next;
    else {
      if (line) lines.push(line);
      line = textWidth(word, fontPx, bold) <= maxPx ? word : truncate(word, maxPx / (bold ? 1.13 : 1), fontPx);
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** Height in px a line of text occupies (glyph box of DejaVu Sans: 1.17 em), the spacing labels need. */
export const lineHeight = (fontPx: number): number => Math.ceil(fontPx * 1.2);

/**
 * Label every k-th of n marks spaced `spacing` px apart so neighbours keep `need` px between
 * their baselines: k = ⌈need / spacing⌉ (1 when they already fit). For labels rotated by θ from
 * the horizontal, pass spacing · sin θ (the distance between two parallel rotated baselines).
 */
export function thinEvery(spacing: number, need: number): number {
  if (!(spacing > 0)) return 1;
  return Math.max(1, Math.ceil(need / spacing - 1e-9));
}

/** d3-free compact number label: three significant digits, trailing zeros dropped ("3.2", "73.3", "0.000123"). */
export function fmt3(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}
