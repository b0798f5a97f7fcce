/**
 * Decoding a residual as the model's own output would be: log p = log_softmax(c(N_f(h)·W_U)),
 * N_f the final norm, W_U the unembedding (in its column blocks), c the final soft-cap
 * tanh(z/cap)·cap when the family has one (Gemma 2). h [N, d] → log-probabilities [N, V].
 * The logit lens, the tuned lens (after its translator) and their training all use this one op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyNorm, unembed } from '../models/common/ops';
import type { LoadedModel } from '../models/common/types';

export function decodeResidual(model: LoadedModel, h: tf.Tensor2D): tf.Tensor2D {
  // No tidy here: callers run it inside theirs (and inside gradient tapes).
  return tf.logSoftmax(unembed(applyNorm(h, model.weights.lnFinal), model.weights.unembed, model.arch.finalSoftcap));
}
