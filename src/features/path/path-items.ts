/**
 * The layer path as editable chips: each chip is one layer with a repeat count, in run
 * order; skipped layers stay visible as greyed chips so they can be switched back on.
 */
export interface PathItem {
  layer: number;
  /** Consecutive runs of this layer (1 = once). */
  repeat: number;
  skipped: boolean;
}

export function itemsFromPath(path: number[] | null, layers: number): PathItem[] {
  const p = path ?? Array.from({ length: layers }, (_, i) => i);
  const items: PathItem[] = [];
  for (const l of p) {
    const last = items[items.length - 1];
    if (last && last.layer === l) last.repeat++;
    else items.push({ layer: l, repeat: 1, skipped: false });
  }
  // Layers the path never runs: greyed chips after the nearest lower layer's chip.
  for (let l = 0; l < layers; l++) {
    if (items.some((it) => it.layer === l)) continue;
    let at = 0;
    items.forEach((it, i) => { if (it.layer < l) at = i + 1; });
    items.splice(at, 0, { layer: l, repeat: 1, skipped: true });
  }
  return items;
}

export function pathFromItems(items: PathItem[]): number[] {
  return items.flatMap((it) => (it.skipped ? [] : Array.from({ length: it.repeat }, () => it.layer)));
}

/** Moves item `from` to index `to` (drag and drop). */
export function moveItem(items: PathItem[], from: number, to: number): PathItem[] {
  const next = [...items];
  const [it] = next.splice(from, 1);
  if (it) next.splice(to, 0, it);
  return next;
}
