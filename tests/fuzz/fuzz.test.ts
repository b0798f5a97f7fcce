/**
 * The seeded fuzz suite (issue 16): every target's first `suiteCount` cases under seed 1,
 * all in one worker thread under the watchdog (tests/fuzz/pool.ts). Every case must end
 * as a success with finite numbers or a one-line StrataError; a crash, hang, leak or
 * non-finite success fails its target's test with the inputs listed (replay them with
 * `npm run fuzz -- --replay FILE` after saving, or regenerate: seed 1, target, index).
 * Longer runs: `npm run fuzz -- --count 100000 [--target NAME]`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURES } from './harness';
import { runTargets, type TargetReport } from './pool';
import { TARGETS } from './targets/index';

const SEED = 1;
let reports: TargetReport[] = [];

describe('fuzz: every parser of user bytes answers with a result or a one-line refusal', () => {
  beforeAll(async () => {
    // Targets share one thread: its start-up (tsx, tfjs, wasm) is paid once.
    const counts = new Map(TARGETS.map((t) => [t.name, t.suiteCount]));
    reports = await runTargets(TARGETS.map((t) => t.name), { seed: SEED, count: (n) => counts.get(n) ?? 0, keep: 10 });
  }, 170_000);

  it.each(TARGETS.map((t) => [t.name, t.suiteCount] as const))('%s: %i seeded cases, no crash, hang, leak or non-finite success', (name, count) => {
    const r = reports.find((x) => x.target === name);
    expect(r, `no report for ${name}`).toBeDefined();
    if (!r) return;
    const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(count);
    const bad = FAILURES.map((o) => `${o} ${r.counts[o]}`).join(', ');
    const list = r.failures.map((f) => `  ${f.outcome} #${f.index} ${f.what}: ${f.message}`).join('\n');
    expect(FAILURES.every((o) => r.counts[o] === 0), `${name}: ${bad}\n${list}`).toBe(true);
    // The mutations reach both sides: some inputs still parse, most are refused.
    expect(r.counts.refused).toBeGreaterThan(0);
  });
});
