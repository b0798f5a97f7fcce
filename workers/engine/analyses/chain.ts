/**
 * Chains of layers (CoLa, METHODS.md §8) and their segment operations. Pure: no tfjs.
 *
 * A chain is the list of layer indices a forward pass runs, in order (the `path` of a
 * run). A parse splits the layers 0..L−1, in order, into segments of 1–MAX_SEGMENT
 * layers and gives each segment one operation:
 *   keep           run the segment's layers once, in order;
 *   skip           omit them;
 *   repeat ×times  run the segment `times` ≥ 2 times back to back (a loop).
 * The chain is the concatenation of what each operation emits. Reorders (e.g. [2,0,1])
 * and loops that do not repeat a contiguous segment have no parse.
 */
import { fail } from '../errors';

/** CoLa's released parser uses segments of 1–4 layers. */
export const MAX_SEGMENT = 4;

export type SegmentKind = 'keep' | 'skip' | 'repeat';

export interface SegmentOp {
  op: SegmentKind;
  /** First layer of the segment (0-based). */
  start: number;
  /** One past the last layer (exclusive); 1 ≤ end − start ≤ MAX_SEGMENT. */
  end: number;
  /** Repeat count, ≥ 2; only for 'repeat'. */
  times?: number;
}

/** (segments, skips, −repeats): compared lexicographically, smaller is more canonical. */
export type ParseCost = readonly [number, number, number];

export function parseCost(ops: readonly SegmentOp[]): ParseCost {
  let skips = 0;
  let repeats = 0;
  for (const o of ops) {
    if (o.op === 'skip') skips++;
    else if (o.op === 'repeat') repeats++;
  }
  return [ops.length, skips, -repeats];
}

function costLess(a: ParseCost, b: ParseCost): boolean {
  for (let k = 0; k < 3; k++) {
    if ((a[k] as number) !== (b[k] as number)) return (a[k] as number) < (b[k] as number);
  }
  return false;
}

/** What one operation emits. */
function emit(o: SegmentOp): number[] {
  const seg = Array.from({ length: o.end - o.start }, (_, k) => o.start + k);
  if (o.op === 'skip') return [];
  if (o.op === 'keep') return seg;
  const out: number[] = [];
  for (let t = 0; t < (o.times ?? 2); t++) out.push(...seg);
  return out;
}

/** The chain that `ops` produce; refuses ops that do not cover 0..L−1 in order with valid segments. */
export function applyOps(ops: readonly SegmentOp[], L: number): number[] {
  let at = 0;
  const chain: number[] = [];
  ops.forEach((o, i) => {
    if (o.start !== at) fail(`segment ${i} starts at layer ${o.start} but layer ${at} is next: segments must cover 0..${L - 1} in order`);
    const n = o.end - o.start;
    if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENT) fail(`segment ${i} (${o.start}..${o.end - 1}) has ${n} layers; a segment has 1–${MAX_SEGMENT}`);
    if (o.end > L) fail(`segment ${i} ends at layer ${o.end - 1} but the model has ${L} layers (0..${L - 1})`);
    if (o.op === 'repeat' && (o.times === undefined || !Number.isInteger(o.times) || o.times < 2)) {
      fail(`segment ${i} repeats ${String(o.times)} times; a repeat runs its segment an integer ≥ 2 times`);
    }
    chain.push(...emit(o));
    at = o.end;
  });
  if (at !== L) fail(`the segments cover layers 0..${at - 1} but the model has ${L} layers`);
  return chain;
}

/** True when chain[j..j+n) is exactly the layers start..start+n−1. */
function matches(chain: readonly number[], j: number, start: number, n: number): boolean {
  if (j + n > chain.length) return false;
  for (let k = 0; k < n; k++) if (chain[j + k] !== start + k) return false;
  return true;
}

interface Best {
  cost: ParseCost;
  op: SegmentOp;
  /** Chain position after this op. */
  next: number;
}

/**
 * The canonical parse (METHODS §8): fewest segments, then fewest skips, then most
 * repeat operations. Remaining ties are common (keep 0-3 · keep 4 and keep 0 · keep 1-4
 * both cost (2, 0, 0)); they go, at the first segment where two optimal parses differ,
 * to the longer segment, then to keep before repeat before skip, then to fewer repeat
 * times — i.e. greedy longest-first from layer 0. Null when the chain has no parse.
 *
 * Dynamic programming over (next layer i, chain position j), O(L · |chain| · 4 · times).
 */
export function parseChain(chain: readonly number[], L: number): SegmentOp[] | null {
  const n = chain.length;
  // memo[i * (n + 1) + j]: the best way to finish from layer i at chain position j; null = impossible.
  const memo = new Map<number, Best | null>();
  const done: ParseCost = [0, 0, 0];
  const solve = (i: number, j: number): ParseCost | null => {
    if (i === L) return j === n ? done : null;
    const key = i * (n + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit ? hit.cost : null;
    let best: Best | null = null;
    const consider = (op: SegmentOp, next: number): void => {
      const rest = solve(op.end, next);
      if (!rest) return;
      const cost: ParseCost = [rest[0] + 1, rest[1] + (op.op === 'skip' ? 1 : 0), rest[2] - (op.op === 'repeat' ? 1 : 0)];
      // Strictly better only: the first candidate in the documented order wins ties.
      if (!best || costLess(cost, best.cost)) best = { cost, op, next };
    };
    for (let s = Math.min(MAX_SEGMENT, L - i); s >= 1; s--) {
      const end = i + s;
      if (matches(chain, j, i, s)) {
        consider({ op: 'keep', start: i, end }, j + s);
        for (let t = 2; matches(chain, j + (t - 1) * s, i, s); t++) consider({ op: 'repeat', start: i, end, times: t }, j + t * s);
      }
      consider({ op: 'skip', start: i, end }, j);
    }
    memo.set(key, best);
    return best ? (best as Best).cost : null;
  };
  if (!solve(0, 0)) return null;
  const ops: SegmentOp[] = [];
  for (let i = 0, j = 0; i < L; ) {
    const b = memo.get(i * (n + 1) + j) as Best;
    ops.push(b.op);
    i = b.op.end;
    j = b.next;
  }
  return ops;
}

const range = (a: number, b: number): string => (a === b ? `${a}` : `${a}-${b}`);

/**
 * A short readable form of a chain, from its canonical parse with adjacent keeps merged
 * into one range and adjacent skips into one skip (segment boundaries are an artefact
 * of the 4-layer limit, not something a reader needs):
 *   `a-b` or `a`           layers a..b (inclusive, 0-based) run once;
 *   `skip a-b` / `skip a`  layers a..b omitted;
 *   `a-b ×t` / `a ×t`      the segment a..b run t times back to back;
 * joined by ` · `, e.g. `0-3 · skip 4 · 5-6 ×2 · 7-11`. A chain with no parse (a
 * reorder) is shown as its raw list, `[2,0,1]`. `chainFromNotation` reads both forms.
 */
export function chainNotation(chain: readonly number[], L: number): string {
  const ops = parseChain(chain, L);
  if (!ops) return `[${chain.join(',')}]`;
  const parts: string[] = [];
  let run: { op: SegmentKind; start: number; end: number } | undefined;
  const flush = (): void => {
    if (!run) return;
    parts.push(run.op === 'skip' ? `skip ${range(run.start, run.end - 1)}` : range(run.start, run.end - 1));
    run = undefined;
  };
  for (const o of ops) {
    if (o.op === 'repeat') {
      flush();
      parts.push(`${range(o.start, o.end - 1)} ×${o.times ?? 2}`);
    } else if (run && run.op === o.op) {
      run.end = o.end;
    } else {
      flush();
      run = { op: o.op, start: o.start, end: o.end };
    }
  }
  flush();
  return parts.join(' · ');
}

/** Reads `chainNotation`'s output (or a raw list `[2,0,1]`) back into a chain; `x` is accepted for `×`. */
export function chainFromNotation(text: string, L: number): number[] {
  const s = text.trim();
  const check = (chain: number[]): number[] => {
    chain.forEach((l) => {
      if (!Number.isInteger(l) || l < 0 || l >= L) fail(`chain "${text}" names layer ${l} but the model has ${L} layers (0..${L - 1})`);
    });
    return chain;
  };
  if (s.startsWith('[')) {
    if (!/^\[\s*(\d+\s*(,\s*\d+\s*)*)?\]$/.test(s)) fail(`chain "${text}" is not a list of layer indices like [2,0,1]`);
    const inner = s.slice(1, -1).trim();
    return check(inner ? inner.split(',').map((x) => Number(x)) : []);
  }
  const chain: number[] = [];
  for (const part of s.split('·')) {
    const m = /^\s*(skip\s+)?(\d+)(?:\s*-\s*(\d+))?\s*(?:[×x]\s*(\d+))?\s*$/.exec(part);
    if (!m) fail(`chain "${text}": cannot read "${part.trim()}" (expected a-b, skip a-b or a-b ×t)`);
    const a = Number(m[2]);
    const b = m[3] === undefined ? a : Number(m[3]);
    if (b < a) fail(`chain "${text}": range ${a}-${b} runs backwards`);
    if (m[1]) continue;
    const seg = Array.from({ length: b - a + 1 }, (_, k) => a + k);
    const times = m[4] === undefined ? 1 : Number(m[4]);
    for (let t = 0; t < times; t++) chain.push(...seg);
  }
  return check(chain);
}
