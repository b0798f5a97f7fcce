/**
 * The Node host of the engine: `npm run -s strata -- <command> ...`.
 * Prints a human-readable summary, or one JSON object with --json; on bad input, one
 * line `strata: <what is wrong>` on stderr and a non-zero exit (STRATA_DEBUG=1 adds the
 * stack). A closed stdout (`| head`) ends the process quietly. Each command's flags and
 * output live in workers/node/<command>-command.ts.
 */
import { StrataError, fail } from './engine/errors';
import type { Command } from './node/cli-args';
import { ckaCommand } from './node/cka-command';
import { extractCommand } from './node/extract-command';
import { probeCommand } from './node/probe-command';
import { latentCommand } from './node/latent-command';
import { quantStudyCommand } from './node/quant-study-command';
import { residualCommand } from './node/residual-command';
import { saeCommand } from './node/sae-command';
import { saeProbeCommand } from './node/sae-probe-command';
import { saeTrainCommand } from './node/sae-train-command';
import { skipSweepCommand } from './node/skip-sweep-command';
import { traceCommand } from './node/trace-command';
import { onClosedPipe, oneLineErrors } from './node/process-guard';
import { runBatch } from './node/batch';
import { createInterface } from 'node:readline';

const COMMANDS: Record<string, Command> = {
  trace: traceCommand,
  residual: residualCommand,
  'skip-sweep': skipSweepCommand,
  extract: extractCommand,
  probe: probeCommand,
  cka: ckaCommand,
  sae: saeCommand,
  'sae-probe': saeProbeCommand,
  'sae-train': saeTrainCommand,
  latent: latentCommand,
  'quant-study': quantStudyCommand,
};

const HELP = [
  'strata: look inside language models layer by layer (the engine of the Strata page, in Node).',
  '',
  'usage: strata COMMAND [flags]      strata COMMAND --help',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(11)} ${c.about}`),
  `  ${'batch'.padEnd(11)} many commands from stdin in one process, models kept loaded: one per line (JSON array or shell words); one JSON line out per command`,
].join('\n');

function commandHelp(name: string, c: Command): string {
  const w = Math.max(...c.flags.map(([f]) => f.length));
  return [`strata ${name}: ${c.about}`, '', `usage: ${c.usage}`, '', 'flags:', ...c.flags.map(([f, d]) => `  ${f.padEnd(w)}  ${d}`)].join('\n');
}

let usage = `usage: strata COMMAND [flags] (commands: ${Object.keys(COMMANDS).join(', ')}; strata --help)`;

const BATCH_HELP = [
  'strata batch: many commands from stdin in one process, models kept loaded',
  '',
  'usage: strata batch < commands.txt',
  '',
  'Each line is one command: a JSON array of arguments (["trace","--model","m","--ids","1,2"]) or words as a shell',
  'splits them (trace --model m --prompt "Hi there"); blank lines and # comments are skipped. Each prints one JSON',
  'line: {"line", "command", "ok": true, "ms", "result"} with the command\'s --json object, or {"line", "ok": false,',
  '"error"}. Exit status 2 when any command failed.',
].join('\n');

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  if (command === 'batch') {
    if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
      process.stdout.write(`${BATCH_HELP}\n`);
      return;
    }
    if (rest.length > 0) fail(`strata batch takes no flags (it reads one command per line from stdin), got ${rest.join(' ')}`);
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    const t = await runBatch(COMMANDS, lines, (s) => process.stdout.write(s), oneLine);
    process.stderr.write(`strata batch: ${t.ok} ok, ${t.failed} failed\n`);
    if (t.failed > 0) process.exitCode = 2;
    return;
  }
  const c = COMMANDS[command];
  if (!c) fail(`unknown command "${command}"; ${usage}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(command, c)}\n`);
    return;
  }
  usage = `usage: ${c.usage}`;
  const out = await c.run(rest);
  process.stdout.write(rest.includes('--json') ? `${JSON.stringify(out.json)}\n` : `${out.summary}\n`);
}

function oneLine(e: unknown): string {
  if (e instanceof StrataError) return e.message;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return `${e.message}; ${usage}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

function report(e: unknown): void {
  process.stderr.write(`strata: ${oneLine(e).replace(/\s*\n\s*/g, ' ').slice(0, 2000)}\n`);
  if (process.env['STRATA_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exitCode = e instanceof StrataError ? 2 : 1;
}

onClosedPipe();
oneLineErrors(report);
/** Exits once stdout and stderr are flushed: the wasm backend's pthread workers could keep Node alive. */
function exitWhenFlushed(): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}

main(process.argv.slice(2)).catch(report).finally(exitWhenFlushed);
