import type { Locator } from '@playwright/test';

/** What legibility() found in the SVG charts under one element. */
export interface LegibilityReport {
  svgs: number;
  texts: number;
  /** Pairs of text labels whose rendered boxes overlap within one chart ("a" × "b"). */
  overlaps: string[];
  /** Labels whose rendered box reaches past their own SVG's edges (they are cut off). */
  clipped: string[];
}

/**
 * Runs in the page: every non-empty <text> of every <svg> under root, as the quadrilateral its
 * getBBox() covers on screen (getScreenCTM, so rotated labels keep their true shape). Two labels
 * of one chart overlap when the separating-axis test finds no gap of at least 1 px of overlap;
 * a label is clipped when a corner lies more than 1 px outside its SVG's client rectangle.
 * Self-contained: Playwright ships the function's source to the page.
 */
function legibilityInPage(root: Element): LegibilityReport {
  type Pt = [number, number];
  const TOL = 1; // px of overlap/overhang forgiven (anti-aliasing, rounding of glyph boxes)
  const quad = (t: SVGGraphicsElement): Pt[] | null => {
    const b = t.getBBox();
    const m = t.getScreenCTM();
    if (!m || b.width === 0 || b.height === 0) return null;
    const p = (x: number, y: number): Pt => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    return [p(b.x, b.y), p(b.x + b.width, b.y), p(b.x + b.width, b.y + b.height), p(b.x, b.y + b.height)];
  };
  const separated = (a: Pt[], b: Pt[]): boolean => {
    for (const poly of [a, b]) {
      for (let i = 0; i < poly.length; i++) {
        const p = poly[i] as Pt;
        const q = poly[(i + 1) % poly.length] as Pt;
        const len = Math.hypot(q[0] - p[0], q[1] - p[1]) || 1;
        const ax: Pt = [-(q[1] - p[1]) / len, (q[0] - p[0]) / len];
        const proj = (s: Pt[]) => s.map(([x, y]) => x * ax[0] + y * ax[1]);
        const pa = proj(a);
        const pb = proj(b);
        if (Math.max(...pa) - Math.min(...pb) <= TOL || Math.max(...pb) - Math.min(...pa) <= TOL) return true;
      }
    }
    return false;
  };
  const report: LegibilityReport = { svgs: 0, texts: 0, overlaps: [], clipped: [] };
  // Only outermost SVGs are charts (a chart never nests one, but be safe).
  const svgs = [...root.querySelectorAll('svg')].filter((s) => !s.parentElement?.closest('svg'));
  for (const svg of svgs) {
    report.svgs += 1;
    const r = svg.getBoundingClientRect();
    const items = [...svg.querySelectorAll('text')]
      .map((t) => ({ label: (t.textContent ?? '').trim(), q: quad(t) }))
      .filter((x): x is { label: string; q: Pt[] } => x.label.length > 0 && x.q !== null);
    report.texts += items.length;
    for (const it of items) {
      const out = it.q.some(([x, y]) => x < r.left - TOL || x > r.right + TOL || y < r.top - TOL || y > r.bottom + TOL);
      if (out) report.clipped.push(`"${it.label}" (svg ${Math.round(r.width)}×${Math.round(r.height)} px)`);
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i] as { label: string; q: Pt[] };
        const b = items[j] as { label: string; q: Pt[] };
        if (!separated(a.q, b.q)) report.overlaps.push(`"${a.label}" × "${b.label}"`);
      }
    }
  }
  return report;
}

export function legibility(root: Locator): Promise<LegibilityReport> {
  return root.evaluate(legibilityInPage);
}

/** Marks drawn for values outside their chart's scale: how many, and which are not marked. */
export interface RangeReport {
  /** Marks ([data-v]) inside charts that declare their scale ([data-top], optional [data-bottom]). */
  marks: number;
  /** Marks whose value lies above the top (or below the bottom) and that carry class "over" ("under"). */
  marked: number;
  /** Out-of-range values drawn without their mark: "value > top". */
  unmarked: string[];
}

/** Same relative tolerance as the charts: a value equal to the top within 1e-6 is in range. */
function rangeInPage(root: Element): RangeReport {
  const rep: RangeReport = { marks: 0, marked: 0, unmarked: [] };
  for (const svg of root.querySelectorAll('svg[data-top]')) {
    const top = Number(svg.getAttribute('data-top'));
    const bottomAttr = svg.getAttribute('data-bottom');
    const bottom = bottomAttr === null ? -Infinity : Number(bottomAttr);
    for (const el of svg.querySelectorAll('[data-v]')) {
      const v = Number(el.getAttribute('data-v'));
      rep.marks += 1;
      if (!Number.isFinite(v)) continue;
      if (v > top + 1e-6 * Math.abs(top)) {
        if (el.classList.contains('over')) rep.marked += 1;
        else rep.unmarked.push(`${v} > ${top}`);
      } else if (v < bottom - 1e-6 * Math.abs(bottom)) {
        if (el.classList.contains('under')) rep.marked += 1;
        else rep.unmarked.push(`${v} < ${bottom}`);
      }
    }
  }
  return rep;
}

export function rangeMarks(root: Locator): Promise<RangeReport> {
  return root.evaluate(rangeInPage);
}
