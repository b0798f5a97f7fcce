/**
 * Tuned lens (METHODS.md §1; AlignmentResearch/tuned-lens): row logits are
 * W_U · N(h + h·Aᵀ + b), the translator added residually, so a zero translator is the
 * logit lens exactly (h + 0 = h in floating point).
 *
 * Translators follow the tuned-lens code: one per layer, keys `{i}.weight` [d, d] and
 * `{i}.bias` [d] for i = 0..L−1 (tuned-lens's `num_hidden_layers` translators). Translator
 * i decodes hidden_states[i] of Hugging Face, i.e. the residual ENTERING layer i:
 * translator 0 the embeddings, translator i ≥ 1 the output of layer i−1. The output of
 * the last layer needs none: it is the model's own output ("none for the last").
 *
 * Rows ↔ translators (see translatorForRow): row 0 (embeddings) uses translator 0; row
 * r ≥ 1, the output of step r−1 running layer l = path[r−1], uses translator l + 1 — the
 * translator trained on that layer's output. On the default path this is simply row r ↔
 * translator r. When l + 1 = L on a non-final row (a path that runs the last layer
 * before its end) there is no translator and the row is decoded as the logit lens; the
 * last row is always the model output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LensOptions } from '../../../src/contracts/lens';
import { fail } from '../errors';
import { readSafetensorsHeader, readTensorF32, type TensorEntry } from '../io/safetensors';
import { printable, type ByteSource } from '../io/source';
import { writeSafetensors, type TensorOut } from '../io/safetensors-write';
import type { LoadedModel } from '../models/common/types';
import { TUNED_LENS_DEFAULTS, type TunedLensResult } from '../../../src/contracts/tuned-lens';
import { defineAnalysis, type AnalysisContext } from './analysis';
import { lensLabels, logitLens, withPieces } from './logit-lens';
import type { TunedLensInfo } from '../../../src/contracts/tuned-lens';

export interface TunedLens {
  /** Number of translators = the model's layer count L. */
  layers: number;
  dModel: number;
  /** [L] × [d, d]: A_i in nn.Linear layout [out, in], as in the file; applied as h·A_iᵀ. */
  weights: tf.Tensor2D[];
  /** [L] × [d]. */
  biases: tf.Tensor1D[];
}

export type { TunedLensInfo };

export type { TunedLensResult };

export function disposeTunedLens(lens: TunedLens): void {
  tf.dispose([...lens.weights, ...lens.biases]);
}

/** h [N, d] → h + h·Wᵀ + b. */
export function translate(h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.add<tf.Tensor2D>(tf.add<tf.Tensor2D>(h, tf.matMul(h, w, false, true)), b));
}

/** The translator for row `row` of a lens over `path` (S+1 rows), or null; see the file comment. */
export function translatorForRow(path: number[], row: number, layers: number): number | null {
  if (row >= path.length) return null;
  if (row === 0) return 0;
  const i = (path[row - 1] as number) + 1;
  return i < layers ? i : null;
}

export function checkLensFits(lens: TunedLens, model: LoadedModel): void {
  const { layers, dModel } = model.arch;
  if (lens.layers !== layers || lens.dModel !== dModel) {
    fail(`this tuned lens has ${lens.layers} translators of width ${lens.dModel} but the model has ${layers} layers of width ${dModel}`);
  }
}

const KEY = /^(\d+)\.(weight|bias)$/;

/**
 * Reads `{i}.weight` [d, d] and `{i}.bias` [d] (any readable float dtype) for i = 0..L−1.
 * A missing bias is zero; anything else missing, extra, misshapen or non-finite is refused
 * with the key and the expected shape. Nothing is uploaded unless the whole file is valid.
 */
export async function loadTunedLens(source: ByteSource, model: LoadedModel): Promise<{ lens: TunedLens; info: TunedLensInfo }> {
  const { layers: L, dModel: d } = model.arch;
  const f = source.name;
  const file = await readSafetensorsHeader(source);
  const md = file.metadata;
  if (md['num_hidden_layers'] !== undefined && Number(md['num_hidden_layers']) !== L) fail(`${f}: the lens was made for ${printable(md['num_hidden_layers'])} layers (metadata num_hidden_layers) but this model has ${L}`);
  if (md['d_model'] !== undefined && Number(md['d_model']) !== d) fail(`${f}: the lens was made for width ${printable(md['d_model'])} (metadata d_model) but this model has d_model = ${d}`);
  const want = `keys {i}.weight [${d}, ${d}] and {i}.bias [${d}] for i = 0..${L - 1} (one translator per layer, translator i reading the residual entering layer i)`;
  const weights = new Map<number, TensorEntry>();
  const biases = new Map<number, TensorEntry>();
  for (const [name, e] of file.tensors) {
    const m = KEY.exec(name);
    if (!m) fail(`${f}: unexpected tensor ${printable(name)}: a tuned lens holds only ${want}`);
    const i = Number(m[1]);
    const isW = m[2] === 'weight';
    if (i >= L) fail(`${f}: tensor ${name} is for translator ${i} but this model has ${L} layers: expected ${want}`);
    const shape = isW ? [d, d] : [d];
    if (e.shape.length !== shape.length || e.shape.some((n, j) => n !== shape[j])) {
      fail(`${f}: tensor ${name} has shape [${e.shape.join(', ')}]; expected [${shape.join(', ')}] (d_model = ${d})`);
    }
    (isW ? weights : biases).set(i, e);
  }
  for (let i = 0; i < L; i++) {
    if (weights.has(i)) continue;
    const shifted = i === L - 1 && weights.size === L - 1 ? `; the file has ${L - 1} translators (0..${L - 2}), but Strata follows tuned-lens: one per layer, including translator 0 for the embeddings` : '';
    fail(`${f}: tensor ${i}.weight [${d}, ${d}] is missing${shifted}`);
  }
  const read = async (e: TensorEntry): Promise<Float32Array> => {
    const x = await readTensorF32(e);
    for (let j = 0; j < x.length; j++) if (!Number.isFinite(x[j] as number)) fail(`${f}: tensor ${e.name} holds a non-finite value at index ${j}`);
    return x;
  };
  const ws: Float32Array[] = [];
  const bs: (Float32Array | undefined)[] = [];
  for (let i = 0; i < L; i++) {
    ws.push(await read(weights.get(i) as TensorEntry));
    const b = biases.get(i);
    bs.push(b ? await read(b) : undefined);
  }
  const lens: TunedLens = {
    layers: L,
    dModel: d,
    weights: ws.map((w) => tf.tensor2d(w, [d, d])),
    biases: bs.map((b) => (b ? tf.tensor1d(b) : tf.zeros([d]))),
  };
  const missingBias = bs.flatMap((b, i) => (b ? [] : [i]));
  return { lens, info: { layers: L, dModel: d, source: f, missingBias } };
}

/** F32 safetensors with keys `{i}.weight`, `{i}.bias` (i = 0..L−1) and tuned-lens config fields as metadata. */
export async function saveTunedLens(lens: TunedLens): Promise<Uint8Array> {
  const { layers: L, dModel: d } = lens;
  const parts: TensorOut[] = [];
  for (let i = 0; i < L; i++) {
    parts.push({ name: `${i}.weight`, dtype: 'F32', shape: [d, d], data: Float32Array.from(await (lens.weights[i] as tf.Tensor).data()) });
    parts.push({ name: `${i}.bias`, dtype: 'F32', shape: [d], data: Float32Array.from(await (lens.biases[i] as tf.Tensor).data()) });
  }
  // Strings only (safetensors metadata); the fields mirror tuned-lens's config.json.
  return writeSafetensors(parts, { format: 'pt', lens_type: 'linear_tuned_lens', d_model: String(d), num_hidden_layers: String(L), bias: 'true' });
}

/**
 * Tuned-lens rows for one run's residuals (S+1 × [T, d], as forward's keepResiduals gives
 * them), with the same reductions as the logit lens (top-k, entropy, KL to final, target).
 */
export async function tunedLensRows(
  model: LoadedModel,
  lens: TunedLens,
  residuals: tf.Tensor2D[],
  finalLogits: tf.Tensor2D,
  path: number[],
  labels: string[],
  opts: LensOptions = {},
  signal?: AbortSignal,
): Promise<TunedLensResult> {
  checkLensFits(lens, model);
  if (residuals.length !== path.length + 1) fail(`tuned lens: ${residuals.length} residuals for a path of ${path.length} steps (expected ${path.length + 1})`);
  const translators = residuals.map((_, r) => translatorForRow(path, r, lens.layers));
  const res = await logitLens(model, residuals, finalLogits, labels, opts, signal, (r, h) => {
    const i = translators[r];
    return i === null || i === undefined ? h : translate(h, lens.weights[i] as tf.Tensor2D, lens.biases[i] as tf.Tensor1D);
  });
  return { ...res, translators };
}

/** The request's lens artifact: the one named, else the newest of the model. */
export function lensArtifact(ctx: Pick<AnalysisContext<'tuned-lens'>, 'registry' | 'model'>, id: string | undefined): TunedLens {
  const a = id ? ctx.registry.artifact('tuned-lens', id) : ctx.registry.latestArtifact('tuned-lens', ctx.model.id);
  if (!a) fail('no tuned lens is loaded for this model: load a lens file or train one first');
  if (a.model !== ctx.model.id) fail(`tuned lens ${a.id} belongs to model ${a.model}, not to ${ctx.model.id}`);
  return a.lens;
}

/** `tuned-lens`: the run's rows decoded through a lens artifact. */
export const tunedLensAnalysis = defineAnalysis({
  name: 'tuned-lens',
  defaults: TUNED_LENS_DEFAULTS,
  async run(ctx, { lens: id, ...opts }) {
    const lens = lensArtifact(ctx, id);
    const r = ctx.run();
    return withPieces(await tunedLensRows(ctx.model.model, lens, r.residuals, r.logits, r.path, lensLabels(r.path), opts, ctx.signal), ctx.pieces);
  },
});
