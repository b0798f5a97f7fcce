/**
 * `probe-score`: one trained probe (a probe artifact) applied to every position of the
 * request's run: P(class 1) per token for a binary probe, the softmax over classes
 * otherwise (the probability strip under the token strip). Also returns the probe's weight,
 * the direction a page turns into an `add` intervention.
 */
import { type ProbeScoreOptions, type ProbeScoreResult } from '../../../src/contracts/probe';
import { fail } from '../errors';
import { checkHookName } from '../forward/hooks';
import { probabilities } from '../probe/mass-mean';
import { defineAnalysis } from './analysis';

export const PROBE_SCORE_DEFAULTS: ProbeScoreOptions = { probe: '' };

export const probeScoreAnalysis = defineAnalysis({
  name: 'probe-score',
  defaults: PROBE_SCORE_DEFAULTS,
  async run(ctx, o): Promise<ProbeScoreResult> {
    if (!o.probe) fail('probe-score: name a probe (train one, or import a .safetensors probe)');
    const p = ctx.registry.artifact('probe', o.probe).probe;
    const r = ctx.run();
    checkHookName(p.hook, r.path.length);
    r.ensure([p.hook]);
    const t = r.hook(p.hook);
    const T = t.shape[0] as number;
    const width = t.size / T;
    if (width !== p.d) fail(`this probe reads ${p.d}-wide vectors at ${p.hook}, but the model gives ${width}: it was trained on another model`);
    const x = (await t.data()) as Float32Array;
    const probs = probabilities(x, T, p.d, p.weight, p.bias);
    return { hook: p.hook, classes: p.classes, probs: Float32Array.from(probs), weight: Float32Array.from(p.weight), d: p.d };
  },
});
