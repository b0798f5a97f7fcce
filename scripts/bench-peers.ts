/**
 * The bench's comparisons (scripts/bench.ts calls these after its own figures): PyTorch on
 * the same checkpoint (scripts/bench_torch.py; skipped without Debian's python3-torch), and
 * what a CLI command costs as its own process vs inside `strata batch` with the model kept
 * loaded. Prints medians and ratios; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const PY = '/usr/bin/python3';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** PyTorch float32 forward and trace medians beside Strata's (ms). */
export function benchTorch(dir: string, T: number, runs: number, strata: { forward: number; trace: number }): void {
  const probe = existsSync(PY) ? spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }) : undefined;
  if (!probe || probe.status !== 0) {
    console.log('PyTorch: skipped (Debian\'s python3-torch is not installed: apt-get install python3-torch)');
    return;
  }
  const r = spawnSync(PY, ['scripts/bench_torch.py', dir, '--tokens', String(T), '--runs', String(runs)], { encoding: 'utf8', maxBuffer: 2 ** 20 });
  if (r.status !== 0) {
    console.log(`PyTorch: failed (${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`})`);
    return;
  }
  const p = JSON.parse(r.stdout) as { threads: number; torch: string; forward_ms: number; trace_ms: number };
  console.log(`PyTorch ${p.torch} float32, ${p.threads} ATen thread(s) (its BLAS runs its own pool), same checkpoint and tokens: forward median ${p.forward_ms.toFixed(0)} ms, trace ${p.trace_ms.toFixed(0)} ms`);
  console.log(`Strata ÷ PyTorch: forward ×${(strata.forward / p.forward_ms).toFixed(2)}, trace ×${(strata.trace / p.trace_ms).toFixed(2)}`);
}

/** `strata trace` as its own process vs the same command inside `strata batch` (model loaded once). */
export function benchCli(dir: string, runs: number): void {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  // Token ids: the bench checkpoint has no tokenizer.json. Nine tokens, as a short prompt would give.
  const args = ['trace', '--model', dir, '--ids', '464,2068,7586,21831,18045,625,262,16931,3290', '--json'];
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    if (r.status !== 0) return console.log(`CLI: strata trace failed (${r.stderr.trim()})`);
    cold.push(performance.now() - t0);
  }
  const input = Array.from({ length: runs + 1 }, () => JSON.stringify(args)).join('\n');
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'batch'], { input, encoding: 'utf8', maxBuffer: 1024 * 2 ** 20 });
  if (r.status !== 0) return console.log(`CLI: strata batch failed (${r.stderr.trim()})`);
  const ms = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ms: number }).ms);
  const first = ms[0] as number;
  const warm = median(ms.slice(1));
  console.log(`CLI strata trace (9 tokens): own process median ${median(cold).toFixed(0)} ms (n=${runs}); in strata batch: first ${first} ms (load), then median ${warm.toFixed(0)} ms (n=${runs}) = ×${(median(cold) / warm).toFixed(1)} faster per command`);
}
