/**
 * A target that misbehaves on purpose, case by case, so tests/fuzz/pool.test.ts can show
 * the harness tells every outcome apart (not in TARGETS: never run by the suite or the
 * script unless named). Case i % 8: 0 ok, 1 refused, 2 crash (TypeError), 3 crash
 * (multi-line StrataError), 4 leak, 5 non-finite success, 6 async hang, 7 sync hang.
 */
import * as tf from '@tensorflow/tfjs-core';
import { StrataError } from '../../../workers/engine/errors';
import type { FuzzTarget } from '../harness';
import type { Rng } from '../mutate';
import { initBackend } from './common';

let leaked: tf.Tensor[] = [];

export const selftestTarget: FuzzTarget = {
  name: 'selftest',
  about: 'the harness checking itself: one case of every outcome',
  suiteCount: 0,
  limitMs: 300,
  tensors: true,
  async fixtures() {},
  init: initBackend,
  generate(_rng: Rng, i: number) {
    return { bytes: new Uint8Array([i % 8]), what: `case kind ${i % 8}` };
  },
  async run(input) {
    switch (input.bytes[0]) {
      case 0: return { x: 1 };
      case 1: throw new StrataError('refused on one line');
      case 2: throw new TypeError('not a StrataError');
      case 3: throw new StrataError('two\nlines');
      case 4: leaked.push(tf.zeros([2]));
        return { x: 2 };
      case 5: return { x: new Float32Array([1, NaN]) };
      case 6: return new Promise(() => undefined);
      default:
        for (;;) {
          // a synchronous loop only the watchdog can end
        }
    }
  },
};

/** Frees what case 4 leaked (for in-process use). */
export function releaseSelftest(): void {
  tf.dispose(leaked);
  leaked = [];
}
