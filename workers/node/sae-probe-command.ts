/**
 * `strata sae-probe`: each SAE feature as a classifier of a dataset's label beside the linear
 * probe at the SAE's hook (METHODS §9.5): per SAE and class, max over features of the test
 * AUROC (raw activation as the score), its feature and F1 (z > 0), the "either sign" max of
 * max(AUROC, 1 − AUROC), the probe's AUROC, and cosines against a random-direction control.
 */
import { parseArgs } from 'node:util';
import type { ProbeSplit } from '../../src/contracts/probe';
import type { SaeProbeOptions } from '../../src/contracts/sae-probe';
import { addSae } from '../engine/artifacts/sae-load';
import { fail } from '../engine/errors';
import { commonOptions, fmt, intFlag, loadEngine, numberFlag, type Command } from './cli-args';
import { bindNegativePosition, DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';
import { parsePosition } from './extract-command';
import { saeFiles } from './sae-command';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata sae-probe --model DIR --dataset FILE --sae PATH [--sae PATH …] [--text-column C | --ids-column C] [--label-column C] [--limit N] [--position last|mean|N] [--split random|stratified] [--test-fraction 0.4] [--seed 0] [--C 1] [--positive LABEL] [--top 10] [--controls 100] [--spec run.json] [--backend wasm|cpu] [--json]';

export const saeProbeCommand: Command = {
  usage: USAGE,
  about: 'SAE features as classifiers of a label (test AUROC, best feature per class) beside the linear probe at each SAE\'s layer',
  flags: [
    ['--model DIR', 'checkpoint folder the SAEs belong to'],
    ['--dataset FILE', 'a labelled dataset (CSV, TSV, JSON, JSONL), binary or more classes'],
    ['--text-column C / --ids-column C / --label-column C', 'its columns (guessed when omitted)'],
    ['--sae PATH', 'an SAE folder (or Gemma Scope params.npz); repeat for several layers'],
    ['--limit N', 'only the first N rows'],
    ['--position P', 'last (default), mean, or a position index (-1 = last)'],
    ['--split S / --test-fraction F / --seed S / --C X', 'the probe\'s split and strength (the Concept-depth defaults: random, 0.4, 0, 1); features are scored on the same test rows'],
    ['--positive LABEL', 'binary: the class scored (default: the probe\'s positive class)'],
    ['--top K', 'features listed per class (default 10)'],
    ['--controls R', 'random directions of the cosine control (default 100; 0 = no cosines)'],
    ['--path 0,1,1,3 / --spec run.json', 'a layer path or run spec (its path and interventions; an SAE reads the first step running its layer)'],
    ['--backend wasm|cpu', 'TensorFlow.js backend (default wasm)'],
    ['--json', 'print one JSON object instead of the summary'],
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: bindNegativePosition(argv),
      options: {
        ...commonOptions(), ...DATASET_OPTIONS, sae: { type: 'string', multiple: true }, position: { type: 'string' }, split: { type: 'string' },
        'test-fraction': { type: 'string' }, seed: { type: 'string' }, C: { type: 'string' }, positive: { type: 'string' }, top: { type: 'string' },
        controls: { type: 'string' }, 'batch-tokens': { type: 'string' }, path: { type: 'string' },
      },
      strict: true,
    });
    const { model: modelDir, dataset, backend } = datasetRunArgs(values, USAGE);
    const paths = values.sae ?? [];
    if (paths.length === 0) fail(`--sae PATH is required (repeat it for several SAEs); usage: ${USAGE}`);
    const position = parsePosition(values.position);
    if (position === 'all') fail('--position all keeps every token; use last, mean or an index');
    const split = (values.split ?? 'random') as ProbeSplit;
    if (split !== 'random' && split !== 'stratified') fail(`--split must be random or stratified, got "${values.split}"`);
    const testFraction = numberFlag('test-fraction', values['test-fraction'], 0.4);
    if (!(testFraction > 0 && testFraction < 1)) fail(`--test-fraction must be between 0 and 1, got "${values['test-fraction']}"`);
    const C = numberFlag('C', values.C, 1);
    if (!(C > 0)) fail(`--C must be a positive number, got "${values.C}"`);
    const options: Partial<SaeProbeOptions> = {
      position, split, testFraction, C, seed: intFlag('seed', values.seed, 0, 0), limit: intFlag('limit', values.limit, 0, 0),
      batchTokens: intFlag('batch-tokens', values['batch-tokens'], 512, 0), positive: values.positive ?? null,
      top: intFlag('top', values.top, 10, 1), controls: intFlag('controls', values.controls, 100, 0),
    };
    const spec = await runSpecArgs(values);
    const file = await readDatasetArgs(values, dataset);
    const sets = await Promise.all(paths.map((p) => saeFiles(p)));
    const engine = await loadEngine(modelDir, backend);
    const infos = [];
    for (const s of sets) infos.push(await addSae(engine.registry, s.files, { path: s.label }));
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    const model = engine.model().id;
    const r = await engine.analyze('sae-probe', { model, run: { tokens: [], ...spec, model }, options: { ...options, dataset: ds.id, saes: infos.map((i) => i.id) } });
    const json = { ...r, saes: infos.map((i, j) => ({ path: paths[j], id: i.id, hook: i.hook, sourceHook: i.sourceHook, dSae: i.dSae, architecture: i.architecture })) };
    const lines = r.entries.flatMap((e) => e.classes.map((c) =>
      `  ${e.saeHook.padEnd(26)} ${c.name.padEnd(8)} probe ${fmt(c.probeAuc, 3)}  best #${String(c.best.feature).padEnd(6)} AUROC ${fmt(c.best.auc, 3)} F1 ${fmt(c.best.f1, 3)}  either sign #${String(c.either.feature).padEnd(6)} ${fmt(c.either.auc, 3)}` +
      (c.cosMax !== undefined && e.control ? `  max|cos| ${fmt(c.cosMax, 3)} (random ${fmt(e.control.mean, 3)}, p95 ${fmt(e.control.p95, 3)})` : '')));
    const summary = [
      `sae-probe: ${r.n} rows of ${ds.name} (${r.labels.join(' / ')}), ${split} split seed ${options.seed}: ${r.test} tested; AUROC of the raw activation, one-vs-rest${r.scored.length === 1 ? ` for "${r.scored[0]}"` : ''}`,
      ...lines,
      ...(r.partial ? [`  cancelled: ${r.partial.done} of ${r.partial.total} SAEs`] : []),
      `${fmt(r.seconds, 3)} s`,
    ].join('\n');
    return { json, summary };
  },
};
