/** The CKA view's settings in the permalink: round trip with the view, bounds refused, older links without them still read. */
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../src/state/permalink/codec';
import { DEFAULT_STATE, parseState, type PermalinkState } from '../src/state/permalink/schema';
import { CKA_INITIAL } from '../src/state/cka-slice';

describe('CKA settings in the permalink', () => {
  it('round-trip exactly, view included', async () => {
    const cka = { ...CKA_INITIAL.ckaSettings, mode: 'path' as const, position: 'mean' as const, kind: 'debiased' as const, minibatch: 64, seed: 7, ridge: 0.5, hooks: 'hook_embed,blocks.*.hook_resid_post' };
    const s: PermalinkState = { ...DEFAULT_STATE, view: 'cka', cka };
    const back = await decodeState(await encodeState(s));
    expect(back.ok).toBe(true);
    if (back.ok) {
      expect(back.state.view).toBe('cka');
      expect(back.state.cka).toEqual(cka);
    }
  });
  it('out-of-range settings make the link invalid (named); a link without them reads', () => {
    const bad = parseState({ ...DEFAULT_STATE, cka: { ...CKA_INITIAL.ckaSettings, holdout: 1 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toContain('cka.holdout');
    expect(parseState({ ...DEFAULT_STATE, cka: { ...CKA_INITIAL.ckaSettings, kind: 'rbf' } }).ok).toBe(false);
    const old = parseState({ ...DEFAULT_STATE });
    expect(old.ok && old.state.cka).toBeUndefined();
  });
});
