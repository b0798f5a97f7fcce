/**
 * SAE loading and encode/decode against the independent float64 PyTorch reference
 * (scripts/reference/sae.py → tests/golden/sae/gpt2.json): every architecture (standard,
 * jumprelu, topk, topk with decoder-norm rescale, batchtopk, gated), every normalisation
 * mode, apply_b_dec_to_input off, hook_z, v6 and legacy configs, log_threshold, Gemma Scope
 * params.npz and sparsify (with a skip connection), to 1e-4 two-sided. Then the one-line
 * refusals and the CLI contract.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Intervention } from '../src/contracts/run';
import type { SaeResult } from '../src/contracts/sae';
import { addSae } from '../workers/engine/artifacts/sae-load';
import type { Engine } from '../workers/engine/engine';
import { bufferSource, type FileSet } from '../workers/engine/io/source';
import { dirFileSet } from '../workers/node/fs-source';
import { parseSpec } from '../workers/node/spec-file';
import { engineFor, maxAbsDiff } from './helpers/node-engine';

interface SaeCase { name: string; sae: string; args: string[]; hook: string; architecture: string; dSae: number; topIds: number[][]; topActs: number[][]; l0: number[]; fve: number; cos: number[]; errNorm: number[] }
interface SpliceCase { name: string; sae: string; intervention: Intervention; logits: number[][]; maxChange: number }
const golden = JSON.parse(readFileSync('tests/golden/sae/gpt2.json', 'utf8')) as { model: string; ids: number[]; k: number; cases: SaeCase[]; splices: SpliceCase[]; feature: { sae: string; id: number; acts: number[]; top: [number, number][]; bottom: [number, number][] }; ce: { name: string; sae: string; clean: number; sae_: number; zero: number; score: number }[] };
const EPS = 1e-4;

let engine: Engine;
beforeAll(async () => {
  engine = await engineFor(golden.model);
}, 60_000);

async function load(path: string, o: { hook?: string; normScale?: number } = {}): Promise<string> {
  return (await addSae(engine.registry, await dirFileSet(path), { path, ...o })).id;
}

function expectClose(got: number[], want: number[], what: string): void {
  const { diff } = maxAbsDiff(got, want);
  expect(diff, what).toBeLessThanOrEqual(EPS);
}

describe.each(golden.cases)('sae $name', (c) => {
  it('matches the PyTorch reference to 1e-4', async () => {
    const before = tf.memory().numTensors;
    const normScale = c.args[0] === '--norm-scale' ? Number(c.args[1]) : undefined;
    const id = await load(c.sae, normScale !== undefined ? { normScale } : {});
    const r: SaeResult = await engine.analyze('sae', { run: { tokens: golden.ids }, options: { sae: id, topk: golden.k } });
    expect(r.hook).toBe(c.hook);
    expect(r.architecture).toBe(c.architecture);
    expect(r.dSae).toBe(c.dSae);
    expect(r.l0).toEqual(c.l0);
    expectClose(r.topActs.flat(), c.topActs.flat(), 'topActs');
    expectClose(r.cos, c.cos, 'cos');
    expectClose(r.errNorm, c.errNorm, 'errNorm');
    expect(Math.abs(r.fve - c.fve)).toBeLessThanOrEqual(EPS);
    // Ids must agree wherever the ranking is not a near-tie and the feature is active.
    c.topIds.forEach((ids, t) => ids.forEach((id2, j) => {
      const a = c.topActs[t] as number[];
      const gap = Math.min(j > 0 ? (a[j - 1] as number) - (a[j] as number) : Infinity, j + 1 < a.length ? (a[j] as number) - (a[j + 1] as number) : Infinity);
      if ((a[j] as number) > 0 && gap > 1e-3) expect(r.topIds[t]?.[j], `${c.name} id at ${t},${j}`).toBe(id2);
    }));
    engine.registry.dropArtifact(id);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(golden.splices)('SAE splice $name (features as interventions)', (c) => {
  it('the logits at every position match the PyTorch reference to 1e-4', async () => {
    const before = tf.memory().numTensors;
    const id = await load(c.sae);
    const iv: Intervention = { ...c.intervention, sae: { ...c.intervention.sae, id } };
    const run = engine.registry.run(undefined, golden.ids, undefined, [iv]);
    const got = Array.from(await run.logits.data());
    expectClose(got, c.logits.flat(), 'logits');
    // The edit must matter (or, for the identity splice, must not).
    const clean = Array.from(await engine.registry.run(undefined, golden.ids, undefined).logits.data());
    expect(Math.abs(maxAbsDiff(got, clean).diff - c.maxChange)).toBeLessThanOrEqual(1e-3);
    engine.registry.dropArtifact(id);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(golden.ce)('CE-loss score $name', (c) => {
  it('clean, spliced and zero-ablated CE and the score match the reference to 1e-4', async () => {
    const before = tf.memory().numTensors;
    const id = await load(c.sae);
    const r = await engine.analyze('sae', { run: { tokens: golden.ids }, options: { sae: id, topk: 1, ceLoss: true } });
    expect(Math.abs((r.ce?.clean ?? NaN) - c.clean)).toBeLessThanOrEqual(EPS);
    expect(Math.abs((r.ce?.sae ?? NaN) - c.sae_)).toBeLessThanOrEqual(EPS);
    expect(Math.abs((r.ce?.zero ?? NaN) - c.zero)).toBeLessThanOrEqual(EPS);
    expect(Math.abs((r.ce?.score ?? NaN) - c.score)).toBeLessThanOrEqual(1e-3);
    engine.registry.dropArtifact(id);
    engine.registry.dropRuns();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('feature view', () => {
  it('a feature\'s activation per position and its decoder direction\'s top/bottom logits match the reference', async () => {
    const f = golden.feature;
    const id = await load(f.sae);
    const r = await engine.analyze('sae', { run: { tokens: golden.ids }, options: { sae: id, topk: 2, feature: f.id } });
    expectClose(r.featureActs ?? [], f.acts, 'featureActs');
    expect(r.featureLogits?.top.map((x) => x.id)).toEqual(f.top.map((x) => x[0]));
    expect(r.featureLogits?.bottom.map((x) => x.id)).toEqual(f.bottom.map((x) => x[0]));
    expectClose(r.featureLogits?.top.map((x) => x.logit) ?? [], f.top.map((x) => x[1]), 'top logits');
    expectClose(r.featureLogits?.bottom.map((x) => x.logit) ?? [], f.bottom.map((x) => x[1]), 'bottom logits');
    await expect(engine.analyze('sae', { run: { tokens: golden.ids }, options: { sae: id, feature: 64 } })).rejects.toThrow(/feature 64 is outside 0\.\.63/);
    engine.registry.dropArtifact(id);
  });
});

describe('sae refusals, one line naming both sides', () => {
  it('a splice at another hook site', async () => {
    const id = await load('tests/fixtures/sae/saelens/standard');
    expect(() => engine.registry.run(undefined, [1, 2, 3], undefined, [{ hook: 'blocks.1.hook_mlp_out', kind: 'sae', sae: { id } }])).toThrow(/reads blocks\.1\.hook_resid_post but the intervention is at blocks\.1\.hook_mlp_out/);
    expect(() => engine.registry.run(undefined, [1, 2, 3], undefined, [{ hook: 'blocks.1.hook_resid_post', kind: 'sae', sae: { id, features: [{ id: 64, op: 'ablate' }] } }])).toThrow(/feature 64 is outside 0\.\.63/);
    engine.registry.dropArtifact(id);
  });
  it('a d_in that is not the hook width', async () => {
    const other = await engineFor('tests/fixtures/models/llama-gqa');
    await expect(addSae(other.registry, await dirFileSet('tests/fixtures/sae/saelens/standard'), { path: 'standard' })).rejects.toThrow(/d_in is 32 .* is \d+ wide/);
  });
  it('warns about resid_post at the last layer only', async () => {
    const last = await addSae(engine.registry, await dirFileSet('tests/fixtures/sae/saelens/layer-norm'), { path: 'ln' });
    expect(last.warnings.join(' ')).toMatch(/blocks\.2\.hook_resid_post is the last block's output before the final norm/);
    const mid = await addSae(engine.registry, await dirFileSet('tests/fixtures/sae/saelens/standard'), { path: 's' });
    expect(mid.warnings.join(' ')).not.toMatch(/final norm/);
    engine.registry.dropArtifact(last.id);
    engine.registry.dropArtifact(mid.id);
  });
  it('a layer the model does not have', async () => {
    await expect(load('tests/fixtures/sae/saelens/standard', { hook: 'blocks.7.hook_resid_post' })).rejects.toThrow(/layer 7.* has 3 layers/);
  });
  it('expected_average_only_in without its scale asks for it', async () => {
    await expect(load('tests/fixtures/sae/saelens/expected-average')).rejects.toThrow(/scaling factor is not in cfg.json.*--norm-scale/);
  });
  it('a hook with no Strata equivalent', async () => {
    await expect(load('tests/fixtures/sae/saelens/standard', { hook: 'blocks.1.hook_nope' })).rejects.toThrow(/no Strata equivalent/);
  });
  it('fuzz finds: a non-string architecture and a deeply nested value are one-line refusals, not crashes', async () => {
    const weights = readFileSync('tests/fixtures/sae/saelens/standard/sae_weights.safetensors');
    const cfg = JSON.parse(readFileSync('tests/fixtures/sae/saelens/standard/cfg.json', 'utf8')) as Record<string, unknown>;
    const set = (c: string): FileSet => ({ label: 'fuzz', names: () => ['cfg.json', 'sae_weights.safetensors'], open: (n) => bufferSource(n === 'cfg.json' ? new TextEncoder().encode(c) : weights, n) });
    await expect(addSae(engine.registry, set(JSON.stringify({ ...cfg, architecture: {} })))).rejects.toThrow(/architecture must be a string, got an object/);
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)}`;
    const text = JSON.stringify({ ...cfg, d_sae: 'X' }).replace('"X"', deep);
    await expect(addSae(engine.registry, set(text))).rejects.toThrow(/d_sae must be a positive integer, got a list/);
  });
  it('non-finite weights are refused, naming the tensor', async () => {
    const npz2 = Uint8Array.from(readFileSync('tests/fixtures/sae/gemma-scope-fixture-res/layer_2/width_64/average_l0_9/params.npz'));
    // The first array's data starts right after its .npy header's closing newline.
    const at = npz2.indexOf(0x0a, npz2.indexOf(0x93)) + 1 + 4 * 5;
    new DataView(npz2.buffer).setFloat32(at, NaN, true);
    const fs: FileSet = { label: 'gemma-scope-x-res/layer_2/w', names: () => ['params.npz'], open: () => bufferSource(npz2, 'params.npz') };
    await expect(addSae(engine.registry, fs)).rejects.toThrow(/tensor \w+ holds NaN at element \d+; SAE weights must be finite/);
  });
  it('an SAE folder with neither format', async () => {
    const fs: FileSet = { label: 'x', names: () => ['readme.md'], open: () => undefined };
    await expect(addSae(engine.registry, fs)).rejects.toThrow(/not an SAE folder/);
  });
  const npz = readFileSync('tests/fixtures/sae/gemma-scope-fixture-res/layer_2/width_64/average_l0_9/params.npz');
  const npzSet = (bytes: Uint8Array): FileSet => ({ label: 'gemma-scope-x-res/layer_2/w', names: () => ['params.npz'], open: () => bufferSource(bytes, 'params.npz') });
  it('a truncated params.npz', async () => {
    await expect(addSae(engine.registry, npzSet(npz.subarray(0, npz.length - 100)))).rejects.toThrow(/params\.npz.*(not a zip|truncated|corrupt)/);
  });
  it('a compressed params.npz entry', async () => {
    const b = Uint8Array.from(npz);
    // Flip the compression method of the first central-directory entry to deflate (8).
    const v = new DataView(b.buffer);
    for (let i = b.length - 22; i >= 0; i--) {
      if (v.getUint32(i, true) === 0x06054b50) {
        const cd = v.getUint32(i + 16, true);
        v.setUint16(cd + 10, 8, true);
        break;
      }
    }
    await expect(addSae(engine.registry, npzSet(b))).rejects.toThrow(/compressed .*numpy\.savez/);
  });
  it('a Gemma Scope path that names no hook', async () => {
    const fs: FileSet = { label: 'my-sae', names: () => ['params.npz'], open: () => bufferSource(npz, 'params.npz') };
    await expect(addSae(engine.registry, fs)).rejects.toThrow(/hook cannot be read from the path/);
  });
});

describe('strata sae', () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  it('prints the contract JSON, equal to the reference (sparsify)', () => {
    const c = golden.cases.find((x) => x.name === 'sparsify') as SaeCase;
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'sae', '--model', golden.model, '--sae', c.sae, '--ids', golden.ids.join(','), '--topk', String(golden.k), '--json'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as SaeResult;
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['hook', 'architecture', 'dSae', 'topIds', 'topActs', 'l0', 'fve', 'cos']));
    expect(out.topIds).toEqual(c.topIds);
    expectClose(out.topActs.flat(), c.topActs.flat(), 'topActs');
    expect(Math.abs(out.fve - c.fve)).toBeLessThanOrEqual(EPS);
  });
  it('--spec takes SAE splices (id optional: the --sae of the command) and refuses a clamp without a value', () => {
    const ok = parseSpec('{"interventions":[{"hook":"blocks.1.hook_resid_post","kind":"sae","sae":{"keepError":false,"features":[{"id":3,"op":"scale","value":2}]}}]}', 'run.json');
    expect(ok.interventions?.[0]?.sae).toEqual({ id: '', keepError: false, features: [{ id: 3, op: 'scale', value: 2 }] });
    expect(() => parseSpec('{"interventions":[{"hook":"h","kind":"sae","sae":{"features":[{"id":3,"op":"clamp"}]}}]}', 'run.json')).toThrow(/features\[0\]\.value must be a finite number for clamp/);
  });
  it('a missing --norm-scale is one line and exit 2', () => {
    const r = spawnSync(process.execPath, [tsx, 'workers/cli.ts', 'sae', '--model', golden.model, '--sae', 'tests/fixtures/sae/saelens/expected-average', '--ids', '1,2'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^strata: .*--norm-scale/);
  });
});
