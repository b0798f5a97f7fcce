/**
 * The CLI as a user meets it: --help for the tool and each command, a summary by default
 * and one JSON object with --json, --spec run.json carrying path and interventions,
 * and a closed pipe (`| head -c 200`) ending the process quietly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const MODEL = 'tests/fixtures/models/stories260K';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'strata-cli-'));
function specFile(name: string, spec: unknown): string {
  const p = join(tmp, name);
  writeFileSync(p, typeof spec === 'string' ? spec : JSON.stringify(spec));
  return p;
}

describe('CLI help and output', () => {
  it('--help lists every command; COMMAND --help lists its flags', () => {
    const h = cli(['--help']);
    expect(h.status).toBe(0);
    for (const c of ['trace', 'residual', 'skip-sweep', 'extract']) expect(h.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const e = cli(['extract', '--help']);
    expect(e.status).toBe(0);
    for (const f of ['--dataset FILE', '--hooks', '--position', '--out FILE', '--spec run.json', '--label-column']) expect(e.stdout).toContain(f);
    const t = cli(['trace', '--help']);
    expect(t.stdout).toContain('--attention');
    const u = cli(['frobnicate']);
    expect(u.status).not.toBe(0);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
    expect(u.stderr).toMatch(/^strata: unknown command "frobnicate"/);
  });

  it('prints a summary by default and JSON with --json; --spec carries path and interventions', () => {
    const human = cli(['trace', '--model', MODEL, '--prompt', 'Once upon a time']);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^trace: 5 tokens, path \[0,1,2,3,4\], 0 interventions/);
    expect(() => JSON.parse(human.stdout)).toThrow();
    const plain = JSON.parse(cli(['trace', '--model', MODEL, '--prompt', 'Once upon a time', '--json']).stdout) as { logitsLast: number[]; path: number[] };
    const spec = specFile('run.json', { path: [0, 1, 1, 3, 4], interventions: [{ hook: 'blocks.0.hook_attn_out', kind: 'zero', positions: [2, 3] }] });
    const specOut = JSON.parse(cli(['trace', '--model', MODEL, '--prompt', 'Once upon a time', '--spec', spec, '--json']).stdout) as { logitsLast: number[]; path: number[] };
    expect(specOut.path).toEqual([0, 1, 1, 3, 4]);
    const pathOnly = JSON.parse(cli(['trace', '--model', MODEL, '--prompt', 'Once upon a time', '--path', '0,1,1,3,4', '--json']).stdout) as { logitsLast: number[] };
    // The intervention changes the logits (a spec that were dropped would equal the path-only run).
    const diff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
    expect(diff(specOut.logitsLast, pathOnly.logitsLast)).toBeGreaterThan(1e-3);
    expect(diff(pathOnly.logitsLast, plain.logitsLast)).toBeGreaterThan(1e-3);
    const res = cli(['residual', '--model', MODEL, '--prompt', 'Once upon a time', '--spec', spec]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^residual: 5 tokens, path \[0,1,1,3,4\]/);
    for (const [bad, msg] of [
      ['{"path": [0, 9]}', /path step 1 names layer 9 but the model has 5 layers/],
      ['{"pth": [0]}', /unknown key "pth"/],
      ['{"interventions": [{"hook": "blocks.0.hook_attn_out", "kind": "scale"}]}', /interventions\[0\]\.kind must be one of zero, mean, patch, add/],
      ['not json', /is not valid JSON/],
    ] as const) {
      const r = cli(['trace', '--model', MODEL, '--ids', '1,2,3', '--spec', specFile('bad.json', bad), '--json']);
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr, bad).toMatch(msg);
    }
    const both = cli(['trace', '--model', MODEL, '--ids', '1,2,3', '--path', '0,1', '--spec', spec, '--json']);
    expect(both.stderr).toMatch(/give the path once/);
  });

  it('a closed pipe ends the process quietly', () => {
    // Exactly what a user types: bash's pipefail makes the exit status the CLI's own.
    const cmd = `set -o pipefail; "${process.execPath}" "${tsx}" workers/cli.ts trace --model ${MODEL} --ids 1,403,407,261,378,432,383,286,261,376,298,315,421 --attention --topk 5 --json | head -c 200 > /dev/null`;
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
