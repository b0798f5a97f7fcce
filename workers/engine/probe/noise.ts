/**
 * The Concept Depth robustness perturbation (Luckfort/CD utils.py add_noise): per row, one
 * letter drawn from `letters` ("ab" there: `np.random.choice(2) + 97`), repeated `length`
 * times (3 there), glued onto the front of the text with no space. The reference draws
 * unseeded; here the draws come from mulberry32(seed), row after row.
 */
import type { DatasetRow } from '../../../src/contracts/dataset';
import type { PrefixNoise } from '../../../src/contracts/probe';
import { fail } from '../errors';
import { mulberry32 } from '../random';

export function noisyRows(rows: DatasetRow[], noise: PrefixNoise): DatasetRow[] {
  const letters = [...noise.letters];
  if (letters.length === 0) fail('noise: give at least one letter to draw from (the reference code uses "ab")');
  if (!(Number.isInteger(noise.length) && noise.length >= 1 && noise.length <= 64)) fail(`noise: the prefix length must be an integer from 1 to 64, got ${noise.length}`);
  if (!(Number.isInteger(noise.seed) && noise.seed >= 0)) fail(`noise: the seed must be a non-negative integer, got ${noise.seed}`);
  const rand = mulberry32(noise.seed);
  return rows.map((r, i) => {
    if (r.text === undefined) fail(`noise: row ${i} is token ids; prefix noise glues letters onto text, so the dataset needs a text column`);
    const letter = letters[Math.floor(rand() * letters.length)] as string;
    return { ...r, text: letter.repeat(noise.length) + r.text };
  });
}
