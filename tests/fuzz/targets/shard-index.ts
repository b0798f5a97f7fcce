/** The sharded index (model.safetensors.index.json) of the two-shard llama-gqa fixture, mutated; then load and run. */
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, mutateText, text, truncate, utf8, type Rng } from '../mutate';
import { fixture, initBackend, loadAndRun } from './common';

const DIR = 'tests/fixtures/models/llama-gqa';
const SHARDS = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
let files: Record<string, Uint8Array>;
let index: Uint8Array;

export const shardIndexTarget: FuzzTarget = {
  name: 'shard-index',
  about: 'model.safetensors.index.json (llama-gqa, two BF16 shards): weight_map edits (files swapped, missing, absurd, wrong types), byte flips, truncation; then load and run',
  suiteCount: 300,
  tensors: true,
  async fixtures() {
    files = { 'config.json': fixture(DIR, 'config.json') };
    for (const s of SHARDS) files[s] = fixture(DIR, s);
    index = fixture(DIR, 'model.safetensors.index.json');
  },
  init: initBackend,
  generate(rng: Rng) {
    const op = rng.int(10);
    if (op < 6) {
      const j = mutateJson(rng, text(index), (k) => k.startsWith('$.weight_map'));
      // Shard names are the values that matter: swap one for the other shard, a missing or hostile name.
      let t = j.text;
      if (rng.chance(0.3)) t = t.replace(rng.pick(SHARDS), rng.pick([...SHARDS, 'model-00003-of-00002.safetensors', '../config.json', 'config.json', '', 'model.safetensors.index.json']));
      return { bytes: utf8(t), what: j.what };
    }
    if (op < 8) {
      const r = flipBytes(rng, index);
      return { bytes: r.bytes, what: `index ${r.what}` };
    }
    if (op < 9) return truncate(rng, index, [0, 1, 2, index.length >> 1, index.length - 1]);
    const m = mutateText(rng, text(index));
    return { bytes: utf8(m.text), what: m.what };
  },
  run(input) {
    return loadAndRun({ ...files, 'model.safetensors.index.json': input.bytes }, [1, 2, 3]);
  },
};
