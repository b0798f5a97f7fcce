/**
 * `strata batch`: several commands in one process with the model kept loaded. Each result
 * equals the independent reference (tests/golden/stories260K.json, PyTorch float64) as the
 * one-shot command's does; between commands the pooled engine is reset to its one model
 * (runs, artifacts and second models freed); a bad line is its own one-line error
 * while the others still run; the exit code says some failed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { lineArgs, splitWords } from '../workers/node/batch';
import { dirFileSet } from '../workers/node/fs-source';
import { initNodeBackend } from '../workers/node/host';
import { enableWarmEngines, resetWarmEngines, warmEngine } from '../workers/node/warm';
import type { GoldenCase } from './helpers/golden';
import { maxAbsDiff } from './helpers/node-engine';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const g = JSON.parse(readFileSync('tests/golden/stories260K.json', 'utf8')) as { model: string; cases: GoldenCase[] };

interface Line { line: number; command?: string; ok: boolean; ms?: number; result?: { logitsLast: number[]; path: number[] }; error?: string }

function batch(input: string): { status: number | null; lines: Line[]; stderr: string } {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'batch'], { input, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stderr: r.stderr, lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) };
}

describe('strata batch', () => {
  it('runs each line against one loaded model; every result matches the reference', () => {
    const cases = g.cases.slice(0, 3);
    const input = [
      '# comment lines and blank lines are skipped',
      '',
      ...cases.map((c, i) => (i % 2 === 0
        ? `trace --model ${g.model} --ids ${c.ids.join(',')}${c.path ? ` --path ${c.path.join(',')}` : ''}`
        : JSON.stringify(['trace', '--model', g.model, '--ids', c.ids.join(','), ...(c.path ? ['--path', c.path.join(',')] : [])]))),
      'trace --model tests/fixtures/models/nowhere --ids 1,2',
      'frobnicate --x',
      `trace --model ${g.model} --prompt "unclosed`,
    ].join('\n');
    const r = batch(input);
    expect(r.lines.map((l) => l.line)).toEqual([3, 4, 5, 6, 7, 8]);
    cases.forEach((c, i) => {
      const l = r.lines[i] as Line;
      expect(l.ok, l.error).toBe(true);
      const { diff, scale } = maxAbsDiff(l.result?.logitsLast ?? [], c.logitsLast);
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
      expect(l.result?.path).toEqual(c.path ?? Array.from({ length: l.result?.path.length ?? 0 }, (_, j) => j));
    });
    expect(r.lines[3]).toMatchObject({ ok: false, command: 'trace' });
    expect(r.lines[3]?.error).toMatch(/nowhere does not exist/);
    expect(r.lines[4]?.error).toMatch(/^unknown command "frobnicate" \(commands: trace, /);
    expect(r.lines[5]?.error).toBe('unclosed " quote');
    expect(r.stderr.trim()).toBe('strata batch: 3 ok, 3 failed');
    expect(r.status).toBe(2);
  });

  it('prints its help with --help and refuses other flags in one line', () => {
    const help = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'batch', '--help'], { input: '', encoding: 'utf8', timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^strata batch: .*\n\nusage: strata batch < commands.txt/);
    const bad = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'batch', '--model', 'x'], { input: '', encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('strata batch takes no flags');
  });

  it('splits words as a shell would', () => {
    expect(splitWords(`trace --prompt "Once upon a time" --x 'a "b"' c\\ d ""`)).toEqual(['trace', '--prompt', 'Once upon a time', '--x', 'a "b"', 'c d', '']);
    expect(lineArgs('   # note')).toBeUndefined();
    expect(() => lineArgs('["trace", 3]')).toThrow('a JSON line must be an array of strings');
    expect(() => lineArgs('[trace')).toThrow(/^not a JSON array of arguments/);
  });

  it('keeps one engine per model and frees what a command added', async () => {
    await initNodeBackend('wasm');
    enableWarmEngines();
    let loads = 0;
    const make = async (): Promise<Engine> => {
      loads++;
      const e = new Engine();
      await e.load(await dirFileSet(g.model));
      return e;
    };
    const a = await warmEngine(g.model, 'wasm', make);
    a.datasetLoad(new TextEncoder().encode('text\nOnce upon a time\n'), 'd.csv');
    await a.load(await dirFileSet('tests/fixtures/models/llama-gqa'));
    await a.analyze('trace', { run: { tokens: [1, 2, 3] } });
    expect(a.registry.memory().artifacts.length).toBe(1);
    expect(a.registry.modelIds().length).toBe(2);
    resetWarmEngines();
    const b = await warmEngine(g.model, 'wasm', make);
    expect(b).toBe(a);
    expect(loads).toBe(1);
    const m = b.registry.memory();
    expect([m.artifacts.length, m.runs.length, m.models.length]).toEqual([0, 0, 1]);
    expect(m.models[0]?.label).toBe(g.model);
    b.unload();
  });
});
