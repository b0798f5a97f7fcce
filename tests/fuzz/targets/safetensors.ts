/** safetensors headers: the GPT-2 fixture's weights with a mutated header, loaded and run. */
import type { FuzzTarget } from '../harness';
import { flipBytes, mutateJson, truncate, type Rng } from '../mutate';
import { ABSURD_LENGTHS, assemble, fixture, headerText, initBackend, loadAndRun, safetensorsBoundaries } from './common';

let config: Uint8Array;
let weights: Uint8Array;
let boundaries: number[];

export const safetensorsTarget: FuzzTarget = {
  name: 'safetensors',
  about: 'model.safetensors header (GPT-2 fixture): byte flips, truncation at every boundary, absurd header lengths, JSON edits of dtype/shape/data_offsets; then load and run',
  suiteCount: 400,
  tensors: true,
  async fixtures() {
    config = fixture('tests/fixtures/models/gpt2/config.json');
    weights = fixture('tests/fixtures/models/gpt2/model.safetensors');
    boundaries = safetensorsBoundaries(weights);
  },
  init: initBackend,
  generate(rng: Rng) {
    const { text, dataStart } = headerText(weights);
    const data = weights.subarray(dataStart);
    const op = rng.int(100);
    if (op < 25) {
      const r = flipBytes(rng, weights, 8, dataStart);
      return { bytes: r.bytes, what: `header ${r.what}` };
    }
    if (op < 30) {
      const r = flipBytes(rng, weights, 0, 8);
      return { bytes: r.bytes, what: `length prefix ${r.what}` };
    }
    if (op < 40) {
      const len = rng.pick([...ABSURD_LENGTHS, BigInt(weights.length), BigInt(dataStart - 8 + 1), BigInt(dataStart - 8 - 1)]);
      return { bytes: assemble(text, data, len), what: `header length ${len}` };
    }
    if (op < 60) return truncate(rng, weights, boundaries);
    const j = mutateJson(rng, text, (k) => /dtype|shape|data_offsets|__metadata__/.test(k));
    // Mostly keep the data region as is (a consistent prefix), sometimes lie about the length too.
    const declared = rng.chance(0.1) ? rng.pick(ABSURD_LENGTHS) : undefined;
    return { bytes: assemble(j.text, data, declared), what: j.what };
  },
  run(input) {
    return loadAndRun({ 'config.json': config, 'model.safetensors': input.bytes }, [1, 2, 3]);
  },
};
