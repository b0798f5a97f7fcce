/**
 * The harness tells every outcome apart (a fuzz suite that cannot fail would prove
 * nothing): the selftest target misbehaves in a known way per case, including a
 * synchronous infinite loop that only the watchdog can stop by ending the thread.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64 } from './harness';
import { runTargets } from './pool';

describe('fuzz harness', () => {
  it('counts ok, refused, crash (foreign error and multi-line message), leak, non-finite and both kinds of hang, and carries on after a hang', async () => {
    const [r] = await runTargets(['selftest'], { seed: 3, count: 9 });
    expect(r).toBeDefined();
    if (!r) return;
    // Kinds 0..7, then 0 again after the sync hang: see tests/fuzz/targets/selftest.ts.
    expect(r.counts).toEqual({ ok: 2, refused: 1, crash: 2, hang: 2, leak: 1, nonfinite: 1 });
    // The synchronous hang (case 7) ended its thread; the run went on in a new one.
    expect(r.threads).toBe(2);
    const kinds = r.failures.map((f) => `${f.outcome}:${fromBase64(f.input)[0]}`).sort();
    expect(kinds).toEqual(['crash:2', 'crash:3', 'hang:6', 'hang:7', 'leak:4', 'nonfinite:5']);
    expect(r.failures.find((f) => f.outcome === 'nonfinite')?.message).toContain('$.x[1] = NaN');
  }, 60_000);
});
