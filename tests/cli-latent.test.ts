/**
 * `strata latent` as a user runs it: --help, the JSON on the demo model equal to the PyTorch
 * golden's per-sample curves (tests/golden/latent/demo-fr-de.json: the first 3 samples are
 * the same prompts with --limit 3), --tuned with a zero lens (= the logit lens), and bad
 * input as one line on stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../workers/engine/io/safetensors-write';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Out { n: number; lens: string; dropped: { word: string; reason: string }[]; samples: { prompt: string; ids: number[]; targetSet: number[] }[]; layers: number[]; relDepth: number[]; perSample: { pTarget: number[]; pLatent: Record<string, number[]>; entropyBits: number[] }[] }
const golden = JSON.parse(readFileSync('tests/golden/latent/demo-fr-de.json', 'utf8')) as { samples: Out['samples']; droppedWords: string[]; perSample: Out['perSample'] };
const ARGS = ['latent', '--model', 'public/models/demo', '--words', 'public/latent-language/demo', '--task', 'translation', '--source', 'fr', '--target', 'de', '--limit', '3', '--json'];

function check(o: Out): void {
  expect(o.n).toBe(3);
  expect(o.layers).toEqual([0, 1, 2, 3, 4, 5]);
  expect(o.dropped.map((d) => d.word)).toEqual(golden.droppedWords);
  o.samples.forEach((s, i) => {
    expect(s.prompt).toBe(golden.samples[i]?.prompt);
    expect(s.ids).toEqual(golden.samples[i]?.ids);
    const g = golden.perSample[i];
    const c = o.perSample[i];
    for (const [a, e] of [[c?.pTarget, g?.pTarget], [c?.pLatent['en'], g?.pLatent['en']], [c?.entropyBits, g?.entropyBits]] as const) {
      (e ?? []).forEach((v, l) => expect(Math.abs((a?.[l] ?? NaN) - v)).toBeLessThanOrEqual(1e-4));
    }
  });
}

describe('strata latent', () => {
  it('--help; the JSON equals the reference; a zero tuned lens gives the same curves', () => {
    const h = cli(['latent', '--help']);
    expect(h.status).toBe(0);
    for (const f of ['--source LANG / --target LANG', '--latent en[,LANG]', '--words DIR_OR_CSV', '--shots K', '--tuned FILE']) expect(h.stdout).toContain(f);
    const r = cli(ARGS);
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout) as Out;
    expect(o.lens).toBe('logit');
    check(o);
    const d = 128;
    const parts = Array.from({ length: 6 }, (_, i) => [
      { name: `${i}.weight`, dtype: 'F32' as const, shape: [d, d], data: new Float32Array(d * d) },
      { name: `${i}.bias`, dtype: 'F32' as const, shape: [d], data: new Float32Array(d) },
    ]).flat();
    const file = join(mkdtempSync(join(tmpdir(), 'strata-latent-')), 'zero.safetensors');
    writeFileSync(file, writeSafetensors(parts));
    const t = cli([...ARGS, '--tuned', file]);
    expect(t.status).toBe(0);
    const ot = JSON.parse(t.stdout) as Out;
    expect(ot.lens).toBe('tuned');
    check(ot);
  }, 240_000);

  it('bad input is one line naming what is wrong', () => {
    for (const [args, msg] of [
      [['latent', '--model', 'public/models/demo', '--target', 'de', '--task', 'poetry'], '--task must be translation, repetition or cloze, got "poetry"'],
      [['latent', '--model', 'public/models/demo', '--source', 'fr', '--target', 'xx'], 'no word list for the target language "xx"'],
      [['latent', '--model', 'public/models/demo', '--source', 'fr', '--target', 'de', '--words', 'public/latent-language/demo', '--shots', '500'], '500 few-shot examples asked for'],
    ] as const) {
      const r = cli([...args]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  }, 240_000);
});
