/**
 * The page's prompt checks, pure functions: token ids typed in the id box
 * (src/state/token-ids.ts) and prompts past the model's context (src/state/context.ts).
 * Expected values are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { contextLine, fitContext, learnedPositions, policyLabel } from '../src/state/context';
import { DEFAULT_STATE, parseState } from '../src/state/permalink/schema';
import { parseTokenIds } from '../src/state/token-ids';

describe('parseTokenIds', () => {
  it('reads commas, spaces, both, and one pair of outer brackets', () => {
    for (const text of ['1, 7, 42', '1 7 42', '1,7,42', ' 1 ,7\t42 ', '[1, 7, 42]', '(1 7 42)', '1,, 7 ,42,']) {
      expect(parseTokenIds(text, 2297)).toEqual({ ok: true, ids: [1, 7, 42] });
    }
    expect(parseTokenIds('0 2296', 2297)).toEqual({ ok: true, ids: [0, 2296] });
  });

  it('names the bad entry and its position (from 0, as in the token strip)', () => {
    expect(parseTokenIds('1, 2, 3, x', 2297)).toEqual({ ok: false, error: 'token id "x" at position 3 is not an integer' });
    expect(parseTokenIds('1 2.5', 2297)).toEqual({ ok: false, error: 'token id "2.5" at position 1 is not an integer' });
    expect(parseTokenIds('1e3', 2297)).toEqual({ ok: false, error: 'token id "1e3" at position 0 is not an integer' });
    expect(parseTokenIds('1, 2, 9999', 2297)).toEqual({ ok: false, error: 'token id 9999 at position 2 is past the vocabulary (2297 ids: 0 to 2296)' });
    expect(parseTokenIds('2297', 2297)).toEqual({ ok: false, error: 'token id 2297 at position 0 is past the vocabulary (2297 ids: 0 to 2296)' });
    expect(parseTokenIds('5 -3', 2297)).toEqual({ ok: false, error: 'token id -3 at position 1 is negative (ids are 0 to 2296)' });
    expect(parseTokenIds('[1, [2], 3]', 2297)).toEqual({ ok: false, error: 'token id "[2]" at position 1 is not an integer' });
    // The first bad entry is the one named.
    expect(parseTokenIds('a b', 10)).toEqual({ ok: false, error: 'token id "a" at position 0 is not an integer' });
  });

  it('refuses an empty box', () => {
    for (const text of ['', '   ', '[]', ' , ']) {
      const r = parseTokenIds(text, 10);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^no token ids/);
    }
  });
});

describe('fitContext', () => {
  const rope = { arch: 'llama', contextLength: 256 };
  const gpt2 = { arch: 'gpt2', contextLength: 1024 };
  // 431 ids: BOS (0) then 1..430, so every kept slice can be written down.
  const ids = [0, ...Array.from({ length: 430 }, (_, i) => i + 1)];

  it('leaves a prompt that fits (or a model without a context length) alone', () => {
    const fits = ids.slice(0, 256);
    expect(fitContext(fits, rope, 'ask')).toEqual({ ids: fits, verdict: null });
    expect(fitContext(ids, { arch: 'llama', contextLength: null }, 'refuse')).toEqual({ ids, verdict: null });
  });

  it('ask and refuse run nothing', () => {
    expect(fitContext(ids, rope, 'ask')).toEqual({ ids: null, verdict: { tokens: 431, context: 256, learned: false, action: 'asked' } });
    expect(fitContext(ids, rope, 'refuse')).toEqual({ ids: null, verdict: { tokens: 431, context: 256, learned: false, action: 'refused' } });
  });

  it('keeps the first or the last N', () => {
    const first = fitContext(ids, rope, 'first');
    expect(first.ids).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(first.verdict?.action).toBe('kept-first');
    const last = fitContext(ids, rope, 'last');
    // Without a BOS to keep: ids 175..430 (431 − 256 = 175 dropped from the front).
    expect(last.ids).toEqual(Array.from({ length: 256 }, (_, i) => 175 + i));
    expect(last.verdict).toEqual({ tokens: 431, context: 256, learned: false, action: 'kept-last' });
    // With BOS 0 first: 0, then ids 176..430 (255 of them).
    const withBos = fitContext(ids, rope, 'last', 0);
    expect(withBos.ids).toEqual([0, ...Array.from({ length: 255 }, (_, i) => 176 + i)]);
    expect(withBos.verdict?.keptBos).toBe(true);
    // A BOS id that is not the first token is not kept.
    expect(fitContext(ids, rope, 'last', 7).ids?.[0]).toBe(175);
  });

  it('extrapolates RoPE models; learned positions cannot run past the context', () => {
    expect(fitContext(ids, rope, 'extrapolate')).toEqual({ ids, verdict: { tokens: 431, context: 256, learned: false, action: 'extrapolated' } });
    const long = Array.from({ length: 1100 }, (_, i) => i % 50);
    expect(learnedPositions('gpt2')).toBe(true);
    expect(learnedPositions('llama')).toBe(false);
    expect(fitContext(long, gpt2, 'extrapolate')).toEqual({ ids: null, verdict: { tokens: 1100, context: 1024, learned: true, action: 'refused', cannotExtrapolate: true } });
    expect(fitContext(long, gpt2, 'ask').verdict?.learned).toBe(true);
  });
});

describe('contextLine', () => {
  const base = { tokens: 431, context: 256, learned: false };
  it('always starts with both sizes, then says what was done', () => {
    const lines = {
      asked: contextLine({ ...base, action: 'asked' }, 'llama'),
      refused: contextLine({ ...base, action: 'refused' }, 'llama'),
      first: contextLine({ ...base, action: 'kept-first' }, 'llama'),
      last: contextLine({ ...base, action: 'kept-last' }, 'llama'),
      lastBos: contextLine({ ...base, action: 'kept-last', keptBos: true }, 'llama'),
      extra: contextLine({ ...base, action: 'extrapolated' }, 'llama'),
    };
    for (const l of Object.values(lines)) expect(l.startsWith('431 tokens, the model was trained on 256: ')).toBe(true);
    expect(lines.first).toBe('431 tokens, the model was trained on 256: kept the first 256, dropped the last 175');
    expect(lines.last).toBe('431 tokens, the model was trained on 256: kept the last 256, dropped the first 175');
    expect(lines.lastBos).toBe('431 tokens, the model was trained on 256: kept the first token (BOS) and the last 255, dropped the 175 between (positions 1 to 175)');
    expect(lines.extra).toBe('431 tokens, the model was trained on 256: ran all 431; positions 256 to 430 are past its training (RoPE extrapolation), read them with care');
    expect(lines.asked).toMatch(/not run yet/);
    expect(lines.refused).toMatch(/not run/);
  });

  it('says before running that a learned-position model cannot go past its context', () => {
    const v = { tokens: 1100, context: 1024, learned: true };
    expect(contextLine({ ...v, action: 'asked' }, 'gpt2')).toBe('1100 tokens, the model was trained on 1024: not run yet — gpt2 has learned positions for 1024 only, so it cannot run past them; keep the first or the last 1024?');
    expect(contextLine({ ...v, action: 'refused', cannotExtrapolate: true }, 'gpt2')).toMatch(/not run — gpt2 has learned positions for 1024 only/);
    expect(policyLabel('extrapolate', 1024, true)).toMatch(/impossible/);
    expect(policyLabel('last', 256, false)).toBe('keep the last 256');
  });
});

describe('the setting in the permalink', () => {
  it('keeps a valid setting, refuses an unknown one, and old links (without it) still parse', () => {
    expect(parseState({ ...DEFAULT_STATE, contextPolicy: 'last' })).toEqual({ ok: true, state: { ...DEFAULT_STATE, contextPolicy: 'last' } });
    expect(parseState({ ...DEFAULT_STATE, contextPolicy: 'truncate' })).toMatchObject({ ok: false });
    expect(parseState(DEFAULT_STATE)).toEqual({ ok: true, state: DEFAULT_STATE });
  });
});
