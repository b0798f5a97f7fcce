/** `strata residual`: residual-stream analytics of one run (METHODS §5–7) as JSON. */
import { parseArgs } from 'node:util';
import { fail } from '../engine/errors';
import { commonOptions, intList, loadPrompts, modelJson, numberFlag, promptArgs } from './cli-args';

export const RESIDUAL_USAGE = 'strata residual --model DIR (--prompt TEXT | --ids 1,2,3) [--path 0,1,1,3] [--alpha A] [--massive K] [--backend wasm|cpu] --json';

/**
 * The issue-5 contract `{attnRel, mlpRel, layerRel, lim: [S], voids: [T][S]}` (means over
 * positions; voids 1 = void), plus the maxima, cosines, flattened LIM, void margins,
 * residual norms and the largest activations.
 */
export async function residualCommand(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { ...commonOptions(true), path: { type: 'string' }, alpha: { type: 'string' }, massive: { type: 'string' } },
    strict: true,
  });
  const pa = promptArgs(values, `usage: ${RESIDUAL_USAGE}`);
  if ((pa.ids ?? pa.texts ?? []).length > 1) fail('residual takes one prompt: give --prompt or --ids once');
  const alpha = numberFlag('alpha', values.alpha, 0.8);
  if (alpha < 0) fail(`--alpha must be ≥ 0, got ${alpha}`);
  const massive = numberFlag('massive', values.massive, 5);
  if (!Number.isInteger(massive) || massive < 1) fail(`--massive must be a positive integer, got "${values.massive}"`);
  const path = values.path !== undefined ? intList('path', values.path) : undefined;
  const { engine, prompts } = await loadPrompts(pa);
  const tokens = prompts[0] ?? [];
  const r = await engine.residual(tokens, path, { alpha, massiveTopK: massive });
  const arr = (x: ArrayLike<number>): number[] => Array.from(x);
  return {
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
}
