/** Argument handling the CLI commands share: model, prompt or ids, backend. */
import type { ParseArgsConfig } from 'node:util';
import { fail } from '../engine/errors';
import { Engine } from '../engine/engine';
import { dirFileSet } from './fs-source';
import { initNodeBackend } from './host';
import { warmEngine } from './warm';

/** The options every command takes; `multiple` lets a command accept a prompt set. */
export function commonOptions(multiple = false): NonNullable<ParseArgsConfig['options']> {
  return {
    model: { type: 'string' },
    prompt: { type: 'string', multiple },
    ids: { type: 'string', multiple },
    backend: { type: 'string', default: 'wasm' },
    spec: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  };
}

export function intList(flag: string, text: string): number[] {
  if (text.trim() === '') fail(`--${flag} is empty: give at least one integer, e.g. --${flag} 0,1,2`);
  return text.split(',').map((s) => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) fail(`--${flag}: "${t}" is not a non-negative integer`);
    return Number(t);
  });
}

/** A finite number for `--flag`, or the default when absent. */
export function numberFlag(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) fail(`--${flag} must be a number, got "${text}"`);
  return v;
}

/** An integer ≥ `min` for `--flag`, or the default when absent. */
export function intFlag(flag: string, text: string | undefined, dflt: number, min: number): number {
  const v = numberFlag(flag, text, dflt);
  if (!Number.isInteger(v) || v < min) fail(`--${flag} must be ${min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`}, got "${text}"`);
  return v;
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

const strings = (v: Values[string]): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String));

export interface PromptArgs {
  model: string;
  backend: 'wasm' | 'cpu';
  ids?: number[][];
  texts?: string[];
}

/** Checks --model, --backend and exactly one of --prompt / --ids (each possibly repeated); no I/O yet. */
export function promptArgs(values: Values, usage: string): PromptArgs {
  const model = values['model'];
  if (typeof model !== 'string') fail(`--model DIR is required; ${usage}`);
  const texts = strings(values['prompt']);
  const idLists = strings(values['ids']);
  if ((texts === undefined) === (idLists === undefined)) fail('give exactly one of --prompt TEXT or --ids 1,2,3');
  const backend = values['backend'];
  if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${String(backend)}"`);
  const ids = idLists?.map((t) => intList('ids', t));
  if (texts?.some((t) => t.length === 0)) fail('the prompt is empty: give --prompt some text');
  return ids ? { model, backend, ids } : { model, backend, texts: texts ?? [] };
}

/** Starts the backend and loads the model (labelled by its directory). */
export async function loadEngine(model: string, backend: 'wasm' | 'cpu'): Promise<Engine> {
  await initNodeBackend(backend);
  // In `strata batch` the engine (and its loaded model) is kept for the next command.
  return warmEngine(model, backend, async () => {
    const engine = new Engine();
    await engine.load(await dirFileSet(model), { label: model });
    return engine;
  });
}

/** Starts the backend, loads the model and returns one id list per prompt. */
export async function loadPrompts(a: PromptArgs): Promise<{ engine: Engine; prompts: number[][] }> {
  const engine = await loadEngine(a.model, a.backend);
  return { engine, prompts: a.ids ?? (a.texts ?? []).map((t) => engine.encode(t)) };
}

/** What a command prints: one JSON object with --json, else the human-readable summary. */
export interface CommandOutput {
  json: Record<string, unknown>;
  summary: string;
}

export interface Command {
  usage: string;
  /** One line: what the command does. */
  about: string;
  /** Flag → what it means. */
  flags: [string, string][];
  run: (args: string[]) => Promise<CommandOutput>;
}

/** Flags every model command shares, for --help. */
export const COMMON_FLAGS: [string, string][] = [
  ['--model DIR', 'checkpoint folder: config.json, *.safetensors (one file or shards), optionally tokenizer.json'],
  ['--prompt TEXT | --ids 1,2,3', 'the input: text (needs tokenizer.json) or token ids'],
  ['--spec run.json', 'a run spec: {"path": [layer indices], "interventions": [{hook, kind, heads?, positions?, value?}]}'],
  ['--backend wasm|cpu', 'TensorFlow.js backend (default wasm)'],
  ['--json', 'print one JSON object instead of the summary'],
];

/** A fixed-width number for summaries. */
export function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toPrecision(digits) : String(x);
}

/** The model block every command's JSON starts with. */
export function modelJson(engine: Engine): Record<string, unknown> {
  const info = engine.info;
  if (!info) throw new Error('no model');
  return { arch: info.arch, layers: info.layers, dModel: info.dModel, heads: info.heads, kvHeads: info.kvHeads, vocab: info.vocab };
}
