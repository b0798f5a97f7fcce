/**
 * Marks on a matrix heatmap (matrix-heatmap.ts): an outline around chosen cells, e.g. the
 * best-matching column of each row, with a hover text, and optionally every cell's hover
 * text replaced (e.g. with full names where the labels are short). Data in (the heatmap's
 * SVG, the cells), SVG out: a copy of the heatmap with the marks on top. The cells are found by
 * their rectangles (`rect.cell`, row-major); when the heatmap does not have exactly
 * rows × cols of them the copy is returned unmarked and `marked` says so.
 */
import * as d3 from 'd3';

export interface CellMark {
  row: number;
  col: number;
  /** Hover text of the mark. */
  title: string;
}

export function markCells(heatmap: SVGSVGElement, rows: number, cols: number, marks: CellMark[], opts: { color?: string; titles?: string[][] } = {}): { svg: SVGSVGElement; marked: boolean } {
  const svg = heatmap.cloneNode(true) as SVGSVGElement;
  const cells = svg.querySelectorAll<SVGRectElement>('rect.cell');
  if (cells.length !== rows * cols) return { svg, marked: false };
  const color = opts.color ?? '#1f4e9c';
  if (opts.titles) {
    cells.forEach((cell, k) => {
      const t = opts.titles?.[Math.floor(k / cols)]?.[k % cols];
      const el = cell.querySelector('title');
      if (t !== undefined && el) el.textContent = t;
    });
  }
  const g = d3.select(svg).append('g').attr('class', 'marks').attr('pointer-events', 'none');
  for (const m of marks) {
    const cell = cells[m.row * cols + m.col];
    if (!cell) continue;
    const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(cell.getAttribute(a)));
    // A dark outline with a white one inside: visible on light and on dark cells.
    g.append('rect').attr('x', (x as number) + 2.5).attr('y', (y as number) + 2.5).attr('width', Math.max(1, (w as number) - 5)).attr('height', Math.max(1, (h as number) - 5))
      .attr('fill', 'none').attr('stroke', '#fff').attr('stroke-width', 1);
    g.append('rect').attr('class', 'mark').attr('data-row', m.row).attr('data-col', m.col)
      .attr('x', (x as number) + 1).attr('y', (y as number) + 1).attr('width', Math.max(1, (w as number) - 2)).attr('height', Math.max(1, (h as number) - 2))
      .attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2)
      .append('title').text(m.title);
  }
  return { svg, marked: true };
}
