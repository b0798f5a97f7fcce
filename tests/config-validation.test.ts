/**
 * Issue 16's three defects, found by mutating stories260K's config.json, each reproduced
 * here (every test failed on the code before the validation module):
 * - `head_dim: 2147483648` made `strata trace` hang (a 2^30-entry RoPE table, then a loop);
 * - `rope_theta` 0 / −1 and `rms_norm_eps` −1 loaded, ran and returned NaN logits, exit 0;
 * - `hidden_size: 1e12` threw a RangeError (a typed array of 6.25e10) out of the loader.
 * Each must now be a StrataError naming config.json, the key and the value, raised before
 * any tensor is uploaded (`tf.memory().numTensors` unchanged).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { openCheckpoint } from '../workers/engine/io/checkpoint';
import { loadModel } from '../workers/engine/load-model';
import { StrataError } from '../workers/engine/errors';
import { bufferSource, fileSetFromSources, type FileSet } from '../workers/engine/io/source';
import { initNodeBackend } from '../workers/node/host';
import { createTempRoot, FIXTURE_DIR, REPO_ROOT, removeTempRoot, writeModelDir } from './helpers/bad-checkpoints';

const CONFIG = JSON.parse(readFileSync(join(FIXTURE_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
const WEIGHTS = new Uint8Array(readFileSync(join(FIXTURE_DIR, 'model.safetensors')));

function filesWith(edit: Record<string, unknown>): FileSet {
  const config = new TextEncoder().encode(JSON.stringify({ ...CONFIG, ...edit }));
  return fileSetFromSources('mutated stories260K', [bufferSource(config, 'config.json'), bufferSource(WEIGHTS, 'model.safetensors')]);
}

/** The error a load raises, or a failure when it resolves. */
async function loadError(edit: Record<string, unknown>): Promise<unknown> {
  const e = new Engine();
  try {
    await e.load(filesWith(edit));
  } catch (err) {
    return err;
  }
  // A load that succeeds must at least not compute NaN; report what it computed.
  const r = await e.run({ tokens: [1, 429, 491], path: [0, 1, 2, 3, 4] }).catch((err: unknown) => err);
  e.unload();
  return new Error(`load succeeded; run gave ${r instanceof Error ? r.message : `logits[0] = ${String((r as { logitsLast: Float32Array }).logitsLast[0])}`}`);
}

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('config.json values that used to poison the numbers or crash the loader', () => {
  it.each([
    ['rope_theta', 0],
    ['rope_theta', -1],
    ['rms_norm_eps', -1],
    ['hidden_size', 1e12],
  ])('%s = %s is refused as a StrataError naming the file, key and value, with nothing uploaded', async (key, value) => {
    const before = tf.memory().numTensors;
    const err = await loadError({ [key]: value });
    expect(err).toBeInstanceOf(StrataError);
    const m = (err as Error).message;
    expect(m).toContain('config.json');
    expect(m).toContain(key);
    expect(m).toContain(String(value));
    expect(m).not.toMatch(/\n/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the unmutated fixture still loads (the checks refuse only bad values)', async () => {
    const e = new Engine();
    await e.load(filesWith({}));
    const r = await e.run({ tokens: [1, 429, 491], path: [0, 1, 2, 3, 4] });
    expect(r.logitsLast.every((x) => Number.isFinite(x))).toBe(true);
    e.unload();
  });
});

describe('relations between values, and between values and tensors', () => {
  it.each([
    [{ num_key_value_heads: 3 }, /num_attention_heads \(8\) is not a multiple of num_key_value_heads \(3\)/],
    [{ head_dim: 7 }, /head_dim 7 is odd/],
    [{ bos_token_id: 512 }, /bos_token_id 512 is not below vocab_size 512/],
    [{ vocab_size: 1000 }, /model\.embed_tokens\.weight has shape \[512, 64\] but config\.json implies \[1000, 64\] \(vocab_size 1000 × hidden_size 64\)/],
    [{ num_hidden_layers: 4 }, /model\.layers\.4\..* belongs to layer 4 but config\.json num_hidden_layers is 4/],
    [{ num_hidden_layers: 6 }, /tensor model\.layers\.5\.\S+ required by llama is missing/],
    [{ intermediate_size: 100000, hidden_size: 100000, num_attention_heads: 1000, num_key_value_heads: 1000 }, /would be .* elements; at most 2147483647 fit one tensor/],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, /rope_scaling\.high_freq_factor \(4\) must be above rope_scaling\.low_freq_factor \(4\)/],
    [{ rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling\.rope_type is "yarn"; expected one of default, linear, llama3/],
    [{ rope_scaling: { type: 'linear', factor: 0 } }, /rope_scaling\.factor is 0; expected a number from 1e-30/],
    [{ hidden_act: 'mish' }, /hidden_act is "mish"; expected one of/],
    [{ tie_word_embeddings: 'yes' }, /tie_word_embeddings is "yes"; expected true or false/],
  ] as [Record<string, unknown>, RegExp][])('%j is refused before any tensor is read', async (edit, message) => {
    const before = tf.memory().numTensors;
    const err = await loadError(edit);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as Error).message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('GGUF rope_freqs divisors', () => {
  it.each([[0], [-1], [NaN]])('a divisor of %s is refused (it would make the RoPE angles non-finite)', async (bad) => {
    const ckpt = await openCheckpoint(filesWith({}));
    // stories260K: head_dim 64 / 8 = 8, so 4 inverse frequencies.
    ckpt.ropeDivisors = Float64Array.from([1, 1, bad, 1]);
    ckpt.configName = 'stories260K.gguf metadata';
    const err = await loadModel(ckpt).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as Error).message).toBe(`mutated stories260K: rope_freqs[2] is ${bad}; expected a positive finite divisor of the RoPE frequency`);
  });

  it('validation messages name the GGUF metadata instead of config.json', async () => {
    const ckpt = await openCheckpoint(filesWith({ rope_theta: 0 }));
    ckpt.configName = 'stories260K.gguf metadata';
    await expect(loadModel(ckpt)).rejects.toThrow(/^stories260K\.gguf metadata \(llama\) in mutated stories260K: rope_theta is 0;/);
  });
});

describe('JSON files read whole are bounded before they are read', () => {
  it('a 3 GB config.json is refused by its size (the bytes are never read)', async () => {
    const huge = { name: 'config.json', size: 3e9, read: (): Promise<Uint8Array> => Promise.reject(new Error('read must not be called')) };
    const files = fileSetFromSources('a drop', [huge, bufferSource(WEIGHTS, 'model.safetensors')]);
    const err = await new Engine().load(files).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as Error).message).toBe('config.json in a drop is 3000000000 bytes; JSON files above 16777216 bytes are refused as corrupt');
  });
});

describe('prompt length against what one tensor holds', () => {
  it('16384 tokens on 8 heads (8 × 16384² = 2^31 score elements) are refused before the [T, T] mask is built; the bound named is floor(sqrt((2^31 − 1) / 8)) = 16383', async () => {
    const e = new Engine();
    await e.load(filesWith({}));
    const before = tf.memory().numTensors;
    const tokens = Array.from({ length: 16384 }, (_, i) => i % 512);
    const err = await e.run({ tokens, path: [0] }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as Error).message).toMatch(/rows of 16384 tokens need attention scores of 8 × 16384² = 2147483648 elements.*run at most 16383 tokens a row/);
    expect(tf.memory().numTensors).toBe(before);
    e.unload();
  });
});

describe('head_dim 2147483648 (used to hang strata trace)', () => {
  let root: string | undefined;
  beforeAll(() => {
    root = createTempRoot('strata-head-dim-');
  });
  afterAll(() => removeTempRoot(root));

  it('in-process: refused at once, naming head_dim and its value', async () => {
    const err = await loadError({ head_dim: 2147483648 });
    expect(err).toBeInstanceOf(StrataError);
    expect((err as Error).message).toMatch(/config\.json.*head_dim.*2147483648/);
  });

  it('CLI: exits non-zero with one line naming head_dim, well within the 60 s that used to pass without an answer', () => {
    if (root === undefined) throw new Error('no temp root');
    const dir = writeModelDir(root, 'm', { config: JSON.stringify({ ...CONFIG, head_dim: 2147483648 }) });
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'workers/cli.ts', 'trace', '--model', dir, '--ids', '1,2', '--backend', 'cpu', '--json'], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000,
    });
    expect(r.error, 'the CLI did not answer within 60 s (a hang)').toBeUndefined();
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: .*config\.json.*head_dim.*2147483648/);
  }, 90_000);
});
