/** `strata extract`: a dataset through the model, `[N, d]` per hook at one position, as safetensors. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ExtractPosition } from '../../src/contracts/extract';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, intFlag, loadEngine, type Command } from './cli-args';
import { bindNegativePosition, DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';
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
    const { values } = parseArgs({
      args: bindNegativePosition(argv),
      options: { ...commonOptions(), ...DATASET_OPTIONS, path: { type: 'string' }, hooks: { type: 'string' }, position: { type: 'string' }, 'batch-tokens': { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    const { model, dataset, backend } = datasetRunArgs(values, USAGE);
    if (typeof values.hooks !== 'string' || values.hooks.trim() === '') fail('--hooks is required, e.g. --hooks blocks.*.hook_resid_post');
    if (typeof values.out !== 'string') fail('--out FILE.safetensors is required');
    const limit = intFlag('limit', values.limit, 0, 0);
    const batchTokens = intFlag('batch-tokens', values['batch-tokens'], 512, 0);
    const position = parsePosition(values.position);
    const hooks = values.hooks.split(',').map((h) => h.trim()).filter(Boolean);
    const spec = await runSpecArgs(values);
    const file = await readDatasetArgs(values, dataset);
    const engine = await loadEngine(model, backend);
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    const r = await engine.analyze('extract', { run: { tokens: [], ...spec }, options: { dataset: ds.id, hooks, position, limit, batchTokens } });
    const out = await engine.exportArtifact(r.artifact);
    try {
      await writeFile(values.out, out);
    } catch {
      fail(`--out ${values.out} could not be written`);
    }
    const json = { rows: r.rows, hooks: r.hooks, d: r.d, position: r.position, seconds: r.seconds };
    const summary = `extract: ${r.rows} rows of ${ds.name} × ${r.hooks.length} hooks (${r.hooks[0]}${r.hooks.length > 1 ? ` … ${r.hooks[r.hooks.length - 1]}` : ''}), d = ${r.d}, position ${String(r.position)}: ${r.vectors} vectors, ${fmt(r.bytes / 2 ** 20, 3)} MiB in ${fmt(r.seconds, 3)} s${r.batched ? ' (batched)' : ''} → ${values.out}`;
    return { json, summary };
  },
};
