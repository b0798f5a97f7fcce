/**
 * `strata batch`: many commands in one process. Each input line is one command — a JSON array
 * of arguments (`["trace","--model","m","--prompt","Hi"]`) or words as a shell would split them
 * (`trace --model m --prompt "Hi there"`); blank lines and `#` comments are skipped. Each
 * command writes one JSON line: `{"line", "command", "ok": true, "ms", "result"}` with the
 * command's --json object, or `{"line", "ok": false, "error"}` (the same one-line message the
 * command would print alone). Models stay loaded between commands (workers/node/warm.ts):
 * only the backend start-up and the load are saved, every result is computed afresh.
 */
import { fail } from '../engine/errors';
import type { Command } from './cli-args';
import { enableWarmEngines, resetWarmEngines } from './warm';

/** Words of a command line: whitespace-separated, "double" or 'single' quoted, \ escapes the next character. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let any = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\' && quote !== "'" && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (quote) fail(`unclosed ${quote} quote`);
  if (any) out.push(cur);
  return out;
}

/** One input line's arguments, or undefined for a blank or comment line. */
export function lineArgs(line: string): string[] | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  if (!t.startsWith('[')) return splitWords(t);
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    return fail(`not a JSON array of arguments (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail('a JSON line must be an array of strings');
  return v as string[];
}

export interface BatchTotals {
  ok: number;
  failed: number;
}

/** Runs every line; never throws for one command's failure (it is reported on its own line). */
export async function runBatch(commands: Record<string, Command>, lines: AsyncIterable<string>, write: (s: string) => void, errorText: (e: unknown) => string): Promise<BatchTotals> {
  enableWarmEngines();
  const totals: BatchTotals = { ok: 0, failed: 0 };
  let n = 0;
  for await (const line of lines) {
    n++;
    const t0 = performance.now();
    let name: string | undefined;
    try {
      const args = lineArgs(line);
      if (!args) continue;
      [name] = args;
      const rest = args.slice(1);
      const c = name === undefined ? undefined : commands[name];
      if (!c) fail(`unknown command "${name ?? ''}" (commands: ${Object.keys(commands).join(', ')})`);
      const out = await c.run(rest);
      write(`${JSON.stringify({ line: n, command: name, ok: true, ms: Math.round(performance.now() - t0), result: out.json })}\n`);
      totals.ok++;
    } catch (e) {
      write(`${JSON.stringify({ line: n, ...(name !== undefined ? { command: name } : {}), ok: false, error: errorText(e).replace(/\s*\n\s*/g, ' ').slice(0, 2000) })}\n`);
      totals.failed++;
    } finally {
      resetWarmEngines();
    }
  }
  return totals;
}
