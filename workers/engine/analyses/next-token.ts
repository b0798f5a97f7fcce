/**
 * Next-token loss on the device: logits [N, V] of some positions, the token each predicts;
 *   NLL = Σ_i −log softmax(z_{at_i})[next_i]      (nats)
 * Only the sum comes back. Shared by the SAE CE scores (sae, sae-ce) and the quantization study.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';

/** Σ −log p(next[i]) at rows `at[i]` of [N, V] logits (the rows gathered, log-softmaxed, the targets picked). */
export async function nextTokenNll(logits: tf.Tensor2D, at: number[], next: number[]): Promise<number> {
  if (at.length === 0) return 0;
  const V = logits.shape[1];
  const s = tf.tidy(() => {
    const lp = tf.logSoftmax(tf.gather(logits, tf.tensor1d(at, 'int32'))); // [n, V]
    const flat = tf.add(tf.mul(tf.range(0, at.length, 1, 'int32'), tf.scalar(V, 'int32')), tf.tensor1d(next, 'int32'));
    return tf.neg(tf.sum(tf.gather(tf.reshape(lp, [-1]), flat)));
  });
  try {
    return (await s.data())[0] as number;
  } finally {
    s.dispose();
  }
}

/** Mean next-token cross-entropy (nats) of one row's [T, V] logits over positions 0..T−2. */
export async function nextTokenCe(logits: tf.Tensor2D, tokens: number[]): Promise<number> {
  const T = tokens.length;
  if (T < 2) fail('sae: the CE-loss score needs at least 2 tokens');
  return (await nextTokenNll(logits, Array.from({ length: T - 1 }, (_, j) => j), tokens.slice(1))) / (T - 1);
}
