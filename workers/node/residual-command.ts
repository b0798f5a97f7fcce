/** `strata residual`: residual-stream analytics of one run (METHODS §5–7). */
import { parseArgs } from 'node:util';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, loadPrompts, modelJson, numberFlag, promptArgs, type Command } from './cli-args';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata residual --model DIR (--prompt TEXT | --ids 1,2,3) [--path 0,1,1,3] [--spec run.json] [--alpha A] [--massive K] [--backend wasm|cpu] [--json]';

/**
 * The issue-5 contract `{attnRel, mlpRel, layerRel, lim: [S], voids: [T][S]}` (means over
 * positions; voids 1 = void), plus the maxima, cosines, flattened LIM, void margins,
 * residual norms and the largest activations.
 */
export const residualCommand: Command = {
  usage: USAGE,
  about: 'residual-stream analytics: contributions, cosines, LIM, voids, norms, largest activations',
  flags: [...COMMON_FLAGS, ['--path 0,1,1,3', 'layer path'], ['--alpha A', 'void threshold factor, 0..1 (default 0.8)'], ['--massive K', 'largest activations per step (default 5)']],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ...commonOptions(true), path: { type: 'string' }, alpha: { type: 'string' }, massive: { type: 'string' } },
      strict: true,
    });
    const pa = promptArgs(values, `usage: ${USAGE}`);
    if ((pa.ids ?? pa.texts ?? []).length > 1) fail('residual takes one prompt: give --prompt or --ids once');
    const alpha = numberFlag('alpha', values.alpha, 0.8);
    if (alpha < 0) fail(`--alpha must be ≥ 0, got ${alpha}`);
    const massive = numberFlag('massive', values.massive, 5);
    if (!Number.isInteger(massive) || massive < 1) fail(`--massive must be a positive integer, got "${values.massive}"`);
    const spec = await runSpecArgs(values);
    const { engine, prompts } = await loadPrompts(pa);
    const tokens = prompts[0] ?? [];
    const r = await engine.analyze('residual', { run: { tokens, ...spec }, options: { alpha, massiveTopK: massive } });
    const arr = (x: ArrayLike<number>): number[] => Array.from(x);
    const json = {
      model: modelJson(engine),
      tokens: engine.tokens(tokens),
      path: r.path,
      alpha: r.alpha,
      attnRel: arr(r.attnRel.mean),
      mlpRel: arr(r.mlpRel.mean),
      layerRel: arr(r.layerRel.mean),
      lim: arr(r.lim),
      voids: r.voids.map(arr),
      attnRelMax: arr(r.attnRel.max),
      mlpRelMax: arr(r.mlpRel.max),
      layerRelMax: arr(r.layerRel.max),
      cosAttn: arr(r.cosAttn.mean),
      cosAttnMax: arr(r.cosAttn.max),
      cosMlp: arr(r.cosMlp.mean),
      cosMlpMax: arr(r.cosMlp.max),
      cosLayer: arr(r.cosLayer.mean),
      cosLayerMax: arr(r.cosLayer.max),
      limFlat: arr(r.limFlat),
      voidMargin: r.voidMargin.map(arr),
      residNorms: r.residNorms.map(arr),
      massive: r.massive,
    };
    const rows = r.path.map((l, s) => `  ${String(s).padStart(4)} ${String(l).padStart(5)}  ${fmt(r.attnRel.mean[s] as number).padStart(9)} ${fmt(r.mlpRel.mean[s] as number).padStart(9)} ${fmt(r.layerRel.mean[s] as number).padStart(9)} ${fmt(r.lim[s] as number).padStart(9)} ${String(r.voids.filter((v) => v[s] === 1).length).padStart(6)}`);
    const summary = [`residual: ${tokens.length} tokens, path [${r.path.join(',')}], α = ${r.alpha} (means over positions)`, '  step layer   ‖a‖/‖h‖   ‖m‖/‖h+a‖ ‖Δ‖/‖h‖       LIM  voids', ...rows].join('\n');
    return { json, summary };
  },
};
