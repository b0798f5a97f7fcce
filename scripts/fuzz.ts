/**
 * `npm run fuzz -- [--count 100000] [--target NAME]... [--seed 1] [--start 0] [--out FILE]`
 * runs the fuzz targets (tests/fuzz/targets/) for longer than the seeded suite, each in a
 * worker thread under a watchdog (tests/fuzz/pool.ts), and prints the count of every
 * outcome per target. Failing inputs (crash, hang, leak, non-finite success) are saved to
 * FILE (default .fuzz/failures-<seed>.json) with their seed, index, mutation and bytes;
 * `npm run fuzz -- --replay FILE` runs them again in this process and prints each outcome.
 * Exits 1 when any case failed. `--list` names the targets.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { FAILURES, fromBase64, OUTCOMES, runCase, type Outcome } from '../tests/fuzz/harness';
import { runTargets, type Failure, type TargetReport } from '../tests/fuzz/pool';
import { TARGETS, targetNamed } from '../tests/fuzz/targets/index';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    out: { type: 'string' },
    replay: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(12)} ${t.about}`);
  process.exit(0);
}

if (values.replay) {
  const saved = JSON.parse(readFileSync(values.replay, 'utf8')) as { failures: Failure[] };
  let bad = 0;
  for (const f of saved.failures) {
    const t = targetNamed(f.target);
    await t.fixtures();
    await t.init?.();
    const r = await runCase(t, { bytes: fromBase64(f.input), what: f.what, ...(f.name !== undefined ? { name: f.name } : {}) });
    if (FAILURES.includes(r.outcome)) bad++;
    console.log(`${f.target} #${f.index} (${f.what}): was ${f.outcome}, now ${r.outcome}${r.message ? `: ${r.message}` : ''}`);
  }
  process.exit(bad > 0 ? 1 : 0);
}

const count = Number(values.count);
const seed = Number(values.seed);
const start = Number(values.start);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || !Number.isInteger(start) || start < 0) {
  console.error('fuzz: --count must be a positive integer, --seed and --start integers');
  process.exit(2);
}
const names = values.target?.length ? values.target.map((n) => targetNamed(n).name) : TARGETS.map((t) => t.name);
const reports: TargetReport[] = [];
const row = (name: string, counts: Record<Outcome, number>, extra: string): string => `${name.padEnd(12)} ${OUTCOMES.map((o) => `${o} ${counts[o]}`).join('  ')}  ${extra}`;
// One thread per target, one target after another: each line is printed when its target ends.
for (const name of names) {
  let lastPrint = 0;
  const [r] = await runTargets([name], {
    seed, count, start, keep: 50,
    onProgress: (_t, done, counts) => {
      if (Date.now() - lastPrint < 10_000 || !process.stderr.isTTY) return;
      lastPrint = Date.now();
      process.stderr.write(`\r${row(name, counts, `${done}/${count}`)}`);
    },
  });
  if (!r) continue;
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  reports.push(r);
  console.log(row(name, r.counts, `(${r.seconds.toFixed(0)} s, ${(r.count / r.seconds).toFixed(0)} cases/s, ${r.threads} thread${r.threads === 1 ? '' : 's'})`));
  for (const f of r.failures.slice(0, 5)) console.log(`  ${f.outcome} #${f.index} ${f.what}: ${f.message}`);
}
const failures = reports.flatMap((r) => r.failures);
if (failures.length > 0) {
  const out = values.out ?? `.fuzz/failures-${seed}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ seed, count, start, failures }, null, 1)}\n`);
  console.log(`${failures.length} failing input${failures.length === 1 ? '' : 's'} saved to ${out} (replay: npm run fuzz -- --replay ${out})`);
}
process.exit(reports.some((r) => FAILURES.some((o) => r.counts[o] > 0)) ? 1 : 0);
