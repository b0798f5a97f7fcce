/** Small number formats for the Datasets view. */

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

export function secondsText(s: number): string {
  if (!Number.isFinite(s)) return '…';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/** "false 391 · true 391" */
export function balanceText(labels: Record<string, number>): string {
  const e = Object.entries(labels);
  if (e.length === 0) return 'no labels';
  const shown = e.slice(0, 4).map(([k, n]) => `${k} ${n}`).join(' · ');
  return e.length > 4 ? `${shown} · … (${e.length} labels)` : shown;
}
