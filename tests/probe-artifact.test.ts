/**
 * A probe is an artifact: exported as safetensors (weight, bias, metadata) and imported back
 * unchanged; `probe-score` gives σ(w·h + b) per position (checked by a dot product written
 * here on the captured hook) or the softmax for more classes; a probe from another model is
 * refused; bad files name what is missing; the probe's direction as an `add` intervention
 * moves its logit by exactly scale·‖w‖ (w·(s·w/‖w‖) = s‖w‖).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../workers/engine/io/safetensors-write';
import { engineFor } from './helpers/node-engine';

const IDS = [5, 17, 40, 2, 99, 63, 120];
const logit = (p: number): number => Math.log(p / (1 - p));

describe('probe artifacts', () => {
  it('export → import round trip, scoring by hand, steering by the direction', { timeout: 300_000 }, async () => {
    const engine = await engineFor('tests/fixtures/models/gpt2');
    const ds = engine.datasetLoad(readFileSync('tests/fixtures/datasets/probe-gpt2.csv'), 'probe-gpt2.csv');
    const r = await engine.analyze('probe', { options: { dataset: ds.id, bootstrap: 0, hooks: ['blocks.1.hook_resid_post'] } });
    const id = r.probes[0] as string;
    const bytes = await engine.exportArtifact(id);
    const imported = await engine.importProbe(bytes, 'p.safetensors');
    const a = engine.registry.artifact('probe', id).probe;
    const b = engine.registry.artifact('probe', imported.id).probe;
    expect(Array.from(b.weight)).toEqual(Array.from(a.weight));
    expect(Array.from(b.bias)).toEqual(Array.from(a.bias));
    expect(b.hook).toBe('blocks.1.hook_resid_post');
    expect(b.classes).toEqual(['hi', 'lo']);
    expect(imported.probe).toMatchObject({ hook: 'blocks.1.hook_resid_post', d: 32, method: 'logistic', dataset: 'probe-gpt2.csv' });
    expect(JSON.parse(imported.probe.metrics ?? '{}').acc).toBeCloseTo(r.acc[0] as number, 12);
    expect(engine.memory().artifacts.find((x) => x.id === imported.id)?.kind).toBe('probe');

    // Scoring: σ(w·h + b) at every position, h the hook's captured rows.
    const s = await engine.analyze('probe-score', { run: { tokens: IDS }, options: { probe: imported.id } });
    const h = (await engine.capture({ tokens: IDS, capture: ['blocks.1.hook_resid_post'] })).captures['blocks.1.hook_resid_post'];
    if (!h) throw new Error('no capture');
    expect(s.probs).toHaveLength(IDS.length);
    IDS.forEach((_, t) => {
      let z = b.bias[0] as number;
      for (let j = 0; j < 32; j++) z += (b.weight[j] as number) * (h.data[t * 32 + j] as number);
      expect(Math.abs((s.probs[t] as number) - 1 / (1 + Math.exp(-z)))).toBeLessThanOrEqual(1e-6);
    });

    // Steering: add scale · w/‖w‖ at the probe's hook; its logit moves by scale · ‖w‖ at the positions given.
    const norm = Math.hypot(...Array.from(s.weight));
    const scale = 0.5;
    const value = { shape: [32], data: Float32Array.from(s.weight, (v) => (v / norm) * scale) };
    const steered = await engine.analyze('probe-score', { run: { tokens: IDS, interventions: [{ hook: 'blocks.1.hook_resid_post', kind: 'add', value, positions: [2, 5] }] }, options: { probe: imported.id } });
    IDS.forEach((_, t) => {
      const d = logit(steered.probs[t] as number) - logit(s.probs[t] as number);
      expect(Math.abs(d - ([2, 5].includes(t) ? scale * norm : 0)), `position ${t}`).toBeLessThanOrEqual(1e-3);
    });
    engine.unload();
  });

  it('cancel keeps the hooks finished (partial); a cancel while extracting fails and keeps nothing', { timeout: 300_000 }, async () => {
    const engine = await engineFor('tests/fixtures/models/gpt2');
    const ds = engine.datasetLoad(readFileSync('tests/fixtures/datasets/probe-gpt2.csv'), 'probe-gpt2.csv');
    const ctl = new AbortController();
    const phases: string[] = [];
    const r = await engine.analyze('probe', { options: { dataset: ds.id, bootstrap: 0 } }, { signal: ctl.signal, onProgress: (p) => { phases.push(`${p.phase} ${p.done}/${p.total}`); if (p.phase === 'train' && p.done === 1) ctl.abort(); } });
    expect(phases).toContain('train 1/3');
    expect(r.partial).toEqual({ done: 1, total: 3, unit: 'hooks' });
    expect(r.hooks).toEqual(['blocks.0.hook_resid_post']);
    expect(r.acc).toHaveLength(1);
    expect(r.probes).toHaveLength(1);
    const before = engine.memory().artifacts.length;
    const ctl2 = new AbortController();
    await expect(engine.analyze('probe', { options: { dataset: ds.id, bootstrap: 0, batchTokens: 0 } }, { signal: ctl2.signal, onProgress: (p) => { if (p.phase === 'extract') ctl2.abort(); } })).rejects.toThrow(/cancelled while extracting/);
    expect(engine.memory().artifacts.length).toBe(before);
    engine.unload();
  });

  it('more classes: softmax rows; another model refused; bad files say what is wrong', { timeout: 300_000 }, async () => {
    const engine = await engineFor('tests/fixtures/models/qwen2');
    const ds = engine.datasetLoad(readFileSync('tests/fixtures/datasets/probe-qwen2.csv'), 'probe-qwen2.csv');
    const r = await engine.analyze('probe', { options: { dataset: ds.id, bootstrap: 0, hooks: ['blocks.0.hook_resid_post'] } });
    const s = await engine.analyze('probe-score', { run: { tokens: IDS }, options: { probe: r.probes[0] as string } });
    expect(s.classes).toEqual(['a', 'b', 'c']);
    expect(s.probs).toHaveLength(IDS.length * 3);
    for (let t = 0; t < IDS.length; t++) expect(Math.abs((s.probs[3 * t] as number) + (s.probs[3 * t + 1] as number) + (s.probs[3 * t + 2] as number) - 1)).toBeLessThanOrEqual(1e-6);
    const file = await engine.exportArtifact(r.probes[0] as string);
    const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
    expect(JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)))['weight']).toMatchObject({ shape: [3, 32] });

    // A probe of width 32 on a model of width 48.
    const other = await engineFor('tests/fixtures/models/llama-gqa');
    const imp = await other.importProbe(file, 'qwen2-probe.safetensors');
    await expect(other.analyze('probe-score', { run: { tokens: [1, 2, 3] }, options: { probe: imp.id } })).rejects.toThrow(/reads 32-wide vectors .* the model gives 48: it was trained on another model/);
    const f32 = (n: number) => Float32Array.from({ length: n }, (_, i) => i / n);
    await expect(other.importProbe(writeSafetensors([{ name: 'weight', dtype: 'F32', shape: [48], data: f32(48) }, { name: 'bias', dtype: 'F32', shape: [1], data: f32(1) }]), 'x.safetensors')).rejects.toThrow(/names no "hook"/);
    await expect(other.importProbe(writeSafetensors([{ name: 'w', dtype: 'F32', shape: [48], data: f32(48) }], { hook: 'blocks.0.hook_resid_post' }), 'y.safetensors')).rejects.toThrow(/needs tensors "weight" .* and "bias"/);
    await expect(other.importProbe(writeSafetensors([{ name: 'weight', dtype: 'F32', shape: [2, 48], data: f32(96) }, { name: 'bias', dtype: 'F32', shape: [2], data: f32(2) }], { hook: 'blocks.0.hook_resid_post' }), 'z.safetensors')).rejects.toThrow(/stored as weight \[d\]/);
    await expect(other.importProbe(writeSafetensors([{ name: 'weight', dtype: 'F32', shape: [48], data: f32(48) }, { name: 'bias', dtype: 'F32', shape: [3], data: f32(3) }], { hook: 'blocks.0.hook_resid_post' }), 'b.safetensors')).rejects.toThrow(/bias has shape \[3\] but weight has 1 row/);
    // A probe written by Python with only the names (no classes): two classes named 0 and 1.
    const py = await other.importProbe(writeSafetensors([{ name: 'weight', dtype: 'F32', shape: [48], data: f32(48) }, { name: 'bias', dtype: 'F32', shape: [1], data: f32(1) }], { hook: 'blocks.1.hook_resid_post' }), 'py.safetensors');
    expect(py.probe.classes).toEqual(['0', '1']);
    const ps = await other.analyze('probe-score', { run: { tokens: [1, 2, 3] }, options: { probe: py.id } });
    expect(ps.probs).toHaveLength(3);
    engine.unload();
    other.unload();
  });
});
