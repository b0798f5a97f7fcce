/**
 * `attention`: the run's attention patterns, captured into its cache the first time a
 * view asks, returned for a window of query positions (as the lens is), with per-head
 * summaries over every query position (attention-summary.ts).
 */
import { ATTENTION_DEFAULTS, type AttentionResult } from '../../../src/contracts/attention';
import { fail } from '../errors';
import { defineAnalysis } from './analysis';
import { summarizeHeads } from './attention-summary';

export const attentionAnalysis = defineAnalysis({
  name: 'attention',
  defaults: ATTENTION_DEFAULTS,
  async run(ctx, opts): Promise<AttentionResult> {
    const run = ctx.run(['blocks.*.attn.hook_pattern']);
    const { heads } = ctx.model.model.arch;
    const T = run.tokens.length;
    const [start, end] = opts.range ?? [0, T];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= T && start < end)) fail(`attention range [${start}, ${end}) is not inside 0..${T}`);
    const patterns: Float32Array[] = [];
    const summaries = [];
    for (let s = 0; s < run.path.length; s++) {
      // [H, T, T] on the host: the summaries need every row; only the window is returned.
      const full = Float32Array.from(await run.hook(`blocks.${s}.attn.hook_pattern`).data());
      summaries.push(summarizeHeads(full, heads, T));
      if (start === 0 && end === T) patterns.push(full);
      else {
        const w = new Float32Array(heads * (end - start) * T);
        for (let h = 0; h < heads; h++) w.set(full.subarray((h * T + start) * T, (h * T + end) * T), h * (end - start) * T);
        patterns.push(w);
      }
    }
    return { heads, positions: T, start, rows: end - start, patterns, summaries };
  },
});
