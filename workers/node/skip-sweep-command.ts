/** `strata skip-sweep`: skip each layer at positions ≥ 1 over a prompt or prompt set (METHODS §5). */
import { parseArgs } from 'node:util';
import type { SkipModeResult } from '../../src/contracts/skip-sweep';
import { COMMON_FLAGS, commonOptions, fmt, loadPrompts, modelJson, promptArgs, type Command } from './cli-args';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata skip-sweep --model DIR (--prompt TEXT | --ids 1,2,3)... [--spec run.json] [--progress] [--backend wasm|cpu] [--json]';

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
export const skipSweepCommand: Command = {
  usage: USAGE,
  about: 'skip each layer (and each sublayer) in turn and measure the effect on the output and later layers',
  flags: [...COMMON_FLAGS, ['--prompt/--ids (repeated)', 'a prompt set: every quantity is a max over prompts'], ['--progress', 'report each layer done on stderr']],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ...commonOptions(true), progress: { type: 'boolean', default: false } },
      strict: true,
    });
    const pa = promptArgs(values, `usage: ${USAGE}`);
    const spec = await runSpecArgs(values as { spec?: string });
    const { engine, prompts } = await loadPrompts(pa);
    // The run names the spec's path and interventions; its tokens are the first prompt (the sweep runs them all).
    const r = await engine.analyze('skip-sweep', { run: { tokens: prompts[0] ?? [], ...spec }, options: { prompts } }, {
      ...(values.progress ? { onProgress: (p) => void process.stderr.write(`skip-sweep: ${p.done}/${p.total} ${p.unit} done\n`) } : {}),
    });
    const json = {
      model: modelJson(engine),
      prompts: prompts.map((ids) => engine.tokens(ids)),
      path: r.path,
      ...modeJson(r.modes.layer),
      attn: modeJson(r.modes.attn),
      mlp: modeJson(r.modes.mlp),
    };
    const L = r.modes.layer;
    const rows = r.path.map((l, s) => `  ${String(l).padStart(5)}  ${fmt(L?.outputL2[s] as number).padStart(9)} ${fmt(L?.kl[s] as number).padStart(9)} ${fmt(L?.top1Agree[s] as number).padStart(9)}   ${fmt(r.modes.attn?.outputL2[s] as number).padStart(9)} ${fmt(r.modes.mlp?.outputL2[s] as number).padStart(9)}`);
    const summary = [`skip-sweep: ${prompts.length} prompt(s), depth score ${fmt(L?.depthScore ?? NaN, 3)} (output-weighted mean layer)`, '  layer  outputL2       KL  top1 same   attn L2    mlp L2', ...rows].join('\n');
    return { json, summary };
  },
};
