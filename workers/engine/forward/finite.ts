/**
 * Non-finite detection: a forward never hands NaN or ±Inf to an analysis as numbers.
 *
 * A forward given a watch (ForwardOptions.watch, or a watch set on the LoadedModel the
 * analysis was handed) sums, on the device, the residual after the embeddings, after
 * each step's attention (hook_resid_mid) and after each step (hook_resid_post), and the
 * logits: one reduction per checkpoint, 2S + 2 scalars stacked into one [2S + 2] tensor.
 * A sum is finite exactly when no element is NaN or ±Inf (and the total did not overflow
 * f32, which only values near 1e34 can do, themselves unusable). Nothing is read back
 * during the forward: `settle` reads every recorded forward in one read-back at the end
 * (the run cache: once per run; an analysis: once when it finishes) and fails with the
 * first forward, step and hook that went non-finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';
import type { NonFiniteSink } from '../models/common/types';

interface Recorded {
  /** Checkpoint names, in the order of the sums. */
  labels: string[];
  path: number[];
  tokens: number;
  /** Offset of this forward's first sum in the concatenation of all parts. */
  offset: number;
}

/** Parts merged into one tensor past this many, so a long search holds a handful of tensors. */
const FOLD_AT = 32;

export class FiniteWatch implements NonFiniteSink {
  private parts: tf.Tensor1D[] = [];
  private readonly recorded: Recorded[] = [];
  private size = 0;

  /** Takes ownership of `sums` (one per label). */
  add(sums: tf.Tensor1D, labels: string[], path: number[], tokens: number): void {
    this.recorded.push({ labels, path: [...path], tokens, offset: this.size });
    this.size += labels.length;
    this.parts.push(sums);
    if (this.parts.length > FOLD_AT) {
      const merged = tf.keep(tf.concat(this.parts));
      tf.dispose(this.parts);
      this.parts = [merged];
    }
  }

  get forwards(): number {
    return this.recorded.length;
  }

  /** Reads every recorded sum back once, frees them, and fails on the first non-finite one. */
  async settle(): Promise<void> {
    if (this.parts.length === 0) return;
    const all = this.parts.length === 1 ? (this.parts[0] as tf.Tensor1D) : tf.concat(this.parts);
    let values: Float32Array;
    try {
      values = (await all.data()) as Float32Array;
    } finally {
      if (all !== this.parts[0]) all.dispose();
      this.dispose();
    }
    const at = values.findIndex((v) => !Number.isFinite(v));
    if (at < 0) return;
    const r = [...this.recorded].reverse().find((x) => x.offset <= at) as Recorded;
    fail(nonFiniteMessage(r, at - r.offset, Number.isNaN(values[at] as number)));
  }

  dispose(): void {
    tf.dispose(this.parts);
    this.parts = [];
  }
}

/** Checkpoint names of a forward over `path`, matching the sums forward() stacks. */
export function checkpointLabels(path: number[], logits: boolean): string[] {
  const out = ['hook_embed'];
  path.forEach((_, s) => out.push(`blocks.${s}.hook_resid_mid`, `blocks.${s}.hook_resid_post`));
  if (logits) out.push('logits');
  return out;
}

function nonFiniteMessage(r: Recorded, j: number, nan: boolean): string {
  const label = r.labels[j] ?? '?';
  const what = nan ? 'NaN' : 'infinite (or overflowing f32)';
  const m = /^blocks\.(\d+)\.hook_resid_(mid|post)$/.exec(label);
  let where: string;
  if (label === 'hook_embed') where = 'at hook_embed, the embeddings: the checkpoint\'s embedding (or an intervention there) holds NaN or ±Inf';
  else if (label === 'logits') where = 'in the logits, after every step was finite: the final norm or unembedding overflows';
  else {
    const s = Number(m?.[1]);
    where = `first at step ${s} (layer ${r.path[s] ?? '?'}), ${label} (${m?.[2] === 'mid' ? 'after attention' : 'after the MLP'})`;
  }
  const run = `path [${r.path.join(',')}], ${r.tokens} tokens`;
  return `the forward (${run}) went ${what} ${where}; no numbers are shown from it (check the weights, the config's scales, and the run's interventions)`;
}
