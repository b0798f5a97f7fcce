/** `strata sae`: one run's hook through a sparse autoencoder (METHODS §9): top features per position, L0, FVE, cosine. */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { addSae } from '../engine/artifacts/sae-load';
import { fail } from '../engine/errors';
import type { FileSet } from '../engine/io/source';
import { COMMON_FLAGS, commonOptions, fmt, loadPrompts, numberFlag, promptArgs, type Command } from './cli-args';
import { dirFileSet, pathSource } from './fs-source';
import { DATASET_OPTIONS } from './dataset-args';
import { saeDatasetMode } from './sae-dataset-mode';
import { runSpecArgs } from './spec-file';

const USAGE = 'strata sae --model DIR --sae PATH (--prompt TEXT | --ids 1,2,3 | --dataset FILE [--limit N] [--feature F]) [--topk K] [--path 0,1,1,3] [--hook NAME] [--norm-scale S] [--ce] [--spec run.json] [--backend wasm|cpu] [--json]';

/** An SAE folder, or one file of it (params.npz) standing for its folder. */
export async function saeFiles(path: string): Promise<{ files: FileSet; label: string }> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return fail(`--sae ${path} does not exist`);
  }
  if (st.isDirectory()) return { files: await dirFileSet(path), label: path.replace(/\/+$/, '') };
  const src = await pathSource(path);
  const name = basename(path);
  if (name !== 'params.npz') fail(`--sae ${path}: give the SAE's folder (cfg.json + sae_weights.safetensors, cfg.json + sae.safetensors) or a Gemma Scope params.npz`);
  return { files: { label: dirname(path), names: () => [name], open: (n) => (n === name ? src : undefined) }, label: dirname(path) };
}

export const saeCommand: Command = {
  usage: USAGE,
  about: 'sparse autoencoder features of one run: top-k per position, L0, FVE, cosine',
  flags: [
    ...COMMON_FLAGS,
    ['--sae PATH', 'SAELens folder (cfg.json + sae_weights.safetensors), sparsify hookpoint folder (cfg.json + sae.safetensors) or Gemma Scope params.npz'],
    ['--topk K', 'features per position (default 8)'],
    ['--path 0,1,1,3', 'layer path (the SAE reads the first step running its layer)'],
    ['--hook NAME', 'the hook the SAE reads, overriding its files (needed for Gemma Scope when the path does not say)'],
    ['--ce', 'also the CE-loss score (on the prompt, or over the --dataset rows): clean, reconstruction spliced, hook zeroed (nats; no position masked)'],
    ['--norm-scale S', 'input scale for normalize_activations expected_average_only_in (s = √d_in / E‖x‖; not in cfg.json)'],
    ['--dataset FILE', 'instead of a prompt: scan a dataset (CSV, TSV, JSON, JSONL, TXT) for the set metrics (L0, FVE, cos, dead, density)'],
    ['--limit N / --feature F', 'with --dataset: only the first N rows; also print feature F\'s dashboard (top contexts, quantiles, histogram)'],
  ],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ...commonOptions(), ...DATASET_OPTIONS, feature: { type: 'string' }, path: { type: 'string' }, sae: { type: 'string' }, topk: { type: 'string' }, hook: { type: 'string' }, 'norm-scale': { type: 'string' }, ce: { type: 'boolean', default: false } },
      strict: true,
    });
    if (values.dataset !== undefined) return saeDatasetMode(values, USAGE);
    const pa = promptArgs(values, `usage: ${USAGE}`);
    if (typeof values.sae !== 'string') fail(`--sae PATH is required; usage: ${USAGE}`);
    const topk = values.topk === undefined ? 8 : Number(values.topk);
    if (!Number.isInteger(topk) || topk < 1) fail(`--topk must be a positive integer, got "${values.topk}"`);
    const normScale = values['norm-scale'] === undefined ? undefined : numberFlag('norm-scale', values['norm-scale'], 1);
    const spec = await runSpecArgs(values);
    const { files, label } = await saeFiles(values.sae);
    const { engine, prompts } = await loadPrompts(pa);
    const info = await addSae(engine.registry, files, { path: label, ...(values.hook ? { hook: values.hook } : {}), ...(normScale !== undefined ? { normScale } : {}) });
    const tokens = prompts[0] ?? [];
    // A splice in --spec without an id means this command's SAE.
    for (const iv of spec.interventions) if (iv.kind === 'sae' && iv.sae && !iv.sae.id) iv.sae.id = info.id;
    const r = await engine.analyze('sae', { run: { tokens, ...spec }, options: { sae: info.id, topk, ceLoss: values.ce === true } });
    const json = {
      hook: r.hook, architecture: r.architecture, dSae: r.dSae, topIds: r.topIds, topActs: r.topActs, l0: r.l0, fve: r.fve, cos: r.cos,
      errNorm: r.errNorm, ...(r.ce ? { ce: r.ce } : {}), sourceHook: info.sourceHook, format: info.format, dIn: info.dIn, warnings: info.warnings,
    };
    const pieces = engine.tokens(tokens);
    const lines = r.topIds.map((ids, t) => `  ${String(t).padStart(3)} ${(pieces[t]?.text ?? '').padEnd(12)} L0=${String(r.l0[t]).padStart(4)} cos=${fmt(r.cos[t] as number, 3)}  ${ids.slice(0, 4).map((id, j) => `${id}:${fmt(r.topActs[t]?.[j] as number, 3)}`).join(' ')}`);
    const summary = [
      `sae: ${info.format} ${info.architecture} ${info.dIn}→${info.dSae} at ${r.hook} (${info.sourceHook}); FVE ${fmt(r.fve)} over ${tokens.length} tokens`,
      ...(r.ce ? [`  CE (nats): clean ${fmt(r.ce.clean)}, SAE spliced ${fmt(r.ce.sae)}, zeroed ${fmt(r.ce.zero)}; score ${fmt(r.ce.score)}`] : []),
      ...info.warnings.map((w) => `  note: ${w}`),
      '  pos token        L0   cos    top features (id:activation)',
      ...lines,
    ].join('\n');
    return { json, summary };
  },
};
