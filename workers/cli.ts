/**
 * The Node host of the engine: `npm run -s strata -- <command> ...`.
 * Prints one JSON object on success; on bad input, one line `strata: <what is wrong>`
 * on stderr and a non-zero exit (STRATA_DEBUG=1 adds the stack).
 */
import { parseArgs } from 'node:util';
import { StrataError, fail } from './engine/errors';
import { Engine } from './engine/engine';
import { dirFileSet } from './node/fs-source';
import { initNodeBackend } from './node/host';
import { traceJson } from './node/trace-json';

const USAGE = 'usage: strata trace --model DIR (--prompt TEXT | --ids 1,2,3) [--path 0,1,1,3] [--topk K] [--attention] [--backend wasm|cpu] --json';

function intList(flag: string, text: string): number[] {
  if (text.trim() === '') fail(`--${flag} is empty: give at least one integer, e.g. --${flag} 0,1,2`);
  return text.split(',').map((s) => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) fail(`--${flag}: "${t}" is not a non-negative integer`);
    return Number(t);
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'trace') fail(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
  const { values } = parseArgs({
    args: rest,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      ids: { type: 'string' },
      path: { type: 'string' },
      topk: { type: 'string' },
      attention: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.model) fail(`--model DIR is required; ${USAGE}`);
  if ((values.prompt === undefined) === (values.ids === undefined)) fail('give exactly one of --prompt TEXT or --ids 1,2,3');
  const backend = values.backend;
  if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${backend}"`);
  const topk = values.topk === undefined ? 1 : Number(values.topk);
  if (!Number.isInteger(topk) || topk < 1) fail(`--topk must be a positive integer, got "${values.topk}"`);
  const ids = values.ids !== undefined ? intList('ids', values.ids) : undefined;
  const path = values.path !== undefined ? intList('path', values.path) : undefined;
  if (values.prompt !== undefined && values.prompt.length === 0) fail('the prompt is empty: give --prompt some text');

  await initNodeBackend(backend);
  const engine = new Engine();
  await engine.load(await dirFileSet(values.model));
  const tokens = ids ?? engine.encode(values.prompt ?? '');
  const result = await engine.trace(tokens, path, { topk, attention: values.attention });
  process.stdout.write(`${JSON.stringify(traceJson(engine, tokens, result, topk))}\n`);
}

function oneLine(e: unknown): string {
  if (e instanceof StrataError) return e.message;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return `${e.message}; ${USAGE}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`strata: ${oneLine(e).replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env['STRATA_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exitCode = e instanceof StrataError ? 2 : 1;
});
