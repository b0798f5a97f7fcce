/**
 * The README's "What Strata refuses and why" is the output of scripts/refusals.ts, which
 * prints it from the validation rules; and those rules do what the list says: each kind's
 * bounds, checked here at hand-picked values on and just past each edge.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../workers/engine/errors';
import { ConfigReader } from '../workers/engine/models/common/config';
import type { NumberKey } from '../workers/engine/models/common/config-schema';
import { BEGIN, END, refusalsMarkdown } from '../scripts/refusals';

describe('README: What Strata refuses and why', () => {
  it('equals what scripts/refusals.ts prints (run it with --write after changing a rule)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const a = readme.indexOf(BEGIN);
    const b = readme.indexOf(END);
    expect(a, 'README.md lacks the refusals:begin marker').toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(readme.slice(a + BEGIN.length, b).trim()).toBe(refusalsMarkdown().trim());
  });
});

/** The value read back, or the refusal's message. */
function read(key: NumberKey, v: unknown): number | string {
  try {
    return new ConfigReader({ [key]: v }, 'llama', 'config.json', 'test').num(key);
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    expect(e.message).toContain(`config.json (llama) in test: ${key} is `);
    return 'refused';
  }
}

describe('the rules behind the list, at their edges', () => {
  it.each([
    // key, accepted values, refused values (edges by hand from the list's wording)
    ['hidden_size', [1, 1048576], [0, 1048577, 1.5, -1, '64', true, [64]]],
    ['num_hidden_layers', [1, 4096], [0, 4097, 2.5]],
    ['vocab_size', [1, 16777216], [0, 16777217]],
    ['max_position_embeddings', [1, 2147483647], [0, 2147483648]],
    ['sliding_window', [0, 4096], [-1, 0.5]],
    ['rope_theta', [1, 10000, 1e30], [0, -1, 0.999, 1.1e30]],
    ['rms_norm_eps', [1e-30, 1e-6, 0.999], [0, -1, 1, 1e-31]],
    ['final_logit_softcapping', [1e-30, 30, 1e30], [0, -30, 1e31]],
    ['rotary_pct', [0, 0.25, 1], [-0.01, 1.01]],
    ['bos_token_id', [0, 16777215], [-1, 16777216, 0.5]],
  ] as [NumberKey, number[], unknown[]][])('%s', (key, ok, bad) => {
    for (const v of ok) expect(read(key, v), `${key} = ${v}`).toBe(v);
    for (const v of bad) expect(read(key, v), `${key} = ${JSON.stringify(v)}`).toBe('refused');
  });

  it('Infinity and NaN (from 1e999 in JSON, or GGUF floats) are refused for every number kind', () => {
    for (const key of ['hidden_size', 'rope_theta', 'rms_norm_eps', 'factor', 'rotary_pct', 'sliding_window'] as NumberKey[]) {
      for (const v of [Infinity, -Infinity, NaN]) expect(read(key, v), `${key} = ${v}`).toBe('refused');
    }
  });
});
