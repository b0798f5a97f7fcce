/**
 * The Node host of the engine: `npm run -s strata -- <command> ...`.
 * Prints one JSON object on success; on bad input, one line `strata: <what is wrong>`
 * on stderr and a non-zero exit (STRATA_DEBUG=1 adds the stack).
 * Each command's arguments and JSON live in workers/node/<command>-command.ts.
 */
import { StrataError, fail } from './engine/errors';
import { RESIDUAL_USAGE, residualCommand } from './node/residual-command';
import { SKIP_SWEEP_USAGE, skipSweepCommand } from './node/skip-sweep-command';
import { TRACE_USAGE, traceCommand } from './node/trace-command';

const COMMANDS: Record<string, { usage: string; run: (args: string[]) => Promise<Record<string, unknown>> }> = {
  trace: { usage: TRACE_USAGE, run: traceCommand },
  residual: { usage: RESIDUAL_USAGE, run: residualCommand },
  'skip-sweep': { usage: SKIP_SWEEP_USAGE, run: skipSweepCommand },
};

const USAGE = `usage: ${Object.values(COMMANDS).map((c) => c.usage).join(' | ')}`;
let usage = USAGE;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const c = command === undefined ? undefined : COMMANDS[command];
  if (!c) fail(command ? `unknown command "${command}"; ${USAGE}` : USAGE);
  usage = `usage: ${c.usage}`;
  process.stdout.write(`${JSON.stringify(await c.run(rest))}\n`);
}

function oneLine(e: unknown): string {
  if (e instanceof StrataError) return e.message;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return `${e.message}; ${usage}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`strata: ${oneLine(e).replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env['STRATA_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exitCode = e instanceof StrataError ? 2 : 1;
});
