/**
 * A loaded sparse autoencoder: an artifact of one model, its weights on the device in
 * SAELens's row-vector layout (METHODS §9: W_enc [d_in, d_sae], W_dec [d_sae, d_in]).
 * Formats (MODELS.md "SAE formats"): a SAELens folder (cfg.json + sae_weights.safetensors),
 * a sparsify hookpoint folder (cfg.json + sae.safetensors, TopK), Gemma Scope 1
 * (params.npz, JumpReLU). Everything is f32 on the device (thresholds and scales too,
 * PR #728); tensors are oriented by shape and checked against the config.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SaeInfo } from '../../../src/contracts/sae';
import { fail } from '../errors';
import { readNpyF32, readNpz } from '../io/npz';
import { readSafetensorsHeader, readTensorF32 } from '../io/safetensors';
import type { FileSet } from '../io/source';
import { gemmaScopeSpec, parseJsonObject, parseSaeLensCfg, parseSparsifyCfg, strataHook, type SaeSpec } from './sae-config';

export interface Sae {
  info: Omit<SaeInfo, 'id'>;
  spec: SaeSpec;
  wEnc: tf.Tensor2D;
  bEnc: tf.Tensor1D;
  wDec: tf.Tensor2D;
  bDec: tf.Tensor1D;
  /** JumpReLU θ [d_sae] (batchtopk with a stored threshold behaves as JumpReLU). */
  threshold?: tf.Tensor1D;
  /** Gated: gate bias, magnitude bias and W_enc ⊙ exp(r_mag). */
  bGate?: tf.Tensor1D;
  bMag?: tf.Tensor1D;
  wMag?: tf.Tensor2D;
  /** Legacy finetuning `scaling_factor` [d_sae] (z scaled before decoding), when not all ones. */
  scaling?: tf.Tensor1D;
  /** ‖W_dec,i‖ [d_sae], for `rescale_acts_by_decoder_norm`. */
  decNorm?: tf.Tensor1D;
  /** sparsify skip connection, stored transposed for x·W_skipᵀ: [d_in, d_in]. */
  wSkipT?: tf.Tensor2D;
}

export interface SaeLoadOptions {
  /** Overrides the hook the files name (required for Gemma Scope when the path does not say). */
  hook?: string;
  /** s for `expected_average_only_in` (not in cfg.json: SAELens pretrained_saes.yaml norm_scaling_factor). */
  normScale?: number;
  /** The folder's path or name (Gemma Scope's layer/site, sparsify's hookpoint). */
  path?: string;
}

type Host = { name: string; shape: number[]; data: Float32Array };

export function saeTensors(s: Sae): tf.Tensor[] {
  const all: (tf.Tensor | undefined)[] = [s.wEnc, s.bEnc, s.wDec, s.bDec, s.threshold, s.bGate, s.bMag, s.wMag, s.scaling, s.decNorm, s.wSkipT];
  return all.filter((t): t is tf.Tensor => t !== undefined);
}

export function disposeSae(s: Sae): void {
  tf.dispose(saeTensors(s));
}

export function saeBytes(s: Sae): number {
  return saeTensors(s).reduce((n, t) => n + 4 * t.size, 0);
}

const ALIASES: Record<string, string> = {
  'encoder.weight': 'W_enc', 'encoder.bias': 'b_enc', 'decoder.weight': 'W_dec', 'decoder.bias': 'b_dec',
  w_enc: 'W_enc', w_dec: 'W_dec', W_skip: 'W_skip',
};

/** Every tensor of the files, by canonical name (log_threshold exp'd). */
async function readTensors(files: FileSet, spec: SaeSpec, where: string): Promise<Map<string, Host>> {
  const out = new Map<string, Host>();
  const names = files.names();
  const st = names.includes('sae_weights.safetensors') ? 'sae_weights.safetensors' : names.includes('sae.safetensors') ? 'sae.safetensors' : undefined;
  if (spec.format === 'gemma-scope') {
    const src = files.open('params.npz');
    if (!src) fail(`${where}: params.npz is missing`);
    for (const e of (await readNpz(src)).values()) out.set(ALIASES[e.name] ?? e.name, { name: e.name, shape: e.shape, data: await readNpyF32(e) });
  } else {
    const src = st ? files.open(st) : undefined;
    if (!src) fail(`${where}: ${spec.format === 'sparsify' ? 'sae.safetensors' : 'sae_weights.safetensors'} is missing`);
    const h = await readSafetensorsHeader(src);
    for (const e of h.tensors.values()) out.set(ALIASES[e.name] ?? e.name, { name: e.name, shape: e.shape, data: await readTensorF32(e) });
  }
  for (const t of out.values()) {
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail(`${where}: tensor ${t.name} holds ${t.data[bad]} at element ${bad}; SAE weights must be finite`);
  }
  const lt = out.get('log_threshold') ?? out.get('log_jumprelu_threshold');
  if (lt && !out.has('threshold')) out.set('threshold', { ...lt, data: lt.data.map(Math.exp) });
  return out;
}

function transpose(t: Host): Host {
  const [r, c] = t.shape as [number, number];
  const d = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[j * r + i] = t.data[i * c + j] as number;
  return { name: t.name, shape: [c, r], data: d };
}

/** A [rows, cols] matrix, transposed when stored the other way round (d_in ≠ d_sae). */
function matrix(t: Host | undefined, rows: number, cols: number, label: string, where: string): Host {
  if (!t) fail(`${where}: tensor ${label} is missing`);
  const [a, b] = t.shape;
  if (t.shape.length === 2 && a === rows && b === cols) return t;
  if (t.shape.length === 2 && a === cols && b === rows && rows !== cols) return transpose(t);
  return fail(`${where}: tensor ${t.name} has shape [${t.shape.join(', ')}] but [${rows}, ${cols}] was expected (from d_in and d_sae)`);
}

function vector(t: Host | undefined, n: number, label: string, where: string, optional = false): Host | undefined {
  if (!t) return optional ? undefined : fail(`${where}: tensor ${label} is missing`);
  if (t.data.length === 1 && n > 1) return { ...t, shape: [n], data: new Float32Array(n).fill(t.data[0] as number) };
  if (t.data.length !== n) fail(`${where}: tensor ${t.name} has shape [${t.shape.join(', ')}] but ${n} values were expected`);
  return t;
}

/** Which format a folder holds, and its spec. */
async function specOf(files: FileSet, o: SaeLoadOptions): Promise<SaeSpec> {
  const names = files.names();
  const where = o.path ?? files.label;
  const cfgBytes = async (n: string): Promise<Uint8Array> => {
    const s = files.open(n);
    if (!s) return fail(`${where}: ${n} is missing`);
    return s.read(0, s.size);
  };
  if (names.includes('params.npz')) return gemmaScopeSpec(where, o.hook);
  if (names.includes('sae.safetensors') && names.includes('cfg.json')) {
    const hookpoint = where.replace(/\/+$/, '').split('/').pop() ?? '';
    return parseSparsifyCfg(parseJsonObject(await cfgBytes('cfg.json'), `${where}/cfg.json`), hookpoint, `${where}/cfg.json`);
  }
  if (names.includes('sae_weights.safetensors')) return parseSaeLensCfg(parseJsonObject(await cfgBytes('cfg.json'), `${where}/cfg.json`), `${where}/cfg.json`);
  return fail(`${where} is not an SAE folder: expected cfg.json + sae_weights.safetensors (SAELens), cfg.json + sae.safetensors (sparsify) or params.npz (Gemma Scope); it has ${names.join(', ') || 'no files'}`);
}

/** Reads, checks and uploads an SAE. */
export async function loadSae(files: FileSet, o: SaeLoadOptions = {}): Promise<Sae> {
  const spec = await specOf(files, o);
  const where = o.path ?? files.label;
  const t = await readTensors(files, spec, where);
  // Gemma Scope has no config: d_in from b_dec, d_sae from b_enc.
  const dIn = spec.dIn ?? t.get('b_dec')?.data.length ?? fail(`${where}: tensor b_dec is missing`);
  const dSae = spec.dSae ?? t.get('b_enc')?.data.length ?? fail(`${where}: tensor b_enc is missing`);
  const gated = spec.architecture === 'gated';
  const wEnc = matrix(t.get('W_enc'), dIn, dSae, 'W_enc', where);
  const wDec = matrix(t.get('W_dec'), dSae, dIn, 'W_dec', where);
  const bDec = vector(t.get('b_dec'), dIn, 'b_dec', where) as Host;
  const bEnc = gated ? { name: 'b_enc', shape: [dSae], data: new Float32Array(dSae) } : (vector(t.get('b_enc'), dSae, 'b_enc', where) as Host);
  const topThreshold = t.get('threshold') ?? t.get('topk_threshold');
  const arch = spec.architecture;
  const jump = arch === 'jumprelu' || (arch === 'batchtopk' && topThreshold !== undefined);
  const thr = jump ? vector(topThreshold, dSae, 'threshold', where) : undefined;
  const warnings = [...spec.warnings];
  if (arch === 'batchtopk') warnings.push(topThreshold ? 'batchtopk: inference uses the stored threshold (as JumpReLU), as SAELens does' : `batchtopk without a stored threshold: inference keeps the top ${spec.k} per token`);
  let s = 1;
  if (spec.normalize === 'expected_average_only_in') {
    if (o.normScale === undefined) fail(`${where}: normalize_activations is expected_average_only_in but its scaling factor is not in cfg.json (SAELens keeps it in pretrained_saes.yaml as norm_scaling_factor); give it (--norm-scale S, s = √d_in / E‖x‖)`);
    if (!(Number.isFinite(o.normScale) && o.normScale > 0)) fail(`${where}: the norm scale must be a positive number, got ${o.normScale}`);
    s = o.normScale;
  }
  // sparsify names the hookpoint only by its folder: loose files have none.
  if (o.hook === undefined && spec.format === 'sparsify' && !/^[\w.]+$/.test(spec.sourceHook)) fail(`${where}: a sparsify SAE's hookpoint is its folder's name (e.g. layers.10) and these files came without it; drop the folder, or give the hook (e.g. blocks.10.hook_resid_post)`);
  const hook = strataHook(o.hook ?? spec.sourceHook);
  const up = (h: Host, shape: number[], scale = 1): tf.Tensor => tf.tensor(scale === 1 ? h.data : h.data.map((x) => x * scale), shape);
  const scal = vector(t.get('scaling_factor'), dSae, 'scaling_factor', where, true);
  const skip = t.get('W_skip');
  if (skip && !(skip.shape.length === 2 && skip.shape[0] === dIn && skip.shape[1] === dIn)) fail(`${where}: W_skip has shape [${skip.shape.join(', ')}], not [${dIn}, ${dIn}]`);
  const out: Sae = {
    spec,
    info: {
      format: spec.format, architecture: arch, sourceHook: spec.sourceHook, hook, dIn, dSae,
      ...(spec.k !== undefined ? { k: spec.k } : {}),
      normalize: spec.normalize, applyBDecToInput: spec.applyBDecToInput, hookZ: spec.hookZ || hook.endsWith('hook_z'),
      ...(s !== 1 ? { normScale: s } : {}), warnings,
    },
    // expected_average_only_in folded as SAELens does (#354): W_enc·s, W_dec/s, b_dec/s.
    wEnc: up(wEnc, [dIn, dSae], s) as tf.Tensor2D,
    bEnc: up(bEnc, [dSae]) as tf.Tensor1D,
    wDec: up(wDec, [dSae, dIn], 1 / s) as tf.Tensor2D,
    bDec: up(bDec, [dIn], 1 / s) as tf.Tensor1D,
  };
  try {
    if (thr) out.threshold = up(thr, [dSae]) as tf.Tensor1D;
    if (gated) {
      out.bGate = up(vector(t.get('b_gate'), dSae, 'b_gate', where) as Host, [dSae]) as tf.Tensor1D;
      out.bMag = up(vector(t.get('b_mag'), dSae, 'b_mag', where) as Host, [dSae]) as tf.Tensor1D;
      const r = vector(t.get('r_mag'), dSae, 'r_mag', where) as Host;
      out.wMag = tf.tidy(() => tf.mul(out.wEnc, tf.exp(tf.tensor1d(r.data)))) as tf.Tensor2D;
    }
    if (scal && scal.data.some((x) => x !== 1)) out.scaling = up(scal, [dSae]) as tf.Tensor1D;
    if (spec.rescaleByDecoderNorm) out.decNorm = tf.tidy(() => tf.norm(out.wDec, 'euclidean', 1)) as tf.Tensor1D;
    if (skip) out.wSkipT = tf.tidy(() => tf.transpose(tf.tensor2d(skip.data, [dIn, dIn]))) as tf.Tensor2D;
  } catch (e) {
    disposeSae(out);
    throw e;
  }
  return out;
}
