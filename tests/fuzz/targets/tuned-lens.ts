/**
 * Tuned-lens files ({i}.weight [d, d], {i}.bias [d], metadata): a valid lens for a small
 * model (3 layers, d = 8), mutated in its header, its metadata and its data; then loaded
 * (uploaded to tfjs) and freed. NaN/±Inf in the data must be refused, never loaded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeTunedLens, loadTunedLens } from '../../../workers/engine/analyses/tuned-lens';
import { writeSafetensors, type TensorOut } from '../../../workers/engine/io/safetensors-write';
import { bufferSource } from '../../../workers/engine/io/source';
import type { LoadedModel } from '../../../workers/engine/models/common/types';
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, truncate, type Rng } from '../mutate';
import { ABSURD_LENGTHS, assemble, headerText, initBackend, safetensorsBoundaries } from './common';

const L = 3;
const D = 8;
/** loadTunedLens reads only the model's layer count and width. */
const MODEL = { arch: { layers: L, dModel: D } } as unknown as LoadedModel;
let lens: Uint8Array;
let boundaries: number[];

export const tunedLensTarget: FuzzTarget = {
  name: 'tuned-lens',
  about: 'tuned-lens safetensors (3 translators, d = 8): header flips and JSON edits (keys, shapes, dtypes, offsets, metadata), absurd lengths, truncation, NaN/Inf and flips in the data; then loaded and freed',
  suiteCount: 400,
  tensors: true,
  async fixtures() {
    const parts: TensorOut[] = [];
    for (let i = 0; i < L; i++) {
      parts.push({ name: `${i}.weight`, dtype: 'F32', shape: [D, D], data: Float32Array.from({ length: D * D }, (_, k) => ((k * 7 + i) % 13) / 100 - 0.06) });
      parts.push({ name: `${i}.bias`, dtype: 'F32', shape: [D], data: Float32Array.from({ length: D }, (_, k) => k / 50) });
    }
    lens = writeSafetensors(parts, { format: 'pt', d_model: String(D), num_hidden_layers: String(L) });
    boundaries = safetensorsBoundaries(lens);
  },
  init: initBackend,
  generate(rng: Rng) {
    const { text, dataStart } = headerText(lens);
    const data = lens.subarray(dataStart);
    const op = rng.int(10);
    if (op < 2) {
      const r = flipBytes(rng, lens, 8, dataStart);
      return { bytes: r.bytes, what: `header ${r.what}` };
    }
    if (op < 4) {
      // NaN, Inf or random bit patterns in the data.
      const out = lens.slice();
      const view = new DataView(out.buffer);
      const at = dataStart + 4 * rng.int((lens.length - dataStart) / 4);
      const v = rng.pick([NaN, Infinity, -Infinity, 3.4e38, -0, 1e-45]);
      if (rng.chance(0.7)) view.setFloat32(at, v, true);
      else view.setUint32(at, rng.int(2 ** 32), true);
      return { bytes: out, what: `data at ${at} = ${v}` };
    }
    if (op < 5) return { bytes: assemble(text, data, rng.pick(ABSURD_LENGTHS)), what: 'absurd header length' };
    if (op < 6) return truncate(rng, lens, boundaries);
    const j = mutateJson(rng, text, (k) => /weight|bias|__metadata__/.test(k));
    return { bytes: assemble(j.text, data), what: j.what };
  },
  async run(input) {
    const { lens: l, info } = await loadTunedLens(bufferSource(input.bytes, 'lens.safetensors'), MODEL);
    try {
      // What was uploaded must be what a lens may hold: finite numbers of the right shapes.
      const w = await Promise.all(l.weights.map((t) => t.data()));
      const b = await Promise.all(l.biases.map((t) => t.data()));
      return { layers: info.layers, d: info.dModel, shapes: l.weights.map((t) => t.shape), w, b, tensors: tf.memory().numTensors };
    } finally {
      disposeTunedLens(l);
    }
  },
};
