import { showError } from '../../state/ui';
import { download, csvBlob, jsonBlob, pngBlob, svgBlob } from './download';

export interface ExportBarProps {
  /** File name stem, e.g. "logit-lens". */
  name: string;
  json: () => unknown;
  csv?: () => (string | number)[][];
  svg?: () => SVGSVGElement | null;
}

/** Export controls every view carries: the data (JSON, CSV where tabular) and the picture (SVG, PNG). */
export function ExportBar({ name, json, csv, svg }: ExportBarProps) {
  // An export never silently does nothing: no picture yet says so.
  const picture = (): SVGSVGElement | null => {
    const s = svg?.() ?? null;
    if (!s) showError(`Nothing to export as a picture for ${name} yet: the view has no chart.`);
    return s;
  };
  return (
    <span className="export">
      <button type="button" data-testid="export-json" onClick={() => download(`${name}.json`, jsonBlob(json()))}>Export JSON</button>
      {csv && <button type="button" data-testid="export-csv" onClick={() => download(`${name}.csv`, csvBlob(csv()))}>CSV</button>}
      {svg && <button type="button" data-testid="export-svg" onClick={() => { const s = picture(); if (s) download(`${name}.svg`, svgBlob(s)); }}>SVG</button>}
      {svg && <button type="button" data-testid="export-png" onClick={() => { const s = picture(); if (s) void pngBlob(s).then((b) => download(`${name}.png`, b)).catch((e: unknown) => showError(`PNG export of ${name} failed: ${e instanceof Error ? e.message : String(e)}`)); }}>PNG</button>}
    </span>
  );
}
