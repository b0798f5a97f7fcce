/**
 * SAE files (workers/engine/artifacts/sae.ts): a SAELens folder's cfg.json (JSON edits of
 * every field: architecture, d_in, d_sae, k, normalize_activations, hook names…) and a
 * Gemma Scope params.npz (byte flips in the zip records and .npy headers, truncation at
 * every record, NaN/Inf in the data); then loaded (uploaded) and freed. Non-finite weights
 * must be refused, never loaded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeSae, loadSae } from '../../../workers/engine/artifacts/sae';
import { bufferSource, type FileSet } from '../../../workers/engine/io/source';
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, text, truncate, type Rng } from '../mutate';
import { fixture, initBackend } from './common';

const SL = 'tests/fixtures/sae/saelens/gated';
const GS = 'tests/fixtures/sae/gemma-scope-fixture-res/layer_2/width_64/average_l0_9';
let cfg: string;
let weights: Uint8Array;
let npz: Uint8Array;
let npzBoundaries: number[];

function files(label: string, map: Record<string, Uint8Array>): FileSet {
  return { label, names: () => Object.keys(map), open: (n) => (map[n] ? bufferSource(map[n], n) : undefined) };
}

async function loadAndRead(set: FileSet): Promise<unknown> {
  const sae = await loadSae(set, { path: set.label });
  try {
    const data = await Promise.all([sae.wEnc, sae.bEnc, sae.wDec, sae.bDec].map((t) => t.data()));
    return { dIn: sae.info.dIn, dSae: sae.info.dSae, data, tensors: tf.memory().numTensors };
  } finally {
    disposeSae(sae);
  }
}

export const saeTarget: FuzzTarget = {
  name: 'sae',
  about: 'SAE files: SAELens cfg.json JSON edits (gated fixture) and Gemma Scope params.npz flips / truncation at every zip record / NaN in the data; then loaded and freed',
  suiteCount: 300,
  tensors: true,
  async fixtures() {
    cfg = text(fixture(`${SL}/cfg.json`));
    weights = fixture(`${SL}/sae_weights.safetensors`);
    npz = fixture(`${GS}/params.npz`);
    // Every zip record signature (PK\x03\x04, PK\x01\x02, PK\x05\x06) is a truncation point.
    npzBoundaries = [];
    for (let i = 0; i + 1 < npz.length; i++) if (npz[i] === 0x50 && npz[i + 1] === 0x4b) npzBoundaries.push(i);
  },
  init: initBackend,
  generate(rng: Rng) {
    const op = rng.int(10);
    if (op < 4) {
      const j = mutateJson(rng, cfg);
      return { bytes: new TextEncoder().encode(j.text), name: 'cfg.json', what: `cfg.json ${j.what}` };
    }
    if (op < 7) {
      const r = flipBytes(rng, npz);
      return { bytes: r.bytes, name: 'params.npz', what: `npz ${r.what}` };
    }
    if (op < 8) {
      const r = truncate(rng, npz, npzBoundaries);
      return { bytes: r.bytes, name: 'params.npz', what: `npz ${r.what}` };
    }
    // A non-finite value in the last array's data (the end of the stored data precedes the directory).
    const out = npz.slice();
    const at = 4 * rng.int(Math.floor((npzBoundaries[npzBoundaries.length - 2] ?? 64) / 4));
    new DataView(out.buffer).setFloat32(at, rng.pick([NaN, Infinity, -Infinity]), true);
    return { bytes: out, name: 'params.npz', what: `npz non-finite at ${at}` };
  },
  run(input) {
    if (input.name === 'cfg.json') return loadAndRead(files('fuzz-sae', { 'cfg.json': input.bytes, 'sae_weights.safetensors': weights }));
    return loadAndRead(files('gemma-scope-x-res/layer_2/w', { 'params.npz': input.bytes }));
  },
};
