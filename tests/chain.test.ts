/** Chain ⇄ segment operations (METHODS §8): exhaustive round trips and brute-force canonical minimality. */
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT, applyOps, chainFromNotation, chainNotation, parseChain, parseCost, type ParseCost, type SegmentOp } from '../workers/engine/analyses/chain';
import { StrataError } from '../workers/engine/errors';

/** Every op sequence over L layers with repeat times in `times`. */
function allOpSequences(L: number, times: readonly number[]): SegmentOp[][] {
  const out: SegmentOp[][] = [];
  const rec = (at: number, acc: SegmentOp[]): void => {
    if (at === L) {
      out.push(acc);
      return;
    }
    for (let s = 1; s <= Math.min(MAX_SEGMENT, L - at); s++) {
      const end = at + s;
      rec(end, [...acc, { op: 'keep', start: at, end }]);
      rec(end, [...acc, { op: 'skip', start: at, end }]);
      for (const t of times) rec(end, [...acc, { op: 'repeat', start: at, end, times: t }]);
    }
  };
  rec(0, []);
  return out;
}

/** Plain emission, written independently of chain.ts. */
function emitAll(ops: readonly SegmentOp[]): number[] {
  const out: number[] = [];
  for (const o of ops) {
    const reps = o.op === 'skip' ? 0 : o.op === 'keep' ? 1 : (o.times as number);
    for (let t = 0; t < reps; t++) for (let l = o.start; l < o.end; l++) out.push(l);
  }
  return out;
}

const lexLess = (a: readonly number[], b: readonly number[]): number => {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return (a[k] as number) - (b[k] as number);
  return a.length - b.length;
};

/** The documented tie rule as a sort key per op: longer segment, then keep < repeat < skip, then fewer times. */
const opKey = (o: SegmentOp): number[] => [-(o.end - o.start), { keep: 0, repeat: 1, skip: 2 }[o.op], o.times ?? 0];
const tieKey = (ops: readonly SegmentOp[]): number[] => ops.flatMap(opKey);

describe('chain ⇄ segment operations', () => {
  it('every op sequence for L ≤ 6 round-trips, and the parse is a brute-force canonical minimum', () => {
    let ties = 0;
    let chains = 0;
    for (let L = 1; L <= 6; L++) {
      const byChain = new Map<string, SegmentOp[][]>();
      for (const ops of allOpSequences(L, [2, 3])) {
        const chain = emitAll(ops);
        expect(applyOps(ops, L)).toEqual(chain);
        const key = chain.join(',');
        const group = byChain.get(key);
        if (group) group.push(ops);
        else byChain.set(key, [ops]);
      }
      for (const [key, parses] of byChain) {
        chains++;
        const chain = key === '' ? [] : key.split(',').map(Number);
        const mine = parseChain(chain, L);
        if (!mine) throw new Error(`no parse for [${key}] at L=${L}`);
        expect(applyOps(mine, L)).toEqual(chain);
        // Minimal by (segments, skips, −repeats) over every parse of this chain.
        const costs = parses.map(parseCost);
        const min = costs.reduce((a, b) => (lexLess(a, b) <= 0 ? a : b));
        expect(parseCost(mine)).toEqual(min);
        const optimal = parses.filter((_, i) => lexLess(costs[i] as ParseCost, min) === 0);
        if (optimal.length > 1) ties++;
        const rule = optimal.reduce((a, b) => (lexLess(tieKey(a), tieKey(b)) <= 0 ? a : b));
        expect(mine).toEqual(rule);
        expect(chainFromNotation(chainNotation(chain, L), L)).toEqual(chain);
      }
    }
    expect(chains).toBeGreaterThan(5000);
    // Ties on (segments, skips, −repeats) are common (e.g. keep 0-3 · keep 4 vs keep 0 · keep 1-4), so the rule matters.
    expect(ties).toBeGreaterThan(0);
  });

  it('returns null exactly for chains with no parse (every chain of length ≤ 6 over 3 layers)', () => {
    const L = 3;
    const expressible = new Set(allOpSequences(L, [2, 3, 4, 5, 6]).map((ops) => emitAll(ops).join(',')));
    let seq: number[][] = [[]];
    let nulls = 0;
    for (let len = 0; len <= 6; len++) {
      for (const chain of seq) {
        const p = parseChain(chain, L);
        expect(p !== null).toBe(expressible.has(chain.join(',')));
        if (p) expect(applyOps(p, L)).toEqual(chain);
        else {
          nulls++;
          expect(chainNotation(chain, L)).toBe(`[${chain.join(',')}]`);
          expect(chainFromNotation(chainNotation(chain, L), L)).toEqual(chain);
        }
      }
      seq = seq.flatMap((c) => [0, 1, 2].map((l) => [...c, l]));
    }
    expect(nulls).toBeGreaterThan(500);
  });

  it('canonical choices and notation', () => {
    // Fewest segments: one keep of 0-2, not three.
    expect(parseChain([0, 1, 2], 3)).toEqual([{ op: 'keep', start: 0, end: 3 }]);
    // Tie on cost (2 segments, 0 skips): the longer first segment wins.
    expect(parseChain([0, 1, 2, 3, 4], 5)).toEqual([{ op: 'keep', start: 0, end: 4 }, { op: 'keep', start: 4, end: 5 }]);
    // Fewest segments beats fewer skips: one skip of 0-3.
    expect(parseChain([], 4)).toEqual([{ op: 'skip', start: 0, end: 4 }]);
    expect(parseChain([1, 2, 1, 2, 3], 4)).toEqual([
      { op: 'skip', start: 0, end: 1 }, { op: 'repeat', start: 1, end: 3, times: 2 }, { op: 'keep', start: 3, end: 4 },
    ]);
    const L = 12;
    const chain = [0, 1, 2, 3, 5, 6, 5, 6, 7, 8, 9, 10, 11];
    expect(chainNotation(chain, L)).toBe('0-3 · skip 4 · 5-6 ×2 · 7-11');
    expect(chainFromNotation('0-3 · skip 4 · 5-6 ×2 · 7-11', L)).toEqual(chain);
    expect(chainFromNotation('0-3 · skip 4 · 5-6 x2 · 7-11', L)).toEqual(chain);
    expect(chainNotation([...Array(L).keys()], L)).toBe('0-11');
    expect(chainNotation([], L)).toBe('skip 0-11');
    expect(chainNotation([0, 0, 0, 1], 2)).toBe('0 ×3 · 1');
    expect(chainNotation([0, 0, 1, 1], 2)).toBe('0 ×2 · 1 ×2');
    expect(chainNotation([2, 0, 1], 3)).toBe('[2,0,1]');
    expect(chainNotation([0, 1, 0], 2)).toBe('[0,1,0]');
    expect(chainFromNotation('[]', 3)).toEqual([]);
  });

  it('refuses malformed ops and notation with a StrataError', () => {
    const bad: [SegmentOp[], number][] = [
      [[{ op: 'keep', start: 0, end: 2 }], 3],
      [[{ op: 'keep', start: 1, end: 3 }], 3],
      [[{ op: 'keep', start: 0, end: 5 }], 5],
      [[{ op: 'repeat', start: 0, end: 1, times: 1 }], 1],
      [[{ op: 'repeat', start: 0, end: 1 }], 1],
      [[{ op: 'keep', start: 0, end: 2 }], 1],
    ];
    for (const [ops, L] of bad) expect(() => applyOps(ops, L)).toThrow(StrataError);
    expect(() => chainFromNotation('0-3 · keep 4', 5)).toThrow(StrataError);
    expect(() => chainFromNotation('0-7', 5)).toThrow(StrataError);
    expect(() => chainFromNotation('[1,a]', 5)).toThrow(StrataError);
  });
});
