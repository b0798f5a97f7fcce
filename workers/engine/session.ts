import * as tf from '@tensorflow/tfjs-core';
import type { AnalyzeResult, AttentionResult } from '../../src/contracts/engine-api';
import type { Intervention, LensOptions, LensResult } from '../../src/contracts/run';
import { summarizeHeads } from './analyses/attention-summary';
import { logitLens } from './analyses/logit-lens';
import { lensLabels } from './analyses/trace';
import { fail } from './errors';
import { disposeForward, forward, type ForwardOutput } from './forward/forward';
import type { LoadedModel } from './models/common/types';
import type { TokenView } from './tokenizer/tokenizer';

let nextRunId = 1;

/**
 * The last analysed run of a page: its residuals and attention patterns stay on the
 * device so views can ask for just the lens cells they show (a window of positions)
 * without another forward pass. One at a time; the next run disposes it.
 */
export class RunSession {
  readonly id = nextRunId++;

  private constructor(
    private readonly model: LoadedModel,
    readonly tokens: number[],
    readonly path: number[],
    private out: ForwardOutput | undefined,
  ) {}

  static start(model: LoadedModel, tokens: number[], path: number[], interventions: Intervention[] = []): RunSession {
    const out = forward(model, tokens, { path, interventions, keepResiduals: true, capture: ['blocks.*.attn.hook_pattern'] });
    return new RunSession(model, tokens, path, out);
  }

  private need(): ForwardOutput {
    if (!this.out) fail('this run has been replaced by a newer one; run the prompt again');
    return this.out;
  }

  async summary(view: (ids: number[]) => TokenView[], topk = 10): Promise<Omit<AnalyzeResult, 'tokens' | 'notation'>> {
    const out = this.need();
    const [T, V] = out.logits.shape;
    const stats = tf.tidy(() => {
      const last = tf.slice(out.logits, [T - 1, 0], [1, V]);
      const { values, indices } = tf.topk(tf.softmax(last), Math.min(topk, V));
      const norms = tf.stack(out.residuals.map((r) => tf.norm(r, 'euclidean', 1)));
      return { last, values, indices, norms };
    });
    const [last, probs, ids, norms] = await Promise.all([stats.last.data(), stats.values.data(), stats.indices.data(), stats.norms.data()]);
    tf.dispose(Object.values(stats));
    const pieces = view(Array.from(ids));
    return {
      runId: this.id,
      path: this.path,
      next: Array.from(ids, (id, i) => ({ id, text: pieces[i]?.text ?? String(id), prob: probs[i] as number })),
      logitsLast: Float32Array.from(last),
      residNorms: out.residuals.map((_, r) => Float32Array.from(norms.subarray(r * T, (r + 1) * T))),
    };
  }

  lens(opts: LensOptions, signal?: AbortSignal): Promise<LensResult> {
    const out = this.need();
    return logitLens(this.model, out.residuals, out.logits, lensLabels(this.path), opts, signal);
  }

  async attention(): Promise<AttentionResult> {
    const out = this.need();
    const patterns: Float32Array[] = [];
    for (let s = 0; s < this.path.length; s++) {
      const p = out.captures.get(`blocks.${s}.attn.hook_pattern`);
      if (p) patterns.push(Float32Array.from(await p.data()));
    }
    const { heads } = this.model.arch;
    const T = this.tokens.length;
    return { heads, positions: T, patterns, summaries: patterns.map((p) => summarizeHeads(p, heads, T)) };
  }

  dispose(): void {
    if (!this.out) return;
    disposeForward(this.out);
    this.out = undefined;
  }
}
