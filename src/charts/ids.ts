/** Unique, deterministic ids for SVG defs (gradients): several charts share one page, and tests snapshot their output. */
let n = 0;
export function nextId(prefix: string): string {
  n += 1;
  return `${prefix}-${n}`;
}

/** Restarts the sequence (tests only, for stable snapshots). */
export function resetIds(): void {
  n = 0;
}
