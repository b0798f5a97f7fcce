/**
 * Features as interventions (contracts/run.ts SaeSplice, kind `sae`): the hook's value
 * goes through the SAE, z is edited (ablate / clamp / scale), decoded, and the error term
 * x − x̂ added back unless `keepError` is false. Runs on the device inside the forward's
 * tidy; the registry resolves the SAE artifact by id when the run is made.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Intervention } from '../../../src/contracts/run';
import { saeDecode, saeEncode } from '../analyses/sae-encode';
import { fail } from '../errors';
import type { SaeSplicer } from '../forward/hooks';
import type { Registry } from '../registry';
import type { Sae } from './sae';

const site = (hook: string): string => hook.replace(/^blocks\.\d+\./, '');

/** z' = z·scale where not set, the set value where ablated (0) or clamped. */
function editFeatures(sae: Sae, z: tf.Tensor2D, iv: Intervention): tf.Tensor2D {
  const edits = iv.sae?.features ?? [];
  if (edits.length === 0) return z;
  const n = sae.info.dSae;
  const mul = new Float32Array(n).fill(1);
  const set = new Float32Array(n);
  const val = new Float32Array(n);
  for (const e of edits) {
    if (!(Number.isInteger(e.id) && e.id >= 0 && e.id < n)) fail(`SAE splice at ${iv.hook}: feature ${e.id} is outside 0..${n - 1}`);
    if (e.op === 'ablate') {
      set[e.id] = 1;
      val[e.id] = 0;
      continue;
    }
    if (typeof e.value !== 'number' || !Number.isFinite(e.value)) fail(`SAE splice at ${iv.hook}: feature ${e.id} ${e.op} needs a finite value`);
    if (e.op === 'clamp') {
      set[e.id] = 1;
      val[e.id] = e.value;
    } else if (e.op === 'scale') mul[e.id] = (mul[e.id] as number) * e.value;
    else fail(`SAE splice at ${iv.hook}: feature op "${String(e.op)}" is unknown (ablate, clamp, scale)`);
  }
  const s = tf.tensor1d(set);
  return tf.add(tf.mul(tf.mul(z, tf.tensor1d(mul)), tf.sub(1, s)), tf.mul(tf.tensor1d(val), s)) as tf.Tensor2D;
}

/** The splicer for runs of `modelId` in this registry. */
export function saeSplicer(registry: Registry, modelId: string): SaeSplicer {
  return (x, hook, iv) => {
    const id = iv.sae?.id;
    if (!id) fail(`intervention "sae" on ${hook} needs "sae": {"id": <SAE artifact id>}`);
    const a = registry.artifact('sae', id);
    if (a.model !== modelId) fail(`SAE ${id} belongs to model ${a.model}, not to this run's model ${modelId}`);
    const sae = a.sae;
    if (site(hook) !== site(sae.info.hook)) fail(`SAE ${id} reads ${sae.info.hook} but the intervention is at ${hook}: splice it at its own hook site`);
    const T = x.shape[0] as number;
    const width = x.size / T;
    if (width !== sae.info.dIn) fail(`SAE ${id}'s d_in is ${sae.info.dIn} but ${hook} is ${width} wide`);
    return tf.tidy(() => {
      const x2 = tf.reshape(x, [T, width]) as tf.Tensor2D;
      const { z, undo } = saeEncode(sae, x2);
      const edited = editFeatures(sae, z, iv);
      let out = saeDecode(sae, edited, x2, undo);
      if (iv.sae?.keepError !== false) out = tf.add(out, tf.sub(x2, saeDecode(sae, z, x2, undo)));
      return tf.reshape(out, x.shape);
    });
  };
}
