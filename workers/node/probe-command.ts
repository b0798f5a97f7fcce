/** `strata probe`: concept depth — a linear probe per hook on a dataset's activations (METHODS §3). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PrefixNoise, ProbeMethod, ProbeOptions, ProbeSplit } from '../../src/contracts/probe';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, intFlag, loadEngine, numberFlag, type Command } from './cli-args';
import { bindNegativePosition, DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';
import { parsePosition } from './extract-command';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata probe --model DIR --dataset FILE [--text-column C | --ids-column C] [--label-column C] [--limit N] [--hooks PATTERN] [--position last|mean|N] [--method logistic|mean-diff] [--C 1] [--split random|stratified|kfold] [--test-fraction 0.4] [--folds 5] [--seed 0] [--positive LABEL] [--bootstrap 1000] [--noise-prefix N [--noise-letters ab] [--noise-seed S]] [--quantize BITS [--group-size G]] [--spec run.json] [--out DIR] [--json]';

export const probeCommand: Command = {
  usage: USAGE,
  about: 'train a linear probe at every hook of a dataset and print accuracy, F1 and ROC-AUC per layer (concept depth)',
  flags: [
    ...COMMON_FLAGS.filter(([f]) => !f.startsWith('--prompt')),
    ['--dataset FILE', 'CSV, TSV, JSON, JSONL or TXT with a label column (e.g. public/datasets/cities.csv)'],
    ['--text-column C / --ids-column C', 'the column with the text or the token ids (guessed when omitted)'],
    ['--label-column C', 'the label column (guessed when omitted)'],
    ['--limit N', 'only the first N rows'],
    ['--hooks PATTERN,...', 'hooks to probe (default blocks.*.hook_resid_post; the reference code reads blocks.*.ln2.hook_normalized, the MLP input)'],
    ['--position P', 'last (default), mean (without a BOS at position 0), or a position index (-1 = last)'],
    ['--method M', 'logistic (default: L2 logistic regression) or mean-diff (difference of class means)'],
    ['--C X', 'inverse L2 strength, scikit-learn\'s C (default 1); the intercept is not penalised, features are not scaled'],
    ['--split S', 'random (default: scikit-learn train_test_split), stratified, or kfold'],
    ['--test-fraction F', 'share of rows tested (default 0.4, the reference code\'s)'],
    ['--folds K', 'folds for --split kfold (default 5)'],
    ['--seed S', 'split and bootstrap seed (default 0; the reference code used 42); the same seed gives the same split everywhere'],
    ['--positive LABEL', 'F1\'s positive class (default: the reference code\'s for its datasets, else the last label in sorted order)'],
    ['--bootstrap B', 'bootstrap resamples of the test set for the 95% intervals (default 1000; 0 = none)'],
    ['--noise-prefix N', 'glue N copies of a random letter onto each row\'s text (the reference code\'s noise: N = 3, letters ab)'],
    ['--noise-letters L / --noise-seed S', 'letters to draw from (default ab) and the seed of the draws (default 0)'],
    ['--quantize BITS', 'probe a copy of the model with every block linear map rounded to BITS (8, 4, …; round-to-nearest)'],
    ['--group-size G', 'inputs per quantisation group (default: 8 bits the whole row, fewer bits 128)'],
    ['--out DIR', 'also write each hook\'s probe as DIR/<hook>.safetensors (weight, bias, metadata)'],
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: bindNegativePosition(argv),
      options: {
        ...commonOptions(), ...DATASET_OPTIONS, path: { type: 'string' }, hooks: { type: 'string' }, position: { type: 'string' }, method: { type: 'string' },
        C: { type: 'string' }, split: { type: 'string' }, 'test-fraction': { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' },
        positive: { type: 'string' }, bootstrap: { type: 'string' }, 'noise-prefix': { type: 'string' }, 'noise-letters': { type: 'string' },
        'noise-seed': { type: 'string' }, quantize: { type: 'string' }, 'group-size': { type: 'string' }, out: { type: 'string' },
        'batch-tokens': { type: 'string' },
      },
      strict: true,
    });
    const { model: modelDir, dataset, backend } = datasetRunArgs(values, USAGE);
    const position = parsePosition(values.position);
    if (position === 'all') fail('--position all keeps every token; a probe reads one vector per row: use last, mean or an index');
    const method = (values.method ?? 'logistic') as ProbeMethod;
    if (method !== 'logistic' && method !== 'mean-diff') fail(`--method must be logistic or mean-diff, got "${values.method}"`);
    const split = (values.split ?? 'random') as ProbeSplit;
    if (!['random', 'stratified', 'kfold'].includes(split)) fail(`--split must be random, stratified or kfold, got "${values.split}"`);
    const C = numberFlag('C', values.C, 1);
    if (!(C > 0)) fail(`--C must be a positive number, got "${values.C}"`);
    const testFraction = numberFlag('test-fraction', values['test-fraction'], 0.4);
    if (!(testFraction > 0 && testFraction < 1)) fail(`--test-fraction must be between 0 and 1, got "${values['test-fraction']}"`);
    const noiseN = values['noise-prefix'] === undefined ? 0 : intFlag('noise-prefix', values['noise-prefix'], 0, 1);
    const noise: PrefixNoise | null = noiseN ? { letters: values['noise-letters'] ?? 'ab', length: noiseN, seed: intFlag('noise-seed', values['noise-seed'], 0, 0) } : null;
    if (!noiseN && (values['noise-letters'] !== undefined || values['noise-seed'] !== undefined)) fail('--noise-letters and --noise-seed go with --noise-prefix N');
    const bits = values.quantize === undefined ? 0 : intFlag('quantize', values.quantize, 0, 2);
    if (!bits && values['group-size'] !== undefined) fail('--group-size goes with --quantize BITS');
    const options: Partial<ProbeOptions> = {
      hooks: (values.hooks ?? 'blocks.*.hook_resid_post').split(',').map((h) => h.trim()).filter(Boolean), position,
      limit: intFlag('limit', values.limit, 0, 0), batchTokens: intFlag('batch-tokens', values['batch-tokens'], 512, 0),
      method, C, split, testFraction, folds: intFlag('folds', values.folds, 5, 2), seed: intFlag('seed', values.seed, 0, 0),
      positive: values.positive ?? null, bootstrap: intFlag('bootstrap', values.bootstrap, 1000, 0), noise,
    };
    const spec = await runSpecArgs(values);
    const file = await readDatasetArgs(values, dataset);
    const engine = await loadEngine(modelDir, backend);
    const model = bits ? (await engine.quantize({ bits, groupSize: intFlag('group-size', values['group-size'], 0, 0) })).id : engine.model().id;
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    const r = await engine.analyze('probe', { model, run: { tokens: [], ...spec, model }, options: { ...options, dataset: ds.id } });
    if (typeof values.out === 'string') {
      try {
        await mkdir(values.out, { recursive: true });
        for (const [j, id] of r.probes.entries()) await writeFile(join(values.out, `${r.hooks[j]}.safetensors`), await engine.exportArtifact(id));
      } catch (e) {
        fail(`--out ${values.out} could not be written (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    const json = {
      hooks: r.hooks, relDepth: r.relDepth, n: r.n, classes: r.classes, acc: r.acc, f1: r.f1, auc: r.auc, accCI: r.accCI,
      split: { train: r.split.train, test: r.split.test, ...(r.split.folds ? { folds: r.split.folds } : {}) }, iterations: r.iterations,
      positive: r.positive, chance: r.chance, f1CI: r.f1CI, aucCI: r.aucCI, converged: r.converged, method: r.method, seconds: r.seconds,
      ...(bits ? { model: engine.model(model).label } : {}),
    };
    const w = Math.max(...r.hooks.map((h) => h.length));
    const rows = r.hooks.map((h, j) => `  ${h.padEnd(w)}  ${r.relDepth[j]?.toFixed(2)}  acc ${fmt(r.acc[j] ?? NaN, 3)} [${fmt(r.accCI[j]?.[0] ?? NaN, 3)}, ${fmt(r.accCI[j]?.[1] ?? NaN, 3)}]  F1 ${fmt(r.f1[j] ?? NaN, 3)}  AUC ${fmt(r.auc[j] ?? NaN, 3)}${r.converged[j] ? '' : '  (not converged)'}`);
    const summary = [
      `probe: ${r.method} on ${r.n} rows of ${ds.name} (${r.classes.join(' / ')}; F1 of "${r.positive}"), ${split} split seed ${options.seed}: ${r.split.test.length} tested, chance ${fmt(r.chance, 3)}${bits ? `, model ${engine.model(model).label}` : ''}${noise ? `, noise "${noise.letters}"×${noise.length}` : ''}`,
      `  ${'hook'.padEnd(w)}  rel. depth`, ...rows, `${fmt(r.seconds, 3)} s`,
    ].join('\n');
    return { json, summary };
  },
};
