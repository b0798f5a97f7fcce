/** `strata trace --model file.gguf` prints exactly what the HF-layout copy of the same weights prints. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');

function trace(model: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'trace', '--model', model, '--prompt', 'Once upon a time, Lily', '--attention', '--topk', '3', '--json'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 2 ** 20 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('strata trace on a .gguf file', () => {
  it('equals the HF-layout copy (tokens, logits, norms, lens, attention)', () => {
    const g = trace('tests/fixtures/models/stories260K-gguf/stories260K.gguf');
    const h = trace('tests/fixtures/models/stories260K');
    expect((g['tokens'] as unknown[]).length).toBeGreaterThan(5);
    expect((g['logitsLast'] as number[]).length).toBe(512);
    for (const k of ['model', 'tokens', 'path', 'logitsLast', 'residNorms', 'lens', 'attention']) expect(g[k]).toEqual(h[k]);
  });
  it('refuses a file that is not GGUF with one line', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'strata-gguf-')), 'notes.gguf');
    writeFileSync(bad, 'this is a text file, not a model\n');
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'trace', '--model', bad, '--prompt', 'x'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/notes\.gguf is not a GGUF file/);
  });
});
