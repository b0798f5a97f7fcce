/**
 * The CLI's `trace` JSON contract on every family, against the independent reference:
 * one subprocess per golden file, with a skipping/looping/reordering path and --attention.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { GoldenCase } from './helpers/golden';
import { maxAbsDiff } from './helpers/node-engine';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');


function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const files = readdirSync('tests/golden').filter((f) => f.endsWith('.json')).sort();

describe.each(files)('strata trace on %s', (file) => {
  const g = JSON.parse(readFileSync(`tests/golden/${file}`, 'utf8')) as { model: string; modelType: string; cases: GoldenCase[] };
  const c = g.cases.find((x) => x.path && x.path.length !== new Set(x.path).size) ?? g.cases[g.cases.length - 1];
  it('prints the contract JSON and agrees with the reference', () => {
    if (!c) throw new Error('no case');
    const args = ['trace', '--model', g.model, '--ids', c.ids.join(','), '--attention', '--topk', '3', '--json'];
    if (c.path) args.push('--path', c.path.join(','));
    const r = cli(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      model: { arch: string; layers: number; dModel: number; heads: number; kvHeads: number; vocab: number };
      tokens: { id: number; text: string }[];
      path: number[];
      logitsLast: number[];
      residNorms: number[][];
      lens: { top1: number[]; top1Prob: number[]; entropy: number[]; klToFinal: number[]; topIds: number[][] }[];
      attention: number[][][][];
    };
    const cfg = JSON.parse(readFileSync(`${g.model}/config.json`, 'utf8')) as Record<string, number | string>;
    expect(out.model.arch).toBe(cfg['model_type']);
    expect(out.model.vocab).toBe(cfg['vocab_size']);
    expect(out.model.layers).toBe(cfg['num_hidden_layers'] ?? cfg['n_layer']);
    expect(out.tokens.map((t) => t.id)).toEqual(c.ids);
    expect(out.path).toEqual(c.path ?? Array.from({ length: out.model.layers }, (_, i) => i));
    const { diff, scale } = maxAbsDiff(out.logitsLast, c.logitsLast);
    expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    expect(maxAbsDiff(out.residNorms.flat(), c.residNorms.flat()).diff).toBeLessThanOrEqual(1e-3 * Math.max(1, maxAbsDiff(c.residNorms.flat(), c.residNorms.flat().map(() => 0)).scale));
    expect(out.lens.map((l) => l.top1)).toEqual(c.lens.map((l) => l.top1));
    expect(out.lens.map((l) => l.topIds.map((k) => k[0]))).toEqual(c.lens.map((l) => l.top1));
    expect(maxAbsDiff(out.lens.flatMap((l) => l.klToFinal), c.lens.flatMap((l) => l.klToFinal)).diff).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(out.lens.flatMap((l) => l.entropy), c.lens.flatMap((l) => l.entropy)).diff).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(out.attention.flat(3), c.attention.flat(3)).diff).toBeLessThanOrEqual(1e-4);
  });
});
