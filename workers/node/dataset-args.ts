/**
 * The flags and checks of the commands that run a dataset through the model (extract,
 * probe, cka): the dataset file and its columns, --position with a negative index, the
 * required --model / --dataset and the backend. One place, so the commands refuse the
 * same input with the same line.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { ColumnMapping } from '../../src/contracts/dataset';
import { fail } from '../engine/errors';

/** parseArgs options for the dataset and its column mapping. */
export const DATASET_OPTIONS = {
  dataset: { type: 'string' }, 'text-column': { type: 'string' }, 'ids-column': { type: 'string' }, 'label-column': { type: 'string' }, limit: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** `--position -2` would read as an unknown flag: binds a negative index to its flag (`--position=-2`). */
export function bindNegativePosition(argv: string[]): string[] {
  const neg = (a: string | undefined): boolean => /^-\d+$/.test(a ?? '');
  return argv.flatMap((a, i) => (a === '--position' && neg(argv[i + 1]) ? [] : i > 0 && argv[i - 1] === '--position' && neg(a) ? [`--position=${a}`] : [a]));
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** --model and --dataset are given, the backend is a Node one, and at most one text/ids column is named. */
export function datasetRunArgs(values: Values, usage: string): { model: string; dataset: string; backend: 'wasm' | 'cpu' } {
  const { model, dataset, backend } = values;
  if (typeof model !== 'string') fail(`--model DIR is required; usage: ${usage}`);
  if (typeof dataset !== 'string') fail(`--dataset FILE is required; usage: ${usage}`);
  if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${String(backend)}"`);
  if (values['text-column'] && values['ids-column']) fail('give one of --text-column and --ids-column');
  return { model, dataset, backend };
}

/** The dataset file's bytes and the column mapping the flags name (read before any model loads). */
export async function readDatasetArgs(values: Values, file: string): Promise<{ bytes: Uint8Array; name: string; opts: { mapping?: ColumnMapping } }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch {
    return fail(`--dataset ${file} could not be read`);
  }
  const col = (k: string): string | undefined => (typeof values[k] === 'string' && values[k] ? values[k] : undefined);
  const [text, ids, label] = [col('text-column'), col('ids-column'), col('label-column')];
  const mapping: ColumnMapping | undefined = text || ids || label ? { ...(text ? { text } : {}), ...(ids ? { ids } : {}), ...(label ? { label } : {}) } : undefined;
  return { bytes, name: basename(file), opts: mapping ? { mapping } : {} };
}
