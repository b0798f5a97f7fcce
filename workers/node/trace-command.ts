/** `strata trace`: the lens, residual norms and (optionally) attention of one run. */
import { parseArgs } from 'node:util';
import { fail } from '../engine/errors';
import { commonOptions, intList, loadPrompts, promptArgs } from './cli-args';
import { traceJson } from './trace-json';

export const TRACE_USAGE = 'strata trace --model DIR (--prompt TEXT | --ids 1,2,3) [--path 0,1,1,3] [--topk K] [--attention] [--backend wasm|cpu] --json';

export async function traceCommand(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { ...commonOptions(), path: { type: 'string' }, topk: { type: 'string' }, attention: { type: 'boolean', default: false } },
    strict: true,
  });
  const pa = promptArgs(values, `usage: ${TRACE_USAGE}`);
  const topk = values.topk === undefined ? 1 : Number(values.topk);
  if (!Number.isInteger(topk) || topk < 1) fail(`--topk must be a positive integer, got "${values.topk}"`);
  const path = values.path !== undefined ? intList('path', values.path) : undefined;
  const { engine, prompts } = await loadPrompts(pa);
  const tokens = prompts[0] ?? [];
  const result = await engine.trace(tokens, path, { topk, attention: values.attention });
  return traceJson(engine, tokens, result, topk);
}
