/** Permalink codec: round trips, migration, size bounds, and fuzzed garbage that must never throw. */
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, MAX_ENCODED, stateFromHash } from '../src/state/permalink/codec';
import { DEFAULT_STATE, parseState, type PermalinkState } from '../src/state/permalink/schema';
import { mulberry32 as rng } from '../workers/engine/random';


async function deflateB64(bytes: Uint8Array): Promise<string> {
  const cs = new CompressionStream('deflate-raw');
  const out = new Uint8Array(await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(cs)).arrayBuffer());
  return Buffer.from(out).toString('base64url');
}

function randomState(r: () => number): PermalinkState {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const model = pick([null, { kind: 'demo' as const }, { kind: 'hub' as const, repo: 'EleutherAI/pythia-70m', revision: 'a'.repeat(40) }, { kind: 'local' as const, files: ['config.json', 'model.safetensors'], fingerprint: { config: 'ab'.repeat(32), headers: { 'model.safetensors': 'cd'.repeat(32) } } }]);
  return {
    v: 2,
    model,
    prompts: [`Le chat <b>noir</b> "${Math.floor(r() * 1e6)}" ☃ ${'x'.repeat(Math.floor(r() * 50))}`],
    path: r() < 0.5 ? null : [0, 1, 1, 3, 2],
    interventions: r() < 0.5 ? [] : [{ hook: 'blocks.1.attn.hook_z', kind: 'zero', heads: [0, 2] }, { hook: 'blocks.0.hook_resid_post', kind: 'add', positions: [3], value: { shape: [4], data: [0.5, -1, 2, 0] } }],
    view: pick(['lens', 'attention'] as const),
    lens: { metric: pick(['top1Prob', 'targetProb', 'targetRank', 'entropy', 'kl'] as const), targetId: r() < 0.5 ? null : 42, topk: 1 + Math.floor(r() * 10), kl: pick(['final||row', 'row||final', 'final||row-clipped'] as const) },
    attention: { step: Math.floor(r() * 6), head: Math.floor(r() * 8) },
  };
}

describe('permalink codec', () => {
  it('round-trips 200 seeded random experiments exactly', async () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const s = randomState(r);
      const packed = await encodeState(s);
      expect(packed).toMatch(/^[A-Za-z0-9_-]+$/);
      const back = await decodeState(packed);
      expect(back).toEqual({ ok: true, state: s });
    }
  });

  it('keeps markup in prompts as text, byte for byte', async () => {
    const nasty = '<script>alert(1)</script><img src=x onerror=alert(2)> & "quotes" \u202e';
    const back = await decodeState(await encodeState({ ...DEFAULT_STATE, prompts: [nasty] }));
    expect(back.ok && back.state.prompts[0]).toBe(nasty);
  });

  it('migrates v1 links and drops unknown fields', async () => {
    const v1 = await deflateB64(new TextEncoder().encode(JSON.stringify({ v: 1, model: 'hub:gpt2@main', prompt: 'Hello', view: 'attention', extra: 1 })));
    expect(await decodeState(v1)).toEqual({ ok: true, state: { ...DEFAULT_STATE, model: { kind: 'hub', repo: 'gpt2', revision: 'main' }, prompts: ['Hello'], view: 'attention' } });
    const withJunk = parseState({ ...DEFAULT_STATE, junk: { a: 1 }, lens: { ...DEFAULT_STATE.lens, more: true } });
    expect(withJunk).toEqual({ ok: true, state: DEFAULT_STATE });
  });

  it('refuses newer versions, wrong types and out-of-range values with a reason', () => {
    expect(parseState({ ...DEFAULT_STATE, v: 3 })).toEqual({ ok: false, reason: 'link version 3 is newer than this page understands' });
    expect(parseState('hello')).toMatchObject({ ok: false });
    expect(parseState({ ...DEFAULT_STATE, path: [-1] })).toMatchObject({ ok: false });
    expect(parseState({ ...DEFAULT_STATE, model: { kind: 'hub', repo: '../../etc', revision: 'main' } })).toMatchObject({ ok: false });
    expect(parseState({ ...DEFAULT_STATE, lens: { ...DEFAULT_STATE.lens, topk: 1e9 } })).toMatchObject({ ok: false });
  });

  it('bounds size both ways: too-large experiments and deflate bombs', async () => {
    const r = rng(3);
    const noise = Array.from({ length: 16 }, () => Array.from({ length: 4000 }, () => String.fromCharCode(33 + Math.floor(r() * 90))).join(''));
    await expect(encodeState({ ...DEFAULT_STATE, prompts: noise })).rejects.toThrow(/too large for a link/);
    const bomb = await deflateB64(new Uint8Array(5_000_000).fill(32));
    expect(bomb.length).toBeLessThan(MAX_ENCODED);
    expect(await decodeState(bomb)).toEqual({ ok: false, reason: 'the link expands to more than 262144 bytes' });
    expect(await decodeState('A'.repeat(MAX_ENCODED + 1))).toMatchObject({ ok: false });
  });

  it('never throws on 2000 fuzzed links (random text, truncations, bit flips)', async () => {
    const r = rng(11);
    const good = await encodeState(randomState(r));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/%<>"\' ';
    for (let i = 0; i < 2000; i++) {
      let s: string;
      const mode = i % 4;
      if (mode === 0) s = Array.from({ length: Math.floor(r() * 200) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      else if (mode === 1) s = good.slice(0, Math.floor(r() * good.length));
      else if (mode === 2) {
        const j = Math.floor(r() * good.length);
        s = good.slice(0, j) + (alphabet[Math.floor(r() * 64)] ?? 'A') + good.slice(j + 1);
      } else s = await deflateB64(Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
      const out = await decodeState(s);
      if (out.ok) expect(parseState(out.state)).toEqual(out); // whatever decodes is a valid state
      else expect(out.reason.length).toBeGreaterThan(0);
    }
  });

  it('reads the state from a location hash', () => {
    expect(stateFromHash('#s=abc_-')).toBe('abc_-');
    expect(stateFromHash('')).toBeUndefined();
    expect(stateFromHash('#other')).toBeUndefined();
  });
});
