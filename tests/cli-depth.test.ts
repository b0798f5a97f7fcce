/**
 * The CLI's `residual` and `skip-sweep` JSON contracts (issue 5) against the independent
 * reference (scripts/reference/depth.py), as subprocesses like tests/cli-trace.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { expectAgree, expectClose, expectVoids, readDepth, type SkipModeG } from './helpers/depth-golden';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ModeJson { outputL2: number[]; effect: number[][]; kl: number[]; top1Agree: number[]; depthScore: number }

function expectMode(out: ModeJson, g: SkipModeG, what: string): void {
  expectClose(out.outputL2, g.outputL2, `${what} outputL2`);
  expectClose(out.effect.flat(), g.effect.flat(), `${what} effect`);
  expectClose(out.kl, g.kl, `${what} kl`);
  expectClose([out.depthScore], [g.depthScore], `${what} depthScore`);
  expectAgree(out.top1Agree, g, what);
}

describe.each(['stories260K.json', 'gpt_neox.json'])('strata residual / skip-sweep on %s', (file) => {
  const g = readDepth(file);

  it('residual --path --alpha prints the contract and agrees with the reference', () => {
    const ref = g.residualPath;
    const r = cli(['residual', '--model', g.model, '--ids', g.ids.join(','), '--path', ref.path.join(','), '--alpha', String(ref.alpha), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number[]> & { voids: number[][]; path: number[] };
    const S = ref.path.length;
    expect(out.path).toEqual(ref.path);
    for (const key of ['attnRel', 'mlpRel', 'layerRel'] as const) {
      expect(out[key]).toHaveLength(S);
      expectClose(out[key] ?? [], ref[key].map((x) => x.mean), key);
      expectClose(out[`${key}Max`] ?? [], ref[key].map((x) => x.max), `${key}Max`);
    }
    expectClose(out['lim'] ?? [], ref.lim, 'lim');
    expectClose(out['limFlat'] ?? [], ref.limFlat, 'limFlat');
    expect(out.voids).toHaveLength(g.ids.length);
    expect(out.voids.every((row) => row.length === S && row.every((v) => v === 0 || v === 1))).toBe(true);
    expectVoids(out.voids, ref, 'voids');
  });

  it('skip-sweep over one prompt prints {outputL2[L], effect[L][L]} and agrees with the reference', () => {
    const r = cli(['skip-sweep', '--model', g.model, '--ids', g.ids.join(','), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as ModeJson & { attn: ModeJson; mlp: ModeJson; model: { layers: number } };
    const L = out.model.layers;
    expect(out.outputL2).toHaveLength(L);
    expect(out.effect).toHaveLength(L);
    expect(out.effect.every((row) => row.length === L)).toBe(true);
    expectMode(out, g.skip.layer, 'layer');
    expectMode(out.attn, g.skip.attn, 'attn');
    expectMode(out.mlp, g.skip.mlp, 'mlp');
  });

  it('skip-sweep over a prompt set (repeated --ids) takes the max over prompts', () => {
    const r = cli(['skip-sweep', '--model', g.model, '--ids', g.ids.join(','), '--ids', g.ids2.join(','), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as ModeJson & { attn: ModeJson; mlp: ModeJson };
    expectMode(out, g.skipSet.layer, 'layer');
    expectMode(out.attn, g.skipSet.attn, 'attn');
  });
});

describe('depth commands: bad input is one line and a non-zero exit', () => {
  const model = 'tests/fixtures/models/stories260K';
  it.each([
    [['skip-sweep', '--model', model, '--ids', '1', '--json'], /at least 2/],
    [['residual', '--model', model, '--ids', '1,2', '--alpha', 'x', '--json'], /--alpha must be a number/],
    [['residual', '--model', model, '--ids', '1,2', '--ids', '1,3', '--json'], /one prompt/],
    [['residual', '--model', model, '--ids', '1,2', '--path', '0,9', '--json'], /layer 9/],
    [['skip-sweep', '--model', model, '--json'], /exactly one of --prompt/],
    [['residual', '--model', model, '--ids', '1,2', '--bogus'], /^strata: .*bogus.*usage: strata residual/],
  ])('%j', (args, pattern) => {
    const r = cli(args);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: /);
    expect(lines[0]).toMatch(pattern);
  });
});
