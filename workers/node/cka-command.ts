/** `strata cka`: CKA between the layers of one model, of two models, or of two paths, over a dataset (METHODS §2, §5). */
import { parseArgs } from 'node:util';
import type { CkaKind, CkaOptions, CkaPosition, CkaResult } from '../../src/contracts/cka';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, intFlag, loadEngine, numberFlag, type Command } from './cli-args';
import { DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';
import { dirFileSet } from './fs-source';
import { readSpec } from './spec-file';

const USAGE = 'strata cka --model DIR [--model2 DIR2] --dataset FILE [--hooks PATTERN] [--hooks2 PATTERN] [--position last|mean|all] [--kind linear|debiased] [--minibatch B] [--seed 0] [--spec run.json] [--spec2 run.json] [--linear-map] [--json]';

function choice<T extends string>(flag: string, v: string | undefined, options: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(options as readonly string[]).includes(v)) fail(`--${flag} must be ${options.join(', ').replace(/, ([^,]*)$/, ' or $1')}, got "${v}"`);
  return v as T;
}

const patterns = (s: string | undefined): string[] | undefined => s?.split(',').map((h) => h.trim()).filter(Boolean);

function table(r: CkaResult): string {
  const short = (h: string): string => h.replace(/^blocks\.(\d+)\./, 'L$1 ').replace('hook_', '');
  const w = Math.max(...r.rows.map((h) => short(h).length));
  const head = `${''.padEnd(w)}  ${r.cols.map((h) => short(h).slice(0, 8).padStart(8)).join(' ')}`;
  return [head, ...r.rows.map((h, i) => `${short(h).padEnd(w)}  ${(r.cka[i] ?? []).map((x) => fmt(x, 4).padStart(8)).join(' ')}`)].join('\n');
}

export const ckaCommand: Command = {
  usage: USAGE,
  about: 'CKA (linear or debiased, full or minibatch) between the layers of one model, two models or two paths over a dataset',
  flags: [
    ...COMMON_FLAGS.filter(([f]) => !f.startsWith('--prompt')),
    ['--model2 DIR', 'model B (compared by its own layers; texts go through its own tokenizer); without it B is model A under --spec2, or A itself'],
    ['--dataset FILE', 'CSV, TSV, JSON, JSONL or TXT rows (as strata extract); --text-column / --ids-column / --label-column pick the columns'],
    ['--limit N', 'only the first N rows'],
    ['--hooks PATTERN,...', "model A's hooks (default blocks.*.hook_resid_post)"],
    ['--hooks2 PATTERN,...', "model B's hooks (default: --hooks)"],
    ['--position P', 'last (default), mean (without a BOS at position 0) or all (every token pooled; both models must read the same tokens)'],
    ['--kind K', 'linear (default) or debiased (unbiased HSIC; needs 4 or more vectors)'],
    ['--form F', 'auto (default), feature or gram: the full estimator\'s form (the same value)'],
    ['--minibatch B', 'minibatch CKA with batches of B vectors (0 = full, default)'],
    ['--passes P', 'shuffled passes for minibatch CKA (default 10)'],
    ['--seed S', 'seed of the shuffles and of the held-out rows (default 0)'],
    ['--partial drop|scale', 'minibatch: drop the partial last batch (default) or keep it, each batch scaled by 1/(n(n-3))'],
    ['--keep-bos', 'position all: keep position 0 when it holds the BOS token (left out by default)'],
    ['--spec2 run.json', "model B's path and interventions (--spec is model A's)"],
    ['--linear-map', 'also fit a least-squares map with bias from each hook of A to each hook of B; adds linearMap {error, fvu}'],
    ['--ridge R', 'linear maps: ridge λ = R × mean eigenvalue of the source covariance (default 0.01)'],
    ['--holdout F', 'linear maps: share of rows held out to measure the error (default 0.25)'],
    ['--batch-tokens N', 'tokens per extraction batch (default 512; 0 = one row at a time)'],
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...commonOptions(), ...DATASET_OPTIONS, model2: { type: 'string' }, hooks: { type: 'string' }, hooks2: { type: 'string' }, position: { type: 'string' },
        kind: { type: 'string' }, form: { type: 'string' }, minibatch: { type: 'string' }, passes: { type: 'string' }, seed: { type: 'string' },
        partial: { type: 'string' }, 'keep-bos': { type: 'boolean', default: false }, spec2: { type: 'string' }, 'linear-map': { type: 'boolean', default: false },
        ridge: { type: 'string' }, holdout: { type: 'string' }, 'batch-tokens': { type: 'string' },
      },
      strict: true,
    });
    const { model: modelDir, dataset, backend } = datasetRunArgs(values, USAGE);
    // commonOptions() is typed loosely, so its --spec is read through this view.
    const common = values as { spec?: unknown };
    const hooks = patterns(values.hooks) ?? ['blocks.*.hook_resid_post'];
    if (hooks.length === 0) fail('--hooks is empty: give hook names or patterns, e.g. blocks.*.hook_resid_post');
    const hooks2 = patterns(values.hooks2);
    if (hooks2 && hooks2.length === 0) fail('--hooks2 is empty: give hook names or patterns, e.g. blocks.*.hook_resid_post');
    const ridge = numberFlag('ridge', values.ridge, 0.01);
    if (ridge < 0) fail(`--ridge must be ≥ 0, got "${values.ridge}"`);
    const holdout = numberFlag('holdout', values.holdout, 0.25);
    const options: Partial<CkaOptions> = {
      hooks, position: choice<CkaPosition>('position', values.position, ['last', 'mean', 'all'], 'last'), kind: choice<CkaKind>('kind', values.kind, ['linear', 'debiased'], 'linear'),
      form: choice('form', values.form, ['auto', 'feature', 'gram'] as const, 'auto'), limit: intFlag('limit', values.limit, 0, 0),
      minibatch: intFlag('minibatch', values.minibatch, 0, 0), passes: intFlag('passes', values.passes, 10, 1), seed: intFlag('seed', values.seed, 0, 0),
      partial: choice('partial', values.partial, ['drop', 'scale'] as const, 'drop'), dropBos: !values['keep-bos'],
      linearMap: values['linear-map'], ridge, holdout, batchTokens: intFlag('batch-tokens', values['batch-tokens'], 512, 0),
    };
    const specA = await readSpec(typeof common.spec === 'string' ? common.spec : undefined);
    const specB = await readSpec(values.spec2);
    const file = await readDatasetArgs(values, dataset);
    const engine = await loadEngine(modelDir, backend);
    const a = engine.model().id;
    const b = values.model2 === undefined ? undefined : (await engine.load(await dirFileSet(values.model2), { label: values.model2 })).id;
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    // B: model 2 under --spec2, or A under --spec2, or (neither) A itself.
    const side = b !== undefined || values.spec2 !== undefined || hooks2 !== undefined
      ? { b: { ...(b !== undefined ? { model: b } : {}), ...(specB.path ? { path: specB.path } : {}), ...(specB.interventions ? { interventions: specB.interventions } : {}), ...(hooks2 ? { hooks: hooks2 } : {}) } }
      : {};
    const r = await engine.analyze('cka', {
      model: a, run: { model: a, tokens: [], ...(specA.path ? { path: specA.path } : {}), interventions: specA.interventions ?? [] },
      options: { ...options, dataset: ds.id, ...side },
    });
    const json: Record<string, unknown> = {
      rows: r.rows, cols: r.cols, kind: r.kind, n: r.n, cka: r.cka,
      position: r.position, form: r.form, datasetRows: r.datasetRows, best: r.best, depthRows: r.depthRows, depthCols: r.depthCols,
      pathA: r.pathA, pathB: r.pathB, modelA: r.modelA, modelB: r.modelB, notes: r.notes, seconds: r.seconds,
      ...(r.minibatch ? { minibatch: r.minibatch } : {}), ...(r.linearMap ? { linearMap: r.linearMap } : {}),
    };
    const best = r.rows.map((h, i) => `  ${h} (depth ${fmt(r.depthRows[i] as number, 2)}) → ${r.cols[r.best[i] as number]} (depth ${fmt(r.depthCols[r.best[i] as number] as number, 2)}): ${fmt((r.cka[i] as number[])[r.best[i] as number] as number, 4)}`);
    const summary = [
      `cka: ${r.kind} ${r.form === 'minibatch' ? `minibatch (${r.minibatch?.size} × ${r.minibatch?.batches} batches)` : `(${r.form} form)`}, position ${r.position}, n = ${r.n} vectors of ${r.datasetRows} rows of ${ds.name}; A = ${r.modelA}, B = ${r.modelB} in ${fmt(r.seconds, 3)} s`,
      ...r.notes.map((n) => `note: ${n}`),
      table(r),
      'best match in B for each hook of A:',
      ...best,
    ].join('\n');
    return { json, summary };
  },
};
