/** `strata skip-sweep`: skip each layer at positions ≥ 1 over a prompt or prompt set (METHODS §5) as JSON. */
import { parseArgs } from 'node:util';
import type { SkipModeResult } from '../engine/analyses/skip-sweep';
import { commonOptions, loadPrompts, modelJson, promptArgs } from './cli-args';

export const SKIP_SWEEP_USAGE = 'strata skip-sweep --model DIR (--prompt TEXT | --ids 1,2,3)... [--progress] [--backend wasm|cpu] --json';

function modeJson(m: SkipModeResult | undefined): Record<string, unknown> {
  if (!m) throw new Error('skip mode missing');
  return {
    outputL2: Array.from(m.outputL2),
    effect: m.effect.map((r) => Array.from(r)),
    kl: Array.from(m.kl),
    top1Agree: Array.from(m.top1Agree),
    depthScore: m.depthScore,
  };
}

/**
 * The issue-5 contract `{outputL2: [L], effect: [L][L]}` for whole-layer skips at the top
 * level (with kl, top1Agree, depthScore), and the same block for attention-only and
 * MLP-only skips under `attn` and `mlp`. Repeat --prompt or --ids for a prompt set
 * (every quantity is then a max over prompts; top1Agree a share over all positions ≥ 1).
 */
export async function skipSweepCommand(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { ...commonOptions(true), progress: { type: 'boolean', default: false } },
    strict: true,
  });
  const { engine, prompts } = await loadPrompts(promptArgs(values, `usage: ${SKIP_SWEEP_USAGE}`));
  const onProgress = values.progress ? (done: number, total: number) => void process.stderr.write(`skip-sweep: ${done}/${total} layers done\n`) : undefined;
  const r = await engine.skipSweep(prompts, onProgress ? { onProgress } : {});
  return {
    model: modelJson(engine),
    prompts: prompts.map((ids) => engine.tokens(ids)),
    path: r.path,
    ...modeJson(r.modes.layer),
    attn: modeJson(r.modes.attn),
    mlp: modeJson(r.modes.mlp),
  };
}
