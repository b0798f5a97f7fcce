/** GGUF files: stories260K.gguf with a mutated header, metadata or tensor infos; loaded and run. */
import { readGgufHeader } from '../../../workers/engine/io/gguf';
import { bufferSource } from '../../../workers/engine/io/source';
import type { FuzzTarget } from '../harness';
import { flipBytes, truncate, type Rng } from '../mutate';
import { ABSURD_LENGTHS, fixture, initBackend, loadAndRun } from './common';

let file: Uint8Array;
let dataStart = 0;
let boundaries: number[] = [];

/** Overwrites 4 or 8 bytes at `at` with a little-endian value. */
function put(bytes: Uint8Array, at: number, v: bigint, width: 4 | 8): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (at + width > out.length) return out;
  if (width === 8) view.setBigUint64(at, BigInt.asUintN(64, v), true);
  else view.setUint32(at, Number(BigInt.asUintN(32, v)), true);
  return out;
}

export const ggufTarget: FuzzTarget = {
  name: 'gguf',
  about: 'stories260K.gguf: byte flips in header/metadata/tensor infos, truncation at every tensor boundary, absurd u64/u32 counts, lengths, types and offsets written anywhere before the data; then load and run',
  suiteCount: 150,
  tensors: true,
  async fixtures() {
    file = fixture('tests/fixtures/models/stories260K-gguf/stories260K.gguf');
    const g = await readGgufHeader(bufferSource(file, 'stories260K.gguf'));
    dataStart = g.dataStart;
    boundaries = [0, 4, 8, 16, 24, dataStart - 1, dataStart, file.length - 1, ...g.tensors.flatMap((t) => [t.begin, t.end])];
  },
  init: initBackend,
  generate(rng: Rng) {
    const op = rng.int(100);
    if (op < 40) {
      const r = flipBytes(rng, file, 0, dataStart);
      return { bytes: r.bytes, what: `header ${r.what}` };
    }
    if (op < 60) return truncate(rng, file, boundaries);
    const at = rng.chance(0.2) ? rng.pick([4, 8, 16, 24]) : rng.int(dataStart);
    const width = rng.chance(0.5) ? 8 : 4;
    const v = rng.pick([...ABSURD_LENGTHS, 3n, 13n, 29n, 31n, 99n, 0xffffffffn, BigInt(file.length), BigInt(dataStart)]);
    return { bytes: put(file, at, v, width), what: `u${width * 8} ${v} at ${at}` };
  },
  run(input) {
    return loadAndRun({ 'stories260K.gguf': input.bytes }, [1, 2, 3]);
  },
};
