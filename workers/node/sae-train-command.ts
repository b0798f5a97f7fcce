/** `strata sae-train`: train a sparse autoencoder on a dataset's tokens at one hook (METHODS §9.2) and write it as a SAELens folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SAE_TRAIN_DEFAULTS, type SaeTrainArch, type SaeTrainOptions } from '../../src/contracts/sae-train';
import { fail } from '../engine/errors';
import { COMMON_FLAGS, commonOptions, fmt, intFlag, loadEngine, numberFlag, type Command } from './cli-args';
import { DATASET_OPTIONS, datasetRunArgs, readDatasetArgs } from './dataset-args';

const USAGE = 'strata sae-train --model DIR --dataset FILE [--text-column C | --ids-column C] --hook NAME --width N (--k K | --l1 λ) [--steps S] [--lr X] [--batch B] [--seed 0] [--limit N] [--k-aux N] [--aux-coef C] [--dead-tokens T] [--every N] --out DIR [--json]';

const D = SAE_TRAIN_DEFAULTS;

export const saeTrainCommand: Command = {
  usage: USAGE,
  about: 'train a sparse autoencoder (ReLU + L1, or TopK + AuxK) on a dataset\'s tokens at one hook; writes a SAELens folder',
  flags: [
    ...COMMON_FLAGS.filter(([f]) => !f.startsWith('--prompt')),
    ['--dataset FILE', 'CSV, TSV, JSON, JSONL or TXT; every token of every row is a training vector (position 0 left out when it is BOS)'],
    ['--text-column C / --ids-column C', 'the column with the text or the token ids (guessed when omitted)'],
    ['--hook NAME', 'the hook, e.g. blocks.1.hook_resid_post'],
    ['--width N', 'latents (d_sae)'],
    ['--k K', 'TopK: latents kept per token (architecture topk)'],
    ['--l1 λ', 'ReLU: sparsity coefficient on Σ z_i·‖W_dec,i‖ (architecture relu, SAELens standard)'],
    ['--steps S / --lr X / --batch B', `Adam steps (default ${D.steps}), learning rate (default ${D.lr}), tokens per step (default ${D.batch})`],
    ['--seed S', 'seed of the init and the batch order (numpy RandomState stream; default 0)'],
    ['--limit N', 'only the first N rows'],
    ['--k-aux N / --aux-coef C', 'TopK AuxK: dead latents per token (default d_in/2) and coefficient (default 1)'],
    ['--dead-tokens T', 'a latent is dead after T tokens without firing (default 1000 steps\' worth)'],
    ['--every N', `steps between progress lines on stderr (default ${D.progressEvery})`],
    ['--out DIR', 'write cfg.json + sae_weights.safetensors there (`strata sae --sae DIR` loads it)'],
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...commonOptions(), ...DATASET_OPTIONS, hook: { type: 'string' }, width: { type: 'string' }, k: { type: 'string' }, l1: { type: 'string' },
        steps: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, 'k-aux': { type: 'string' },
        'aux-coef': { type: 'string' }, 'dead-tokens': { type: 'string' }, every: { type: 'string' }, out: { type: 'string' }, 'batch-tokens': { type: 'string' },
      },
      strict: true,
    });
    const { model: modelDir, dataset, backend } = datasetRunArgs(values, USAGE);
    if (typeof values.hook !== 'string' || !values.hook) fail(`--hook NAME is required (e.g. blocks.1.hook_resid_post); usage: ${USAGE}`);
    if (values.width === undefined) fail(`--width N is required; usage: ${USAGE}`);
    if ((values.k === undefined) === (values.l1 === undefined)) fail('give exactly one of --k K (TopK) and --l1 λ (ReLU)');
    if (typeof values.out !== 'string' || !values.out) fail(`--out DIR is required; usage: ${USAGE}`);
    const architecture: SaeTrainArch = values.k !== undefined ? 'topk' : 'relu';
    const options: Partial<SaeTrainOptions> = {
      hook: values.hook, architecture, width: intFlag('width', values.width, 0, 1),
      ...(architecture === 'topk' ? { k: intFlag('k', values.k, D.k, 1) } : { l1: numberFlag('l1', values.l1, D.l1) }),
      steps: intFlag('steps', values.steps, D.steps, 1), lr: numberFlag('lr', values.lr, D.lr), batch: intFlag('batch', values.batch, D.batch, 1),
      seed: intFlag('seed', values.seed, D.seed, 0), limit: intFlag('limit', values.limit, 0, 0), kAux: intFlag('k-aux', values['k-aux'], 0, 0),
      auxCoef: numberFlag('aux-coef', values['aux-coef'], D.auxCoef), deadTokens: intFlag('dead-tokens', values['dead-tokens'], 0, 0),
      progressEvery: intFlag('every', values.every, D.progressEvery, 1), batchTokens: intFlag('batch-tokens', values['batch-tokens'], D.batchTokens, 0),
    };
    const file = await readDatasetArgs(values, dataset);
    const engine = await loadEngine(modelDir, backend);
    const ds = engine.datasetLoad(file.bytes, file.name, file.opts);
    const r = await engine.analyze('sae-train', { options: { ...options, dataset: ds.id } }, {
      onProgress: (p) => {
        if (p.phase === 'train' && p.point) process.stderr.write(`step ${p.done}/${p.total}  loss ${fmt(p.point.loss)}  mse ${fmt(p.point.mse)}  L0 ${fmt(p.point.l0, 3)}  FVE ${fmt(p.point.fve, 3)}  dead ${fmt(p.point.dead, 3)}\n`);
      },
    });
    const files = await engine.exportArtifactFiles(r.sae.id);
    try {
      await mkdir(values.out, { recursive: true });
      for (const f of files) await writeFile(join(values.out, f.name), f.bytes);
    } catch (e) {
      fail(`--out ${values.out} could not be written (${e instanceof Error ? e.message : String(e)})`);
    }
    const f = r.final;
    const json = { out: values.out, files: files.map((x) => x.name), sae: r.sae, tokens: r.tokens, curve: r.curve, final: f, seconds: r.seconds, ...(r.note ? { note: r.note } : {}) };
    const summary = [
      `sae-train: ${architecture} ${r.sae.dIn}→${r.sae.dSae}${architecture === 'topk' ? ` k=${r.sae.k}` : ` λ=${options.l1}`} at ${r.sae.hook} on ${r.tokens} tokens of ${ds.name}, ${f.step} steps`,
      `  last batch: loss ${fmt(f.loss)}, mse ${fmt(f.mse)}, L0 ${fmt(f.l0, 3)}, FVE ${fmt(f.fve, 3)}, dead ${fmt(f.dead, 3)}`,
      ...(r.note ? [`  note: ${r.note}`] : []),
      `  wrote ${files.map((x) => join(values.out as string, x.name)).join(', ')} (${fmt(r.seconds, 3)} s)`,
    ].join('\n');
    return { json, summary };
  },
};
