import { Engine } from '../../workers/engine/engine';
import { dirFileSet } from '../../workers/node/fs-source';
import { initNodeBackend } from '../../workers/node/host';

export const BACKEND = (process.env['STRATA_TEST_BACKEND'] === 'cpu' ? 'cpu' : 'wasm') as 'wasm' | 'cpu';

let ready: Promise<unknown> | undefined;

/** A fresh engine with `dir` loaded, on the Node test backend (wasm unless STRATA_TEST_BACKEND=cpu). */
export async function engineFor(dir: string): Promise<Engine> {
  ready ??= initNodeBackend(BACKEND);
  await ready;
  const e = new Engine();
  await e.load(await dirFileSet(dir));
  return e;
}

/** max |a − e| and the largest |e|, for two-sided tolerance checks. */
export function maxAbsDiff(a: ArrayLike<number>, e: ArrayLike<number>): { diff: number; scale: number } {
  if (a.length !== e.length) throw new Error(`length ${a.length} ≠ expected ${e.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (e[i] as number)));
    scale = Math.max(scale, Math.abs(e[i] as number));
  }
  return { diff, scale };
}
