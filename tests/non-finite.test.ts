/**
 * Non-finite results are never shown as numbers (issue 16, deliverable 2). stories260K
 * with one weight set to NaN (or +Inf) where the step it must first appear in is known by
 * hand: NaN in layer l's down_proj first shows after step l's MLP (hook_resid_post), NaN
 * in layer l's q_proj after its attention (hook_resid_mid); an embedding row no prompt
 * token uses reaches only the (tied) logits. Every entry point refuses with one line
 * naming the step, the layer and the hook: engine.run, an analysis read from the run
 * cache (lens), analyses that run their own forwards (skip sweep, chain search), and the
 * CLI (non-zero exit, one stderr line). Nothing leaks (tf.memory().numTensors).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../workers/engine/engine';
import { StrataError } from '../workers/engine/errors';
import { bufferSource, fileSetFromSources, type FileSet } from '../workers/engine/io/source';
import { initNodeBackend } from '../workers/node/host';
import {
  buildSafetensors, createTempRoot, FIXTURE_DIR, fixtureParsed, REPO_ROOT, removeTempRoot, tensorSpecs, writeModelDir,
} from './helpers/bad-checkpoints';

const CONFIG = readFileSync(join(FIXTURE_DIR, 'config.json'));
const TOKENS = [1, 429, 491];
const PATH = [0, 1, 2, 3, 4];

/** The fixture's weights with element `index` of `tensor` replaced by `value`. */
function poisoned(tensor: string, index: number, value: number): Buffer {
  const specs = tensorSpecs(fixtureParsed()).map((s) => {
    if (s.name !== tensor) return s;
    const bytes = Buffer.from(s.bytes);
    bytes.writeFloatLE(value, index * 4);
    return { ...s, bytes };
  });
  return buildSafetensors(specs);
}

function files(weights: Buffer): FileSet {
  return fileSetFromSources('poisoned stories260K', [bufferSource(CONFIG, 'config.json'), bufferSource(weights, 'model.safetensors')]);
}

async function errorOf(p: Promise<unknown>): Promise<StrataError> {
  const r = await p.then(() => undefined, (e: unknown) => e);
  expect(r, 'expected a refusal, got a result').toBeInstanceOf(StrataError);
  const m = (r as Error).message;
  expect(m).not.toMatch(/\n/);
  return r as StrataError;
}

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('a forward that goes NaN or infinite is refused with its first step and hook', () => {
  it.each([
    ['model.layers.2.mlp.down_proj.weight', 0, NaN, PATH, /NaN first at step 2 \(layer 2\), blocks\.2\.hook_resid_post \(after the MLP\)/],
    ['model.layers.1.self_attn.q_proj.weight', 5, NaN, PATH, /NaN first at step 1 \(layer 1\), blocks\.1\.hook_resid_mid \(after attention\)/],
    ['model.layers.3.mlp.up_proj.weight', 0, Infinity, PATH, /first at step 3 \(layer 3\), blocks\.3\.hook_resid_post/],
    // Under a path that runs layer 2 second, the NaN appears at step 1.
    ['model.layers.2.mlp.down_proj.weight', 0, NaN, [0, 2, 1], /NaN first at step 1 \(layer 2\), blocks\.1\.hook_resid_post/],
    // Row 300 of the tied embedding: no prompt token reads it, only the unembedding does.
    ['model.embed_tokens.weight', 300 * 64, NaN, PATH, /NaN in the logits, after every step was finite/],
    ['model.embed_tokens.weight', 429 * 64 + 3, NaN, PATH, /NaN at hook_embed/],
  ] as [string, number, number, number[], RegExp][])('%s[%i] = %s under path %j', async (tensor, index, value, path, message) => {
    const before = tf.memory().numTensors;
    const e = new Engine();
    await e.load(files(poisoned(tensor, index, value)));
    const err = await errorOf(e.run({ tokens: TOKENS, path }));
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`path [${path.join(',')}], 3 tokens`);
    // An analysis read from the same run cache refuses too.
    expect((await errorOf(e.analyze('lens', { run: { tokens: TOKENS, path } }))).message).toMatch(message);
    e.unload();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the unpoisoned fixture passes every check (finite numbers come back)', async () => {
    const e = new Engine();
    await e.load(files(poisoned('model.norm.weight', 0, 1)));
    const r = await e.run({ tokens: TOKENS, path: PATH });
    expect(r.logitsLast.every((x) => Number.isFinite(x))).toBe(true);
    e.unload();
  });

  it('analyses that run their own forwards (skip sweep, chain search) refuse too, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const e = new Engine();
    await e.load(files(poisoned('model.layers.4.mlp.down_proj.weight', 7, NaN)));
    const sweep = await errorOf(e.analyze('skip-sweep', { run: { tokens: TOKENS, path: PATH } }));
    expect(sweep.message).toMatch(/NaN first at step \d \(layer 4\), blocks\.\d\.hook_resid_post/);
    const chains = await errorOf(e.analyze('chain-search', {
      model: e.model().id,
      options: { examples: [{ prompt: [1, 429], target: [491] }], budget: 4, seed: 1 },
    } as never));
    expect(chains.message).toMatch(/NaN first at step \d \(layer 4\)/);
    e.unload();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('CLI: a NaN forward exits non-zero with one line', () => {
  let root: string | undefined;
  beforeAll(() => {
    root = createTempRoot('strata-nan-');
  });
  afterAll(() => removeTempRoot(root));

  it('strata trace names the step and hook', () => {
    if (root === undefined) throw new Error('no temp root');
    const dir = writeModelDir(root, 'm', { safetensors: poisoned('model.layers.2.mlp.down_proj.weight', 0, NaN) });
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'workers/cli.ts', 'trace', '--model', dir, '--ids', TOKENS.join(','), '--backend', 'cpu', '--json'], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: the forward \(path \[0,1,2,3,4\], 3 tokens\) went NaN first at step 2 \(layer 2\), blocks\.2\.hook_resid_post/);
  }, 90_000);
});
