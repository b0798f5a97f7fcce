/** `strata trace`: the lens, residual norms and (optionally) attention of one run. */
import { parseArgs } from 'node:util';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, loadPrompts, promptArgs, type Command } from './cli-args';
import { runSpecArgs } from './spec-file';
import { traceJson } from './trace-json';

const USAGE = 'strata trace --model DIR (--prompt TEXT | --ids 1,2,3) [--path 0,1,1,3] [--spec run.json] [--topk K] [--attention] [--backend wasm|cpu] [--json]';

export const traceCommand: Command = {
  usage: USAGE,
  about: 'logit lens, residual norms and attention of one run',
  flags: [...COMMON_FLAGS, ['--path 0,1,1,3', 'layer path: omit a layer to skip it, repeat it to loop'], ['--topk K', 'top-k tokens per lens cell (default 1)'], ['--attention', 'also print the attention patterns']],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ...commonOptions(), path: { type: 'string' }, topk: { type: 'string' }, attention: { type: 'boolean', default: false } },
      strict: true,
    });
    const pa = promptArgs(values, `usage: ${USAGE}`);
    const topk = values.topk === undefined ? 1 : Number(values.topk);
    if (!Number.isInteger(topk) || topk < 1) fail(`--topk must be a positive integer, got "${values.topk}"`);
    const spec = await runSpecArgs(values);
    const { engine, prompts } = await loadPrompts(pa);
    const tokens = prompts[0] ?? [];
    const result = await engine.analyze('trace', { run: { tokens, ...spec }, options: { topk, attention: values.attention } });
    const json = traceJson(engine, tokens, result, topk);
    const pieces = (id: number): string => engine.tokens([id])[0]?.text ?? String(id);
    const T = tokens.length;
    const lines = result.lens.rows.map((r) => {
      const id = r.topIds[(T - 1) * result.lens.k] as number;
      return `  ${r.label.padEnd(28)} ${pieces(id).padEnd(16)} p=${fmt(r.topProbs[(T - 1) * result.lens.k] as number, 3)}  H=${fmt(r.entropy[T - 1] as number, 3)} nats  KL=${fmt(r.klToFinal[T - 1] as number, 3)}`;
    });
    const summary = [`trace: ${T} tokens, path [${result.path.join(',')}], ${spec.interventions.length} interventions`, 'logit lens at the last position (top-1, probability, entropy, KL to final):', ...lines].join('\n');
    return { json, summary };
  },
};
