/** `strata extract`: a dataset through the model, `[N, d]` per hook at one position, as safetensors. */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { ColumnMapping } from '../../src/contracts/dataset';
import type { ExtractPosition } from '../../src/contracts/extract';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, loadEngine, numberFlag, type Command } from './cli-args';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata extract --model DIR --dataset FILE [--text-column C | --ids-column C] [--label-column C] [--limit N] --hooks PATTERN[,PATTERN] [--position last|mean|all|N] [--spec run.json] [--batch-tokens N] --out FILE.safetensors [--backend wasm|cpu] [--json]';

export function parsePosition(text: string | undefined): ExtractPosition {
  if (text === undefined) return 'last';
  if (text === 'last' || text === 'mean' || text === 'all') return text;
  if (/^-?\d+$/.test(text.trim())) return Number(text);
  return fail(`--position must be last, mean, all or an integer (negative counts from the end), got "${text}"`);
}

export const extractCommand: Command = {
  usage: USAGE,
  about: 'run a dataset through the model and save [rows, d] activations per hook as safetensors',
  flags: [
    ...COMMON_FLAGS.filter(([f]) => !f.startsWith('--prompt')),
    ['--dataset FILE', 'CSV, TSV, JSON (array or {examples: [...]}), JSONL or TXT (one row a line)'],
    ['--text-column C / --ids-column C', 'the column with the text, or with token ids ("1,2,3" in CSV, arrays in JSON); guessed when omitted'],
    ['--label-column C', 'the label column (saved as I32 `labels`, names in the metadata)'],
    ['--limit N', 'only the first N rows'],
    ['--hooks PATTERN,...', 'hook names or patterns, e.g. blocks.*.hook_resid_post,ln_final.hook_normalized'],
    ['--position P', 'last (default), mean (without a BOS at position 0), all, or a position index (-1 = last)'],
    ['--batch-tokens N', 'tokens per batch: rows of similar length side by side, right-padded (default 512; 0 = one row at a time)'],
    ['--out FILE', 'where to write the .safetensors file'],
  ],
  async run(argv) {
    // `--position -2` would read as an unknown flag: bind a negative index to its flag.
    const args = argv.flatMap((a, i) => (a === '--position' && /^-\d+$/.test(argv[i + 1] ?? '') ? [] : i > 0 && argv[i - 1] === '--position' && /^-\d+$/.test(a) ? [`--position=${a}`] : [a]));
    const { values } = parseArgs({
      args,
      options: {
        ...commonOptions(), path: { type: 'string' }, dataset: { type: 'string' }, 'text-column': { type: 'string' }, 'ids-column': { type: 'string' },
        'label-column': { type: 'string' }, limit: { type: 'string' }, hooks: { type: 'string' }, position: { type: 'string' }, 'batch-tokens': { type: 'string' }, out: { type: 'string' },
      },
      strict: true,
    });
    // commonOptions() is typed loosely, so its flags are read through this view.
    const common = values as { model?: unknown; backend?: unknown };
    if (typeof common.model !== 'string') fail(`--model DIR is required; usage: ${USAGE}`);
    const model = common.model;
    if (typeof values.dataset !== 'string') fail(`--dataset FILE is required; usage: ${USAGE}`);
    if (typeof values.hooks !== 'string' || values.hooks.trim() === '') fail('--hooks is required, e.g. --hooks blocks.*.hook_resid_post');
    if (typeof values.out !== 'string') fail('--out FILE.safetensors is required');
    const backend = common.backend;
    if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be wasm or cpu, got "${String(backend)}"`);
    if (values['text-column'] && values['ids-column']) fail('give one of --text-column and --ids-column');
    const limit = numberFlag('limit', values.limit, 0);
    if (!Number.isInteger(limit) || limit < 0) fail(`--limit must be a non-negative integer, got "${values.limit}"`);
    const batchTokens = numberFlag('batch-tokens', values['batch-tokens'], 512);
    if (!Number.isInteger(batchTokens) || batchTokens < 0) fail(`--batch-tokens must be a non-negative integer, got "${values['batch-tokens']}"`);
    const position = parsePosition(values.position);
    const hooks = values.hooks.split(',').map((h) => h.trim()).filter(Boolean);
    const spec = await runSpecArgs(values);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(values.dataset));
    } catch {
      return fail(`--dataset ${values.dataset} could not be read`);
    }
    const mapping: ColumnMapping | undefined = values['text-column'] || values['ids-column'] || values['label-column']
      ? { ...(values['text-column'] ? { text: values['text-column'] } : {}), ...(values['ids-column'] ? { ids: values['ids-column'] } : {}), ...(values['label-column'] ? { label: values['label-column'] } : {}) }
      : undefined;
    const engine = await loadEngine(model, backend);
    const ds = engine.datasetLoad(bytes, basename(values.dataset), mapping ? { mapping } : {});
    const r = await engine.analyze('extract', { run: { tokens: [], ...spec }, options: { dataset: ds.id, hooks, position, limit, batchTokens } });
    const file = await engine.exportArtifact(r.artifact);
    try {
      await writeFile(values.out, file);
    } catch {
      fail(`--out ${values.out} could not be written`);
    }
    const json = { rows: r.rows, hooks: r.hooks, d: r.d, position: r.position, seconds: r.seconds };
    const summary = `extract: ${r.rows} rows of ${ds.name} × ${r.hooks.length} hooks (${r.hooks[0]}${r.hooks.length > 1 ? ` … ${r.hooks[r.hooks.length - 1]}` : ''}), d = ${r.d}, position ${String(r.position)}: ${r.vectors} vectors, ${fmt(r.bytes / 2 ** 20, 3)} MiB in ${fmt(r.seconds, 3)} s${r.batched ? ' (batched)' : ''} → ${values.out}`;
    return { json, summary };
  },
};
