import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../src/contracts/engine-api';
import { modelChange } from '../src/state/model-change';
import { changedParts, modelSerial, staleness, stampNow } from '../src/state/stamps';
import { initialState, type CurrentRun, type State } from '../src/state/store';

function model(layers: number, id = 'm1', heads = 4, vocab = 100): LoadSummary {
  return {
    modelId: id, files: [], source: 'demo', hasTokenizer: true,
    info: { arch: 'llama', layers, dModel: 8, heads, kvHeads: heads, headDim: 2, vocab, params: 1, dtypes: ['F32'], deviceBytes: 4, bytesPerParam: 4, tiedEmbeddings: false, parallelResidual: false, contextLength: 256 },
  };
}

function run(tokens: number[], path?: number[]): CurrentRun {
  return { runId: 1, model: 'm1', path: path ?? [0, 1, 2], notation: '', tokens: tokens.map((id) => ({ id, text: String(id) })), next: [], residNorms: [], ref: { model: 'm1', tokens, ...(path ? { path } : {}), interventions: [] } };
}

const base = (over: Partial<State> = {}): State => ({ ...initialState, model: model(6), ...over });

describe('model change', () => {
  it('resets a path naming layers the new model lacks, and says so', () => {
    const s = base({ path: [0, 1, 3, 4, 5] });
    const { patch, resets } = modelChange(s, model(3, 'm2'));
    expect(patch.path).toBeNull();
    expect(resets.join(' ')).toContain('back to all layers');
    expect(patch.run).toBeNull();
    expect(patch.sweep).toBeNull();
    expect(patch.chains).toBeNull();
    expect(patch.compareProfiles).toBeNull();
    expect(patch.effect).toBeNull();
    expect(patch.stamps).toEqual({});
  });

  it('keeps a path that fits, and interventions on steps that exist', () => {
    const s = base({ path: [0, 2], interventions: [{ hook: 'blocks.1.hook_attn_out', kind: 'zero' }, { hook: 'blocks.4.hook_mlp_out', kind: 'zero' }, { hook: 'hook_embed', kind: 'zero' }] });
    const { patch, resets } = modelChange(s, model(3, 'm2'));
    expect(patch.path).toBeUndefined();
    // Steps: the kept path has 2 steps, so blocks.4 goes; embed hooks stay.
    expect(patch.interventions?.map((i) => i.hook)).toEqual(['blocks.1.hook_attn_out', 'hook_embed']);
    expect(resets).toHaveLength(1);
  });

  it('drops the tuned lens decoding and a head selection past the new model', () => {
    const s = base({ lensSettings: { ...initialState.lensSettings, kind: 'tuned', targetId: 150, metric: 'targetProb' }, selectedHead: { step: 5, head: 3 }, tunedArtifact: 'a1' });
    const { patch } = modelChange(s, model(3, 'm2', 2, 100), { keepTarget: true });
    expect(patch.lensSettings?.kind).toBe('logit');
    // Target 150 is past the new vocab (100): cleared, metric back to top-1.
    expect(patch.lensSettings?.targetId).toBeNull();
    expect(patch.lensSettings?.metric).toBe('top1Prob');
    expect(patch.selectedHead).toEqual({ step: 0, head: 0 });
    expect(patch.tunedArtifact).toBeNull();
  });

  it('a backend switch (no model) also leaves the logit lens', () => {
    const s = base({ lensSettings: { ...initialState.lensSettings, kind: 'tuned' } });
    expect(modelChange(s, null).patch.lensSettings?.kind).toBe('logit');
  });
});

describe('stamps', () => {
  it('two loads of the same files are different models', () => {
    expect(modelSerial(model(3, 'm1'))).not.toBe(modelSerial(model(3, 'm1')));
    const m = model(3);
    expect(modelSerial(m)).toBe(modelSerial(m));
  });

  it('names what changed: prompt, path, settings', () => {
    const s = base({ run: run([1, 2, 3]), prompt: 'a b', sweep: { path: [], prompts: 1, modes: {} } as unknown as State['sweep'] });
    const stored = stampNow('sweep', s);
    expect(staleness('sweep', { ...s, stamps: { sweep: stored } })).toBeNull();
    expect(staleness('sweep', { ...s, stamps: { sweep: stored }, sweepPrompts: 'x' })).toEqual(['the prompt', 'the settings']);
    expect(staleness('sweep', { ...s, stamps: { sweep: stored }, run: run([1, 2, 4]) })).toEqual(['the prompt']);
    // A typed prompt set does not depend on the current prompt.
    const typed = { ...s, sweepPrompts: 'x' };
    const st2 = stampNow('sweep', typed);
    expect(staleness('sweep', { ...typed, stamps: { sweep: st2 }, run: run([9]) })).toBeNull();
    const lensStored = stampNow('lens', s);
    expect(changedParts(lensStored, stampNow('lens', { ...s, path: [0, 2] }))).toEqual(['the path or interventions']);
    expect(changedParts(lensStored, stampNow('lens', { ...s, lensSettings: { ...s.lensSettings, kl: 'row||final' } }))).toEqual(['the settings']);
    expect(changedParts(lensStored, stampNow('lens', { ...s, prompt: 'new' }))).toEqual(['the prompt']);
    expect(changedParts(lensStored, stampNow('lens', { ...s, model: model(6) }))).toEqual(['the model']);
  });

  it('a result with no stamp or no value is never stale', () => {
    const s = base({ run: run([1]) });
    expect(staleness('lens', s)).toBeNull();
    expect(staleness('lens', { ...s, stamps: { lens: { model: 'x' } } })).toBeNull();
  });
});
